"""## What it does
Flags a goroutine counted by a `sync.WaitGroup` (a `wg.Add` on the same WaitGroup precedes
its `go` statement) in which `wg.Done()` is not guaranteed: it is never called, or it is
called without `defer` and some path skips it (an early `return`, a `continue` that skips
the per-item `Done`, `runtime.Goexit`, `t.FailNow`). Both `go func(){...}()` and
`go worker(&wg)` / `go s.run()` are checked, with arguments bound.

## Why is this bad?
`wg.Wait()` returns only when the counter drops to zero. Every goroutine that was counted
and exits without `Done` leaves the counter above zero for good, so `Wait` blocks forever:
the caller hangs, and every goroutine it was going to release leaks with it. The skipped
path is usually an error branch, so tests that only exercise the happy path pass.

## Example
```go
package example

import (
        "errors"
        "sync"
)

func check(items []string) error {
        var wg sync.WaitGroup
        errs := make(chan error, len(items))
        for _, item := range items {
                wg.Add(1)
                go func() {
                        if item == "" {
                                errs <- errors.New("empty item")
                                return
                        }
                        wg.Done()
                }()
        }
        wg.Wait()
        close(errs)
        return <-errs
}
```

Use instead:
```go
package example

import (
        "errors"
        "sync"
)

func check(items []string) error {
        var wg sync.WaitGroup
        errs := make(chan error, len(items))
        for _, item := range items {
                wg.Add(1)
                go func() {
                        defer wg.Done()
                        if item == "" {
                                errs <- errors.New("empty item")
                                return
                        }
                }()
        }
        wg.Wait()
        close(errs)
        return <-errs
}
```

Not flagged: `defer wg.Done()` anywhere on the entry path; `Done` reached on every path;
`Done` in a deferred closure (`defer func() { ...; wg.Done() }()`); `Done` called by a
package function or method that the goroutine calls unconditionally and that calls it on
every path; goroutines started with `wg.Go(func() {...})` (Go 1.25), which need no `Done`;
a goroutine that hands the WaitGroup to code goconc cannot see (a function of another
package, another goroutine, a channel, a callback): the `Done` may happen there.

The WaitGroup is followed under every name it has: a local alias (`p := &s.pipe`, then
`p.wg.Done()`), a parameter bound to it (`go s.check(&s.wg)` gives both `wg` and `s.wg`
inside `check`), a WaitGroup embedded in a struct (`c.Done()`). A goroutine that calls
`Done` on a WaitGroup goconc cannot tell apart from the counted one (a `*sync.WaitGroup`
parameter or field of unknown origin, the same field of another value) is not reported as
skipping it; one that calls `Done` on any WaitGroup is not reported as never calling it (it
belongs to that WaitGroup). An `Add` on a variable of a block that has ended (`b.wg.Add`
in one loop, the goroutines started in another) counts no goroutine.

## Fix safety
When the goroutine is a function literal that never calls `Done` on any WaitGroup, the fix
inserts `defer X.Done()` as its first statement: safe, since nothing else decrements the
counter for this goroutine. `X` is the `Add`'s own operand when it is a plain selector
chain (`wg`, `s.pool.wg`) whose variable is visible at that point, is the same variable,
and is never assigned again (nor a loop variable shared by every iteration, before Go
1.22); else a parameter of the literal bound to the WaitGroup; else no fix is offered. When
a non-deferred `Done` exists, the fix replaces it with the `defer` and is marked unsafe:
`Done` then runs later (after the rest of the goroutine, and after other deferred calls),
which changes when `Wait` returns. No fix is offered for named functions (their other
callers would change) or for a `Done` inside a loop. `--fix` writes nothing to a file
whose fixes do not converge (a fix whose finding comes back).

## Limitations
The `Add` must be in the function that contains the `go` statement. A goroutine that never
mentions the WaitGroup is flagged only when it is the first goroutine started after the
`Add`. `Done` counts are not checked (a `Done` per loop iteration is checked per iteration,
`Add(n)` against the number of goroutines is not). A WaitGroup stored in a struct field
(`&job{wg: &wg}`) is not tied to the variable it points to: a goroutine that calls Done
through such a field is taken to be possibly done, and not reported.

## References
- No go vet or staticcheck analyzer checks this; go vet's `waitgroup` (Go 1.25) and
  staticcheck SA2000 cover only the misplaced `Add` (goconc WG001).
- GoBench/GoKer blocking-bug kernels (e.g. the etcd, grpc and kubernetes WaitGroup kernels
  shipped in the Go tree under `runtime/testdata/testgoroutineleakprofile/goker`) reproduce
  this bug from real projects.
- https://pkg.go.dev/sync#WaitGroup: "Then each of the goroutines runs and calls Done when
  finished. At the same time, Wait can be used to block until all goroutines have finished."
"""

from __future__ import annotations

from tree_sitter import Node

from goconc.analyzer.calls import bind_arguments, callee
from goconc.analyzer.cfg import CFG, Block
from goconc.analyzer.diagnostics import Applicability, Edit, Fix, Related, RuleMeta, Severity
from goconc.analyzer.matchers import (
    body_statements,
    call_args,
    descendants,
    innermost_loop,
    line_indent,
    method_call,
)
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.summaries import DoneFate, done_fate, waitgroup_adds_before, waitgroup_dones
from goconc.analyzer.types import Binding, Ref, enclosing_function, unparen

_CALLS = frozenset({"call_expression"})
_GO_OR_CALL = frozenset({"call_expression", "go_statement"})
_EXITS = frozenset({"return", "goexit"})
_ASSIGNS = frozenset({"assignment_statement", "short_var_declaration", "range_clause"})


class WaitGroupDoneNotGuaranteed(Rule):
    meta = RuleMeta(
        code="WG002",
        name="waitgroup-done-not-guaranteed",
        summary="A goroutine counted by wg.Add does not call wg.Done on every path.",
        severity=Severity.ERROR,
        tags=("concurrency", "waitgroup", "deadlock", "goroutine-leak", "external/cwe/cwe-833"),
        precision="high",
        fix=Applicability.SAFE,
    )
    package_wide = True  # reports at the exit that skips Done, in the callee's file
    triggers = (b".Add(",)
    anchors = {"go_statement": (b"go",)}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._reported: set[tuple[str, int]] = set()

    def visit_go_statement(self, go: Node) -> None:
        call = go.named_children[0] if go.named_children else None
        if call is None or call.type != "call_expression":
            return
        fn = call.child_by_field_name("function")
        func = enclosing_function(go)
        if fn is None or func is None:
            return
        fn = unparen(fn)
        r = self.pkg.resolver
        for add, ref in waitgroup_adds_before(self.pkg, go, func, self.file):
            by_value = _held_by_value(self, add)
            if fn.type == "func_literal":
                names = (ref, *self._bound_targets(call, fn, self.file, ref, {}))
                fate = done_fate(self.pkg, fn, self.file, names, by_value=by_value)
                body_func, body_file, literal = fn, self.file, fn
            else:
                found = callee(call, self.file, r)
                if found is None:
                    continue
                decl = found.decl
                body_func, body_file, literal = decl.node, decl.file, None
                extra = {decl.receiver_name: found.receiver} if found.receiver is not None else {}
                names = (
                    (ref,)
                    if ref.root.startswith("pkg:")
                    else self._bound_targets(call, decl.node, decl.file, ref, extra)
                )
                fate = done_fate(self.pkg, body_func, body_file, names, by_value=by_value)
            if fate.kind == "missing" and not self._first_goroutine_after(add, go, func):
                continue
            if fate.kind == "missing" and self._calls_function_values(call, fn):
                continue
            if fate.kind == "missing" and next(
                waitgroup_dones(self.pkg, body_func, body_file), None
            ):
                continue  # it calls Done on another WaitGroup: it is that one's goroutine
            if fate.kind == "missing" and self._handled_elsewhere(go, add, ref, func):
                continue
            self._judge(go, add, ref, fate, literal, body_func, body_file, names)
            return  # one finding per goroutine

    # -- which WaitGroups count this goroutine -------------------------------------------
    def _bound_targets(
        self, call: Node, func: Node, func_file: SourceFile, ref: Ref, extra: dict[str | None, Node]
    ) -> tuple[Ref, ...]:
        """The WaitGroup's names inside ``func`` given by the arguments (and the receiver) of
        ``call`` that carry it: `go s.check(&s.wg)` gives both check's `wg` parameter and its
        receiver's `s.wg`."""
        r = self.pkg.resolver
        bound: dict[str | None, Node] = dict(extra)
        for key, value in bind_arguments(call, func, func_file).items():
            bound.setdefault(key, value)
        found: list[Ref] = []
        for name, arg in bound.items():
            if name is None:
                continue
            outer = r.ref_of(arg, self.file)
            if outer is None or outer.root != ref.root or ref.path[: len(outer.path)] != outer.path:
                continue
            ident = _param_ident(func, func_file, name)
            b = r.binding(ident, func_file) if ident is not None else None
            if b is None:
                continue
            rest = ref.path[len(outer.path) :]
            found.append(Ref(b.key, rest, ".".join((name, *rest)), ref.cls))
        return tuple(found)

    def _first_goroutine_after(self, add: Node, go: Node, func: Node) -> bool:
        """No other goroutine starts between the Add and this go statement: the Add is for
        this one even if it never mentions the WaitGroup."""
        for node in descendants(func, frozenset({"go_statement"}), into_funcs=False):
            if add.end_byte <= node.start_byte < go.start_byte:
                return False
        # `wg.Go(...)` between them takes the count instead.
        for call in descendants(func, _CALLS, into_funcs=False):
            if add.end_byte <= call.start_byte < go.start_byte:
                m = method_call(call, self.file)
                if m is not None and m[1] == "Go":
                    return False
        return True

    def _handled_elsewhere(self, go: Node, add: Node, ref: Ref, func: Node) -> bool:
        """The Add may be for someone else: `Done` on the same WaitGroup outside this
        goroutine (in the starting function for a local; anywhere in the package, by class,
        for a field or package variable), the WaitGroup handed to a call after the Add, or
        this goroutine waits on it itself."""
        r = self.pkg.resolver
        local = not ref.path and not ref.root.startswith(("pkg:", "ext:"))
        outer = func
        while outer.type == "func_literal":
            parent = enclosing_function(outer)
            if parent is None:
                break
            outer = parent
        places = [(outer, self.file)] if local else [(f.root, f) for f in self.pkg.files]
        for scope, file in places:
            if not local and b".Done(" not in file.data:
                continue
            for call in descendants(scope, _CALLS):
                m = method_call(call, file)
                inside = file is self.file and go.start_byte <= call.start_byte < go.end_byte
                if m is not None and m[1] in ("Done", "Wait"):
                    if m[1] == "Wait" and not inside:
                        continue
                    if m[1] == "Done" and inside:
                        continue
                    target = r.method_target(_selector(call), file)
                    if target is None or target[1] is None:
                        continue
                    same = target[1]
                    if same.same_object(ref) or (not local and ref.cls and same.cls == ref.cls):
                        return True
                    continue
                if not local or inside or call.start_byte < add.end_byte:
                    continue
                for arg in call_args(call):
                    other = r.ref_of(arg, file)
                    if other is not None and other.same_object(ref):
                        return True
        return False

    def _calls_function_values(self, call: Node, fn: Node) -> bool:
        """The goroutine calls a function value (a local closure, a field of func type): it
        may call Done through it."""
        r = self.pkg.resolver
        scope = fn if fn.type == "func_literal" else None
        if scope is None:
            found = callee(call, self.file, r)
            if found is None:
                return True
            scope, file = found.decl.node, found.decl.file
        else:
            file = self.file
        for inner in descendants(scope, _CALLS):
            f = inner.child_by_field_name("function")
            if f is None:
                continue
            f = unparen(f)
            if f.type == "identifier" and r.binding(f, file) is not None:
                return True
            if f.type == "selector_expression":
                t = r.type_of(f, file)
                if t is not None and t.kind == "func":
                    return True
        return False

    # -- reporting ---------------------------------------------------------------------
    def _judge(
        self,
        go: Node,
        add: Node,
        ref: Ref,
        fate: DoneFate,
        literal: Node | None,
        func: Node,
        body_file: SourceFile,
        names: tuple[Ref, ...],
    ) -> None:
        name = ref.text
        add_related = Related(self.span(add), f"{name}.Add counts the goroutine here")
        spelled = self._fix_name(literal, add, names) if literal is not None else None
        if fate.kind == "missing":
            fixes = []
            if literal is not None and spelled is not None:
                fixes = [self._insert_fix(literal, spelled)]
            self.report(
                go,
                f"goroutine counted by {name}.Add never calls {name}.Done(); "
                f"{name}.Wait() blocks forever",
                related=[add_related],
                fixes=fixes,
            )
            return
        if fate.kind != "skipped":
            return
        exit_node = self._witness(fate, func, body_file)
        if exit_node is False:
            return  # every iteration calls Done
        fixes = self._replace_fix(literal, fate, spelled) if spelled is not None else []
        if exit_node is None or exit_node is True:
            self.report(
                go,
                f"{name}.Done() is not called on every path of a goroutine counted by "
                f"{name}.Add; {name}.Wait() can block forever",
                related=[
                    add_related,
                    *(
                        Related(self.span(c, body_file), "Done is called here")
                        for c in fate.calls[:1]
                    ),
                ],
                fixes=fixes,
            )
            return
        key = (body_file.path, exit_node.start_byte)
        if key in self._reported:
            return
        self._reported.add(key)
        what = _describe(exit_node, body_file)
        self.report(
            exit_node,
            f"this {what} skips {name}.Done() in a goroutine counted by {name}.Add; "
            f"{name}.Wait() blocks forever",
            related=[add_related, Related(self.span(go), "the goroutine is started here")],
            fixes=fixes,
            file=body_file,
        )

    def _witness(self, fate: DoneFate, func: Node, file: SourceFile) -> Node | bool | None:
        """The return / goexit / continue that skips Done; None when the path falls off the
        end; False when Done is per loop iteration and every iteration calls it."""
        cfg = self.pkg.cfg(func, file)
        loops = {innermost_loop(h, func) for h in fate.handlers}
        loop = next(iter(loops)) if len(loops) == 1 else None
        handled = {h.id for h in fate.handlers}
        if loop is not None:
            found = _iteration_skip(cfg, loop, handled)
            return found if found is not None else False
        exit_ = fate.exit
        if exit_ is None or exit_.node is None:
            return None
        return exit_.node if exit_.kind in _EXITS else None

    # -- fixes -----------------------------------------------------------------------------
    def _fix_name(self, literal: Node, add: Node, names: tuple[Ref, ...]) -> str | None:
        """How the goroutine can name the counted WaitGroup in a statement inserted at the
        start of its body, so that a `defer X.Done()` there is Done on that WaitGroup: the
        Add's own operand when its variable is visible there, is the same one and is never
        assigned again (else `X` could be another WaitGroup by the time the goroutine runs),
        or a parameter of the literal bound to it. None: no such name."""
        r = self.pkg.resolver
        f = self.file
        body = literal.child_by_field_name("body")
        if body is None:
            return None
        stmts = body_statements(body)
        at = stmts[0] if stmts else body
        fn = add.child_by_field_name("function")
        operand = fn.child_by_field_name("operand") if fn is not None else None
        root = _chain_root(operand) if operand is not None else None
        if operand is not None and root is not None:
            outer = r.binding(root, f)
            if (
                r.visible(f.text(root), at, f) is outer
                and (outer is not None or f.text(root) in self.pkg.resolver.index.vars)
                and not self._reassigned(outer)
            ):
                return f.text(operand)
        params = literal.child_by_field_name("parameters")
        for ref in names[1:]:  # names bound to the literal's parameters, which nothing shadows
            head = ref.text.split(".", 1)[0]
            b = r.visible(head, at, f)
            if (
                b is not None
                and params is not None
                and params.start_byte <= b.ident.start_byte < params.end_byte
                and b.key == ref.root
                and not self._reassigned(b)
            ):
                return ref.text
        return None

    def _reassigned(self, b: Binding | None) -> bool:
        """The variable is written after its declaration (`x = ...`, `x++`, a loop's own
        variable before Go 1.22 (one variable for every iteration), its address handed out
        for writing is not counted: goconc follows no writes through pointers)."""
        if b is None:
            return False  # a package variable: assignments to it are not tracked here
        if b.kind == "range" and not self.pkg.go_at_least(1, 22):
            return True
        for use in self.pkg.resolver.uses(b):
            node = use
            while node.parent is not None and node.parent.type == "parenthesized_expression":
                node = node.parent
            parent = node.parent
            if parent is None:
                continue
            if parent.type in ("inc_statement", "dec_statement"):
                return True
            if parent.type == "expression_list":
                stmt = parent.parent
                left = stmt.child_by_field_name("left") if stmt is not None else None
                if stmt is not None and stmt.type in _ASSIGNS and left == parent:
                    return True
        return False

    def _insert_fix(self, literal: Node, name: str) -> Fix:
        body = literal.child_by_field_name("body")
        assert body is not None
        stmts = body_statements(body)
        f = self.file
        if stmts:
            indent = line_indent(f, stmts[0])
            edit = Edit(
                f.span(stmts[0].start_byte, stmts[0].start_byte), f"defer {name}.Done()\n{indent}"
            )
        else:
            edit = Edit(f.span(body.start_byte + 1, body.start_byte + 1), f" defer {name}.Done() ")
        return Fix(
            f"Add `defer {name}.Done()` as the goroutine's first statement",
            (edit,),
            Applicability.SAFE,
        )

    def _replace_fix(self, literal: Node | None, fate: DoneFate, name: str) -> list[Fix]:
        """Unsafe: defer Done first and delete the non-deferred Done statements, when each
        is a plain statement of the goroutine outside loops."""
        if literal is None:
            return []
        f = self.file
        stmts = []
        for call in fate.calls:
            stmt = call.parent
            if (
                stmt is None
                or stmt.type != "expression_statement"
                or f.text(call) != f"{name}.Done()"
            ):
                return []
            if innermost_loop(stmt, literal) is not None or enclosing_function(stmt) != literal:
                return []
            stmts.append(stmt)
        if not stmts:
            return []
        insert = self._insert_fix(literal, name).edits[0]
        edits = [insert]
        for stmt in stmts:
            line = f.line_of(stmt.start_byte)
            start, end = f.line_bounds(line)
            if f.data[start:end].strip() == f.data[stmt.start_byte : stmt.end_byte].strip():
                next_start = f.line_starts[line] if line < len(f.line_starts) else len(f.data)
                edits.append(Edit(f.span(start, next_start, clamp=False), ""))
            else:
                edits.append(Edit(f.node_span(stmt), ""))
        if any(e.span.start_byte < insert.span.start_byte < e.span.end_byte for e in edits[1:]):
            return []
        edits.sort(key=lambda e: e.span.start_byte)
        return [
            Fix(
                f"Replace {name}.Done() with `defer {name}.Done()` at the start",
                tuple(edits),
                Applicability.UNSAFE,
            )
        ]


def _iteration_skip(cfg: CFG, loop: Node, handled: set[int]) -> Node | None:
    """A `continue` (or return) by which one iteration of ``loop`` ends without a handled
    statement; None when every iteration handles it."""
    mine = [b for b in cfg.blocks if b.stmt is not None and b.stmt.id == loop.id]
    body = next((b for b in mine if b.kind in ("for.body", "range.body")), None)
    heads = {b.index for b in mine if b.kind in ("for.head", "range.head", "for.post")}
    done = {b.index for b in mine if b.kind in ("for.done", "range.done")}
    if body is None:
        return None
    seen = {body.index}
    work: list[Block] = [body]
    while work:
        block = work.pop()
        if any(n.id in handled for n in block.nodes):
            continue
        last = block.nodes[-1] if block.nodes else None
        if block.terminator == "goexit" and last is not None:
            return last
        for succ in block.succs:
            if succ.index in heads:
                if last is not None and last.type == "continue_statement":
                    return last
                continue  # falls through to the next iteration: reported only via continue
            if succ is cfg.exit:
                if last is not None and last.type == "return_statement":
                    return last
                continue
            if succ.index in done or succ.index in seen:
                continue
            seen.add(succ.index)
            work.append(succ)
    return None


def _describe(node: Node, file: SourceFile) -> str:
    if node.type == "return_statement":
        return "return"
    if node.type == "continue_statement":
        return "continue"
    return file.text(node).split("(", 1)[0] or "exit"


def _selector(call: Node) -> Node:
    fn = call.child_by_field_name("function")
    assert fn is not None
    return fn


def _param_ident(func: Node, file: SourceFile, name: str) -> Node | None:
    for field in ("receiver", "parameters"):
        plist = func.child_by_field_name(field)
        if plist is None:
            continue
        for param in plist.named_children:
            for ident in param.children_by_field_name("name"):
                if ident.is_named and file.text(ident) == name:
                    return ident
    return None


def _held_by_value(rule: Rule, add: Node) -> bool:
    """The WaitGroup of `X.Add(...)` is a variable or field itself (`wg`, `s.wg`, embedded),
    not one behind a `*sync.WaitGroup` whose target is unknown."""
    fn = add.child_by_field_name("function")
    operand = fn.child_by_field_name("operand") if fn is not None else None
    t = rule.pkg.resolver.type_of(operand, rule.file) if operand is not None else None
    return t is not None and (t.sync_kind() != "WaitGroup" or t.kind != "pointer")


def _chain_root(expr: Node) -> Node | None:
    """`s` of `s`, `s.a.wg`: the identifier a plain selector chain starts from; None for
    anything else (an index, a call, a dereference: their value may differ later)."""
    node = expr
    while node.type == "selector_expression":
        operand = node.child_by_field_name("operand")
        if operand is None:
            return None
        node = operand
    return node if node.type == "identifier" else None
