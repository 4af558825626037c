"""## What it does
Flags a receive that waits on its own (a plain `<-ch`, or a `select` whose only case it is)
on a channel that is only ever closed by a deferred `close` in one function, and never sent
on, when that function is still running at the receive: the receive is in the function
itself, or in code it calls on its own goroutine, through static calls, calls through
interfaces with a single implementation in the package, function-typed fields and
`sync.Once.Do`. The channel may be received through a local variable that holds it: one
assigned from the parameter of a function literal that a package function calls with the
channel it was handed (`WaitFor(func(done <-chan T) ... { doneCh = done ... }, stop)`).
Handing the channel to a receive-only (`<-chan T`) parameter does not count as a way to close
it.

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
several functions, or handed to code goconc cannot see (anything but a receive-only
parameter of a package function); a variable that may also hold another channel; exported
fields.

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
- GoBench/GoKer blocking kernels syncthing/5795 (a `ClusterConfig` callback closes the
  connection whose dispatcher loop is running it) and kubernetes/70277 (a test waits on the
  stop channel its own defer closes, kept from a `WaitFor` callback), shipped in the Go tree under
  `runtime/testdata/testgoroutineleakprofile/goker`.
- https://go.dev/ref/spec#Defer_statements: deferred functions run when the surrounding
  function returns.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from goconc.analyzer.calls import callee, callees, param_idents
from goconc.analyzer.chans import Channels, ChanOrigin, blocking_receive
from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.dispatch import Dispatch
from goconc.analyzer.matchers import FUNC_KINDS, call_args, descendants
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
        channels = self.pkg.fact(Channels)
        origin = channels.origin(operand, self.file)
        alias = None
        if origin is None:
            alias = self._alias_of(operand)
            if alias is None:
                return
            origin = channels.origin(alias[0], alias[1])
        if origin is None or (origin.shared and exported(origin.key)):
            return
        fate = origin.fate
        if fate.sends or not fate.closes:
            return
        if any(not self._receive_only(use, file) for use, file in fate.escapes):
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
        held = name
        if alias is not None:
            held = alias[1].text(alias[0])
            name = f"{name}, which holds {held},"

        owner = _func_name(func, close_file)
        related = [
            Related(
                self.span(close_call, close_file),
                f"{held} is closed only here, when {owner} returns",
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
            f"receive from {name} waits for its own goroutine: {held} is closed only by the "
            f"deferred close in {owner}, which is still running here{via}, so it cannot "
            "return and the close never comes",
            related=related,
        )

    # -- a local that holds another local's channel -----------------------------------------
    def _alias_of(self, operand: Node) -> tuple[Node, SourceFile] | None:
        """For a local variable with no channel of its own (`var done <-chan T`), the one
        local channel every assignment to it holds: assigned directly, or from a parameter
        of a function literal that a package function calls with a channel it was itself
        handed (`WaitFor(func(d <-chan T) {...; done = d}, stop)` where WaitFor calls its
        callback with its own `stop`)."""
        r = self.pkg.resolver
        operand = unparen(operand)
        b = r.binding(operand, self.file) if operand.type == "identifier" else None
        if b is None or b.kind != "var" or b.value is not None:
            return None
        found: tuple[Node, SourceFile] | None = None
        for use in r.uses(b):
            if use.id == operand.id:
                continue
            value = _assigned(use)
            if value is None:
                if _is_read(use):
                    continue
                return None
            source = self._source_of(value, self.file, 0)
            if source is None or (found is not None and found[0].id != source[0].id):
                return None
            found = source
        return found

    def _source_of(
        self, expr: Node, file: SourceFile, depth: int
    ) -> tuple[Node, SourceFile] | None:
        """The identifier of the local channel ``expr`` denotes: itself, or through the
        parameter of a function literal the package function it is passed to calls."""
        expr = unparen(expr)
        r = self.pkg.resolver
        b = r.binding(expr, file) if expr.type == "identifier" else None
        if b is None or depth > 2:
            return None
        if b.kind in ("short", "var"):
            return (b.ident, file) if b.value is not None else None
        if b.kind != "param":
            return None
        lit = enclosing_function(b.ident)
        if lit is None or lit.type != "func_literal":
            return None
        position = _position(lit, b.ident)
        args = lit.parent
        call = args.parent if args is not None and args.type == "argument_list" else None
        if position is None or call is None or call.type != "call_expression":
            return None
        target = callee(call, file, r)
        if target is None or target.literal is not None:
            return None
        decl = target.decl
        at = next((i for i, a in enumerate(call_args(call)) if unparen(a).id == lit.id), -1)
        params = param_idents(decl.node)
        param = params[at] if 0 <= at < len(params) else None
        if param is None:
            return None
        callback = r.binding(param, decl.file)
        if callback is None:
            return None
        found: tuple[Node, SourceFile] | None = None
        for use in r.uses(callback):
            parent = use.parent
            if parent is None or parent.type != "call_expression":
                return None  # handed on, or stored: called elsewhere too
            inner = call_args(parent)
            if position >= len(inner):
                return None
            handed = unparen(inner[position])
            hb = r.binding(handed, decl.file) if handed.type == "identifier" else None
            if hb is None or hb.kind != "param":
                return None
            outer = _position(decl.node, hb.ident)
            outer_args = call_args(call)
            if outer is None or outer >= len(outer_args):
                return None
            source = self._source_of(outer_args[outer], file, depth + 1)
            if source is None or (found is not None and found[0].id != source[0].id):
                return None
            found = source
        return found

    def _receive_only(self, use: Node, file: SourceFile) -> bool:
        """``use`` hands the channel to a package function whose parameter is receive-only
        (`<-chan T`): it can neither send on it nor close it."""
        node = use
        while node.parent is not None and node.parent.type == "parenthesized_expression":
            node = node.parent
        args = node.parent
        call = args.parent if args is not None and args.type == "argument_list" else None
        if call is None or call.type != "call_expression":
            return False
        target = callee(call, file, self.pkg.resolver)
        if target is None or target.literal is not None:
            return False
        at = next((i for i, a in enumerate(call_args(call)) if a.id == node.id), -1)
        types = _param_types(target.decl.node)
        kind = types[at] if 0 <= at < len(types) else None
        return (
            kind is not None
            and kind.type == "channel_type"
            and (kind.text or b"").startswith(b"<-")
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


def _assigned(use: Node) -> Node | None:
    """The value ``use`` is set to by a plain `=` assignment of which it is a target."""
    parent = use.parent
    stmt = parent.parent if parent is not None and parent.type == "expression_list" else None
    if parent is None or stmt is None or stmt.type != "assignment_statement":
        return None
    if stmt.child_by_field_name("left") != parent:
        return None
    right = stmt.child_by_field_name("right")
    lefts = [c for c in parent.named_children if not c.is_extra]
    values = [c for c in right.named_children if not c.is_extra] if right is not None else []
    if len(lefts) != len(values):
        return None
    return values[next(i for i, n in enumerate(lefts) if n.id == use.id)]


def _is_read(use: Node) -> bool:
    """``use`` reads the variable (it is not the target of an assignment or `&x`)."""
    parent = use.parent
    if parent is None:
        return False
    if (
        parent.type == "unary_expression"
        and (parent.child_by_field_name("operator") or parent).type == "&"
    ):
        return False
    if parent.type == "expression_list" and parent.parent is not None:
        stmt = parent.parent
        if stmt.type == "assignment_statement" and stmt.child_by_field_name("left") == parent:
            return False
    return True


def _position(func: Node, ident: Node) -> int | None:
    """The position of parameter ``ident`` in ``func``'s parameter list."""
    for i, p in enumerate(param_idents(func)):
        if p is not None and p.id == ident.id:
            return i
    return None


def _param_types(func: Node) -> list[Node | None]:
    """The type node of each parameter, in order (variadics end the list)."""
    plist = func.child_by_field_name("parameters")
    out: list[Node | None] = []
    for param in plist.named_children if plist is not None else []:
        if param.type != "parameter_declaration":
            break
        t = param.child_by_field_name("type")
        names = [c for c in param.children_by_field_name("name") if c.is_named]
        out.extend([t] * max(1, len(names)))
    return out


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
