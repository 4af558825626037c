"""## What it does
Flags a `close` that can run twice, and a send that can follow a `close`, on the same
channel (identity: the variable or field path, through local aliases):

- `close(ch)` in a loop body, when a path from it leads back to it (no `break`, `return`
  or other exit after it on that path) and the loop does not give `ch` a new channel;
- `close(ch)` run unconditionally by every goroutine of a pool: a `go func() {...}()` in a
  loop whose body (or a `defer` in it) closes a channel declared outside the loop;
- two `close(ch)` calls on one path of a function, or a `defer close(ch)` followed on some
  path by an explicit `close(ch)`;
- a goroutine that only receives from `ch` and closes it, while the function that started
  it sends on `ch` in a loop or from other goroutines;
- a send on `ch` that some path reaches after `close(ch)`.

## Why is this bad?
Closing a closed channel panics ("close of closed channel"), and so does sending on one
("send on closed channel"). Both happen only when the timing or the data make the second
close or the late send run, so they slip through tests and crash production. The rule of
thumb is that the single owner who sends closes, exactly once.

## Example
```go
package example

func fanOut(jobs []int) <-chan int {
        out := make(chan int, len(jobs))
        for _, j := range jobs {
                go func() {
                        defer close(out)
                        out <- j * 2
                }()
        }
        return out
}
```

Use instead:
```go
package example

import "sync"

func fanOut(jobs []int) <-chan int {
        out := make(chan int, len(jobs))
        var wg sync.WaitGroup
        for _, j := range jobs {
                wg.Add(1)
                go func() {
                        defer wg.Done()
                        out <- j * 2
                }()
        }
        go func() {
                wg.Wait()
                close(out)
        }()
        return out
}
```

Not flagged: closes on mutually exclusive branches (`if`/`else`, `switch` and `select`
cases); a lone `defer close(ch)` (it runs once); a close inside `once.Do(func() {...})`;
closes of different channels (a range variable, `chans[i]`, a channel made anew in the
loop, a field of a value bound afresh on each iteration: `for _, s := range subs {
close(s.ch) }`, `case r := <-requests: close(r.reply)`, a variable declared in the loop
body; the loop's back-edge gives them a new value, so a close, then `continue`, then a
close or send on the next iteration touch another channel); the "close unless closed"
idiom `select { case <-ch: default: close(ch) }`; a close in a loop followed by
`break`/`return`, or whose loop re-assigns the channel (`ch = nil`, `ch = make(...)`); a
close guarded by a flag the loop sets (`if !closed { close(ch); closed = true }`); a
conditional close in pool goroutines (the "last one out closes" pattern with an atomic
counter).

## Fix safety
No fix is offered: the single place that should close depends on who owns the channel (the
sender, after `wg.Wait()` when there are several), and `sync.Once` is right only when every
candidate closer may legitimately close.

## Limitations
Conditions are not evaluated: two closes on one path under independent conditions that are
never both true are reported. One case is followed: a path that goes round a loop back to
the `if` that chose a close, with none of the local variables it tests written on the way,
chooses the close again (`if n == 10 { close(ch); continue }; n++; ch <- v` never sends
after the close). Pool goroutines are recognised for function literals only
(`go worker(ch)` in a loop is not followed). Channels reached through maps, slices or other
packages are not tracked.

## References
- No go vet or staticcheck analyzer checks this.
- https://go.dev/ref/spec#Close: "Sending to or closing a closed channel causes a run-time
  panic."
- https://pkg.go.dev/builtin#close: `close` "should be executed only by the sender, never
  the receiver".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from tree_sitter import Node

from goconc.analyzer.calls import callees
from goconc.analyzer.cfg import CFG
from goconc.analyzer.dataflow import Decided, cfg_statement, reaches, reaches_deciding
from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.matchers import (
    FUNC_KINDS,
    body_statements,
    call_args,
    descendants,
    innermost_loop,
    inside_go_statement,
)
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.types import Ref, enclosing_function, unparen

_CALLS = frozenset({"call_expression"})
_CHAN_USES = frozenset({"identifier", "selector_expression"})
_COND = frozenset(
    {
        "if_statement",
        "expression_switch_statement",
        "type_switch_statement",
        "select_statement",
    }
)


class BadClose(Rule):
    meta = RuleMeta(
        code="CH004",
        name="bad-close",
        summary="A channel closed twice, by several goroutines, or sent on after close.",
        severity=Severity.ERROR,
        tags=("concurrency", "channel", "panic"),
        precision="high",
        fix=None,
    )
    triggers = (b"close(",)
    anchors = {
        "call_expression": (b"close",),
        "send_statement": (b"<-",),
        "go_statement": (b"go",),
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._reported: set[int] = set()
        self._used_closes: set[int] = set()

    # -- close(ch) ---------------------------------------------------------------------
    def visit_call_expression(self, call: Node) -> None:
        ref = self._closed_ref(call, self.file)
        if ref is None:
            return
        func = enclosing_function(call)
        if func is None:
            return
        cfg = self.pkg.cfg(func, self.file)
        stmt = cfg_statement(cfg, call)
        if stmt is None or stmt.type == "defer_statement" or _in_once_idiom(call, self.file):
            return
        if self._check_loop(call, ref, func, stmt):
            return
        if self._check_twice(call, ref, func, stmt):
            return
        self._check_defer_then_close(call, ref, func, stmt)

    def _closed_ref(self, call: Node, file: SourceFile) -> Ref | None:
        fn = call.child_by_field_name("function")
        if fn is None or fn.type != "identifier" or file.text(fn) != "close":
            return None
        args = call_args(call)
        r = self.pkg.resolver
        if len(args) != 1 or not r.is_builtin(fn, file, "close"):
            return None
        arg = unparen(args[0])
        if arg.type not in _CHAN_USES:
            return None
        t = r.type_of(arg, file)
        if t is None or t.kind != "chan":
            return None
        return r.ref_of(arg, file)

    def _same(self, node: Node, ref: Ref) -> bool:
        other = self.pkg.resolver.ref_of(node, self.file)
        return other is not None and other.same_object(ref)

    def _writes(self, scope: Node, ref: Ref) -> list[Node]:
        """Mentions inside ``scope`` that give ``ref`` a new value (or take its address),
        by writing it or what holds it: a range, `case x := <-ch` or body variable `x` is
        bound afresh on each iteration, so `x.ch` is another channel there."""
        found: list[Node] = []
        r = self.pkg.resolver
        for n in descendants(scope, _CHAN_USES):
            if _is_written(n) and (w := r.ref_of(n, self.file)) is not None and ref.within(w):
                found.append(n)
        return found

    def _check_loop(self, call: Node, ref: Ref, func: Node, stmt: Node) -> bool:
        loop = innermost_loop(call, func)
        if loop is None:
            return False
        outer = loop
        while True:
            up = innermost_loop(outer, func)
            if up is None:
                break
            outer = up
        if not self._declared_outside(ref, outer) or self._writes(outer, ref):
            return False
        if ref.path and self._renewed_by_call(outer, ref):
            return False
        if _select_default_idiom(call, self, ref) or self._flag_guarded(call, loop):
            return False
        cfg = self.pkg.cfg(func, self.file)
        if not reaches(cfg, stmt, stmt):
            return False
        self._report(
            call,
            f"close({ref.text}) is in a loop and a path leads back to it: the second "
            f"iteration closes {ref.text} again and panics; close once, after the loop "
            "(or break/return right after the close)",
            [Related(self.span(loop), "the loop")],
        )
        return True

    def _renewed_by_call(self, scope: Node, ref: Ref) -> bool:
        """A package function or method called in ``scope`` assigns a field of the same name
        (`c.reset()` making `c.closing` anew)."""
        field = ref.path[-1].encode()
        for call in descendants(scope, _CALLS, into_funcs=False):
            for target in callees(call, self.file, self.pkg.resolver):  # any build variant
                decl = target.decl
                body = decl.node.child_by_field_name("body")
                if (
                    body is None
                    or b"." + field not in decl.file.data[body.start_byte : body.end_byte]
                ):
                    continue
                for sel in descendants(body, frozenset({"selector_expression"})):
                    f = sel.child_by_field_name("field")
                    if f is not None and decl.file.text(f) == ref.path[-1] and _is_written(sel):
                        return True
        return False

    def _check_twice(self, call: Node, ref: Ref, func: Node, stmt: Node) -> bool:
        cfg = self.pkg.cfg(func, self.file)
        stops = self._path_stops(cfg, func, ref)
        for other in descendants(func, _CALLS, into_funcs=False):
            if other.id == call.id or other.start_byte >= call.start_byte:
                continue
            other_ref = self._closed_ref(other, self.file)
            if other_ref is None or not other_ref.same_object(ref):
                continue
            first = cfg_statement(cfg, other)
            if first is None or first.type == "defer_statement" or first.id == stmt.id:
                continue
            if _select_default_idiom(call, self, ref) or _select_default_idiom(other, self, ref):
                continue
            if _exclusive(other, call) or self._self_disabling(other, func):
                continue
            if self._reaches(cfg, other, func, first, stmt, stops):
                self._report(
                    call,
                    f"{ref.text} is closed twice on this path: the second close panics",
                    [Related(self.span(other), f"{ref.text} is first closed here")],
                )
                return True
        return False

    def _check_defer_then_close(self, call: Node, ref: Ref, func: Node, stmt: Node) -> None:
        if _select_default_idiom(call, self, ref):
            return
        cfg = self.pkg.cfg(func, self.file)
        stops = self._path_stops(cfg, func, ref)
        for d in cfg.defers:
            inner = d.named_children[0] if d.named_children else None
            if inner is None or inner.type != "call_expression":
                continue
            d_ref = self._closed_ref(inner, self.file)
            if d_ref is None or not d_ref.same_object(ref):
                continue
            if reaches(cfg, d, stmt, stops):
                self._report(
                    call,
                    f"{ref.text} is closed here and again by the deferred close when the "
                    "function returns: the second close panics",
                    [Related(self.span(d), f"defer close({ref.text}) is registered here")],
                )
                return

    # -- sends after close ---------------------------------------------------------------
    def visit_send_statement(self, send: Node) -> None:
        channel = send.child_by_field_name("channel")
        if channel is None:
            return
        channel = unparen(channel)
        if channel.type not in _CHAN_USES:
            return
        func = enclosing_function(send)
        if func is None:
            return
        data = self.file.data[func.start_byte : func.end_byte]
        if b"close(" not in data:
            return
        ref = self.pkg.resolver.ref_of(channel, self.file)
        if ref is None:
            return
        cfg = self.pkg.cfg(func, self.file)
        target = cfg_statement(cfg, send)
        if target is None:
            return
        closes = [
            c
            for c in descendants(func, _CALLS, into_funcs=False)
            if (cr := self._closed_ref(c, self.file)) is not None and cr.same_object(ref)
        ]
        if not closes:
            return
        stops = self._path_stops(cfg, func, ref)
        for c in closes:
            first = cfg_statement(cfg, c)
            if first is None or first.type == "defer_statement" or first.id == target.id:
                continue
            if _select_default_idiom(c, self, ref) or _in_once_idiom(c, self.file):
                continue
            if c.id in self._used_closes:
                continue  # one finding per close: later sends are the same bug
            if _exclusive(c, send) or self._self_disabling(c, func):
                continue
            if self._reaches(cfg, c, func, first, target, stops):
                self._used_closes.add(c.id)
                self._report(
                    send,
                    f"send on {ref.text} after it was closed on this path: the send panics",
                    [Related(self.span(c), f"{ref.text} is closed here")],
                )
                return

    # -- goroutines ------------------------------------------------------------------------
    def visit_go_statement(self, go: Node) -> None:
        call = go.named_children[0] if go.named_children else None
        if call is None or call.type != "call_expression":
            return
        fn = call.child_by_field_name("function")
        if fn is None or unparen(fn).type != "func_literal":
            return
        literal = unparen(fn)
        body = literal.child_by_field_name("body")
        if body is None or b"close(" not in self.file.data[body.start_byte : body.end_byte]:
            return
        func = enclosing_function(go)
        if func is None:
            return
        loop = innermost_loop(go, func)
        for close, ref in self._goroutine_closes(literal):
            if (
                loop is not None
                and self._declared_outside(ref, loop)
                and not self._writes(loop, ref)
            ):
                self._report(
                    close,
                    f"every goroutine started in this loop closes {ref.text}: the second "
                    f"close panics; close {ref.text} once, after all of them are done "
                    "(wg.Wait), or guard it with sync.Once",
                    [
                        Related(self.span(go), "the goroutines are started here"),
                        Related(self.span(loop), "in this loop"),
                    ],
                )
                continue
            self._check_receiver_closes(close, ref, literal, go, func)

    def _goroutine_closes(self, literal: Node) -> Iterator[tuple[Node, Ref]]:
        """Closes the goroutine runs unconditionally: top-level statements of its body, or
        of a top-level `defer func() { ... }()`."""
        body = literal.child_by_field_name("body")
        for stmt in body_statements(body):
            inner = stmt.named_children[0] if stmt.named_children else None
            if inner is None or inner.type != "call_expression":
                continue
            if stmt.type in ("expression_statement", "defer_statement"):
                ref = self._closed_ref(inner, self.file)
                if ref is not None:
                    yield inner, ref
                    continue
            if stmt.type == "defer_statement":
                fn = inner.child_by_field_name("function")
                if fn is not None and unparen(fn).type == "func_literal":
                    deferred = unparen(fn).child_by_field_name("body")
                    for s in body_statements(deferred):
                        c = s.named_children[0] if s.named_children else None
                        if s.type == "expression_statement" and c is not None:
                            ref = self._closed_ref(c, self.file)
                            if ref is not None:
                                yield c, ref

    def _check_receiver_closes(
        self, close: Node, ref: Ref, literal: Node, go: Node, func: Node
    ) -> None:
        """The goroutine receives from ``ref`` and closes it, never sends on it, while its
        starter sends on it in a loop or from other goroutines."""
        if not self._declared_outside(ref, literal):
            return
        receives = sends = False
        for n in descendants(literal, _CHAN_USES):
            if not self._same(n, ref):
                continue
            role = _chan_role(n)
            receives = receives or role == "recv"
            sends = sends or role == "send"
        if not receives or sends:
            return
        for n in descendants(func, frozenset({"send_statement"})):
            if literal.start_byte <= n.start_byte < literal.end_byte:
                continue
            channel = n.child_by_field_name("channel")
            if channel is None or not self._same(unparen(channel), ref):
                continue
            in_goroutine = inside_go_statement(n, func)
            if in_goroutine or innermost_loop(n, enclosing_function(n) or func) is not None:
                self._report(
                    close,
                    f"{ref.text} is closed by a goroutine that only receives from it, while "
                    "others still send: their next send panics; the sender should close it",
                    [
                        Related(self.span(n), f"{ref.text} is sent on here"),
                        Related(self.span(go), "the receiving goroutine is started here"),
                    ],
                )
                return

    # -- helpers -----------------------------------------------------------------------------
    def _reaches(
        self,
        cfg: CFG,
        close: Node,
        func: Node,
        start: Node,
        target: Node,
        stops: Callable[[Node], bool],
    ) -> bool:
        """A path from the close's statement ``start`` runs ``target``. A path that goes
        round a loop and back to the `if` that chose the close, with nothing changing what
        that `if` tests, chooses the close again (`if n == 10 { close(ch); continue }; n++;
        ch <- v`: the send never follows the close)."""
        decided = self._deciding_if(cfg, close, func)
        if decided is None:
            return reaches(cfg, start, target, stops)
        return reaches_deciding(cfg, start, target, stops, decided)

    def _deciding_if(self, cfg: CFG, close: Node, func: Node) -> Decided | None:
        """The innermost `if` whose consequence holds the close, when its condition reads
        only local variables (compared, negated, combined) that are written by plain
        statements of this function only: not in a closure, not through their address."""
        node: Node | None = close.parent
        while node is not None and node.id != func.id and node.type not in FUNC_KINDS:
            parent = node.parent
            if parent is not None and parent.type == "if_statement":
                if parent.child_by_field_name("consequence") == node:
                    break
                return None  # in the else branch: not followed
            node = parent
        else:
            return None
        stmt = node.parent
        cond = stmt.child_by_field_name("condition") if stmt is not None else None
        taken = next(
            (b for b in cfg.blocks if b.kind == "if.then" and stmt is not None and b.stmt == stmt),
            None,
        )
        if cond is None or taken is None or cfg.block_of(cond) is None:
            return None
        names = self._stable_operands(cond, func)
        if names is None:
            return None
        r = self.pkg.resolver
        file = self.file

        def changes(n: Node) -> bool:
            for m in descendants(n, frozenset({"identifier"})):
                b = r.binding(m, file)
                if b is not None and b.key in names and (_is_written(m) or _stepped(m)):
                    return True
            return False

        return Decided(cond, taken, changes)

    def _stable_operands(self, cond: Node, func: Node) -> set[str] | None:
        """Keys of the local variables a pure condition reads (names, literals, operators),
        when only plain statements of ``func`` write them: no closure, no `&x`. None when
        the condition reads anything else."""
        r = self.pkg.resolver
        keys: set[str] = set()
        for n in _walk(cond):
            if n.type in _PURE:
                continue
            b = r.binding(n, self.file) if n.type == "identifier" else None
            if b is None:
                return None  # a call, a field, a package variable: may change unseen
            keys.add(b.key)
        for use in descendants(func, frozenset({"identifier"})):
            b = r.binding(use, self.file) if keys else None
            if b is None or b.key not in keys:
                continue
            written = _is_written(use) or _stepped(use)
            if _addressed(use) or (written and enclosing_function(use) != func):
                return None
        return keys or None

    def _path_stops(self, cfg: CFG, func: Node, ref: Ref) -> Callable[[Node], bool]:
        """CFG nodes that end a path for these checks: a new value for the channel, or a call
        to a function named `Fatal...` (`testutil.FatalStack(t, ...)`, a helper in another
        package that ends the test or the process: goconc cannot see that it never returns)."""
        writes = {cfg_statement(cfg, w) for w in self._writes(func, ref)}
        ids = {w.id for w in writes if w is not None}
        file = self.file

        def stop(n: Node) -> bool:
            if n.id in ids:
                return True
            if n.type != "expression_statement" or not n.named_children:
                return False
            call = n.named_children[0]
            if call.type != "call_expression":
                return False
            fn = call.child_by_field_name("function")
            if fn is not None and fn.type == "selector_expression":
                fn = fn.child_by_field_name("field")
            return fn is not None and file.text(fn).startswith("Fatal")

        return stop

    def _self_disabling(self, close: Node, func: Node) -> bool:
        """The close is under an `if` whose condition reads something the `if` body assigns
        (`if len(m) == 0 { close(ch); m = make(...) }`, `if !closed { close(ch); closed =
        true }`): it runs once."""
        r = self.pkg.resolver
        parent = close.parent
        while parent is not None and parent.id != func.id:
            if parent.type == "if_statement":
                cond = parent.child_by_field_name("condition")
                body = parent.child_by_field_name("consequence")
                if cond is not None and body is not None:
                    read = {
                        (ref.root, ref.path)
                        for n in descendants(cond, _CHAN_USES)
                        if (ref := r.ref_of(n, self.file)) is not None
                    }
                    for n in descendants(body, _CHAN_USES):
                        if _is_written(n):
                            ref = r.ref_of(n, self.file)
                            if ref is not None and (ref.root, ref.path) in read:
                                return True
            parent = parent.parent
        return False

    def _declared_outside(self, ref: Ref, scope: Node) -> bool:
        """The root of ``ref`` is declared outside ``scope`` (a package variable, a
        parameter or local of the enclosing code)."""
        if ref.root.startswith(("pkg:", "ext:")):
            return True
        path, _, offset = ref.root.rpartition(":")
        if path != self.file.path or not offset.isdigit():
            return False
        at = int(offset)
        return not (scope.start_byte <= at < scope.end_byte)

    def _flag_guarded(self, call: Node, loop: Node) -> bool:
        """The close sits under an `if` or `switch` inside the loop: conditions are not
        evaluated, and most such closes fire once (`if i == 2`, a flag the loop sets, a
        message that arrives once). A `select` case is not a guard: a receive case that fired
        once (a closed quit channel, a ticker, ctx.Done()) fires again."""
        parent = call.parent
        while parent is not None and parent.id != loop.id:
            if parent.type in _COND and parent.type != "select_statement":
                return True
            parent = parent.parent
        return False

    def _report(self, at: Node, message: str, related: list[Related]) -> None:
        if at.id in self._reported:
            return
        self._reported.add(at.id)
        self.report(at, message, related=related)


def _exclusive(a: Node, b: Node) -> bool:
    """``a`` and ``b`` are in different arms of the same `if`/`else` or `switch` (they can
    meet only through a loop around it, with the same condition deciding again)."""
    ancestors: dict[int, Node] = {}
    n: Node | None = a
    child_of: dict[int, int] = {}
    prev = a
    n = a.parent
    while n is not None:
        ancestors[n.id] = n
        child_of[n.id] = prev.id
        prev, n = n, n.parent
    prev = b
    n = b.parent
    while n is not None and n.id not in ancestors:
        prev, n = n, n.parent
    if n is None:
        return False
    if n.type in ("expression_switch_statement", "type_switch_statement"):
        return child_of[n.id] != prev.id  # different case clauses
    if n.type == "if_statement":
        return child_of[n.id] != prev.id and prev.type != "parenthesized_expression"
    return False


_PURE = frozenset(
    {
        "binary_expression",
        "unary_expression",
        "parenthesized_expression",
        "int_literal",
        "float_literal",
        "interpreted_string_literal",
        "raw_string_literal",
        "rune_literal",
        "true",
        "false",
        "nil",
    }
)


def _walk(node: Node) -> list[Node]:
    """``node`` and its named descendants, operators' own tokens left out."""
    out: list[Node] = []
    stack = [node]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(c for c in n.named_children if not c.is_extra)
    return out


def _stepped(n: Node) -> bool:
    """`x++` / `x--`."""
    parent = n.parent
    return parent is not None and parent.type in ("inc_statement", "dec_statement")


def _addressed(n: Node) -> bool:
    parent = n.parent
    if parent is None or parent.type != "unary_expression":
        return False
    op = parent.child_by_field_name("operator")
    return op is not None and op.type == "&"


def _is_written(n: Node) -> bool:
    """The mention is assigned to (left of `=`/`:=`, a range or receive target) or has its
    address taken."""
    node = n
    parent = node.parent
    while parent is not None and parent.type == "parenthesized_expression":
        node, parent = parent, parent.parent
    if parent is None:
        return False
    if parent.type == "unary_expression":
        op = parent.child_by_field_name("operator")
        return op is not None and op.type == "&"
    if parent.type == "expression_list":
        stmt = parent.parent
        if stmt is not None and stmt.type in (
            "assignment_statement",
            "short_var_declaration",
            "receive_statement",
            "range_clause",
        ):
            left = stmt.child_by_field_name("left")
            return left is not None and left.id == parent.id
    return False


def _chan_role(n: Node) -> str:
    """ "send", "recv" or "other" for one mention of a channel."""
    node = n
    parent = node.parent
    while parent is not None and parent.type == "parenthesized_expression":
        node, parent = parent, parent.parent
    if parent is None:
        return "other"
    if parent.type == "send_statement":
        channel = parent.child_by_field_name("channel")
        return "send" if channel is not None and channel.id == node.id else "other"
    if parent.type == "unary_expression":
        op = parent.child_by_field_name("operator")
        return "recv" if op is not None and op.type == "<-" else "other"
    if parent.type == "range_clause":
        right = parent.child_by_field_name("right")
        return "recv" if right is not None and right.id == node.id else "other"
    return "other"


def _in_once_idiom(call: Node, file: SourceFile) -> bool:
    """The close runs inside a function literal handed to a `Do` call (sync.Once)."""
    parent = call.parent
    while parent is not None:
        if parent.type == "func_literal":
            holder = parent.parent
            if holder is not None and holder.type == "argument_list":
                outer = holder.parent
                fn = outer.child_by_field_name("function") if outer is not None else None
                if fn is not None and fn.type == "selector_expression":
                    field = fn.child_by_field_name("field")
                    return field is not None and file.text(field) == "Do"
            return False
        parent = parent.parent
    return False


def _select_default_idiom(call: Node, rule: BadClose, ref: Ref) -> bool:
    """`select { case <-ch: default: close(ch) }` (or an `if` on a receive's `ok`): the close
    runs only when ``ch`` is not closed yet."""
    parent = call.parent
    while parent is not None and parent.type not in FUNC_KINDS:
        if parent.type == "select_statement":
            for case in parent.named_children:
                comm = case.child_by_field_name("communication")
                if comm is None:
                    continue
                for n in descendants(comm, _CHAN_USES):
                    if _chan_role(n) == "recv" and rule._same(n, ref):
                        return True
        parent = parent.parent
    return False
