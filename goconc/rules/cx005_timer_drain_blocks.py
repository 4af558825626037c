"""## What it does
Flags the drain of a `time.Timer` after a failed `Stop` (`if !t.Stop() { <-t.C }`) when
another receive from the same `t.C` (a `select` case of the same loop, an earlier `<-t.C`)
can run before it with no `t.Reset` (and no new timer assigned to `t`) in between.

## Why is this bad?
`Stop` returns false when the timer has already fired (or was stopped). The drain assumes the
tick is still waiting in `t.C`; but if the other receive took it, the channel is empty and
the timer is not running, so nothing will ever send again: the drain blocks forever, and
the loop that should serve the next event, reset or shutdown hangs with it. With Go 1.23
timers the drain is no longer needed, but a blocking one still hangs the same way.

## Example
```go
package example

import "time"

func debounce(events <-chan struct{}, quit <-chan struct{}, fire func()) {
        t := time.NewTimer(time.Second)
        for {
                select {
                case <-t.C:
                        fire()
                case <-events:
                        if !t.Stop() {
                                <-t.C
                        }
                        t.Reset(time.Second)
                case <-quit:
                        return
                }
        }
}
```

Use instead:
```go
package example

import "time"

func debounce(events <-chan struct{}, quit <-chan struct{}, fire func()) {
        t := time.NewTimer(time.Second)
        for {
                select {
                case <-t.C:
                        fire()
                case <-events:
                        if !t.Stop() {
                                select {
                                case <-t.C:
                                default:
                                }
                        }
                        t.Reset(time.Second)
                case <-quit:
                        return
                }
        }
}
```

Not flagged: a drain inside a condition other than the loop and its select case (`if
pending { if !t.Stop() { <-t.C } }`: the condition may say the timer is running); a drain
that no other receive of `t.C` can precede, or only through a
`t.Reset(...)` or a new timer assigned to `t` (the timer is running again, so a failed
`Stop` means a tick is waiting); a non-blocking drain (`select` with `default`); tickers
(`time.Ticker.Stop` reports nothing).

## Fix safety
The fix replaces the blocking drain `<-t.C` with `select { case <-t.C: default: }`. It is
safe: when a tick is waiting it is taken as before, and when none is, the code goes on
instead of hanging; with Go 1.23 timers no stale tick can be waiting after `Stop`, so the
drain is a no-op either way.

## Limitations
The timer is told apart by the variable or field path that holds it (`t`, `s.timer`), in
one function; a receive through a copy of `t.C` or in another function is not seen. Paths
are followed without evaluating conditions.

## References
- https://pkg.go.dev/time#Timer.Stop: "For a chan-based timer created with NewTimer(d), as of
  Go 1.23, any receive from t.C after Stop has returned is guaranteed to block rather than
  receive a stale time value"; before 1.23 the documented drain assumed the value was
  still in the channel.
- GoBench/GoKer blocking kernel istio/18454, shipped in the Go tree under
  `runtime/testdata/testgoroutineleakprofile/goker`.
"""

from __future__ import annotations

from tree_sitter import Node

from goconc.analyzer.dataflow import cfg_statement, contains, reaches
from goconc.analyzer.diagnostics import Applicability, Edit, Fix, Related, RuleMeta, Severity
from goconc.analyzer.matchers import FUNC_KINDS, descendants, line_indent, method_call
from goconc.analyzer.rule import Rule
from goconc.analyzer.types import Ref, enclosing_function, unparen

_RECEIVES = frozenset({"unary_expression"})
_CALLS = frozenset({"call_expression"})
_ASSIGNS = frozenset({"assignment_statement", "short_var_declaration"})


class TimerDrainBlocks(Rule):
    meta = RuleMeta(
        code="CX005",
        name="timer-drain-blocks",
        summary="A timer drain after a failed Stop, when another receive can take the tick first.",
        severity=Severity.ERROR,
        tags=("concurrency", "timer", "deadlock", "external/cwe/cwe-833"),
        precision="high",
        fix=Applicability.SAFE,
    )
    triggers = (b".Stop()",)
    anchors = {"call_expression": (b"Stop",)}

    def visit_call_expression(self, stop: Node) -> None:
        m = method_call(stop, self.file)
        if m is None or m[1] != "Stop" or not _negated_condition(stop):
            return
        timer = self._timer_ref(m[0])
        if timer is None:
            return
        cond = stop.parent
        while cond is not None and cond.type != "if_statement":
            cond = cond.parent
        body = cond.child_by_field_name("consequence") if cond is not None else None
        if cond is None or body is None or not _unguarded(cond):
            return
        drain = next((r for r in self._receives(body, timer) if _plain(r)), None)
        func = enclosing_function(stop)
        if drain is None or func is None:
            return
        cfg = self.pkg.cfg(func, self.file)
        at = cfg_statement(cfg, stop)
        if at is None:
            return

        def rearms(node: Node) -> bool:
            return self._rearms(node, timer)

        for other in self._receives(func, timer):
            if contains(body, other):
                continue
            start = cfg_statement(cfg, other)
            if start is None or not reaches(cfg, start, at, rearms):
                continue
            name = self.file.text(unparen(m[0]))
            line = self.file.line_of(other.start_byte)
            self.report(
                drain,
                f"receive from {name}.C can block forever: the receive on line {line} can take "
                f"the tick first (no {name}.Reset in between), and then {name}.Stop() returns "
                "false with nothing left to drain; drain without blocking",
                related=[
                    Related(self.span(other), "this receive can take the tick"),
                    Related(self.span(stop), "Stop returns false once the timer has fired"),
                ],
                fixes=self._fix(drain, name),
            )
            return

    def _timer_ref(self, operand: Node) -> Ref | None:
        t = self.pkg.resolver.type_of(operand, self.file)
        if t is None or not t.deref().is_named("time", "Timer"):
            return None
        return self.pkg.resolver.ref_of(operand, self.file)

    def _receives(self, scope: Node, timer: Ref) -> list[Node]:
        """Receives `<-T.C` from ``timer``'s channel in ``scope`` (its own function)."""
        found = []
        for node in descendants(scope, _RECEIVES, into_funcs=False):
            op = node.child_by_field_name("operator")
            operand = node.child_by_field_name("operand")
            if op is None or op.type != "<-" or operand is None:
                continue
            operand = unparen(operand)
            field = operand.child_by_field_name("field")
            owner = operand.child_by_field_name("operand")
            if operand.type != "selector_expression" or field is None or owner is None:
                continue
            if self.file.text(field) != "C":
                continue
            ref = self.pkg.resolver.ref_of(owner, self.file)
            if ref is not None and ref.same_object(timer):
                found.append(node)
        return found

    def _rearms(self, node: Node, timer: Ref) -> bool:
        """``node`` resets the timer or assigns a new one to its variable."""
        r = self.pkg.resolver
        for call in descendants(node, _CALLS, into_funcs=False):
            m = method_call(call, self.file)
            if m is None or m[1] != "Reset":
                continue
            ref = r.ref_of(m[0], self.file)
            if ref is not None and ref.same_object(timer):
                return True
        stmts = [node] if node.type in _ASSIGNS else descendants(node, _ASSIGNS, into_funcs=False)
        for stmt in stmts:
            left = stmt.child_by_field_name("left")
            for target in left.named_children if left is not None else []:
                ref = r.ref_of(target, self.file)
                if ref is not None and ref.same_object(timer):
                    return True
        return False

    def _fix(self, drain: Node, name: str) -> list[Fix]:
        stmt = drain.parent
        if stmt is None or stmt.type != "expression_statement":
            return []
        f = self.file
        indent = line_indent(f, stmt)
        text = f"select {{\n{indent}case <-{name}.C:\n{indent}default:\n{indent}}}"
        return [
            Fix(
                f"Drain {name}.C without blocking",
                (Edit(f.node_span(stmt), text),),
                Applicability.SAFE,
            )
        ]


def _negated_condition(stop: Node) -> bool:
    """``stop`` is the operand of `!` that is the whole condition of an `if`."""
    node = stop
    while node.parent is not None and node.parent.type == "parenthesized_expression":
        node = node.parent
    neg = node.parent
    if neg is None or neg.type != "unary_expression":
        return False
    op = neg.child_by_field_name("operator")
    if op is None or op.type != "!":
        return False
    node = neg
    while node.parent is not None and node.parent.type == "parenthesized_expression":
        node = node.parent
    parent = node.parent
    return (
        parent is not None
        and parent.type == "if_statement"
        and parent.child_by_field_name("condition") == node
    )


_PLAIN_PARENTS = frozenset(
    {"block", "statement_list", "communication_case", "select_statement", "for_statement",
     "labeled_statement", "function_declaration", "method_declaration", "func_literal"}
)  # fmt: skip


def _unguarded(stmt: Node) -> bool:
    """No condition of its function other than select cases and loops decides whether
    ``stmt`` runs: a drain behind `if live && index == 0` may rely on what that condition
    knows about the timer."""
    node = stmt.parent
    while node is not None and node.type not in FUNC_KINDS:
        if node.type not in _PLAIN_PARENTS:
            return False
        node = node.parent
    return True


def _plain(receive: Node) -> bool:
    """The receive is a statement of its own (`<-t.C`), not a select case or a value."""
    parent = receive.parent
    return (
        parent is not None
        and parent.type == "expression_statement"
        and (parent.parent is None or parent.parent.type != "communication_case")
    )
