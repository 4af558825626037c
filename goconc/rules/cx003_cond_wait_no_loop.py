"""## What it does
Flags `c.Wait()` on a `sync.Cond` (a variable, field, embedded `sync.Cond` or `*sync.Cond`,
resolved by type) that is not inside a `for` loop of the same function: the nearest enclosing
`for` statement is searched without crossing a function literal.

Also flags a `Wait` whose loop re-checks a condition that can never change: `for exists {
c.Wait() }` where the condition reads only local variables (and constants) that nothing in
the loop assigns, whose address is never taken and that no function literal captures, and
the loop body has no `break`, `return` or `goto` out of it. Once such a loop starts, no
`Signal` or `Broadcast` can end it: the waiter blocks forever, usually holding what other
goroutines need.

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
`for { c.Wait(); if cond { break } }`); a `Wait` in a package function or method whose
every call in the package (test files included) sits inside a `for` loop, or inside another
such wrapper (`func (b *buf) wait() { b.cond.Wait() }` called as `for !ready { b.wait() }`;
the calls are found by what they call, so a wrapper may itself be named `Wait`); `Wait`
methods of other types (a type's own `Wait` method, `sync.WaitGroup.Wait`); a `Wait` on a
Cond that is a local variable of a function in a `_test.go` file, or a field of a type
declared in a `_test.go` file (tests that exercise `Signal`/`Broadcast` themselves, or use
a Cond as a gate they open, wait exactly once on purpose).

A loop condition that calls a function, reads a field, a package variable, an index or a
pointer, or a local that the body, a closure or a pointer can change, is taken to be able
to change.

## Fix safety
No fix is offered: the loop needs the condition the waiter is waiting for, which only the
author knows (turning `if cond { c.Wait() }` into `for cond { c.Wait() }` is right only
when the `if` tested exactly that condition and nothing else in the branch depends on
running once).

## Limitations
Any `for` loop counts, even one that does not re-check the condition (a `range` over
unrelated items). A wrapper is recognised only through direct calls in the same package
(up to three wrappers deep); a wrapper used as a function value or called from another
package is flagged.

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

from goconc.analyzer.calls import references
from goconc.analyzer.dataflow import contains
from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.matchers import FUNC_KINDS, innermost_loop
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.types import Ref, enclosing_function

_MAX_WRAPPERS = 3  # wrappers of wrappers followed up to a loop


class CondWaitNoLoop(Rule):
    meta = RuleMeta(
        code="CX003",
        name="cond-wait-no-loop",
        summary="sync.Cond.Wait outside a loop re-checking its condition, or in one that cannot.",
        severity=Severity.ERROR,
        tags=("concurrency", "cond", "race", "external/cwe/cwe-362"),
        precision="high",
        # Opt-in: a Cond never wakes spuriously; on real code every Wait outside a loop judged was
        # correct or harmless (docs/precision.md).
        preview=True,
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
        loop = innermost_loop(call)
        if loop is not None:
            self._check_stuck_loop(call, fn, loop)
            return
        ref = target[1]
        if (
            self.file.path.endswith("_test.go")
            and ref is not None
            and not ref.path
            and not ref.root.startswith(("pkg:", "ext:"))
        ):
            return  # a Cond made by the test itself: a test of Cond's own wake-up behaviour
        if ref is not None and self._test_only(ref):
            return  # a Cond of a test-only type: a gate the test drives itself
        func = enclosing_function(call)
        if (
            func is not None
            and func.type != "func_literal"
            and self._wrapper_in_loops(func, self.file)
        ):
            return
        name = self.file.text(fn.child_by_field_name("operand") or fn)
        related: list[Related] = []
        cond = _enclosing_if(call)
        if cond is not None and not self._tests_only_the_cond(cond, ref):
            related.append(Related(self.span(cond), "the condition is tested once, here"))
        self.report(
            call,
            f"{name}.Wait() is not in a loop: when it returns the condition may not hold "
            f"(stale or shared wake-up); wait in `for !condition {{ {name}.Wait() }}`",
            related=related,
        )

    def _check_stuck_loop(self, call: Node, fn: Node, loop: Node) -> None:
        """Report a Wait whose loop condition nothing can change."""
        func = enclosing_function(call)
        cond = _loop_condition(loop)
        if func is None or cond is None or _leaves(loop):
            return
        names = self._frozen_locals(cond, loop, func)
        if not names:
            return
        name = self.file.text(fn.child_by_field_name("operand") or fn)
        listed = ", ".join(sorted(names))
        self.report(
            call,
            f"{name}.Wait() waits forever: the loop condition ({self.file.text(cond)}) reads "
            f"only {listed}, which nothing can change while the loop runs, so no "
            "Signal or Broadcast can end it",
            related=[Related(self.span(cond), "this condition can never change")],
        )

    def _frozen_locals(self, cond: Node, loop: Node, func: Node) -> set[str]:
        """The locals ``cond`` reads, when it reads nothing but locals that nothing can
        change during ``loop`` (and constants); empty otherwise."""
        r = self.pkg.resolver
        names: set[str] = set()
        for node in _subtree(cond):
            if node.type in _OPAQUE:
                return set()
            if node.type != "identifier":
                continue
            b = r.binding(node, self.file)
            if b is None:
                if self.file.text(node) in self.pkg.index.vars:
                    return set()  # a package variable: another goroutine may write it
                continue  # a constant, true/false, a type
            if b.kind not in ("var", "short", "param") or enclosing_function(b.ident) != func:
                return set()
            for use in r.uses(b):
                if use.id == node.id or use.id == b.ident.id:
                    continue
                if enclosing_function(use) != func or _address_taken(use):
                    return set()  # a closure or a pointer may change it
                if contains(loop, use) and _written(use):
                    return set()
            names.add(b.name)
        return names

    def _wrapper_in_loops(self, func: Node, file: SourceFile, depth: int = 0) -> bool:
        """``func`` is called in this package (test files included), and every call is inside
        a loop, or in a wrapper of its own whose every call is. The calls are found by what
        they call, not by name: `c.Wait()` on a wrapper type is the wrapper's."""
        decl = next((d for d in self.pkg.index.declared_in(file)[2] if d.node.id == func.id), None)
        if decl is None or depth > _MAX_WRAPPERS:
            return False
        found = False
        for expr, where in references(self.pkg.files, self.pkg.resolver, decl):
            call = expr.parent
            if call is None or call.type != "call_expression":
                return False  # a function value: where it is called is unknown
            found = True
            if innermost_loop(call) is not None:
                continue
            outer = enclosing_function(call)
            if (
                outer is None
                or outer.type == "func_literal"
                or not self._wrapper_in_loops(outer, where, depth + 1)
            ):
                return False
        return found

    def _tests_only_the_cond(self, cond: Node, ref: Ref | None) -> bool:
        """`if c.cond != nil`: the `if` asks whether there is a Cond, not the condition."""
        if ref is None or cond.type != "binary_expression":
            return False
        sides = [cond.child_by_field_name("left"), cond.child_by_field_name("right")]
        if not any(x is not None and x.type == "nil" for x in sides):
            return False
        r = self.pkg.resolver
        return any(
            x is not None and (other := r.ref_of(x, self.file)) is not None and ref.within(other)
            for x in sides
        )

    def _test_only(self, ref: Ref) -> bool:
        """The Cond is a field of a type declared in a `_test.go` file: test scaffolding."""
        if not ref.path or not ref.cls:
            return False
        owner = self.pkg.index.types.get(ref.cls.split(".", 1)[0])
        return owner is not None and owner.file.path.endswith("_test.go")


_OPAQUE = frozenset(
    {"call_expression", "selector_expression", "index_expression", "slice_expression",
     "type_assertion_expression", "composite_literal", "func_literal"}
)  # fmt: skip
_LEAVES = frozenset({"break_statement", "return_statement", "goto_statement"})


def _loop_condition(loop: Node) -> Node | None:
    """The condition of `for cond { ... }` (no init, post or range)."""
    for child in loop.named_children:
        if child.type in ("for_clause", "range_clause"):
            return None
        if child.type != "block" and child.type != "comment":
            return child
    return None


def _leaves(loop: Node) -> bool:
    """The loop body can end the loop: a `break`, `return` or `goto` in its function, or a
    call that may not return (a panic ends it too)."""
    body = loop.child_by_field_name("body")
    if body is None:
        return True
    stack = list(body.named_children)
    while stack:
        node = stack.pop()
        if node.type in FUNC_KINDS:
            continue
        if node.type in _LEAVES:
            return True
        stack.extend(node.named_children)
    return False


def _subtree(node: Node) -> list[Node]:
    found = [node]
    stack = list(node.named_children)
    while stack:
        n = stack.pop()
        found.append(n)
        stack.extend(n.named_children)
    return found


def _address_taken(use: Node) -> bool:
    parent = use.parent
    while parent is not None and parent.type == "parenthesized_expression":
        parent = parent.parent
    if parent is None or parent.type != "unary_expression":
        return False
    op = parent.child_by_field_name("operator")
    return op is not None and op.type == "&"


def _written(use: Node) -> bool:
    """``use`` is assigned to (`x = ...`, `x, y := ...`, `x++`, `x += ...`)."""
    node = use
    while node.parent is not None and node.parent.type == "parenthesized_expression":
        node = node.parent
    parent = node.parent
    if parent is None:
        return False
    if parent.type in ("inc_statement", "dec_statement"):
        return True
    if parent.type == "expression_list":
        stmt = parent.parent
        if stmt is not None and stmt.type in (
            "assignment_statement",
            "short_var_declaration",
            "range_clause",
        ):
            return stmt.child_by_field_name("left") == parent
    return False


def _enclosing_if(node: Node) -> Node | None:
    """The condition of the nearest `if` around ``node`` in its function."""
    parent = node.parent
    while parent is not None and parent.type not in FUNC_KINDS:
        if parent.type == "if_statement":
            return parent.child_by_field_name("condition")
        parent = parent.parent
    return None
