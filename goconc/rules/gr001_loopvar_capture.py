"""## What it does
Flags a goroutine closure (`go func() { ... }()`), a deferred closure (`defer func() { ... }()`)
or a closure handed to `errgroup.Group.Go` that uses a loop variable of an enclosing `for`
loop (the variables of `for i, v := range xs`, of `for k = range m` and of a three-clause
`for i := 0; i < n; i++`), in a module whose `go.mod` declares a Go version below 1.22, or in
a file whose `//go:build` line sets such a version (`//go:build go1.21`).

## Why is this bad?
Before Go 1.22 a loop has one variable for all its iterations. A goroutine started in the
loop reads the variable while the loop goes on writing it: a data race, and most goroutines
see a later value than the one of their iteration (often the last one). A deferred closure
runs after the loop is over, so every one of them sees the last value. Go 1.22 gave each
iteration its own variable, so the rule is silent for modules that declare `go 1.22` or
later (and without a `go.mod`, where goconc assumes the newest Go).

## Example
```go
//go:build go1.21

package example

import "sync"

func process(items []string, handle func(string)) {
        var wg sync.WaitGroup
        for _, item := range items {
                wg.Add(1)
                go func() {
                        defer wg.Done()
                        handle(item)
                }()
        }
        wg.Wait()
}
```

Use instead:
```go
//go:build go1.21

package example

import "sync"

func process(items []string, handle func(string)) {
        var wg sync.WaitGroup
        for _, item := range items {
                wg.Add(1)
                go func(item string) {
                        defer wg.Done()
                        handle(item)
                }(item)
        }
        wg.Wait()
}
```

Not flagged: a variable re-declared in the iteration (`v := v`) or passed as an argument
(`go func(v T) { ... }(v)`); a closure that is not a goroutine or deferred (it runs within
the iteration, unless it escapes: see Limitations); a goroutine that the iteration waits for
before it ends (a `Wait()` call or a channel receive after the `go` statement in the loop
body); a goroutine or defer after which the loop cannot go on (a `return`, `panic` or a
`break` out of that loop follows it in the body); struct literal field names (`T{v: 1}`).

One finding per closure, at the first use, naming every loop variable it captures.

## Fix safety
The fix inserts `v := v` (or `i, v := i, v`) before the `go`/`defer` statement, which gives
the closure a copy of this iteration's value. It is unsafe: it changes behaviour where the
closure writes the variable (the write no longer reaches the loop) or relies on seeing later
values.

## Limitations
Only closures written inline are checked: a closure stored in a variable or passed to
another function that starts it as a goroutine is not followed (except `errgroup.Group.Go`
when the group's type resolves). A `Wait`/receive after the `go` statement silences the
finding even when it waits for something else.

## References
- go vet `loopclosure` (before Go 1.22): it checks only the last statement of the loop body
  (including nested `if`/`switch`/`select` statements at its end); this rule checks every
  `go`/`defer` statement of the body, so it finds all of loopclosure's cases and those
  followed by other statements.
- https://go.dev/blog/loopvar-preview, https://go.dev/doc/go1.22#language
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from tree_sitter import Node

from goconc.analyzer.diagnostics import Applicability, Edit, Fix, Related, RuleMeta, Severity
from goconc.analyzer.matchers import FUNC_KINDS, descendants, line_indent, method_call
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.types import Resolver, unparen

if TYPE_CHECKING:
    from goconc.analyzer.facts import Package

_ERRGROUP = "golang.org/x/sync/errgroup"
_IDENTS = frozenset({"identifier"})
_BREAKABLE = frozenset(
    {"for_statement", "expression_switch_statement", "type_switch_statement", "select_statement"}
)
_WAITS = frozenset({"call_expression", "unary_expression", "receive_statement"})
# Standard-library functions that return iterators (iter.Seq/Seq2): ranging over their
# result is range-over-func.
_STD_ITERATORS = frozenset(
    {
        *(("slices", n) for n in ("All", "Values", "Backward", "Chunk")),
        *(("maps", n) for n in ("All", "Keys", "Values")),
        *(
            (pkg, n)
            for pkg in ("strings", "bytes")
            for n in ("Lines", "SplitSeq", "SplitAfterSeq", "FieldsSeq", "FieldsFuncSeq")
        ),
    }
)
_KEYWORDS = {"go_statement": "go", "defer_statement": "defer"}
_BUILD_LINE = re.compile(rb"^//go:build\s+(.*)$", re.M)
_GO_TERM = re.compile(r"(!?)go1\.(\d+)")


class LoopVarCapture(Rule):
    meta = RuleMeta(
        code="GR001",
        name="loopvar-capture",
        summary="A goroutine or deferred closure uses a loop variable that, before Go 1.22, "
        "all iterations share.",
        severity=Severity.WARNING,
        tags=("concurrency", "goroutine", "race", "loopvar"),
        precision="high",
        fix=Applicability.UNSAFE,
    )
    declaration_triggers = (b"for",)
    anchors = {
        "go_statement": (b"go",),
        "defer_statement": (b"defer",),
        "call_expression": (b"Go",),
    }

    def __init__(self, pkg: Package, options: Mapping[str, object] | None = None) -> None:
        super().__init__(pkg, options)
        self._old: dict[str, tuple[int, int] | None] = {}

    # -- version gate --------------------------------------------------------------------------
    def _old_semantics(self) -> tuple[int, int] | None:
        """The Go version of the current file when it is below 1.22, else None."""
        return self._old_version(self.file)

    def _old_version(self, file: SourceFile) -> tuple[int, int] | None:
        path = file.path
        if path not in self._old:
            version = _build_line_version(file) or self.pkg.go_version
            self._old[path] = version if version is not None and version < (1, 22) else None
        return self._old[path]

    def applies_to_package(self) -> bool:
        # Files on per-iteration loop variables (Go 1.22+) have nothing to report.
        return any(self._old_version(f) is not None for f in self.pkg.files)

    def wants_declaration(self, decl: Node) -> bool:
        return self._old_semantics() is not None and super().wants_declaration(decl)

    # -- hooks ---------------------------------------------------------------------------------
    def visit_go_statement(self, node: Node) -> None:
        if self._old_semantics() is not None:
            self._check(node, _literal_of(node), "goroutine")

    def visit_defer_statement(self, node: Node) -> None:
        if self._old_semantics() is not None:
            self._check(node, _literal_of(node), "deferred")

    def visit_call_expression(self, call: Node) -> None:
        """`g.Go(func() error { ... })` on an errgroup.Group."""
        if self._old_semantics() is None:
            return
        m = method_call(call, self.file)
        if m is None or m[1] != "Go" or not self._is_errgroup(m[0]):
            return
        args = call.child_by_field_name("arguments")
        first = next((c for c in args.named_children if not c.is_extra), None) if args else None
        stmt = call.parent
        if first is None or stmt is None or stmt.type != "expression_statement":
            return
        literal = unparen(first)
        if literal.type == "func_literal":
            self._check(stmt, literal, "goroutine")

    def _is_errgroup(self, operand: Node) -> bool:
        r = self.pkg.resolver
        t = r.type_of(operand, self.file)
        if t is not None:
            return t.deref().is_named(_ERRGROUP, "Group")
        operand = unparen(operand)
        b = r.binding(operand, self.file) if operand.type == "identifier" else None
        if b is None or b.value is None or b.index != 0 or b.value.type != "call_expression":
            return False
        return r.pkg_func(b.value, self.file) == (_ERRGROUP, "WithContext")

    # -- the check -----------------------------------------------------------------------------
    def _check(self, stmt: Node, literal: Node | None, how: str) -> None:
        if literal is None:
            return
        loops = _enclosing_loops(stmt)
        if not loops:
            return
        loop_vars: dict[str, tuple[Node, Node]] = {}  # identity -> (declaring ident, loop)
        for loop in loops:
            if self._loop_ends_after(stmt, loop) or (
                how == "goroutine" and self._waited(stmt, loop)
            ):
                continue
            if self._ranges_over_func(loop):
                continue  # range-over-func variables are per-iteration in every version
            for ident in _loop_var_idents(loop):
                key = self._identity(ident)
                if key is not None and key not in loop_vars:
                    loop_vars[key] = (ident, loop)
        if not loop_vars:
            return
        captured: dict[str, Node] = {}  # name -> first use
        for ident in descendants(literal, _IDENTS):
            if _is_field_key(ident, self.pkg.resolver, self.file):
                continue
            key = self._identity(ident)
            if key in loop_vars and loop_vars[key][0].id != ident.id:
                captured.setdefault(self.file.text(ident), ident)
        if not captured:
            return
        names = list(captured)
        first = min(captured.values(), key=lambda n: n.start_byte)
        version = self._old_semantics()
        assert version is not None
        noun = "loop variable" if len(names) == 1 else "loop variables"
        shared = "it" if len(names) == 1 else "them"
        closure = "a goroutine closure" if how == "goroutine" else "a deferred closure"
        after = (
            "the loop goes on writing it while the goroutine runs"
            if how == "goroutine" and len(names) == 1
            else "the loop goes on writing them while the goroutine runs"
            if how == "goroutine"
            else "the closure runs after the loop, with the last value"
        )
        message = (
            f"{noun} {', '.join(names)} captured by {closure}: before Go 1.22 "
            f"(this file: go {version[0]}.{version[1]}) all iterations share {shared}, and {after}"
        )
        related = [
            Related(
                self.span(stmt),
                "the goroutine is started here"
                if how == "goroutine"
                else "the closure is deferred here",
            )
        ]
        for name in names:
            decl = next(ident for ident, _ in loop_vars.values() if self.file.text(ident) == name)
            related.append(Related(self.span(decl), f"{name} is declared by the loop here"))
        self.report(first, message, related=related, fixes=[self._fix(stmt, names)])

    def _fix(self, stmt: Node, names: list[str]) -> Fix:
        f = self.file
        joined = ", ".join(names)
        text = f"{joined} := {joined}\n{line_indent(f, stmt)}"
        return Fix(
            f"Copy {joined} before the {_KEYWORDS.get(stmt.type, 'Go')} statement",
            (Edit(f.span(stmt.start_byte, stmt.start_byte, clamp=False), text),),
            Applicability.UNSAFE,
        )

    def _ranges_over_func(self, loop: Node) -> bool:
        clause = next((c for c in loop.named_children if c.type == "range_clause"), None)
        right = clause.child_by_field_name("right") if clause is not None else None
        if right is None:
            return False
        right = unparen(right)
        if right.type == "call_expression":
            target = self.pkg.resolver.pkg_func(right, self.file)
            if target is not None and target in _STD_ITERATORS:
                return True
        t = self.pkg.resolver.type_of(right, self.file)
        if t is None:
            return False
        if t.kind == "func" or t.is_named("iter", "Seq", "Seq2"):
            return True
        decl = self.pkg.index.types.get(t.name) if t.kind == "named" and not t.pkg else None
        return decl is not None and decl.type_node.type == "function_type"

    def _identity(self, ident: Node) -> str | None:
        b = self.pkg.resolver.binding(ident, self.file)
        if b is not None:
            return b.key
        name = self.file.text(ident)
        return f"pkg:{name}" if name in self.pkg.index.vars else None

    # -- exemptions ----------------------------------------------------------------------------
    def _following(self, stmt: Node, loop: Node) -> list[tuple[Node, Node]]:
        """(statement, its statement_list) for the statements after ``stmt`` up to the end of
        the loop body, level by level."""
        found: list[tuple[Node, Node]] = []
        node = stmt
        body = loop.child_by_field_name("body")
        while node.parent is not None and body is not None and node.id != body.id:
            parent = node.parent
            if parent.type == "statement_list":
                sib = node.next_named_sibling
                while sib is not None:
                    if not sib.is_extra:
                        found.append((sib, parent))
                    sib = sib.next_named_sibling
            node = parent
        return found

    def _loop_ends_after(self, stmt: Node, loop: Node) -> bool:
        """A `return`, `panic(...)` or `break` out of ``loop`` follows ``stmt`` in the body."""
        labels = _labels_around(loop)
        for sib, stmt_list in self._following(stmt, loop):
            if sib.type == "return_statement":
                return True
            if sib.type == "expression_statement":
                call = sib.named_children[0] if sib.named_children else None
                fn = (
                    call.child_by_field_name("function")
                    if call is not None and call.type == "call_expression"
                    else None
                )
                if fn is not None and self.pkg.resolver.is_builtin(fn, self.file, "panic"):
                    return True
            if sib.type == "break_statement":
                target = next((c for c in sib.named_children if c.type == "label_name"), None)
                if target is not None:
                    if self.file.text(target) in labels:  # `break outer` ends inner loops too
                        return True
                elif _innermost_breakable(stmt_list) == loop.id:
                    return True
        return False

    def _waited(self, stmt: Node, loop: Node) -> bool:
        """The iteration waits after starting the goroutine: a `Wait()` call or a receive."""
        for sib, _ in self._following(stmt, loop):
            for node in [sib, *descendants(sib, _WAITS, into_funcs=False)]:
                if node.type == "receive_statement" or (
                    node.type == "unary_expression"
                    and (op := node.child_by_field_name("operator")) is not None
                    and op.type == "<-"
                ):
                    return True
                if node.type == "call_expression":
                    m = method_call(node, self.file)
                    if m is not None and m[1] == "Wait":
                        return True
        return False


def _literal_of(stmt: Node) -> Node | None:
    call = stmt.named_children[0] if stmt.named_children else None
    if call is None or call.type != "call_expression":
        return None
    fn = call.child_by_field_name("function")
    fn = unparen(fn) if fn is not None else None
    return fn if fn is not None and fn.type == "func_literal" else None


def _enclosing_loops(stmt: Node) -> list[Node]:
    """The for statements whose body holds ``stmt``, innermost first, up to the function."""
    loops: list[Node] = []
    node = stmt
    while node.parent is not None and node.parent.type not in FUNC_KINDS:
        parent = node.parent
        if parent.type == "for_statement":
            body = parent.child_by_field_name("body")
            if body is not None and body.id == node.id:
                loops.append(parent)
        node = parent
    return loops


def _loop_var_idents(loop: Node) -> list[Node]:
    clause = next(
        (c for c in loop.named_children if c.type in ("range_clause", "for_clause")), None
    )
    if clause is None:
        return []
    if clause.type == "range_clause":
        left = clause.child_by_field_name("left")
        exprs = left.named_children if left is not None else []
    else:
        init = clause.child_by_field_name("initializer")
        if init is None or init.type != "short_var_declaration":
            return []
        left = init.child_by_field_name("left")
        exprs = left.named_children if left is not None else []
    return [e for e in exprs if e.type == "identifier" and e.text != b"_"]


def _labels_around(loop: Node) -> set[str]:
    """Labels of ``loop`` and of the statements around it, up to the function: a labelled
    break to any of them ends ``loop``."""
    labels: set[str] = set()
    parent = loop.parent
    while parent is not None and parent.type not in FUNC_KINDS:
        if parent.type == "labeled_statement":
            label = parent.child_by_field_name("label")
            if label is not None and label.text:
                labels.add(label.text.decode())
        parent = parent.parent
    return labels


def _innermost_breakable(node: Node) -> int | None:
    parent = node.parent
    while parent is not None and parent.type not in FUNC_KINDS:
        if parent.type in _BREAKABLE:
            return parent.id
        parent = parent.parent
    return None


def _is_field_key(ident: Node, resolver: Resolver, file: SourceFile) -> bool:
    """`v` in `T{v: 1}` names a struct field; in `map[K]V{v: 1}` or `[]T{v: x}` it is a value."""
    elem = ident.parent
    keyed = elem.parent if elem is not None else None
    if (
        elem is None
        or elem.type != "literal_element"
        or keyed is None
        or keyed.type != "keyed_element"
    ):
        return False
    if keyed.child_by_field_name("key") != elem:
        return False
    body = keyed.parent
    lit = body.parent if body is not None else None
    tnode = (
        lit.child_by_field_name("type")
        if lit is not None and lit.type == "composite_literal"
        else None
    )
    if tnode is None:
        return True  # an elided type inside another literal: assume a struct (precision first)
    if tnode.type in ("map_type", "slice_type", "array_type", "implicit_length_array_type"):
        return False
    t = resolver.type_from_node(tnode, file)
    if t is not None and t.kind == "named" and not t.pkg:
        decl = resolver.index.types.get(t.name)
        if decl is not None and decl.type_node.type in ("map_type", "slice_type", "array_type"):
            return False
    return True


def _build_line_version(file: SourceFile) -> tuple[int, int] | None:
    """The Go version a `//go:build` line before the package clause sets for the file:
    the highest `go1.N` that the constraint requires (a plain AND of terms), else None."""
    if b"//go:build" not in file.data:
        return None
    clause = file.package_clause
    head = file.data[: clause[0]] if clause is not None else b""
    m = _BUILD_LINE.search(head)
    if m is None:
        return None
    expr = m.group(1).decode("utf-8", "replace")
    if "||" in expr:
        return None  # which version applies depends on the build: leave it to go.mod
    versions = [int(n) for neg, n in _GO_TERM.findall(expr) if not neg]
    return (1, max(versions)) if versions else None
