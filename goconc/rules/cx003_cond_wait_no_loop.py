"""## What it does
Flags `c.Wait()` on a `sync.Cond` (a variable, field, embedded `sync.Cond` or `*sync.Cond`,
resolved by type) that is not inside a `for` loop of the same function: the nearest enclosing
`for` statement is searched without crossing a function literal.

## Why is this bad?
`Wait` returns after a `Signal` or `Broadcast`, not when the condition the waiter cares
about is true: another goroutine may have taken the item or changed the state between the
wake-up and the moment `Wait` re-acquires `c.L`, and `Broadcast` wakes every waiter for a
condition that only one of them can consume. The `sync` documentation says it plainly:
"Because c.L is not locked while Wait is waiting, the caller typically cannot assume that
the condition is true when Wait returns. Instead, the caller should Wait in a loop."

## Example
```go
package example

import "sync"

type Queue struct {
        mu    sync.Mutex
        cond  *sync.Cond
        items []int
}

func (q *Queue) Pop() int {
        q.mu.Lock()
        defer q.mu.Unlock()
        if len(q.items) == 0 {
                q.cond.Wait()
        }
        item := q.items[0]
        q.items = q.items[1:]
        return item
}
```

Use instead:
```go
package example

import "sync"

type Queue struct {
        mu    sync.Mutex
        cond  *sync.Cond
        items []int
}

func (q *Queue) Pop() int {
        q.mu.Lock()
        defer q.mu.Unlock()
        for len(q.items) == 0 {
                q.cond.Wait()
        }
        item := q.items[0]
        q.items = q.items[1:]
        return item
}
```

Not flagged: a `Wait` in any `for` loop of its function (`for !cond { c.Wait() }`,
`for { c.Wait(); if cond { break } }`); a `Wait` in a small package function or method
whose every call in the package sits inside a `for` loop (a wrapper such as
`func (b *buf) wait() { b.cond.Wait() }` called as `for !ready { b.wait() }`); `Wait`
methods of other types (a type's own `Wait` method, `sync.WaitGroup.Wait`); a `Wait` on a
Cond that is a local variable of a function in a `_test.go` file (tests that exercise
`Signal`/`Broadcast` themselves wait exactly once on purpose).

## Fix safety
No fix is offered: the loop needs the condition the waiter is waiting for, which only the
author knows (turning `if cond { c.Wait() }` into `for cond { c.Wait() }` is right only
when the `if` tested exactly that condition and nothing else in the branch depends on
running once).

## Limitations
Any `for` loop counts, even one that does not re-check the condition (a `range` over
unrelated items). A wrapper is recognised only through direct calls in the same package;
a wrapper called through a function value or from another package is flagged.

## References
- No go vet analyzer checks this, and neither does staticcheck: its SA2xxx concurrency
  checks are SA2000 (`WaitGroup.Add` inside the goroutine), SA2001 ("Empty critical section,
  did you mean to defer the unlock?"), SA2002 ("Called testing.T.FailNow or SkipNow in a
  goroutine, which isn't allowed": see GR002) and SA2003 ("Deferred Lock right after
  locking"); none concerns `sync.Cond`.
- https://pkg.go.dev/sync#Cond.Wait: "the caller should Wait in a loop".
"""

from __future__ import annotations

from tree_sitter import Node

from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.matchers import FUNC_KINDS, innermost_loop
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.types import enclosing_function


class CondWaitNoLoop(Rule):
    meta = RuleMeta(
        code="CX003",
        name="cond-wait-no-loop",
        summary="sync.Cond.Wait is called outside a loop that re-checks its condition.",
        severity=Severity.ERROR,
        tags=("concurrency", "cond", "race", "external/cwe/cwe-362"),
        precision="high",
        fix=None,
    )
    anchors = {"call_expression": (b"Wait",)}

    def visit_call_expression(self, call: Node) -> None:
        fn = call.child_by_field_name("function")
        if fn is None or fn.type != "selector_expression":
            return
        field = fn.child_by_field_name("field")
        if field is None or self.file.text(field) != "Wait":
            return
        target = self.pkg.resolver.method_target(fn, self.file)
        if target is None or target[0] != "Cond":
            return
        if innermost_loop(call) is not None:
            return
        ref = target[1]
        if (
            self.file.path.endswith("_test.go")
            and ref is not None
            and not ref.path
            and not ref.root.startswith(("pkg:", "ext:"))
        ):
            return  # a Cond made by the test itself: a test of Cond's own wake-up behaviour
        func = enclosing_function(call)
        if func is not None and func.type != "func_literal" and self._wrapper_in_loops(func):
            return
        name = self.file.text(fn.child_by_field_name("operand") or fn)
        related: list[Related] = []
        cond = _enclosing_if(call)
        if cond is not None:
            related.append(Related(self.span(cond), "the condition is tested once, here"))
        self.report(
            call,
            f"{name}.Wait() is not in a loop: when it returns the condition may not hold "
            f"(stale or shared wake-up); wait in `for !condition {{ {name}.Wait() }}`",
            related=related,
        )

    def _wrapper_in_loops(self, func: Node) -> bool:
        """``func`` is called in this package, and every such call is inside a loop."""
        name_node = func.child_by_field_name("name")
        if name_node is None:
            return False
        name = self.file.text(name_node)
        needle = name.encode() + b"("
        calls: list[tuple[Node, SourceFile]] = []
        for file in self.pkg.files:
            if needle not in file.data:
                continue
            for c in file.tokens.anchored(name.encode(), "call_expression")[1]:
                f = c.child_by_field_name("function")
                if f is None:
                    continue
                if f.type == "selector_expression":
                    f = f.child_by_field_name("field")
                if (
                    f is not None
                    and f.type in ("identifier", "field_identifier")
                    and file.text(f) == name
                ):
                    calls.append((c, file))
        return bool(calls) and all(innermost_loop(c) is not None for c, _ in calls)


def _enclosing_if(node: Node) -> Node | None:
    parent = node.parent
    while parent is not None and parent.type not in FUNC_KINDS:
        if parent.type == "if_statement":
            return parent.child_by_field_name("condition")
        parent = parent.parent
    return None
