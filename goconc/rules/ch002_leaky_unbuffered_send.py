"""## What it does
Flags a send, in a goroutine started with `go func(){ ... }()`, on an unbuffered channel
(`make(chan T)` or `make(chan T, 0)`) made in the enclosing function, when the enclosing
function can leave without receiving from it: its only receive is a `select` case that
competes with another case (a timeout such as `time.After`, `ctx.Done()`, another channel)
whose path returns, or a plain receive that some path skips (an early `return` before it).

## Why is this bad?
A send on an unbuffered channel completes only when a receiver takes the value. Once the
function that would receive has returned, nobody ever will: the goroutine blocks on the send
forever and everything it references stays alive. Each timed-out request leaks one goroutine,
until the process runs out of memory. This is the commonest goroutine leak in real Go code
(GFix, ASPLOS 2021; the "timeout" leak of Tu et al., ASPLOS 2019).

## Example
```go
package example

import (
        "context"
        "errors"
)

func fetch() (string, error) { return "data", nil }

func FetchWithContext(ctx context.Context) (string, error) {
        ch := make(chan string)
        go func() {
                v, err := fetch()
                if err != nil {
                        v = ""
                }
                ch <- v
        }()
        select {
        case v := <-ch:
                return v, nil
        case <-ctx.Done():
                return "", errors.New("timed out")
        }
}
```

Use instead:
```go
package example

import (
        "context"
        "errors"
)

func fetch() (string, error) { return "data", nil }

func FetchWithContext(ctx context.Context) (string, error) {
        ch := make(chan string, 1)
        go func() {
                v, err := fetch()
                if err != nil {
                        v = ""
                }
                ch <- v
        }()
        select {
        case v := <-ch:
                return v, nil
        case <-ctx.Done():
                return "", errors.New("timed out")
        }
}
```

Not flagged: a buffered channel; a send inside a `select` (with `ctx.Done()` or `default`, it
can give up); a receive that every path reaches, including a `select` whose other cases loop
back to it; a channel that is ranged over, passed to another function, returned, stored,
captured by another closure, or received in a loop (its receivers are not all visible here);
paths that panic or end the process.

## Fix safety
When the goroutine is started once (not in a loop) and sends at most once on every path, the
fix gives the channel a buffer of one (`make(chan T, 1)`): the send then always completes and
the goroutine exits, whether or not anyone receives. It is safe: a receiver that does come
gets the same value, and no other code can observe the buffer (the channel does not leave the
function). With several sends no fix is offered; give the goroutine a `select` on
`ctx.Done()` or a done channel instead.

## Limitations
Only goroutines started from a function literal, and channels held in a local variable of the
enclosing function, are checked. Conditions are not evaluated, so a path that skips the
receive only when the goroutine does not send either (both guarded by the same flag) is
reported. A receive in another goroutine or through a helper makes the rule silent.

## References
- go vet and staticcheck have no equivalent check; uber-go/goleak finds these leaks at run
  time in tests.
- GFix: "Automatically Fixing Channel-Related Blocking Bugs in Go", Liu et al., ASPLOS 2021
  (the buffer-of-one patch); T. Tu et al., "Understanding Real-World Concurrency Bugs in Go",
  ASPLOS 2019.
- https://go.dev/blog/pipelines ("Stopping short"), https://go.dev/ref/spec#Send_statements.
"""

from __future__ import annotations

from tree_sitter import Node

from goconc.analyzer.dataflow import Exit, contains, escape_path, reaches
from goconc.analyzer.diagnostics import Applicability, Edit, Fix, Related, RuleMeta, Severity
from goconc.analyzer.matchers import (
    FUNC_KINDS,
    call_args,
    descendants,
    in_function,
)
from goconc.analyzer.rule import Rule
from goconc.analyzer.types import Binding, enclosing_function, unparen

_IDENT = frozenset({"identifier"})
_SENDS = frozenset({"send_statement"})
_HARMLESS_CALLS = frozenset({"len", "cap"})


class LeakyUnbufferedSend(Rule):
    meta = RuleMeta(
        code="CH002",
        name="leaky-unbuffered-send",
        summary="A goroutine sends on an unbuffered channel whose receiver can give up.",
        severity=Severity.WARNING,
        tags=("concurrency", "channel", "goroutine-leak", "external/cwe/cwe-401"),
        precision="high",
        fix=Applicability.SAFE,
    )
    anchors = {"go_statement": (b"go",)}

    def visit_go_statement(self, stmt: Node) -> None:
        call = stmt.named_children[0] if stmt.named_children else None
        if call is None or call.type != "call_expression":
            return
        fn = call.child_by_field_name("function")
        lit = unparen(fn) if fn is not None else None
        if lit is None or lit.type != "func_literal":
            return
        func = enclosing_function(stmt)
        if func is None:
            return
        seen: set[str] = set()
        for send in descendants(lit, _SENDS, into_funcs=False):
            parent = send.parent
            if parent is not None and parent.type == "communication_case":
                continue  # a select case: it can take another case
            channel = send.child_by_field_name("channel")
            if channel is None or unparen(channel).type != "identifier":
                continue
            b = self.pkg.resolver.binding(unparen(channel), self.file)
            if b is None or b.key in seen:
                continue
            seen.add(b.key)
            if self._check(stmt, lit, func, send, b):
                return  # one finding per goroutine

    def _check(self, go: Node, lit: Node, func: Node, send: Node, b: Binding) -> bool:
        if b.file is not self.file and b.file.path != self.file.path:
            return False
        if not (func.start_byte <= b.ident.start_byte < func.end_byte) or contains(lit, b.ident):
            return False  # not made in the enclosing function
        if not in_function(b.ident, func):
            return False
        make = _unbuffered_make(b)
        if make is None:
            return False
        receives = self._receives(b, func, lit)
        if not receives:
            return False
        cfg = self.pkg.cfg(func, self.file)
        if cfg.block_of(go) is None:
            return False

        def handled(node: Node) -> bool:
            return any(contains(node, r) for r in receives)

        leak = escape_path(cfg, go, handled)
        if leak is None:
            return False
        name = b.name
        related = [self._abandon_related(leak, func, name)]
        for r in receives:
            select = _competing_select(r)
            if select is not None:
                related.append(
                    Related(
                        self.span(select.children[0]),
                        f"this select can take another case and leave {name} unreceived",
                    )
                )
        related.append(Related(self.span(go), "the goroutine starts here"))
        related.append(Related(self.span(make), f"{name} is made unbuffered here"))
        self.report(
            send,
            f"send on unbuffered {name} can block forever: {self._exit_text(leak)} leaves "
            f"without receiving from {name}, and the goroutine leaks; give {name} a buffer "
            "(make(chan T, 1))",
            related=related,
            fixes=self._fixes(go, lit, func, b, make),
        )
        return True

    def _receives(self, b: Binding, func: Node, lit: Node) -> list[Node] | None:
        """The receive expressions of ``b`` in ``func``'s own body, or None when the channel
        is used in a way that hides its receivers (passed on, stored, ranged over, captured
        by another function literal, received in a loop the goroutine is not in)."""
        r = self.pkg.resolver
        out: list[Node] = []
        for ident in descendants(func, _IDENT):
            if ident.id == b.ident.id or ident.text != b.ident.text:
                continue
            if r.binding(ident, self.file) is not b:
                continue
            parent = ident.parent
            while parent is not None and parent.type == "parenthesized_expression":
                parent = parent.parent
            if parent is None:
                return None
            if contains(lit, ident):
                if parent.type == "send_statement" and _is_field(parent, "channel", ident):
                    continue
                if _call_of(parent, ident, self.file, ("close",)):
                    continue
                return None
            if not in_function(ident, func):
                return None  # captured by another closure or goroutine
            if _call_of(parent, ident, self.file, _HARMLESS_CALLS):
                continue
            if (
                parent.type == "unary_expression"
                and self.file.text(parent.child_by_field_name("operator") or parent) == "<-"
            ):
                if _in_loop_without(parent, func, lit):
                    return None
                out.append(parent)
                continue
            return None
        return out

    def _abandon_related(self, leak: Exit, func: Node, name: str) -> Related:
        if leak.node is not None:
            return Related(self.span(leak.node), f"this return leaves without receiving {name}")
        body = func.child_by_field_name("body") or func
        return Related(
            self.file.span(body.end_byte - 1, body.end_byte),
            f"the function ends without receiving {name}",
        )

    def _exit_text(self, leak: Exit) -> str:
        if leak.node is None:
            return "the end of the function"
        return f"the return on line {self.file.line_of(leak.node.start_byte)}"

    def _fixes(self, go: Node, lit: Node, func: Node, b: Binding, make: Node) -> list[Fix]:
        """A buffer of one, when the goroutine is started once and sends at most once."""
        if _in_loop_without(go, func, b.ident):
            return []
        sends = [s for s in descendants(lit, _SENDS, into_funcs=False) if _sends_on(s, b, self)]
        if not sends or any(_in_loop_without(s, lit, None) for s in sends):
            return []
        lit_cfg = self.pkg.cfg(lit, self.file)
        for a in sends:
            for c in sends:
                if a.id != c.id and reaches(lit_cfg, a, c):
                    return []
        args = call_args(make)
        if len(args) == 1:
            edit = Edit(self.file.span(args[0].end_byte, args[0].end_byte, clamp=False), ", 1")
        else:
            edit = Edit(self.file.span(args[1].start_byte, args[1].end_byte, clamp=False), "1")
        return [Fix(f"Give {b.name} a buffer of one", (edit,), Applicability.SAFE)]


def _sends_on(send: Node, b: Binding, rule: LeakyUnbufferedSend) -> bool:
    channel = send.child_by_field_name("channel")
    if channel is None or unparen(channel).type != "identifier":
        return False
    return rule.pkg.resolver.binding(unparen(channel), rule.file) is b


def _unbuffered_make(b: Binding) -> Node | None:
    """The `make(chan T)` / `make(chan T, 0)` that initialises ``b``."""
    if b.kind not in ("short", "var") or b.value is None or b.index != 0:
        return None
    value = unparen(b.value)
    if value.type != "call_expression":
        return None
    fn = value.child_by_field_name("function")
    if fn is None or b.file.text(fn) != "make":
        return None
    args = call_args(value)
    if not args or args[0].type != "channel_type":
        return None
    if len(args) == 1 or (len(args) == 2 and b.file.text(args[1]).strip() == "0"):
        return value
    return None


def _is_field(parent: Node, field: str, child: Node) -> bool:
    f = parent.child_by_field_name(field)
    return f is not None and contains(f, child) and unparen(f).id == child.id


def _call_of(
    parent: Node, ident: Node, file: object, names: tuple[str, ...] | frozenset[str]
) -> bool:
    """``ident`` is the sole argument of a builtin call named one of ``names``."""
    from goconc.analyzer.source import SourceFile

    assert isinstance(file, SourceFile)
    if parent.type != "argument_list":
        return False
    call = parent.parent
    if call is None or call.type != "call_expression":
        return False
    fn = call.child_by_field_name("function")
    return fn is not None and fn.type == "identifier" and file.text(fn) in names


def _competing_select(receive: Node) -> Node | None:
    """The select whose case receives ``receive``, when it has another case."""
    p = receive.parent
    while p is not None and p.type not in ("communication_case", "block", *FUNC_KINDS):
        p = p.parent
    if p is None or p.type != "communication_case":
        return None
    comm = p.child_by_field_name("communication")
    if comm is None or not contains(comm, receive):
        return None
    select = p.parent
    if select is None or select.type != "select_statement":
        return None
    cases = [c for c in select.named_children if c.type in ("communication_case", "default_case")]
    return select if len(cases) > 1 else None


def _in_loop_without(node: Node, func: Node, anchor: Node | None) -> bool:
    """``node`` is in a `for` loop of ``func`` that does not contain ``anchor``."""
    p = node.parent
    while p is not None and p.id != func.id:
        if p.type in FUNC_KINDS:
            return False
        if p.type == "for_statement" and (anchor is None or not contains(p, anchor)):
            return True
        p = p.parent
    return False
