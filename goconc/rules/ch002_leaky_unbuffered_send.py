"""## What it does
Flags a send, in a goroutine started with `go func(){ ... }()`, on an unbuffered channel
(`make(chan T)` or `make(chan T, 0)`) made in the enclosing function, when the enclosing
function can leave without receiving from it: its only receive is a `select` case that
competes with another case (a timeout such as `time.After`, `ctx.Done()`, another channel)
whose path returns, or a plain receive that some path skips (an early `return` before it).

Receives in a loop are checked too. A loop's own exit (its condition, or the close that ends
a `range` over the channel) is taken to come after every value; an exit from inside it is
not. When the goroutine sends once, a path that leaves the loop without a receive (a `select`
in a `for` that returns on `ctx.Done()`) leaks it. When the sends repeat (the goroutine is
started in a loop, or sends in one), a `return` or `break` out of the receiving loop leaves
the rest unreceived: first-error-wins (`for range items { if err := <-errc; err != nil {
return err } }`) and a consumer that returns from inside `for v := range ch`. Here a channel
with a constant buffer counts too, when the sends can outnumber it (a loop of unknown or
larger count). A send may also be a call that hands the channel to a package function that
sends on it (`go func() { produce(ch) }()`); the finding is then at that call.

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

Not flagged: a buffered channel whose capacity holds every value (or is not a constant:
`make(chan error, len(items))`); a send inside a `select` (with `ctx.Done()` or `default`, it
can give up); a receive that every path reaches, including a `select` whose other cases loop
back to it; a receiving loop without an early exit, or whose early exit only follows a
receive that found the channel closed (`v, ok := <-ch; if !ok { return }`), or after which
the rest is drained; a channel that is passed to another function, returned, stored, or
captured by another closure (its receivers are not all visible here); paths that panic or
end the process.

## Fix safety
When the goroutine is started once (not in a loop) and sends at most once on every path, the
fix gives the channel a buffer of one (`make(chan T, 1)`): the send then always completes and
the goroutine exits, whether or not anyone receives. It is safe: a receiver that does come
gets the same value, and no other code can observe the buffer (the channel does not leave the
function). With several sends, or a receiving loop, no fix is offered; give the goroutine a
`select` on `ctx.Done()` or a done channel instead, or a buffer for every value.

## Limitations
Only goroutines started from a function literal, and channels held in a local variable of the
enclosing function, are checked. Conditions are not evaluated, so a path that skips the
receive only when the goroutine does not send either (both guarded by the same flag) is
reported. A receive in another goroutine or through a helper makes the rule silent. Loop
counts are read only from `for i := 0; i < N; i++` and `for range N` with constant bounds.

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

from goconc.analyzer.calls import callee, param_names
from goconc.analyzer.cfg import CFG, Block
from goconc.analyzer.dataflow import (
    Exit,
    cfg_statement,
    contains,
    escape_path,
    reaches,
    unhandled_exits,
)
from goconc.analyzer.diagnostics import Applicability, Edit, Fix, Related, RuleMeta, Severity
from goconc.analyzer.matchers import (
    FUNC_KINDS,
    call_args,
    descendants,
    in_function,
    innermost_loop,
)
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.types import Binding, enclosing_function, unparen

_IDENT = frozenset({"identifier"})
_SENDS = frozenset({"send_statement"})
_CALLS = frozenset({"call_expression"})
_STREAM = -1  # _send_count: an endless loop sends
_ASSIGNS = frozenset({"assignment_statement", "short_var_declaration"})
_HARMLESS_CALLS = frozenset({"len", "cap"})


class LeakyUnbufferedSend(Rule):
    meta = RuleMeta(
        code="CH002",
        name="leaky-unbuffered-send",
        summary="A goroutine sends on an unbuffered channel whose receiver can give up.",
        severity=Severity.WARNING,
        tags=("concurrency", "channel", "goroutine-leak", "external/cwe/cwe-401"),
        precision="very-high",
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
        for send, channel in self._send_sites(lit):
            b = self.pkg.resolver.binding(channel, self.file)
            if b is None or b.key in seen:
                continue
            seen.add(b.key)
            if self._check(stmt, lit, func, send, b):
                return  # one finding per goroutine

    def _send_sites(self, lit: Node) -> list[tuple[Node, Node]]:
        """(site, channel identifier) in the goroutine, in source order: sends that are not
        select cases, and calls that hand a channel to a package function that sends on it
        (and neither receives from it nor lets it escape)."""
        found: list[tuple[Node, Node]] = []
        for send in descendants(lit, _SENDS, into_funcs=False):
            parent = send.parent
            if parent is not None and parent.type == "communication_case":
                continue  # a select case: it can take another case
            channel = send.child_by_field_name("channel")
            if channel is not None and unparen(channel).type == "identifier":
                found.append((send, unparen(channel)))
        for call in descendants(lit, _CALLS, into_funcs=False):
            for arg in call_args(call):
                arg = unparen(arg)
                if arg.type != "identifier":
                    continue
                if self._plain_sender(call, arg):
                    found.append((call, arg))
        found.sort(key=lambda pair: pair[0].start_byte)
        return found

    def _plain_sender(self, call: Node, arg: Node) -> bool:
        """``call`` hands ``arg`` to a package function whose only uses of that parameter are
        sends that wait on their own (no select that could give up), closes, len and cap."""
        if call.type != "call_expression":
            return False
        target = callee(call, self.file, self.pkg.resolver)
        if target is None or target.literal is not None:
            return False
        args = call_args(call)
        position = next((i for i, a in enumerate(args) if unparen(a).id == arg.id), -1)
        names = param_names(target.decl.node, target.decl.file)
        if not 0 <= position < len(names) or names[position] == "_":
            return False
        decl = target.decl
        ident = _param_ident(decl.node, decl.file, names[position])
        r = self.pkg.resolver
        b = r.binding(ident, decl.file) if ident is not None else None
        if b is None:
            return False
        sends = 0
        for use in r.uses(b):
            if use.id == b.ident.id:
                continue
            parent = use.parent
            while parent is not None and parent.type == "parenthesized_expression":
                parent = parent.parent
            if parent is None:
                return False
            if parent.type == "send_statement" and _is_field(parent, "channel", use):
                if parent.parent is not None and parent.parent.type == "communication_case":
                    return False
                if not in_function(use, decl.node):
                    return False
                sends += 1
                continue
            if _call_of(parent, use, decl.file, ("close", "len", "cap")):
                continue
            return False
        return sends > 0

    def _check(self, go: Node, lit: Node, func: Node, send: Node, b: Binding) -> bool:
        if b.file is not self.file and b.file.path != self.file.path:
            return False
        if not (func.start_byte <= b.ident.start_byte < func.end_byte) or contains(lit, b.ident):
            return False  # not made in the enclosing function
        if not in_function(b.ident, func):
            return False
        make = _chan_make(b)
        if make is None:
            return False
        capacity = self._capacity(make)
        if capacity is None:
            return False
        found = self._receives(b, func, lit)
        if not found or not found[0]:
            return False
        receives, loops = found
        cfg = self.pkg.cfg(func, self.file)
        if cfg.block_of(go) is None:
            return False
        if capacity == 0 and not loops:
            return self._check_once(go, func, send, b, make, receives, cfg, lit)
        return self._check_loops(go, func, send, b, make, receives, loops, cfg, capacity, lit)

    def _check_once(
        self,
        go: Node,
        func: Node,
        send: Node,
        b: Binding,
        make: Node,
        receives: list[Node],
        cfg: CFG,
        lit: Node,
    ) -> bool:
        """Receives outside loops: some path from the go statement leaves without one."""

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

    def _check_loops(
        self,
        go: Node,
        func: Node,
        send: Node,
        b: Binding,
        make: Node,
        receives: list[Node],
        loops: list[Node],
        cfg: CFG,
        capacity: int,
        lit: Node,
    ) -> bool:
        """Some receive is in a loop (or is a `range`). The loop's own exit (its condition,
        the close that ends a range) is taken to come after every value; an exit from inside
        it (`return`, `break`) is not. With one send, any path from the go statement that
        leaves without a receive leaks it; with sends that repeat (the goroutine is started in
        a loop, or sends in one), an exit from the receiving loop after a receive leaves the
        rest unreceived."""
        loop_ids = {loop.id for loop in loops}

        def normal_exit(block: Block, succ: Block) -> bool:
            return (
                block.stmt is not None
                and block.stmt.id in loop_ids
                and block.kind in ("for.head", "range.head")
                and succ.kind in ("for.done", "range.done")
            )

        def handled(node: Node) -> bool:
            return any(contains(node, r) for r in receives)

        if not loops:
            return False  # several sends against one receive: counts are not compared
        sends = self._send_count(go, func, lit, b)
        starts: list[tuple[Block, Node]] = []
        if sends == _STREAM:
            return False  # an endless producer: its lifetime is its source's, not this loop's
        if sends == 1:
            # One value: it leaks when a select that can receive it takes another case and
            # leaves without coming back to a receive.
            if capacity > 0:
                return False
            for r in receives:
                select = _competing_select(r)
                if select is None:
                    continue
                for case in select.named_children:
                    if case.type not in ("communication_case", "default_case"):
                        continue
                    if contains(case, r):
                        continue
                    for blk in cfg.blocks:
                        if blk.stmt is not None and blk.stmt.id == case.id and blk.nodes:
                            starts.append((blk, blk.nodes[0]))
                            break
        else:
            if capacity > 0 and (sends is None or sends <= capacity):
                return False  # the buffer may hold every value: its size was chosen
            for r in receives:
                at = cfg_statement(cfg, r)
                at_block = cfg.block_of(at) if at is not None else None
                if at is not None and at_block is not None:
                    starts.append((at_block, at))
        oks = _ok_names(receives, func, self.file)
        for block, start in starts:
            index = next((i for i, n in enumerate(block.nodes) if n.id == start.id), -1)
            if sends == 1:
                index -= 1  # from the case's own communication, which is not a receive of b
            for leak in unhandled_exits(cfg, block, index + 1, handled, skip_edge=normal_exit):
                if leak.node is not None and _closed_check(leak.node, oks, self.file):
                    continue  # leaves once the channel is closed: every sender is done
                self._report_loop(go, func, send, b, make, leak, loops, sends, capacity)
                return True
        return False

    def _report_loop(
        self,
        go: Node,
        func: Node,
        send: Node,
        b: Binding,
        make: Node,
        leak: Exit,
        loops: list[Node],
        sends: int | None,
        capacity: int,
    ) -> None:
        name = b.name
        what = f"unbuffered {name}" if capacity == 0 else f"{name} ({capacity} buffered)"
        loop = loops[0] if loops else None
        if sends == 1 or loop is None:
            why = f"{self._exit_text(leak)} leaves without receiving from {name}"
        else:
            line = self.file.line_of(loop.start_byte)
            if _in_loop_without(go, func, b.ident):
                who = f"goroutines started on line {self.file.line_of(go.start_byte)} still send"
            elif sends is not None:
                who = f"the goroutine sends {sends} values into {capacity} slots"
            else:
                who = "the goroutine still has values to send"
            why = (
                f"the loop on line {line} that receives from {name} can stop early "
                f"({self._exit_text(leak)}) while {who}"
            )
        related = [self._abandon_related(leak, func, name)]
        if loop is not None:
            related.append(Related(self.span(loop.children[0]), f"{name} is received here"))
        related.append(Related(self.span(go), "the goroutine starts here"))
        related.append(Related(self.span(make), f"{name} is made here"))
        target = "send on" if send.type == "send_statement" else "call sending on"
        self.report(
            send,
            f"{target} {what} can block forever: {why}; the blocked goroutine leaks",
            related=related,
        )

    def _send_count(self, go: Node, func: Node, lit: Node, b: Binding) -> int | None:
        """How many values the goroutines of ``go`` can send on ``b``: 1 when it is started
        once and sends at most once on every path; a constant when a counted loop of the
        goroutine, or of the package function it hands the channel to, does it; `_STREAM`
        when a `for {}` without a condition does; None when unknown (started in a loop, a loop
        without a constant count)."""
        if _in_loop_without(go, func, b.ident):
            return _STREAM if _endless(go, func) else None
        lit_cfg = self.pkg.cfg(lit, self.file)
        sites = [site for site, ch in self._send_sites(lit) if _bound_to(self, ch, b)]
        counts: list[int] = []
        for site in sites:
            at = cfg_statement(lit_cfg, site)
            count: int | None = 1
            if at is not None and reaches(lit_cfg, at, at):
                if _endless(site, lit):
                    return _STREAM
                count = _loop_count(self, site, lit)
            elif site.type == "call_expression":
                count = self._callee_sends(site)
            if count is None:
                return None
            counts.append(count)
        if len(sites) > 1 and all(c == 1 for c in counts):
            # Several single sends: one per path when none can follow another.
            cfg_sites = [cfg_statement(lit_cfg, site) for site in sites]
            if not any(
                a is not None and c is not None and a.id != c.id and reaches(lit_cfg, a, c)
                for a in cfg_sites
                for c in cfg_sites
            ):
                return 1
        return sum(counts)

    def _callee_sends(self, call: Node) -> int | None:
        """How many times the package function ``call`` invokes sends on its channel
        parameter: 1 outside loops, a constant for a counted loop, else None."""
        target = callee(call, self.file, self.pkg.resolver)
        if target is None:
            return None
        decl = target.decl
        body = decl.node.child_by_field_name("body")
        if body is None:
            return None
        cfg = self.pkg.cfg(decl.node, decl.file)
        total = 0
        for send in descendants(body, _SENDS, into_funcs=False):
            at = cfg_statement(cfg, send)
            if at is None:
                continue
            if reaches(cfg, at, at):
                count = _loop_count(self, send, decl.node, decl.file)
                if count is None:
                    return None
                total += count
            else:
                total += 1
        return total or None

    def _capacity(self, make: Node) -> int | None:
        args = call_args(make)
        if len(args) < 2:
            return 0
        return self.pkg.consts.integer(unparen(args[1]), self.file)

    def _receives(self, b: Binding, func: Node, lit: Node) -> tuple[list[Node], list[Node]] | None:
        """The receives of ``b`` in ``func``'s own body (receive expressions, and the range
        clauses of loops over it) and the loops of ``func`` they are in (not containing the
        goroutine), or None when the channel is used in a way that hides its receivers
        (passed on, stored, captured by another function literal)."""
        r = self.pkg.resolver
        out: list[Node] = []
        loops: list[Node] = []
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
                call = parent.parent if parent.type == "argument_list" else None
                if call is not None and self._plain_sender(call, ident):
                    continue  # handed to a package function that only sends on it
                return None
            if not in_function(ident, func):
                return None  # captured by another closure or goroutine
            if _call_of(parent, ident, self.file, _HARMLESS_CALLS):
                continue
            if parent.type == "range_clause" and _is_field(parent, "right", ident):
                loop = parent.parent
                if loop is None or contains(loop, lit):
                    return None
                out.append(parent)
                loops.append(loop)
                continue
            if (
                parent.type == "unary_expression"
                and self.file.text(parent.child_by_field_name("operator") or parent) == "<-"
            ):
                loop = _outer_loop_without(parent, func, lit)
                if loop is not None:
                    loops.append(loop)
                out.append(parent)
                continue
            return None
        return out, loops

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


def _endless(node: Node, func: Node) -> bool:
    """Some loop of ``func`` around ``node`` is a `for {}` with no condition."""
    p = node.parent
    while p is not None and p.id != func.id:
        if p.type in FUNC_KINDS:
            return False
        if p.type == "for_statement" and all(
            c.type in ("block", "comment") for c in p.named_children
        ):
            return True
        p = p.parent
    return False


def _param_ident(func: Node, file: SourceFile, name: str) -> Node | None:
    plist = func.child_by_field_name("parameters")
    for param in plist.named_children if plist is not None else []:
        for ident in param.children_by_field_name("name"):
            if ident.is_named and file.text(ident) == name:
                return ident
    return None


def _bound_to(rule: LeakyUnbufferedSend, ident: Node, b: Binding) -> bool:
    return rule.pkg.resolver.binding(ident, rule.file) is b


def _loop_count(
    rule: LeakyUnbufferedSend, node: Node, func: Node, file: SourceFile | None = None
) -> int | None:
    """How many times ``node`` runs per call of ``func``, when its innermost loop is the only
    one and counts up to a constant: `for i := 0; i < N; i++`, `for range N`."""
    file = file or rule.file
    loop = innermost_loop(node, func)
    if loop is None or innermost_loop(loop, func) is not None:
        return None
    clause = next(
        (c for c in loop.named_children if c.type in ("for_clause", "range_clause")), None
    )
    if clause is None:
        return None
    consts = rule.pkg.consts
    if clause.type == "range_clause":
        right = clause.child_by_field_name("right")
        left = clause.child_by_field_name("left")
        if right is None:
            return None
        value = consts.integer(unparen(right), file)
        return value if value is not None and (left is None or value >= 0) else None
    init = clause.child_by_field_name("initializer")
    cond = clause.child_by_field_name("condition")
    update = clause.child_by_field_name("update")
    if init is None or cond is None or update is None or cond.type != "binary_expression":
        return None
    if not file.text(update).replace(" ", "").endswith("++"):
        return None
    start_node = init.child_by_field_name("right")
    if start_node is not None and start_node.type == "expression_list":
        values = [c for c in start_node.named_children if not c.is_extra]
        start_node = values[0] if len(values) == 1 else None
    bound_node = cond.child_by_field_name("right")
    op = cond.child_by_field_name("operator")
    if start_node is None or bound_node is None or op is None or op.type not in ("<", "<="):
        return None
    start = consts.integer(unparen(start_node), file)
    bound = consts.integer(unparen(bound_node), file)
    if start is None or bound is None:
        return None
    return max(0, bound - start + (1 if op.type == "<=" else 0))


def _outer_loop_without(node: Node, func: Node, anchor: Node) -> Node | None:
    """The outermost `for` loop of ``func`` around ``node`` that does not contain
    ``anchor``."""
    found: Node | None = None
    p = node.parent
    while p is not None and p.id != func.id:
        if p.type in FUNC_KINDS:
            return None
        if p.type == "for_statement" and not contains(p, anchor):
            found = p
        p = p.parent
    return found


def _ok_names(receives: list[Node], func: Node, file: SourceFile) -> set[str]:
    """The names given to a receive's second result (`v, ok := <-ch`), and the variables
    assigned from them in ``func`` (`closed = !ok`)."""
    names: set[str] = set()
    for r in receives:
        stmt = r.parent
        while stmt is not None and stmt.type in ("expression_list", "parenthesized_expression"):
            stmt = stmt.parent
        if stmt is None or stmt.type not in (
            "short_var_declaration",
            "assignment_statement",
            "receive_statement",
        ):
            continue
        left = stmt.child_by_field_name("left")
        items = [c for c in left.named_children if not c.is_extra] if left is not None else []
        if len(items) == 2 and items[1].type == "identifier":
            names.add(file.text(items[1]))
    if not names:
        return names
    for stmt in descendants(func, _ASSIGNS, into_funcs=False):
        right = stmt.child_by_field_name("right")
        left = stmt.child_by_field_name("left")
        if right is None or left is None:
            continue
        if any(file.text(i) in names for i in descendants(right, _IDENT)):
            names.update(file.text(i) for i in left.named_children if i.type == "identifier")
    return names


def _closed_check(exit_node: Node, oks: set[str], file: SourceFile) -> bool:
    """The exit is inside an `if` whose condition tests a receive's `ok`."""
    if not oks:
        return False
    p = exit_node.parent
    while p is not None and p.type not in FUNC_KINDS:
        if p.type == "if_statement":
            cond = p.child_by_field_name("condition")
            names = [cond] if cond is not None and cond.type == "identifier" else []
            names += descendants(cond, _IDENT) if cond is not None else []
            if any(file.text(n) in oks for n in names):
                return True
        p = p.parent
    return False


def _sends_on(send: Node, b: Binding, rule: LeakyUnbufferedSend) -> bool:
    channel = send.child_by_field_name("channel")
    if channel is None or unparen(channel).type != "identifier":
        return False
    return rule.pkg.resolver.binding(unparen(channel), rule.file) is b


def _chan_make(b: Binding) -> Node | None:
    """The `make(chan T)` / `make(chan T, n)` that initialises ``b``."""
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
    return value if len(args) in (1, 2) else None


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
