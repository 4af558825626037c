"""## What it does
Flags a send that waits on its own on a struct field or package variable channel before the
function starts the code that receives from it, when every receive of the channel in the
package is in a function literal written after the send in that same function (the worker
the function starts: `go func() { for { select { case <-c.ch: ... } } }()`, or a literal
handed to a helper that runs it), and the send can find no room: the channel is unbuffered,
or it has a single slot that other sends in the package may have filled first.

## Why is this bad?
Until the literal runs, nothing can receive from the channel. A send on an unbuffered channel
waits for a receiver that is only started after it: the function never gets there. A single
slot is room for one value; a "wake up at once" send in `Start` blocks for good when another
caller (a `Suggest` that kicks the worker, a test) has already filled the slot, because the
worker that would drain it is started only after the send returns.

## Example
```go
package example

type compactor struct {
        kick chan struct{}
}

func newCompactor() *compactor {
        return &compactor{kick: make(chan struct{}, 1)}
}

func (c *compactor) Suggest() {
        select {
        case c.kick <- struct{}{}:
        default:
        }
}

func (c *compactor) Start(stop <-chan struct{}, compact func()) {
        c.kick <- struct{}{}
        go func() {
                for {
                        select {
                        case <-c.kick:
                                compact()
                        case <-stop:
                                return
                        }
                }
        }()
}
```

Use instead:
```go
package example

type compactor struct {
        kick chan struct{}
}

func newCompactor() *compactor {
        return &compactor{kick: make(chan struct{}, 1)}
}

func (c *compactor) Suggest() {
        select {
        case c.kick <- struct{}{}:
        default:
        }
}

func (c *compactor) Start(stop <-chan struct{}, compact func()) {
        c.Suggest()
        go func() {
                for {
                        select {
                        case <-c.kick:
                                compact()
                        case <-stop:
                                return
                        }
                }
        }()
}
```

Not flagged: a send that is a `select` case; a send in a loop around the literal (an earlier
pass started a receiver); a channel with more than one slot, or with one slot and no other
send in the package; a channel received from anywhere else, or reaching code goconc cannot see.

## Fix safety
No fix is offered: making the send non-blocking drops the value when the slot is full, which is
right for a wake-up signal and wrong for data.

## Limitations
The function is assumed to start its receiver once: when it is called again while an earlier
call's worker still runs, that worker can receive the value, and the finding does not hold.
Channels are matched by where they are made (the field class or package variable).

## References
- https://go.dev/ref/spec#Send_statements: a send on a full or unbuffered channel blocks until
  a receiver is ready.
- GoBench/GoKer blocking kernel cockroach/24808 (a compactor's wake-up send before its worker).
"""

from __future__ import annotations

from tree_sitter import Node

from goconc.analyzer.chans import Channels
from goconc.analyzer.dataflow import contains
from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.rule import Rule
from goconc.analyzer.types import enclosing_function


class SendBeforeReceiverStarts(Rule):
    meta = RuleMeta(
        code="CH010",
        name="send-before-receiver-starts",
        summary="A send that waits before the function starts the only code receiving from it.",
        severity=Severity.WARNING,
        tags=("concurrency", "channel", "deadlock", "external/cwe/cwe-833"),
        precision="high",
        preview=True,
    )
    anchors = {"send_statement": (b"<-",)}

    def visit_send_statement(self, send: Node) -> None:
        if send.parent is None or send.parent.type == "communication_case":
            return  # a select case: it can give up
        func = enclosing_function(send)
        channel = send.child_by_field_name("channel")
        if func is None or channel is None:
            return
        chans = self.pkg.fact(Channels)
        origin = chans.origin(channel, self.file)
        if origin is None or not origin.shared or origin.fate.escapes:
            return
        capacity = chans.capacity(origin)
        if capacity is None or capacity > 1 or not origin.fate.receives:
            return
        starts: list[Node] = []
        for node, file in origin.fate.receives:
            lit = _literal_in(node, func) if file is self.file else None
            if lit is None or lit.start_byte < send.end_byte or _loop_between(send, lit, func):
                return  # a receiver may already run
            starts.append(lit)
        others = [
            (n, f)
            for n, f in origin.fate.sends
            if not (f is self.file and contains(send, n))
            and not any(f is self.file and contains(lit, n) for lit in starts)
        ]
        if capacity == 1 and not others:
            return  # the one slot is free for it
        name = self.file.text(channel)
        if capacity == 0:
            why = f"{name} is unbuffered"
            related = []
        else:
            why = f"{name}'s one slot may already be full (another send fills it)"
            node, file = others[0]
            related = [Related(self.span(node, file), "this send can fill the slot first")]
        self.report(
            send,
            f"send on {name} can block forever: {why}, and the only code that receives from it "
            "is started after this send, in this function",
            related=[*related, Related(self.span(starts[0]), "the receiver starts here")],
        )


def _literal_in(node: Node, func: Node) -> Node | None:
    """The outermost function literal of ``func`` around ``node``."""
    found = None
    p = node.parent
    while p is not None and p.id != func.id:
        if p.type == "func_literal":
            found = p
        p = p.parent
    return found if p is not None else None


def _loop_between(send: Node, lit: Node, func: Node) -> bool:
    """A loop of ``func`` holds both: an earlier pass may have started the receiver."""
    p = send.parent
    while p is not None and p.id != func.id:
        if p.type == "for_statement" and contains(p, lit):
            return True
        p = p.parent
    return False
