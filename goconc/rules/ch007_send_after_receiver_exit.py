"""## What it does
Flags a send that waits on its own (not a `select` case that can give up) on an unbuffered
struct field or package variable channel, when every receive of that channel in the package
is inside a loop that can end: a receiving loop (`for { select { case r := <-s.reqs: ...;
case <-s.quit: return } }`) that returns or breaks out on a stop channel, a context, an
error or a condition. The receives may be direct, or in a package function the channel is
handed to. The send must run outside the receiving loop's own function.

## Why is this bad?
Once the receiving loop has returned, nothing will ever receive from the channel again: a
send that comes later (a `Status` call after `Stop`, a worker's result after its consumer
gave up on an error) blocks forever, and so does everything waiting for the sender. The
loop's own exit is what makes the channel dead; the sender cannot tell.

## Example
```go
package example

type node struct {
        status chan chan string
        stop   chan struct{}
}

func newNode() *node {
        return &node{status: make(chan chan string), stop: make(chan struct{})}
}

func (n *node) run() {
        for {
                select {
                case c := <-n.status:
                        c <- "ok"
                case <-n.stop:
                        return
                }
        }
}

func (n *node) Status() string {
        c := make(chan string, 1)
        n.status <- c
        return <-c
}
```

Use instead:
```go
package example

import "errors"

type node struct {
        status chan chan string
        stop   chan struct{}
}

func newNode() *node {
        return &node{status: make(chan chan string), stop: make(chan struct{})}
}

func (n *node) run() {
        for {
                select {
                case c := <-n.status:
                        c <- "ok"
                case <-n.stop:
                        return
                }
        }
}

func (n *node) Status() (string, error) {
        c := make(chan string, 1)
        select {
        case n.status <- c:
        case <-n.stop:
                return "", errors.New("stopped")
        }
        return <-c, nil
}
```

Not flagged: a send in a `select` with another case or a `default`; a buffered channel; a
channel with a receive outside any loop, a receiving loop that cannot end (no `return`,
`break` or `goto` out of it), or a loop that ends only on what the channel brought (`v, ok :=
<-ch; if !ok { return }`, the end of a `range` over it, a stop request sent on the channel
itself: `case m := <-ch: mode = m` then `switch mode { case stop: return }`); a send in the
receiving loop's own function, or in a function only that function calls; a send after the
same code started the receiving goroutine (a constructor's first request; `go w.run()` then
`w.kick <- x`, also through a `Start` method it calls); a send in a `Test`, `Benchmark` or
`Fuzz` function, which drives the loops it set up in an order it chose; exported fields and
channels handed to code goconc cannot see.

## Fix safety
No fix is offered: the sender needs a way to learn that the receiver is gone (a `select` on
the same stop channel or context), which only the author can wire.

## Limitations
Whether the send can actually run after the loop ended is not proven: a caller that never
sends after `Stop` (the service is stopped only after its callers are done) is still
reported, which is why the rule is in preview. A receive through a function value, an interface or a
getter's callers is not followed, and makes the rule silent. Channels are told apart by field
class, not instance.

## References
- GoBench/GoKer blocking kernels etcd/6857 (`Status` after `Stop`), istio/17860 and
  cockroach/1462, shipped in the Go tree under
  `runtime/testdata/testgoroutineleakprofile/goker`.
- https://go.dev/blog/pipelines ("Explicit cancellation": senders need to know when the
  receiver has stopped).
"""

from __future__ import annotations

import re

import attrs
from tree_sitter import Node

from goconc.analyzer.calls import call_sites, callee, callees, named_functions, param_names
from goconc.analyzer.cfg import Block
from goconc.analyzer.chans import Channels, ChanOrigin
from goconc.analyzer.dataflow import Exit, cfg_statement, contains, unhandled_exits
from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.matchers import (
    FUNC_KINDS,
    call_args,
    descendants,
    in_function,
    inside_go_statement,
)
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.types import enclosing_function, unparen
from goconc.analyzer.uses import exported

_CHAN_MAKE = re.compile(rb"make\(\s*chan\b")
_ASSIGNS = frozenset({"assignment_statement", "short_var_declaration"})


@attrs.frozen(eq=False)
class _Loop:
    """A receiving loop and the way out of it."""

    loop: Node
    func: Node
    file: SourceFile
    exit: Exit


class SendAfterReceiverExit(Rule):
    meta = RuleMeta(
        code="CH007",
        name="send-after-receiver-exit",
        summary="A send on a field channel whose only receivers are loops that can end.",
        severity=Severity.WARNING,
        tags=("concurrency", "channel", "goroutine-leak", "deadlock", "external/cwe/cwe-833"),
        precision="low",
        preview=True,
        fix=None,
    )
    anchors = {"send_statement": (b"<-",)}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._loops: dict[str, list[_Loop] | None] = {}

    def applies_to_package(self) -> bool:
        return any(_CHAN_MAKE.search(f.data) for f in self.pkg.files)

    def visit_send_statement(self, send: Node) -> None:
        channel = send.child_by_field_name("channel")
        if channel is None or not _blocking(send):
            return
        channels = self.pkg.fact(Channels)
        origin = channels.origin(channel, self.file)
        if origin is None or not origin.shared or exported(origin.key):
            return
        if origin.fate.escapes or channels.capacity(origin) != 0:
            return
        loops = self._receiving_loops(origin)
        if not loops:
            return
        sender = enclosing_function(send)
        if sender is None or self._runs_in(sender, loops):
            return
        if _in_test_function(send, self.file) or self._started_before(send, loops):
            return
        first = loops[0]
        name = origin.key.removeprefix("pkg:")
        owner = _func_name(first.func, first.file)
        exit_line = (
            first.file.line_of(first.exit.node.start_byte)
            if first.exit.node is not None
            else first.file.line_of(first.func.end_byte)
        )
        related = [
            Related(
                self.span(first.exit.node or first.loop, first.file),
                "the receiving loop can end here",
            ),
            Related(self.span(first.loop.children[0], first.file), f"{name} is received here"),
            Related(self.span(origin.make, origin.file), f"{name} is made unbuffered here"),
        ]
        self.report(
            send,
            f"send on unbuffered {name} can block forever: every receive of {name} is in a "
            f"loop that can end (the loop in {owner} leaves on line {exit_line}), and a send "
            "after that has no receiver; select on the receiver's stop signal too",
            related=related,
        )

    # -- the receivers ----------------------------------------------------------------------
    def _receiving_loops(self, origin: ChanOrigin) -> list[_Loop] | None:
        """Every receive of the channel, as the loop it is in and that loop's way out; None
        when some receive is outside a loop, or in a loop that cannot end."""
        if origin.key in self._loops:
            return self._loops[origin.key]
        found: list[_Loop] | None = []
        receives = origin.fate.receives
        if not receives:
            found = None
        uses = [use for use, _ in receives]
        for use, file in receives:
            loops = self._loops_of_use(use, file, uses)
            if loops is None:
                found = None
                break
            assert found is not None
            found.extend(loops)
        self._loops[origin.key] = found
        return found

    def _loops_of_use(self, use: Node, file: SourceFile, uses: list[Node]) -> list[_Loop] | None:
        node = use
        while node.parent is not None and node.parent.type == "parenthesized_expression":
            node = node.parent
        parent = node.parent
        if parent is None:
            return None
        if parent.type == "argument_list" and parent.parent is not None:
            return self._loops_in_callee(parent.parent, node, file)
        receive = parent
        if parent.type == "range_clause":
            loop = parent.parent
        elif parent.type == "unary_expression":
            loop = _innermost_loop(parent)
        else:
            return None
        if loop is None:
            return None
        found = self._exit_of(loop, receive, file, uses)
        return [found] if found is not None else None

    def _loops_in_callee(self, call: Node, arg: Node, file: SourceFile) -> list[_Loop] | None:
        """The receiving loops of the package function ``call`` hands the channel to."""
        target = callee(call, file, self.pkg.resolver)
        if target is None or target.literal is not None:
            return None
        args = call_args(call)
        position = next((i for i, a in enumerate(args) if unparen(a).id == arg.id), -1)
        decl = target.decl
        names = param_names(decl.node, decl.file)
        if not 0 <= position < len(names):
            return None
        r = self.pkg.resolver
        plist = decl.node.child_by_field_name("parameters")
        ident = None
        for param in plist.named_children if plist is not None else []:
            for name_node in param.children_by_field_name("name"):
                if name_node.is_named and decl.file.text(name_node) == names[position]:
                    ident = name_node
        b = r.binding(ident, decl.file) if ident is not None else None
        if b is None:
            return None
        found: list[_Loop] = []
        uses = [use for use in r.uses(b) if use.id != b.ident.id]
        for use in uses:
            loops = self._loops_of_use(use, decl.file, uses)
            if loops is None:
                return None
            found.extend(loops)
        return found or None

    def _exit_of(
        self, loop: Node, receive: Node, file: SourceFile, uses: list[Node]
    ) -> _Loop | None:
        """The way out of ``loop``, which holds ``receive``: a return, or a path past the
        loop, that passes no receive of the channel (``uses``: when the channel is the stop
        signal itself, or the loop drains it on the way out, a send is not left waiting)."""
        func = enclosing_function(loop)
        if func is None:
            return None
        cfg = self.pkg.cfg(func, file)
        block = next(
            (
                b
                for b in cfg.blocks
                if b.stmt is not None
                and b.stmt.id == loop.id
                and b.kind in ("for.body", "range.body")
            ),
            None,
        )
        if block is None:
            return None
        oks = _received_names(receive, loop, file)
        loop_id = loop.id

        def normal_exit(current: Block, succ: Block) -> bool:
            return (
                current.stmt is not None
                and current.stmt.id == loop_id
                and current.kind in ("for.head", "range.head")
                and succ.kind in ("for.done", "range.done")
            )

        def receives(node: Node) -> bool:
            return any(contains(node, u) for u in uses)

        # A plain receive is where each turn of the loop waits: its ways out are those after
        # it. A `range` receives in its head, a select case alongside the other cases: their
        # ways out are those from the top of the body that pass no receive of the channel.
        start, position = block, 0
        stmt = cfg_statement(cfg, receive) if receive.type != "range_clause" else None
        at = cfg.block_of(stmt) if stmt is not None else None
        in_case = stmt is not None and "communication_case" in (
            stmt.type,
            stmt.parent.type if stmt.parent is not None else "",
        )
        if stmt is not None and at is not None and not in_case:
            start = at
            position = next(i for i, n in enumerate(at.nodes) if n.id == stmt.id) + 1
        for found in unhandled_exits(cfg, start, position, receives, skip_edge=normal_exit):
            if found.node is not None and _guarded_by(found.node, oks, file):
                continue
            if found.node is not None and not contains(loop, found.node):
                continue  # leaves through the loop's own end: a condition, a close
            return _Loop(loop, func, file, found)
        return None

    def _runs_in(self, sender: Node, loops: list[_Loop]) -> bool:
        """The send runs in a receiving loop's function, or in a function only they call."""
        funcs = {loop.func.id for loop in loops}
        node: Node | None = sender
        while node is not None and node.type == "func_literal":
            if node.id in funcs:
                return True
            node = enclosing_function(node)
        if node is None:
            return False
        if node.id in funcs:
            return True
        decl = next((d for d in self.pkg.index.all_functions() if d.node.id == node.id), None)
        if decl is None:
            return False
        sites = call_sites(decl, self.pkg.files, self.pkg.resolver)
        if not sites:
            return False
        for call, _ in sites:
            outer = enclosing_function(call)
            while outer is not None and outer.id not in funcs and outer.type == "func_literal":
                outer = enclosing_function(outer)
            if outer is None or outer.id not in funcs:
                return False
        return True

    def _started_before(self, send: Node, loops: list[_Loop]) -> bool:
        """A function around the send started a receiving loop's goroutine earlier, itself or
        through a package function it called: the loop is running, and a stop is the same
        code's to order (a constructor's first request, a test driving the loop it started)."""
        targets = {loop.func.id for loop in loops}
        func = enclosing_function(send)
        while func is not None:
            if self._starts(func, self.file, targets, send.start_byte, 2):
                return True
            func = enclosing_function(func)
        return False

    def _starts(
        self, func: Node, file: SourceFile, targets: set[int], before: int, depth: int
    ) -> bool:
        """``func``, before the byte offset ``before`` (anywhere when -1), starts a function of
        ``targets`` concurrently: a `go` of it, a literal of it, a method value of it handed on,
        or a call of a package function that does."""
        body = func.child_by_field_name("body")
        if body is None:
            return False
        kinds = frozenset({"func_literal", "identifier", "selector_expression", "call_expression"})
        for node in descendants(body, kinds):
            if before >= 0 and node.start_byte >= before:
                break
            if node.type == "func_literal":
                if node.id in targets:
                    return True
                continue
            parent = node.parent
            called = (
                parent is not None
                and parent.type == "call_expression"
                and parent.child_by_field_name("function") == node
            )
            if node.type == "call_expression":
                if depth > 0:
                    for found in callees(node, file, self.pkg.resolver):
                        if found.literal is None and self._starts(
                            found.decl.node, found.decl.file, targets, -1, depth - 1
                        ):
                            return True
                continue
            if (
                node.type == "identifier"
                and parent is not None
                and parent.type == "selector_expression"
            ):
                continue  # the selector stands for it
            names = named_functions(node, file, self.pkg.resolver)
            if not any(c.decl.node.id in targets for c in names):
                continue
            concurrent = (
                not called or inside_go_statement(node, body) or not in_function(node, func)
            )
            if concurrent:
                return True
        return False


def _in_test_function(node: Node, file: SourceFile) -> bool:
    """``node`` is in a `Test`/`Benchmark`/`Fuzz` function (or method: `func (s) TestX`) of a
    test file, or a literal in it: a test drives the loops it set up, in an order it chose."""
    if not file.path.endswith("_test.go"):
        return False
    func = enclosing_function(node)
    while func is not None and func.type == "func_literal":
        func = enclosing_function(func)
    if func is None or func.type == "func_literal":
        return False
    name = func.child_by_field_name("name")
    return name is not None and re.match(r"(Test|Benchmark|Fuzz)", file.text(name)) is not None


def _blocking(send: Node) -> bool:
    """The send waits on its own: a statement (in a `default` branch too), or a select's only
    case."""
    parent = send.parent
    if parent is None or parent.type != "communication_case":
        return True
    select = parent.parent
    if select is None:
        return False
    cases = [c for c in select.named_children if c.type in ("communication_case", "default_case")]
    return len(cases) == 1


def _innermost_loop(node: Node) -> Node | None:
    p = node.parent
    while p is not None and p.type not in FUNC_KINDS:
        if p.type == "for_statement":
            return p
        p = p.parent
    return None


def _func_name(func: Node, file: SourceFile) -> str:
    name = func.child_by_field_name("name")
    if name is None:
        return "a function literal"
    receiver = func.child_by_field_name("receiver")
    if receiver is not None:
        text = file.text(receiver).strip("()").split()
        return f"{text[-1].lstrip('*')}.{file.text(name)}" if text else file.text(name)
    return file.text(name)


def _received_names(receive: Node, loop: Node, file: SourceFile) -> set[str]:
    """The variables of `v, ok := <-ch` (or of its select case), and those the loop sets from
    them (`state = v`): a way out that tests one of them ends the loop on what the channel
    brought (a close, a stop request sent on it), so a sender asked for it."""
    names: set[str] = set()
    stmt = receive.parent
    while stmt is not None and stmt.type in ("expression_list", "parenthesized_expression"):
        stmt = stmt.parent
    if stmt is None or stmt.type not in (*_ASSIGNS, "receive_statement"):
        return names
    left = stmt.child_by_field_name("left")
    for item in left.named_children if left is not None else []:
        if item.type == "identifier" and file.text(item) != "_":
            names.add(file.text(item))
    copies = [
        (a.child_by_field_name("left"), a.child_by_field_name("right"))
        for a in descendants(loop, _ASSIGNS, into_funcs=False)
    ]
    grown = True
    while grown:
        grown = False
        for lhs, rhs in copies:
            if lhs is None or rhs is None or len(lhs.named_children) != 1:
                continue
            target, value = lhs.named_children[0], unparen(rhs.named_children[0])
            if (
                len(rhs.named_children) == 1
                and target.type == "identifier"
                and value.type == "identifier"
                and file.text(value) in names
                and file.text(target) not in names
            ):
                names.add(file.text(target))
                grown = True
    return names


def _guarded_by(node: Node, names: set[str], file: SourceFile) -> bool:
    """``node`` is inside an `if` whose condition, or a `switch` whose tag, mentions one of
    ``names``."""
    if not names:
        return False
    p = node.parent
    while p is not None and p.type not in FUNC_KINDS:
        test = None
        if p.type == "if_statement":
            test = p.child_by_field_name("condition")
        elif p.type == "expression_switch_statement":
            test = p.child_by_field_name("value")
        if test is not None and any(
            n in names for n in re.findall(r"[A-Za-z_]\w*", file.text(test))
        ):
            return True
        p = p.parent
    return False
