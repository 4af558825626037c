"""## What it does
Flags a send on an unbuffered channel that waits on its own right after its loop polled a stop
channel (`select { case <-stop: return; default: ch <- v }`, or the same poll followed by the
send), when every receiver of the channel in the package waits in a `select` that returns once
that same stop channel is ready. Both channels must be made in the package; the receivers may
receive directly or in a package function the channel is handed to.

## Why is this bad?
The poll only says that the stop channel was not ready a moment ago. If it becomes ready
between the poll and the send, the receivers see it and return, and the send waits for a
receiver that will never come: the goroutine leaks, and whatever waits for it (a `Stop` that
waits for its workers) hangs with it. The sender already knows about the stop channel; it only
has to wait for both at once.

## Example
```go
package example

type pump struct {
        events chan int
        stop   chan struct{}
}

func newPump(handle func(int)) *pump {
        p := &pump{events: make(chan int), stop: make(chan struct{})}
        go p.produce()
        go p.consume(handle)
        return p
}

func (p *pump) produce() {
        for i := 0; ; i++ {
                select {
                case <-p.stop:
                        return
                default:
                        p.events <- i
                }
        }
}

func (p *pump) consume(handle func(int)) {
        for {
                select {
                case e := <-p.events:
                        handle(e)
                case <-p.stop:
                        return
                }
        }
}
```

Use instead:
```go
package example

type pump struct {
        events chan int
        stop   chan struct{}
}

func newPump(handle func(int)) *pump {
        p := &pump{events: make(chan int), stop: make(chan struct{})}
        go p.produce()
        go p.consume(handle)
        return p
}

func (p *pump) produce() {
        for i := 0; ; i++ {
                select {
                case <-p.stop:
                        return
                case p.events <- i:
                }
        }
}

func (p *pump) consume(handle func(int)) {
        for {
                select {
                case e := <-p.events:
                        handle(e)
                case <-p.stop:
                        return
                }
        }
}
```

Not flagged: a send that is itself a `select` case; a buffered channel; a channel that some
receiver takes without watching the stop channel (a `range`, a plain receive: it keeps
draining), or that reaches code goconc cannot see; a stop signal that is not a channel made in
the package (`ctx.Done()`: two contexts are not told apart).

## Fix safety
No fix is offered: the send usually belongs in the select (`case ch <- v:`), but the value may
be computed between the poll and the send, and only the author knows where it should go.

## Limitations
Channels are matched by where they are made: a field class (`Type.field`), a package variable
or a local, followed through getters (`s.ShouldStop()`). Receivers are followed one call deep
into package functions the channel is passed to.

## References
- https://go.dev/ref/spec#Select_statements: a select with a default case never waits.
- GoBench/GoKer blocking kernel cockroach/1462 (a transport worker's send after a stop poll).
"""

from __future__ import annotations

from tree_sitter import Node

from goconc.analyzer.calls import bind_arguments, callee
from goconc.analyzer.chans import Channels, ChanOrigin
from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.matchers import FUNC_KINDS, descendants
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.types import enclosing_function, unparen

_RETURNS = frozenset({"return_statement"})
_MAX_RECEIVERS = 8


class SendAfterStopPoll(Rule):
    meta = RuleMeta(
        code="CH008",
        name="send-after-stop-poll",
        summary="A send that waits alone after polling a stop channel its receivers stop on.",
        severity=Severity.WARNING,
        tags=("concurrency", "channel", "goroutine-leak", "deadlock", "external/cwe/cwe-833"),
        precision="high",
    )
    anchors = {"send_statement": (b"<-",)}

    def visit_send_statement(self, send: Node) -> None:
        if send.parent is None or send.parent.type == "communication_case":
            return  # a select case: it can give up
        poll = _stop_poll(send)
        channel = send.child_by_field_name("channel")
        if poll is None or channel is None:
            return
        case, stop = poll
        chans = self.pkg.fact(Channels)
        stop_origin = chans.origin(stop, self.file)
        origin = chans.origin(channel, self.file)
        if stop_origin is None or origin is None or origin.fate.escapes:
            return
        if chans.capacity(origin) != 0:
            return  # a buffer may take the value
        receivers = self._receivers(origin)
        if not receivers or len(receivers) > _MAX_RECEIVERS:
            return
        exits: list[tuple[Node, SourceFile]] = []
        for receive, file in receivers:
            exit_case = self._stops_on(receive, file, stop_origin)
            if exit_case is None:
                return  # this receiver keeps draining: the send finds it
            exits.append((exit_case, file))
        name = self.file.text(channel)
        stop_text = self.file.text(stop)
        line = self.file.line_of(case.start_byte)
        self.report(
            send,
            f"send on {name} can block forever: it waits alone after the poll of {stop_text} "
            f"(line {line}), and its receivers return once that stop channel is ready; if it "
            f"becomes ready between the poll and the send, nothing receives. Send in the "
            f"select (case {name} <- ...:)",
            related=[
                Related(self.span(case), "the stop channel is polled here"),
                *(Related(self.span(n, f), "a receiver returns on it here") for n, f in exits),
            ],
        )

    def _receivers(self, origin: ChanOrigin) -> list[tuple[Node, SourceFile]] | None:
        """The receive expressions of the channel, following a channel handed to a package
        function into it (one call deep); None when a receive is of another kind (`range`,
        a getter's return to code goconc cannot see)."""
        out: list[tuple[Node, SourceFile]] = []
        for node, file in origin.fate.receives:
            found = _receive_of(node)
            if found is not None:
                out.append((found, file))
                continue
            inner = self._handed_to(node, file)
            if inner is None:
                return None
            out.extend(inner)
        return out

    def _handed_to(self, node: Node, file: SourceFile) -> list[tuple[Node, SourceFile]] | None:
        arg = node
        while arg.parent is not None and arg.parent.type == "parenthesized_expression":
            arg = arg.parent
        args = arg.parent
        call = args.parent if args is not None and args.type == "argument_list" else None
        if call is None or call.type != "call_expression":
            return None
        target = callee(call, file, self.pkg.resolver)
        if target is None or target.literal is not None:
            return None
        decl = target.decl
        param = next(
            (p for p, a in bind_arguments(call, decl.node, decl.file).items() if a.id == arg.id),
            None,
        )
        body = decl.node.child_by_field_name("body")
        if param is None or body is None:
            return None
        r = self.pkg.resolver
        out: list[tuple[Node, SourceFile]] = []
        tokens = decl.file.tokens
        for ident in tokens.token_nodes_in(param.encode(), body.start_byte, body.end_byte):
            if ident.type != "identifier":
                continue
            b = r.binding(ident, decl.file)
            if b is None or b.kind != "param":
                continue
            found = _receive_of(ident)
            if found is None:
                return None  # used some other way: sent on, handed on, ranged over
            out.append((found, decl.file))
        return out

    def _stops_on(self, receive: Node, file: SourceFile, stop: ChanOrigin) -> Node | None:
        """The case of the select around ``receive`` that returns once ``stop`` is ready."""
        case = receive.parent
        while case is not None and case.type != "communication_case":
            if case.type in FUNC_KINDS:
                return None
            case = case.parent
        select = case.parent if case is not None else None
        if case is None or select is None or select.type != "select_statement":
            return None  # a plain receive waits for the value alone
        chans = self.pkg.fact(Channels)
        for other in select.named_children:
            if other.type != "communication_case" or other.id == case.id:
                continue
            polled = _case_receive(other)
            if polled is None or not _returns(other):
                continue
            origin = chans.origin(polled, file)
            if origin is not None and _same(origin, stop):
                return other
        return None


def _stop_poll(send: Node) -> tuple[Node, Node] | None:
    """(the case, the stop channel) of a select with a default case that polls a channel and
    returns on it, either around ``send`` (in its default case) or just before it in the
    same loop body."""
    func = enclosing_function(send)
    node = send
    while node.parent is not None and (func is None or node.parent.id != func.id):
        parent = node.parent
        if parent.type == "default_case":
            select = parent.parent
            return _poll_case(select) if select is not None else None
        if parent.type in ("communication_case", "expression_case", "type_case"):
            return None
        if parent.type == "statement_list" and parent.parent is not None:
            block = parent.parent
            if block.parent is not None and block.parent.type == "for_statement":
                for prev in parent.named_children:
                    if prev.start_byte >= node.start_byte:
                        break
                    if prev.type == "select_statement":
                        found = _poll_case(prev)
                        if found is not None:
                            return found
                return None
        node = parent
    return None


def _poll_case(select: Node) -> tuple[Node, Node] | None:
    if not any(c.type == "default_case" for c in select.named_children):
        return None
    for case in select.named_children:
        if case.type != "communication_case":
            continue
        channel = _case_receive(case)
        if channel is not None and _returns(case):
            return case, channel
    return None


def _case_receive(case: Node) -> Node | None:
    """The channel a communication case receives from."""
    comm = case.child_by_field_name("communication")
    if comm is None or comm.type != "receive_statement":
        return None
    expr = comm.child_by_field_name("right")
    if expr is None:
        expr = next((c for c in comm.named_children if c.type == "unary_expression"), None)
    expr = unparen(expr) if expr is not None else None
    if expr is None or expr.type != "unary_expression":
        return None
    op = expr.child_by_field_name("operator")
    operand = expr.child_by_field_name("operand")
    return operand if op is not None and op.type == "<-" and operand is not None else None


def _returns(case: Node) -> bool:
    return any(True for _ in descendants(case, _RETURNS, into_funcs=False))


def _receive_of(node: Node) -> Node | None:
    """The receive expression `<-x` whose operand is ``node``."""
    n = node
    while n.parent is not None and n.parent.type == "parenthesized_expression":
        n = n.parent
    parent = n.parent
    if parent is None or parent.type != "unary_expression":
        return None
    op = parent.child_by_field_name("operator")
    if op is None or op.type != "<-" or parent.child_by_field_name("operand") != n:
        return None
    return parent


def _same(a: ChanOrigin, b: ChanOrigin) -> bool:
    if a.key or b.key:
        return a.key == b.key
    return a.make.id == b.make.id
