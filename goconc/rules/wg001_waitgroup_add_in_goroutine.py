"""## What it does
Flags `wg.Add(n)` called at the start of a goroutine that `wg` is meant to count, while
`wg.Wait()` runs in another goroutine: `go func() { wg.Add(1); defer wg.Done(); ... }()`,
or `go worker(&wg)` where `worker` begins with `wg.Add(1)`.

## Why is this bad?
`go` only schedules the goroutine. `Wait` can run before the goroutine's `Add`, see a zero
counter and return while the work is still to come, so results are read before they are
written, or the program exits with work unfinished. The race is rare in tests and common
under load.

## Example
```go
package example

import "sync"

func process(items []string) {
        var wg sync.WaitGroup
        for _, item := range items {
                go func() {
                        wg.Add(1)
                        defer wg.Done()
                        _ = item
                }()
        }
        wg.Wait()
}
```

Use instead:
```go
package example

import "sync"

func process(items []string) {
        var wg sync.WaitGroup
        for _, item := range items {
                wg.Add(1)
                go func() {
                        defer wg.Done()
                        _ = item
                }()
        }
        wg.Wait()
}
```

Not flagged: an `Add` before the `go` statement (`wg.Add(len(items))` before the loop
included); a goroutine that is itself counted (an `Add` for it precedes its `go` statement)
adding for the goroutines it spawns; a WaitGroup declared inside the goroutine, or one that
only the goroutine itself waits on. A WaitGroup parameter or exported field whose `Wait` is
out of sight is flagged: whichever goroutine waits on it races with the `Add`.

## Fix safety
For a function literal, the fix moves the `Add` call before the `go` statement. It is safe:
the count and the goroutine are unchanged, only the order is fixed. No fix is offered when
the `Add` happens in a named function (its other callers would change) or when its argument
uses variables of the goroutine.

## Limitations
The `Add` must be among the goroutine's first statements (only `defer` statements before
it). Identity is resolved from declarations: fields by their struct type, locals by their
declaration; a WaitGroup reached through a map, a slice or another package is not followed.

## References
- go vet `waitgroup` analyzer (Go 1.25), staticcheck SA2000: both flag the function-literal
  form; goconc also follows `go worker(&wg)` into package functions and methods.
- https://pkg.go.dev/sync#WaitGroup.Add: "calls with a positive delta ... must happen before
  a Wait".
"""

from __future__ import annotations

from tree_sitter import Node

from goconc.analyzer.calls import bind_arguments, callee
from goconc.analyzer.diagnostics import (
    Applicability,
    Edit,
    Fix,
    Related,
    RuleMeta,
    Severity,
)
from goconc.analyzer.matchers import (
    body_statements,
    descendants,
    line_indent,
    method_call,
    statement_call,
)
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.summaries import waitgroup_adds_before
from goconc.analyzer.types import Ref, enclosing_function, unparen

_CALLS = frozenset({"call_expression"})


class WaitGroupAddInGoroutine(Rule):
    meta = RuleMeta(
        code="WG001",
        name="waitgroup-add-in-goroutine",
        summary="wg.Add is called inside the goroutine it counts, racing with wg.Wait.",
        severity=Severity.ERROR,
        tags=("concurrency", "waitgroup", "race", "external/cwe/cwe-362"),
        precision="high",
        fix=Applicability.SAFE,
    )
    package_wide = True  # reports at an Add in the callee's file
    triggers = (b".Add(",)
    anchors = {"go_statement": (b"go",)}

    def visit_go_statement(self, go: Node) -> None:
        call = go.named_children[0] if go.named_children else None
        if call is None or call.type != "call_expression":
            return
        fn = call.child_by_field_name("function")
        if fn is None:
            return
        fn = unparen(fn)
        if fn.type == "func_literal":
            self._check_literal(go, fn)
        else:
            self._check_named(go, call)

    # -- go func() { wg.Add(1) ... }() ------------------------------------------------------
    def _check_literal(self, go: Node, literal: Node) -> None:
        r = self.pkg.resolver
        for stmt, add in _leading_adds(
            body_statements(literal.child_by_field_name("body")), self.file
        ):
            target = r.method_target(_selector(add), self.file)
            if target is None or target[0] != "WaitGroup" or target[1] is None:
                continue
            ref = target[1]
            root = _root_ident(_selector(add))
            b = r.binding(root, self.file) if root is not None else None
            if b is not None and literal.start_byte <= b.ident.start_byte < literal.end_byte:
                continue  # declared inside the goroutine: it counts its own children
            self._judge(go, add, ref, stmt, literal)

    # -- go worker(&wg) ------------------------------------------------------------------
    def _check_named(self, go: Node, call: Node) -> None:
        found = callee(call, self.file, self.pkg.resolver)
        if found is None:
            return
        decl = found.decl
        bound = bind_arguments(call, decl.node, decl.file)
        for _, add in _leading_adds(
            body_statements(decl.node.child_by_field_name("body")), decl.file
        ):
            target = self.pkg.resolver.method_target(_selector(add), decl.file)
            if target is None or target[0] != "WaitGroup" or target[1] is None:
                continue
            root = _root_ident(_selector(add))
            name = decl.file.text(root) if root is not None else ""
            if target[1].path or name not in bound:
                continue  # only a WaitGroup handed over as an argument is followed
            outer = self.pkg.resolver.ref_of(bound[name], self.file)
            if outer is not None:
                self._judge(go, add, outer, None, None, add_file=decl.file)

    def _judge(
        self,
        go: Node,
        add: Node,
        ref: Ref,
        stmt: Node | None,
        literal: Node | None,
        add_file: SourceFile | None = None,
    ) -> None:
        func = enclosing_function(go)
        if func is None:
            return
        if self._counted(go, func, ref):
            return
        outside, inside = self._waits(ref, go, func)
        if inside and not outside:
            return  # the goroutine waits on it itself: no other goroutine can race
        related = [Related(self.span(go), "the goroutine is started here")]
        if outside:
            wait_node, wait_file = outside[0]
            related.append(
                Related(
                    self.span(wait_node, wait_file), f"{ref.text}.Wait() can return before the Add"
                )
            )
        fixes = []
        if stmt is not None and literal is not None and self._movable(add, literal):
            fixes.append(self._move_fix(go, stmt, add, ref))
        self.report(
            add,
            f"{ref.text}.Add is called inside the goroutine it counts; "
            f"{ref.text}.Wait() may return before it runs",
            related=related,
            fixes=fixes,
            file=add_file,
        )

    def _counted(self, go: Node, func: Node, ref: Ref) -> bool:
        """An Add on the same WaitGroup precedes this go statement in the function that starts
        it: either the goroutine is counted already, or the goroutine is itself counted and
        adds for its children (the enclosing function is a counted goroutine)."""
        scope: Node | None = func
        while scope is not None:
            adds = waitgroup_adds_before(self.pkg, go, scope, self.file)
            if any(other.same_object(ref) for _, other in adds):
                return True
            if scope.type != "func_literal":
                return False
            scope = enclosing_function(scope)  # the goroutine may be counted by its starter
        return False

    def _waits(
        self, ref: Ref, go: Node, func: Node
    ) -> tuple[list[tuple[Node, SourceFile]], list[tuple[Node, SourceFile]]]:
        """Wait calls on the same WaitGroup, outside and inside the goroutine: in the
        starting function for locals, anywhere in the package for fields and package
        variables (matched by class: another instance of the type waits the same way)."""
        r = self.pkg.resolver
        outermost = func
        while outermost.type == "func_literal":
            parent = enclosing_function(outermost)
            if parent is None:
                break
            outermost = parent
        is_local = not ref.path and not ref.root.startswith(("pkg:", "ext:"))
        places = (
            [(outermost, self.file)]
            if is_local
            else [(f.root, f) for f in self.pkg.files if b".Wait(" in f.data]
        )
        outside: list[tuple[Node, SourceFile]] = []
        inside: list[tuple[Node, SourceFile]] = []
        for scope, file in places:
            for call in descendants(scope, _CALLS):
                m = method_call(call, file)
                if m is None or m[1] != "Wait":
                    continue
                target = r.method_target(_selector(call), file)
                if target is None or target[0] != "WaitGroup" or target[1] is None:
                    continue
                other = target[1]
                if not (
                    other.same_object(ref) or (not is_local and ref.cls and other.cls == ref.cls)
                ):
                    continue
                within = file is self.file and go.start_byte <= call.start_byte < go.end_byte
                (inside if within else outside).append((call, file))
        return outside, inside

    def _movable(self, add: Node, literal: Node) -> bool:
        """The Add's arguments use nothing declared inside the goroutine."""
        r = self.pkg.resolver
        for ident in descendants(add, frozenset({"identifier"})):
            b = r.binding(ident, self.file)
            if b is not None and literal.start_byte <= b.ident.start_byte < literal.end_byte:
                return False
        return True

    def _move_fix(self, go: Node, stmt: Node, add: Node, ref: Ref) -> Fix:
        f = self.file
        line = f.line_of(stmt.start_byte)
        start, end = f.line_bounds(line)
        if f.data[start:end].strip() == f.data[stmt.start_byte : stmt.end_byte].strip():
            # The Add has its line to itself: delete the line, terminator included.
            next_start = f.line_starts[line] if line < len(f.line_starts) else len(f.data)
            delete = Edit(f.span(start, next_start, clamp=False), "")
        else:
            delete = Edit(f.node_span(stmt), "")
        indent = line_indent(f, go)
        insert = Edit(f.span(go.start_byte, go.start_byte), f"{f.text(add)}\n{indent}")
        return Fix(
            f"Move {f.text(add)} before the go statement",
            tuple(sorted((insert, delete), key=lambda e: e.span.start_byte)),
            Applicability.SAFE,
        )


def _selector(call: Node) -> Node:
    fn = call.child_by_field_name("function")
    assert fn is not None
    return fn


def _root_ident(selector: Node) -> Node | None:
    node: Node | None = selector.child_by_field_name("operand")
    while node is not None and node.type in (
        "selector_expression",
        "unary_expression",
        "parenthesized_expression",
    ):
        node = node.child_by_field_name("operand") or (
            node.named_children[0] if node.named_children else None
        )
    return node if node is not None and node.type == "identifier" else None


def _leading_adds(statements: list[Node], file: SourceFile) -> list[tuple[Node, Node]]:
    """(statement, call) for `X.Add(...)` among a goroutine's first statements: only defer
    statements and other Adds may come before it."""
    found: list[tuple[Node, Node]] = []
    for stmt in statements:
        if stmt.type == "defer_statement":
            continue
        call = statement_call(stmt)
        if stmt.type != "expression_statement" or call is None:
            break
        m = method_call(call, file)
        if m is None or m[1] != "Add":
            break
        found.append((stmt, call))
    return found
