"""## What it does
Flags a receive that waits on its own (a plain `<-ch`, or a `select` whose only case it is)
on a channel that is only ever closed by a deferred `close` in one function, and never sent
on, when that function is still running at the receive: the receive is in the function
itself, or in code it calls on its own goroutine, through static calls, calls through
interfaces with a single implementation in the package, function-typed fields and
`sync.Once.Do`.

## Why is this bad?
The deferred `close` runs only when the function returns, and the function cannot return
while one of its own calls is blocked waiting for that close: the goroutine waits for
itself. This is the shape of a `Close` method, reached from a callback inside the run loop,
that waits for the loop to report that it stopped:
`dispatch → handler → conn.Close() → <-conn.loopStopped`.

## Example
```go
package example

import "sync"

type handler interface{ handle(msg string) }

type conn struct {
        h         handler
        inbox     chan string
        quit      chan struct{}
        stopped   chan struct{}
        closeOnce sync.Once
}

func newConn(h handler) *conn {
        return &conn{h: h, inbox: make(chan string), quit: make(chan struct{}),
                stopped: make(chan struct{})}
}

func (c *conn) loop() {
        defer close(c.stopped)
        for {
                select {
                case m := <-c.inbox:
                        c.h.handle(m)
                case <-c.quit:
                        return
                }
        }
}

func (c *conn) Close() {
        c.closeOnce.Do(func() {
                close(c.quit)
                <-c.stopped
        })
}

type closer struct{ c *conn }

func (x *closer) handle(msg string) {
        if msg == "bye" {
                x.c.Close()
        }
}
```

Use instead:
```go
package example

import "sync"

type handler interface{ handle(msg string) }

type conn struct {
        h         handler
        inbox     chan string
        quit      chan struct{}
        stopped   chan struct{}
        closeOnce sync.Once
}

func newConn(h handler) *conn {
        return &conn{h: h, inbox: make(chan string), quit: make(chan struct{}),
                stopped: make(chan struct{})}
}

func (c *conn) loop() {
        defer close(c.stopped)
        for {
                select {
                case m := <-c.inbox:
                        c.h.handle(m)
                case <-c.quit:
                        return
                }
        }
}

// Close asks the loop to stop; Wait waits for it, and must not be called from the loop.
func (c *conn) Close() {
        c.closeOnce.Do(func() { close(c.quit) })
}

func (c *conn) Wait() { <-c.stopped }

type closer struct{ c *conn }

func (x *closer) handle(msg string) {
        if msg == "bye" {
                x.c.Close()
        }
}
```

Not flagged: a receive in a `go` statement's goroutine or in a `select` with another case;
a channel that is also sent on, closed anywhere but in a deferred `close`, closed in
several functions, or handed to code goconc cannot see; exported fields.

## Fix safety
No fix is offered: either the wait moves out of the path the function runs (a separate
`Wait`), or the close is started on its own goroutine (`go c.Close()`), which only the
author can choose.

## Limitations
Channels in struct fields are told apart by field class, not instance: a loop that closes
another object of the same type from its callback is reported as if it closed its own.
Calls through function values are followed only as far as `analyzer/dispatch.py` resolves
them. Chains are followed ten calls deep.

## References
- GoBench/GoKer blocking kernel syncthing/5795 (a `ClusterConfig` callback closes the
  connection whose dispatcher loop is running it), shipped in the Go tree under
  `runtime/testdata/testgoroutineleakprofile/goker`.
- https://go.dev/ref/spec#Defer_statements: deferred functions run when the surrounding
  function returns.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from goconc.analyzer.calls import callees
from goconc.analyzer.chans import Channels, ChanOrigin, blocking_receive
from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.dispatch import Dispatch
from goconc.analyzer.matchers import FUNC_KINDS, descendants
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.types import enclosing_function, unparen
from goconc.analyzer.uses import exported

_CLOSE = re.compile(rb"defer\s+close\(")
_CALLS = frozenset({"call_expression"})
_MAX_DEPTH = 10
_MAX_FUNCS = 300


class WaitForOwnClose(Rule):
    meta = RuleMeta(
        code="CH009",
        name="wait-for-own-close",
        summary="A receive on a channel that only a deferred close of a function still "
        "running on the same goroutine can close.",
        severity=Severity.ERROR,
        tags=("concurrency", "channel", "deadlock", "external/cwe/cwe-833"),
        precision="medium",
        preview=True,
        fix=None,
    )
    anchors = {"unary_expression": (b"<-",)}

    def applies_to_package(self) -> bool:
        return any(_CLOSE.search(f.data) for f in self.pkg.files)

    def visit_unary_expression(self, node: Node) -> None:
        op = node.child_by_field_name("operator")
        operand = node.child_by_field_name("operand")
        if op is None or op.type != "<-" or operand is None or not blocking_receive(node):
            return
        origin = self.pkg.fact(Channels).origin(operand, self.file)
        if origin is None or (origin.shared and exported(origin.key)):
            return
        fate = origin.fate
        if fate.sends or fate.escapes or not fate.closes:
            return
        closer = _deferring_function(origin)
        if closer is None:
            return
        func, close_call, close_file = closer
        waiter = enclosing_function(node)
        if waiter is None or _in_goroutine(node, waiter):
            return
        if waiter.id == func.id:
            chain: list[tuple[Node, SourceFile]] | None = []
        else:
            chain = self._chain(func, close_file, waiter)
        if chain is None:
            return
        name = origin.key.removeprefix("pkg:") if origin.shared else self.file.text(operand)
        owner = _func_name(func, close_file)
        related = [
            Related(
                self.span(close_call, close_file),
                f"{name} is closed only here, when {owner} returns",
            )
        ]
        via = ""
        if chain:
            first, first_file = chain[0]
            related.append(Related(self.span(first, first_file), f"{owner} calls on from here"))
            names = [_callee_text(call, f) for call, f in chain]
            via = f" (through {' → '.join(names)})"
        self.report(
            node,
            f"receive from {name} waits for its own goroutine: {name} is closed only by the "
            f"deferred close in {owner}, which is still running here{via}, so it cannot "
            "return and the close never comes",
            related=related,
        )

    def _chain(
        self, start: Node, start_file: SourceFile, goal: Node
    ) -> list[tuple[Node, SourceFile]] | None:
        """The calls by which ``start`` reaches ``goal`` on its own goroutine (not through
        `go` or `defer`), breadth first; None when it does not."""
        dispatch = self.pkg.fact(Dispatch)
        r = self.pkg.resolver
        seen = {start.id}
        frontier: list[tuple[Node, SourceFile, list[tuple[Node, SourceFile]]]] = [
            (start, start_file, [])
        ]
        for _ in range(_MAX_DEPTH):
            following: list[tuple[Node, SourceFile, list[tuple[Node, SourceFile]]]] = []
            for func, file, path in frontier:
                for call in _direct_calls(func):
                    found = [
                        (c.literal or c.decl.node, c.decl.file) for c in callees(call, file, r)
                    ]
                    if not found:
                        found = [(t.func, t.file) for t in dispatch.targets(call, file)]
                    for target, target_file in found:
                        if target.id in seen:
                            continue
                        seen.add(target.id)
                        if len(seen) > _MAX_FUNCS:
                            return None
                        step = [*path, (call, file)]
                        if target.id == goal.id:
                            return step
                        following.append((target, target_file, step))
            frontier = following
            if not frontier:
                break
        return None


def _deferring_function(origin: ChanOrigin) -> tuple[Node, Node, SourceFile] | None:
    """The one function whose every close of the channel is a `defer close(ch)` statement
    of its own body (not of a literal in it), with that close and its file."""
    found: tuple[Node, Node, SourceFile] | None = None
    for use, file in origin.fate.closes:
        node = use
        while node.parent is not None and node.parent.type == "parenthesized_expression":
            node = node.parent
        args = node.parent
        close_call = args.parent if args is not None and args.type == "argument_list" else None
        if close_call is None or close_call.type != "call_expression":
            return None  # a call of a function that closes it
        fn = close_call.child_by_field_name("function")
        if fn is None or fn.type != "identifier" or fn.text != b"close":
            return None
        stmt = close_call.parent
        if stmt is None or stmt.type != "defer_statement":
            return None
        func = enclosing_function(stmt)
        if func is None or (found is not None and found[0].id != func.id):
            return None
        found = (func, close_call, file)
    return found


def _direct_calls(func: Node) -> list[Node]:
    """The calls ``func`` makes on its own goroutine before it returns: not in a `go` or
    `defer` statement, nor in a function literal (a literal runs where it is called)."""
    body = func.child_by_field_name("body")
    if body is None:
        return []
    out = []
    for call in descendants(body, _CALLS, into_funcs=False):
        p = call.parent
        later = False
        while p is not None and p.id != body.id:
            if p.type in ("go_statement", "defer_statement"):
                later = True
                break
            p = p.parent
        if not later:
            out.append(call)
    return out


def _in_goroutine(node: Node, func: Node) -> bool:
    """``node`` is in a `go` or `defer` statement of ``func``."""
    p = node.parent
    while p is not None and p.id != func.id and p.type not in FUNC_KINDS:
        if p.type in ("go_statement", "defer_statement"):
            return True
        p = p.parent
    return False


def _func_name(func: Node, file: SourceFile) -> str:
    name = func.child_by_field_name("name")
    if name is None:
        return "a function literal"
    receiver = func.child_by_field_name("receiver")
    if receiver is not None:
        text = file.text(receiver).strip("()").split()
        return f"{text[-1].lstrip('*')}.{file.text(name)}" if text else file.text(name)
    return file.text(name)


def _callee_text(call: Node, file: SourceFile) -> str:
    fn = call.child_by_field_name("function")
    if fn is None:
        return "a call"
    fn = unparen(fn)
    if fn.type == "selector_expression":
        field = fn.child_by_field_name("field")
        return file.text(field) if field is not None else file.text(fn)
    return file.text(fn)
