"""## What it does
Flags `t.Fatal`, `t.Fatalf`, `t.FailNow`, `t.SkipNow`, `t.Skip` and `t.Skipf` called from a
goroutine that a test (or benchmark, fuzz target, test helper) started, on a receiver whose
type is `*testing.T`, `*testing.B`, `*testing.F` or `testing.TB` (resolved from declarations,
not from the name `t`):

- in the body of a `go func() { ... }()` literal (also nested, deferred or in the `for`
  clause of a loop inside it), and in the function literal given to `wg.Go`;
- `go t.Fatal(...)` itself;
- in a package function or method, or a local function value, started with `go helper(t)`:
  reported at the `go` statement, the `testing.TB` parameter bound to the argument;
- in a package function called from the goroutine (`go func() { check(t, err) }()`, up to
  two levels of plain calls): reported at the call in the goroutine.

A goroutine that is started on no path is not reported: a `go` statement after an
unconditional `t.Skip()` (a test kept in the file but switched off), a `return` or a `panic`.
A skip inside a helper the test calls is not followed: what comes after it is reported.

## Why is this bad?
These methods stop the test by calling `runtime.Goexit`, which ends the goroutine that calls
it, not the test. Called from another goroutine, they end only that goroutine: the test
function goes on as if nothing happened (it may then block on a WaitGroup or channel the
dead goroutine was to signal, or pass), and `-race` reports a data race on the test's state.
The `testing` package documents that they "must be called from the goroutine running the
Test or Benchmark function".

## Example
```go
package example

import (
        "sync"
        "testing"
)

func TestWorkers(t *testing.T) {
        var wg sync.WaitGroup
        for i := 0; i < 3; i++ {
                wg.Add(1)
                go func() {
                        defer wg.Done()
                        if i > 10 {
                                t.Fatalf("bad worker %d", i)
                        }
                }()
        }
        wg.Wait()
}
```

Use instead:
```go
package example

import (
        "sync"
        "testing"
)

func TestWorkers(t *testing.T) {
        var wg sync.WaitGroup
        for i := 0; i < 3; i++ {
                wg.Add(1)
                go func() {
                        defer wg.Done()
                        if i > 10 {
                                t.Errorf("bad worker %d", i)
                                return
                        }
                }()
        }
        wg.Wait()
}
```

Not flagged: `t.Error`, `t.Errorf`, `t.Log` (safe from any goroutine); a `Fatal` in the test's
own goroutine, in a `defer`, or in a closure called directly; a `Fatal` in the function value
or the arguments of a `go` statement (`go ping(ctx, dial(t))`: `dial` runs in the test's
goroutine, before the new one starts; only `ping` runs in it); a `Fatal` in a `t.Run` (or
`b.Run`, `f.Fuzz`) callback, which runs in its own test goroutine; `log.Fatal` (it ends the
process); methods called `Fatal` of other types; a helper started with `go helper(x)` whose
`testing.TB` parameter receives something that is not a test value (a fake `TB`).

## Fix safety
No fix is offered: the replacement (`t.Error` followed by `return`, or sending the error to
the test goroutine and failing there) changes control flow in ways only the author can
choose; a plain `return` may leave a WaitGroup or channel the test waits on unsignalled.

## Limitations
Helpers are followed through static calls in the same package, two levels deep; a function
value passed around, an interface method or a call into another package is not followed.
Goroutines started by other packages' APIs (`errgroup.Group.Go`) are not recognised; only
`go` statements and `sync.WaitGroup.Go` are. The body of `b.RunParallel` is not treated as
a goroutine: like go vet, goconc accepts `b.Fatal` there (the standard library's own
benchmarks use it widely, and `RunParallel` checks `b.Failed()` after its workers end).

## References
- go vet `testinggoroutine`: reports "call to (*T).Fatal from a non-test goroutine" for
  `go func` literals, `go helper(t)` and local function values started with `go`; goconc
  finds every case of its testdata and also follows plain helper calls made inside the
  goroutine.
- staticcheck SA2002 "Called testing.T.FailNow or SkipNow in a goroutine, which isn't
  allowed".
- https://pkg.go.dev/testing#T.FailNow: "FailNow must be called from the goroutine running
  the test or benchmark function, not from other goroutines created during the test."
"""

from __future__ import annotations

import re

from tree_sitter import Node

from goconc.analyzer.calls import bind_arguments, callee
from goconc.analyzer.cfg import TESTING_EXITS, TESTING_TYPES
from goconc.analyzer.dataflow import cfg_statement
from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.matchers import call_args, descendants, runs_later
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.types import GoType, unparen

_EXIT_BYTES = (b"Fatal", b"FailNow", b"Skip")  # each of TESTING_EXITS holds one: a prefilter
_CALLS = frozenset({"call_expression"})
_DECLS = frozenset({"function_declaration", "method_declaration"})
_MAX_DEPTH = 2  # plain helper calls followed from the goroutine
_GO_METHOD = re.compile(rb"\.\s*Go\s*\(")  # `wg.Go(`, the other way to start one


def _is_testing(t: GoType | None) -> bool:
    return t is not None and t.deref().is_named("testing", *TESTING_TYPES)


class FatalInGoroutine(Rule):
    meta = RuleMeta(
        code="GR002",
        name="fatal-in-goroutine",
        summary="t.Fatal/FailNow/Skip called from a goroutine other than the test's.",
        severity=Severity.ERROR,
        tags=("concurrency", "testing", "goroutine"),
        precision="very-high",
        fix=None,
    )
    anchors = {"go_statement": (b"go",), "call_expression": (b"Go",)}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._seen: set[int] = set()

    def applies_to_package(self) -> bool:
        # A testing value can only exist where some file imports "testing".
        return any(b'"testing"' in f.data for f in self.pkg.files)

    def wants_file(self, file: SourceFile) -> bool:
        return file.tokens.may_occur(b"go") or _GO_METHOD.search(file.data) is not None

    def visit_go_statement(self, go: Node) -> None:
        self._check_goroutine(go, go)

    def visit_call_expression(self, call: Node) -> None:
        """`wg.Go(func() { ... })` (Go 1.25) starts a goroutine too."""
        fn = call.child_by_field_name("function")
        if fn is None or fn.type != "selector_expression":
            return
        field = fn.child_by_field_name("field")
        if field is None or self.file.text(field) != "Go":
            return
        if _is_wg_go(self, call, self.file):
            self._check_goroutine(call, call)

    def _check_goroutine(self, start: Node, boundary: Node) -> None:
        """Every call that runs in the goroutine ``boundary`` starts."""
        if self._never_started(start):
            return
        for call in descendants(start, _CALLS):
            if call.id in self._seen:
                continue
            if _boundary(self, call, self.file) != boundary.id:
                continue  # runs in a nested goroutine, a callback or the starter
            self._seen.add(call.id)
            self._check_call(call, boundary)

    def _check_call(self, call: Node, start: Node) -> None:
        file = self.file
        exit_name = self._testing_exit(call, file)
        if exit_name is not None:
            recv = file.text(_operand(call))
            self.report(
                call,
                f"{recv}.{exit_name} is called from a goroutine, not the test's own: it ends only "
                f"this goroutine and the test goes on; use {recv}.Error and return, or hand the "
                "error back to the test goroutine",
                related=[Related(self.span(start), "the goroutine is started here")],
            )
            return
        found = self._helper_exit(call, file, 0)
        if found is None:
            return
        fatal, fatal_file, helper = found
        recv = fatal_file.text(_operand(fatal))
        name = fatal_file.text(_field(fatal))
        direct = call.parent is not None and call.parent.id == start.id
        where = "runs in a new goroutine" if direct else "is called in a goroutine"
        self.report(
            call,
            f"{helper}(...) {where} and calls {recv}.{name}: it ends only this goroutine, not "
            "the test; report with Error and return, or hand the error back to the test goroutine",
            related=[
                Related(self.span(fatal, fatal_file), f"{recv}.{name} is called here"),
                Related(self.span(start), "the goroutine is started here"),
            ],
        )

    def _never_started(self, start: Node) -> bool:
        """The goroutine is started on no path: code after an unconditional `t.Skip()` (a
        test kept but switched off), a return, a panic."""
        func = self.pkg.enclosing_function(start)
        if func is None:
            return False
        cfg = self.pkg.cfg(func, self.file)
        stmt = cfg_statement(cfg, start)
        block = cfg.block_at(stmt) if stmt is not None else None
        return block is not None and not block.live

    # -- facts ---------------------------------------------------------------------------
    def _testing_exit(self, call: Node, file: SourceFile) -> str | None:
        """The method name when ``call`` is `x.Fatal(...)` etc. on a testing value."""
        fn = call.child_by_field_name("function")
        if fn is None or fn.type != "selector_expression":
            return None
        field = fn.child_by_field_name("field")
        operand = fn.child_by_field_name("operand")
        if field is None or operand is None:
            return None
        name = file.text(field)
        if name not in TESTING_EXITS:
            return None
        r = self.pkg.resolver
        if r.package_of(operand, file) is not None:
            return None  # log.Fatal, a package-level function
        return name if _is_testing(r.type_of(operand, file)) else None

    def _helper_exit(
        self, call: Node, file: SourceFile, depth: int
    ) -> tuple[Node, SourceFile, str] | None:
        """(exit call, its file, helper name) when ``call`` invokes a package function (or
        a local function literal) that calls a testing exit in its own goroutine."""
        if depth >= _MAX_DEPTH:
            return None
        r = self.pkg.resolver
        func: Node | None = None
        func_file = file
        target = callee(call, file, r)
        if target is not None:
            func, func_file = target.decl.node, target.decl.file
            helper = target.decl.qualified_name
        else:
            fn = call.child_by_field_name("function")
            fn = unparen(fn) if fn is not None else None
            if fn is None or fn.type != "identifier":
                return None
            b = r.binding(fn, file)
            if b is None or b.value is None or b.kind not in ("short", "var") or b.index:
                return None
            value = unparen(b.value)
            if value.type != "func_literal":
                return None
            func, helper = value, file.text(fn)
        if depth + 1 >= _MAX_DEPTH and not any(
            func_file.data.find(name, func.start_byte, func.end_byte) >= 0 for name in _EXIT_BYTES
        ):
            return None  # no deeper helpers are followed, and it calls no exit itself
        bound = bind_arguments(call, func, func_file)
        for inner in descendants(func, _CALLS):
            if _boundary(self, inner, func_file) != func.id:
                continue
            name = self._testing_exit(inner, func_file)
            if name is not None:
                if self._bound_to_test_value(inner, func, func_file, bound, file):
                    return inner, func_file, helper
                continue
            deeper = self._helper_exit(inner, func_file, depth + 1)
            if deeper is not None:
                return deeper[0], deeper[1], helper
        return None

    def _bound_to_test_value(
        self,
        fatal: Node,
        func: Node,
        func_file: SourceFile,
        bound: dict[str, Node],
        call_file: SourceFile,
    ) -> bool:
        """The exit's receiver, when it is a parameter of ``func``, is given a test value."""
        r = self.pkg.resolver
        root = unparen(_operand(fatal))
        if root.type != "identifier":
            return True  # a field (s.t): its declared type already says testing
        b = r.binding(root, func_file)
        if (
            b is None
            or b.kind != "param"
            or not (func.start_byte <= b.ident.start_byte < func.end_byte)
        ):
            return True  # captured from outside or a local: typed testing by declaration
        if b.ident.parent is None or _param_owner(b.ident) != func.id:
            return True  # a parameter of a nested literal
        arg = bound.get(b.name)
        return arg is not None and _is_testing(r.type_of(arg, call_file))


def _operand(call: Node) -> Node:
    fn = call.child_by_field_name("function")
    assert fn is not None
    operand = fn.child_by_field_name("operand")
    assert operand is not None
    return operand


def _field(call: Node) -> Node:
    fn = call.child_by_field_name("function")
    assert fn is not None
    field = fn.child_by_field_name("field")
    assert field is not None
    return field


def _param_owner(ident: Node) -> int:
    node = ident.parent
    while node is not None and node.type not in ("func_literal", *_DECLS):
        node = node.parent
    return node.id if node is not None else -1


def _is_wg_go(rule: Rule, call: Node, file: SourceFile) -> bool:
    """`wg.Go(f)` on a sync.WaitGroup: ``f`` runs in a goroutine of its own."""
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "selector_expression":
        return False
    field = fn.child_by_field_name("field")
    if field is None:
        return False
    name = file.text(field)
    if name == "Go":
        target = rule.pkg.resolver.method_target(fn, file)
        return target is not None and target[0] == "WaitGroup"
    return False


def _boundary(rule: Rule, node: Node, file: SourceFile) -> int:
    """The id of what decides which goroutine runs ``node``: the `go` statement or `wg.Go`
    call that starts it, else the function declaration or the function literal (a callback,
    a function value, a `t.Run` body) whose body it is in. Directly invoked and deferred
    literals are crossed: they run in the goroutine around them."""
    n = node
    while True:
        p = n.parent
        if p is None:
            return -1
        if p.type == "go_statement":
            if runs_later(node, p):
                return p.id
            n = p  # `go f(arg())`: arg() runs in the starter, before the goroutine exists
            continue
        if p.type in _DECLS:
            return p.id
        if p.type == "func_literal":
            holder = p.parent
            inner = p
            while holder is not None and holder.type == "parenthesized_expression":
                inner, holder = holder, holder.parent
            if holder is not None and holder.type == "call_expression":
                fn = holder.child_by_field_name("function")
                if fn is not None and fn.id == inner.id:
                    n = holder  # func(){...}(): runs here (or in the go statement above)
                    continue
            if holder is not None and holder.type == "argument_list":
                outer = holder.parent
                if (
                    outer is not None
                    and outer.type == "call_expression"
                    and len(call_args(outer)) == 1
                    and _is_wg_go(rule, outer, file)
                ):
                    return outer.id
            return p.id
        n = p
