"""## What it does
Flags the cancel func returned by `context.WithCancel`, `WithTimeout`, `WithDeadline`,
`WithCancelCause`, `WithTimeoutCause`, `WithDeadlineCause` (and the stop func of
`signal.NotifyContext`) when it is assigned to `_`, or when some path from the call to a
`return` or the end of the function neither calls it, defers it, returns it, stores it nor
passes it on (`_ = cancel` does none of these), or when a loop comes back to the call, which
overwrites it, before it was called (a retry loop that leaks one context per attempt). A
cancel func stored only in fields of package structs (`ctx, r.cancel =
context.WithCancel(ctx)`, `&tx{stop: cancel}`) is lost when nothing in the package ever
reads those fields and a goroutine blocks on the context's `Done`: the cancel func can never
be called, and the goroutine waits until the parent is cancelled. And when a function keeps
the cancel func only in the object it returns (`return tx`, the object handed to nothing
else) and starts a goroutine that blocks on that context's `Done` alone, a caller that
drops the object (`db.begin(ctx)` as a statement, or `_ = db.begin(ctx)`) is flagged:
nothing can cancel the context any more, and the goroutine waits forever. Likewise a cancel
func stored in a field of a fresh local object (`cc := &conn{}; cc.ctx, cc.cancel =
context.WithCancel(ctx)`) that never leaves the function (not returned, stored, sent or
passed on; only its fields and methods are used) while a goroutine is started on it: when
no code those methods can reach reads the field, the `Close` that would call it can never
run on this object.

## Why is this bad?
Until it is cancelled, a derived context keeps its timer and its place in the parent's list
of children: the resources leak until the parent is cancelled, which for
`context.Background()` is never. Goroutines that wait on `ctx.Done()` leak with it.

## Example
```go
package example

import (
        "context"
        "errors"
        "time"
)

func fetch(parent context.Context, id string) error {
        ctx, cancel := context.WithTimeout(parent, time.Second)
        if id == "" {
                return errors.New("empty id")
        }
        defer cancel()
        return ctx.Err()
}
```

Use instead:
```go
package example

import (
        "context"
        "errors"
        "time"
)

func fetch(parent context.Context, id string) error {
        ctx, cancel := context.WithTimeout(parent, time.Second)
        defer cancel()
        if id == "" {
                return errors.New("empty id")
        }
        return ctx.Err()
}
```

Not flagged: a cancel func that is returned to the caller, stored in a map, slice, package
variable or a struct field that some code of the package reads (or that is exported),
handed to any function (`t.Cleanup(cancel)`, `context.AfterFunc`) or goroutine; paths that
end the process (`os.Exit`, `log.Fatal`).

## Fix safety
The fix inserts `defer cancel()` right after the call. It is safe when the derived context
does not outlive the function (it is not returned, stored or handed to a goroutine); it is
marked unsafe otherwise, because cancelling at return would then end work that is meant to
go on. A cancel func overwritten by a loop gets no fix (a `defer` in a loop runs only at
return, so the contexts would pile up until then). A cancel func stored in a field nothing
reads gets no fix: where it should be called
(a `Close` or `Stop` method) is the author's choice.

## Limitations
Any mention of the cancel func on a path counts as handling it, as in go vet; for an
object kept in the function, the code its methods can reach is found through static calls
only (a method or function handed on as a value makes the rule silent); any read of a
field it is stored in counts as calling it (fields are told apart by class, `Type.field`,
not by instance). A cancel func
declared in one function and assigned in a closure is not followed.

## References
- go vet `lostcancel`: the same check; goconc also flags `signal.NotifyContext`'s stop func
  and the `...Cause` variants, and reports the return that leaks with a fix.
- https://pkg.go.dev/context: "Failing to call the CancelFunc leaks the child and its
  children until the parent is canceled or the timer fires."
"""

from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node

from goconc.analyzer.calls import (
    bind_arguments,
    call_sites,
    callees,
    named_functions,
    receiver_ident,
)
from goconc.analyzer.calls import callee as named_callee
from goconc.analyzer.cfg import CFG, Block
from goconc.analyzer.chans import blocking_receive
from goconc.analyzer.dataflow import contains, escape_path
from goconc.analyzer.diagnostics import Applicability, Edit, Fix, Related, RuleMeta, Severity
from goconc.analyzer.matchers import (
    assigned_target,
    call_args,
    call_assignment,
    callee_text,
    descendants,
    inside_go_statement,
    line_indent,
)
from goconc.analyzer.rule import Rule
from goconc.analyzer.symbols import FuncDecl, receiver_of
from goconc.analyzer.types import Binding, enclosing_function, unparen
from goconc.analyzer.uses import exported, shared_key, shared_uses

_PRODUCERS = frozenset(
    {
        ("context", "WithCancel"),
        ("context", "WithTimeout"),
        ("context", "WithDeadline"),
        ("context", "WithCancelCause"),
        ("context", "WithTimeoutCause"),
        ("context", "WithDeadlineCause"),
        ("os/signal", "NotifyContext"),
    }
)
_IDENT = frozenset({"identifier"})
_ASSIGNMENT = frozenset({"assignment_statement"})  # a field is stored by `=` only
# Where the derived context itself (not a call on it) outlives the function.
_ESCAPES = frozenset({"return_statement", "go_statement", "literal_value", "send_statement"})
_TRANSPARENT = frozenset(
    {"expression_list", "parenthesized_expression", "keyed_element", "literal_element"}
)


class LostCancel(Rule):
    meta = RuleMeta(
        code="CX001",
        name="lost-cancel",
        summary="The cancel func of a derived context is not called on every path.",
        severity=Severity.ERROR,
        tags=("concurrency", "context", "resource-leak", "goroutine-leak", "external/cwe/cwe-404"),
        precision="high",
        fix=Applicability.SAFE,
    )
    package_wide = True  # reports at the call sites of a constructor, in their files
    anchors = {"call_expression": tuple(name.encode() for _, name in sorted(_PRODUCERS))}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._reads: dict[str, bool] = {}

    def visit_call_expression(self, call: Node) -> None:
        target = self.pkg.resolver.pkg_func(call, self.file)
        if target not in _PRODUCERS:
            return
        assert target is not None
        what = "stop" if target[1] == "NotifyContext" else "cancel"
        callee = callee_text(call, self.file)
        stmt, left = call_assignment(call) or (None, None)
        if stmt is None or left is None or len(left) != 2:
            return  # returned or passed on directly: the caller owns the cancel func
        cancel = left[1]
        if cancel.type != "identifier":
            outer = enclosing_function(call)
            if outer is not None and not self._stored(
                call, what, callee, outer, [(cancel, cancel)], left[0]
            ):
                self._kept_local(call, what, callee, outer, cancel)
            return  # stored in a field, map or slice
        name = self.file.text(cancel)
        if name == "_":
            self.report(
                call,
                f"the {what} func returned by {callee} is discarded; the context "
                "is released only when its parent is cancelled",
            )
            return
        binding = self.pkg.resolver.binding(cancel, self.file)
        func = enclosing_function(call)
        if binding is None or func is None or binding.kind in ("param", "result", "receiver"):
            return  # a package variable, or an out-parameter the caller sees: stored
        decl_func = enclosing_function(binding.ident)
        if decl_func is None or decl_func.id != func.id:
            return  # declared in an outer function: handled (or not) there
        uses = self._uses(binding, func, exclude=cancel)
        stores = [(u, t) for u in uses if (t := _store_target(u)) is not None]
        if stores and len(stores) == len(uses):
            if self._stored(call, what, callee, func, stores, left[0]):
                return  # never called at all: the paths before the store do not matter
            self._owner_discarded(call, what, func, stores, left[0])
        cfg = self.pkg.cfg(func, self.file)

        def handled(node: Node) -> bool:
            return any(contains(node, u) for u in uses)

        leak = escape_path(cfg, stmt, handled)
        if leak is None:
            # A pass that waited for the context to end has nothing left to release (a
            # signal.NotifyContext still has its handler to stop).
            ended = self._done_receives(left[0], func) if what == "cancel" else []
            loop = _overwritten(
                cfg, stmt, lambda n: handled(n) or any(contains(n, d) for d in ended)
            )
            if loop is not None:
                self.report(
                    call,
                    f"the {what} func {name} returned by {callee} is overwritten by the next "
                    f"iteration before it is called: each pass of the loop leaks a context; "
                    f"call {name}() before the loop comes round",
                    related=[Related(self.span(loop), "the loop that makes it again")],
                )
            return
        related = []
        if leak.node is not None:
            related.append(Related(self.span(leak.node), f"this return leaks {name}"))
        else:
            body = func.child_by_field_name("body")
            end = body if body is not None else func
            related.append(
                Related(self.file.span(end.end_byte - 1, end.end_byte), f"{name} leaks at the end")
            )
        self.report(
            call,
            f"the {what} func {name} returned by {callee} is not called on all "
            f"paths; call or defer {name}() to release the context",
            related=related,
            fixes=[self._defer_fix(stmt, name, left[0], func)],
        )

    def _stored(
        self,
        call: Node,
        what: str,
        callee: str,
        func: Node,
        stores: list[tuple[Node, Node]],
        ctx: Node,
    ) -> bool:
        """The cancel func is only stored, in fields (``stores``: each mention and the field
        it is stored in): reported (True) when none of them is ever read in the package and
        a goroutine waits on the context (a context nothing waits on costs next to nothing)."""
        ctx_binding = (
            self.pkg.resolver.binding(ctx, self.file) if ctx.type == "identifier" else None
        )
        if ctx_binding is None:
            return False
        waiter = self._waiting_goroutine(func, None, ctx_binding)
        if waiter is None:
            return False
        keys: list[tuple[str, Node]] = []
        for use, target in stores:
            key = self._field_key(target)
            if key is None or exported(key) or self._field_read(key):
                return False
            keys.append((key, use))
        names = sorted({k for k, _ in keys})
        field = names[0] if len(names) == 1 else ", ".join(names)
        related = [Related(self.span(use), f"stored in {key} here") for key, use in keys]
        related.append(Related(self.span(waiter), "this goroutine waits on the context"))
        self.report(
            call,
            f"the {what} func returned by {callee} is stored in {field}, which nothing in "
            f"the package reads: it is never called, so the goroutine waiting on the context "
            "waits until its parent is cancelled",
            related=related,
        )
        return True

    # -- an owner that never leaves the function ------------------------------------------
    def _kept_local(self, call: Node, what: str, callee: str, func: Node, target: Node) -> None:
        """The cancel func is stored in a field of a fresh local object (`cc := &T{}; cc.ctx,
        cc.cancel = context.WithCancel(...)`) that never leaves the function: not returned,
        stored, sent or passed on, only used through its fields and methods, and a goroutine
        is started on it. When no function those methods can reach reads the field, nothing
        can ever call the cancel func, and the goroutine runs until the parent is cancelled."""
        if target.type != "selector_expression":
            return
        operand = target.child_by_field_name("operand")
        field = target.child_by_field_name("field")
        r = self.pkg.resolver
        key = shared_key(target, self.file, self.pkg)
        if operand is None or field is None or key is None:
            return
        owner = r.binding(operand, self.file)
        if owner is None or not _fresh(self, owner, func):
            return
        name = self.file.text(field)
        methods: list[FuncDecl] = []
        goroutine: Node | None = None
        for use in r.uses(owner):
            sel = use.parent
            if (
                sel is None
                or sel.type != "selector_expression"
                or sel.child_by_field_name("operand") != use
            ):
                return  # the object itself is handed on
            if self.file.text(sel.child_by_field_name("field") or sel) == name and sel != target:
                return  # the cancel func is read here
            holder = sel.parent
            invoked = (
                holder is not None
                and holder.type == "call_expression"
                and holder.child_by_field_name("function") == sel
            )
            owner_type = r.type_of(use, self.file)
            member = sel.child_by_field_name("field")
            if not invoked and (
                owner_type is None
                or member is None
                or r.field(owner_type, self.file.text(member)) is None
            ):
                return  # a method value (`closers = append(closers, cc.Close)`): handed on
            if holder is not None and holder.type == "call_expression":
                if holder.child_by_field_name("function") != sel:
                    continue  # a field passed as an argument
                found = named_callee(holder, self.file, r)
                if found is None:
                    return  # a method goconc cannot see, or a func-typed field
                methods.append(found.decl)
                if goroutine is None and inside_go_statement(use, func):
                    goroutine = use
        if goroutine is None:
            return
        reached = _reachable(self, methods)
        if reached is None or not self._confined(methods, reached):
            return
        readers = [u for u, _ in shared_uses(self.pkg, key) if not _written(u)]
        if any(_outermost(u).id in reached for u in readers):
            return
        obj = self.file.text(operand)
        called = ", ".join(sorted({d.name for d in methods}))
        self.report(
            call,
            f"the {what} func stored in {obj}.{name} is never called: {obj} does not leave "
            f"this function (it is not returned, stored or passed on), and none of the "
            f"methods called on it ({called}) reaches code that reads {name}; the goroutine "
            "started on it runs until the parent context is cancelled",
            related=[Related(self.span(goroutine), "this goroutine is started on it")],
        )

    def _confined(self, methods: list[FuncDecl], reached: set[int]) -> bool:
        """The receiver of each method called on the object stays with what the reachable
        code can see: used through its fields and methods, or kept in a field of another
        object whose every read is in reachable code."""
        r = self.pkg.resolver
        for decl in methods:
            f = decl.file
            ident = receiver_ident(decl.node)
            b = r.binding(ident, f) if ident is not None else None
            if b is None:
                continue  # an unnamed receiver is not used
            for use in r.uses(b):
                parent = use.parent
                if parent is not None and parent.type == "selector_expression":
                    continue
                if parent is None or parent.type != "literal_element":
                    return False
                kv = parent.parent
                lit = kv.parent.parent if kv is not None and kv.parent is not None else None
                if kv is None or kv.type != "keyed_element" or lit is None:
                    return False
                t = r.type_from_node(lit.child_by_field_name("type"), f)
                if t is None or t.kind != "named" or t.pkg:
                    return False
                held = f"{t.name}.{f.text(kv.named_children[0])}"
                if any(
                    _outermost(u).id not in reached
                    for u, _ in shared_uses(self.pkg, held)
                    if not _written(u)
                ):
                    return False
        return True

    # -- an owner discarded by its caller ------------------------------------------------
    def _owner_discarded(
        self, call: Node, what: str, func: Node, stores: list[tuple[Node, Node]], ctx: Node
    ) -> None:
        """``func`` keeps the cancel func only in the object it returns, and starts a
        goroutine that waits on the context: a caller that drops the object can never cancel
        it, and the goroutine waits forever. Reported at each such caller."""
        owner = _owner_local(self, stores)
        if owner is None or ctx.type != "identifier" or func.type == "func_literal":
            return
        r = self.pkg.resolver
        if not _returns_only(self, func, owner):
            return
        ctx_binding = r.binding(ctx, self.file)
        if ctx_binding is None:
            return
        waiter = self._waiting_goroutine(func, owner, ctx_binding)
        if waiter is None:
            return
        decl = _declaration(self, func)
        if decl is None:
            return
        type_name = _owner_type(self, owner)
        for site, site_file in call_sites(decl, self.pkg.files, r) or []:
            if not _discarded(site):
                continue
            name = site_file.text(site.child_by_field_name("function") or site)
            self.report(
                site,
                f"the {type_name} returned by {name} is dropped: it holds the only reference "
                f"to the {what} func of its context, so nothing can cancel it, and the "
                "goroutine started to wait on that context waits forever",
                related=[
                    Related(self.span(call), f"the context and its {what} func are made here"),
                    Related(self.span(waiter), "this goroutine waits on the context"),
                ],
                file=site_file,
            )

    def _callee_waits(
        self, call: Node, ctx: Binding, owner: Binding | None, fields: set[str]
    ) -> bool:
        """The package function ``call`` starts blocks on the context's Done: through a
        parameter it is passed in, or through the owner's field when it is the receiver."""
        found = named_callee(call, self.file, self.pkg.resolver)
        if found is None:
            return False
        decl = found.decl
        params = bind_arguments(call, decl.node, decl.file)
        ctx_params = {p for p, a in params.items() if _denotes(self, a, ctx, owner, fields)}
        on_owner = found.receiver is not None and _is_owner(self, found.receiver, owner)
        f = decl.file
        for recv in _done_receives(decl.node):
            t = self.pkg.resolver.type_of(recv, f)
            if t is None or not t.is_named("context", "Context"):
                continue
            x = unparen(recv)
            if x.type == "identifier" and f.text(x) in ctx_params:
                return True
            if x.type == "selector_expression" and on_owner:
                operand = x.child_by_field_name("operand")
                field = x.child_by_field_name("field")
                if (
                    operand is not None
                    and field is not None
                    and f.text(operand) == decl.receiver_name
                    and f.text(field) in fields
                ):
                    return True
        return False

    def _waiting_goroutine(self, func: Node, owner: Binding | None, ctx: Binding) -> Node | None:
        """A `go` statement of ``func`` whose goroutine blocks on a plain receive from the
        context's Done: the local context, a field of the owner it is stored in, or a
        parameter the context is passed to."""
        r = self.pkg.resolver
        fields = _fields_given(self, owner, ctx)
        for go in descendants(func, _GO, into_funcs=False):
            target = go.named_children[0] if go.named_children else None
            if target is None or target.type != "call_expression":
                continue
            fn = target.child_by_field_name("function")
            if fn is not None and unparen(fn).type == "func_literal":
                lit = unparen(fn)
                for recv in _done_receives(lit):
                    t = r.type_of(recv, self.file)
                    is_ctx = t is not None and t.is_named("context", "Context")
                    if is_ctx and _denotes(self, recv, ctx, owner, fields):
                        return go
                continue
            if self._callee_waits(target, ctx, owner, fields):
                return go
        return None

    def _field_key(self, target: Node) -> str | None:
        """The field class a store writes: `x.f` on the left of `=`, or a key of a keyed
        composite literal of a package struct type."""
        if target.type == "selector_expression":
            return shared_key(target, self.file, self.pkg)
        lit = target.parent
        while lit is not None and lit.type != "composite_literal":
            lit = lit.parent
        if lit is None:
            return None
        t = self.pkg.resolver.type_from_node(lit.child_by_field_name("type"), self.file)
        if t is None or t.kind != "named" or t.pkg or t.name not in self.pkg.index.types:
            return None
        return f"{t.name}.{self.file.text(target)}"

    def _field_read(self, key: str) -> bool:
        """Some mention of the field in the package is not a plain store into it."""
        found = self._reads.get(key)
        if found is None:
            found = self._reads[key] = any(
                not _written(use) for use, _ in shared_uses(self.pkg, key)
            )
        return found

    def _uses(self, binding: Binding, func: Node, exclude: Node) -> list[Node]:
        """The mentions that may handle the cancel func: not a struct literal's key, and not
        `_ = cancel`, which only silences the compiler."""
        return [
            u
            for u in self.pkg.resolver.uses(binding)
            if u.id != exclude.id
            and func.start_byte <= u.start_byte < func.end_byte
            and not self._struct_key(u)
            and not _blanked(u)
        ]

    def _done_receives(self, ctx: Node, func: Node) -> list[Node]:
        """The receives `<-ctx.Done()` of the derived context in ``func``."""
        r = self.pkg.resolver
        b = r.binding(ctx, self.file) if ctx.type == "identifier" else None
        if b is None:
            return []
        found: list[Node] = []
        for use in self._uses(b, func, exclude=ctx):
            sel = use.parent
            call = sel.parent if sel is not None else None
            recv = call.parent if call is not None else None
            if (
                sel is not None
                and sel.type == "selector_expression"
                and (f := sel.child_by_field_name("field")) is not None
                and f.text == b"Done"
                and call is not None
                and call.type == "call_expression"
                and recv is not None
                and recv.type == "unary_expression"
                and (op := recv.child_by_field_name("operator")) is not None
                and op.type == "<-"
            ):
                found.append(recv)
        return found

    def _struct_key(self, ident: Node) -> bool:
        """``ident`` is the field name of a keyed element of a struct literal (`{cancel:
        cancel}`), spelled like the local: a field, not a mention of it."""
        parent = ident.parent
        kv = parent.parent if parent is not None else None
        if kv is None or kv.type != "keyed_element" or kv.named_children[0] != parent:
            return False
        lit = kv.parent.parent if kv.parent is not None else None
        if lit is None or lit.type != "composite_literal":
            return False
        t = self.pkg.resolver.type_from_node(lit.child_by_field_name("type"), self.file)
        if t is None or t.kind != "named" or t.pkg:
            return False
        decl = self.pkg.index.types.get(t.name)
        return decl is not None and decl.type_node.type == "struct_type"

    def _defer_fix(self, stmt: Node, name: str, ctx: Node, func: Node) -> Fix:
        indent = line_indent(self.file, stmt)
        edit = Edit(self.file.span(stmt.end_byte, stmt.end_byte), f"\n{indent}defer {name}()")
        safe = not self._context_escapes(ctx, func)
        return Fix(
            f"Add `defer {name}()` after the call",
            (edit,),
            Applicability.SAFE if safe else Applicability.UNSAFE,
        )

    def _context_escapes(self, ctx: Node, func: Node) -> bool:
        """Whether the derived context itself outlives the function: returned, stored, sent,
        or captured by a goroutine. Calls like `ctx.Err()` or `fetch(ctx)` do not count."""
        if ctx.type != "identifier" or self.file.text(ctx) == "_":
            return False
        binding = self.pkg.resolver.binding(ctx, self.file)
        if binding is None:
            return True
        for use in self._uses(binding, func, exclude=ctx):
            node = use
            while node.parent is not None and node.parent.type in _TRANSPARENT:
                node = node.parent
            parent = node.parent
            if parent is None:
                continue
            if parent.type in _ESCAPES:
                return True
            if (
                parent.type == "assignment_statement"
                and parent.child_by_field_name("right") == node
            ):
                left = parent.child_by_field_name("left")
                if left is not None and self.file.text(left).strip() != "_":
                    return True
            if inside_go_statement(use, func):
                return True
        return False


_GO = frozenset({"go_statement"})
_CALLS = frozenset({"call_expression"})
_RECEIVES = frozenset({"unary_expression"})


_REACH_LIMIT = 200  # functions: beyond that the question is left open


def _reachable(rule: Rule, roots: list[FuncDecl]) -> set[int] | None:
    """The functions (node ids) that the ``roots`` can run through static calls in the
    package, function literals included; None when one of them hands a method or function
    of the package on as a value (it may run anywhere) or the set grows too large."""
    r = rule.pkg.resolver
    seen: set[int] = set()
    work = list(roots)
    while work:
        decl = work.pop()
        if decl.node.id in seen:
            continue
        seen.add(decl.node.id)
        if len(seen) > _REACH_LIMIT:
            return None
        for node in descendants(decl.node, _CALLS):
            for found in callees(node, decl.file, r):
                if found.literal is None:
                    work.append(found.decl)
            for arg in call_args(node):
                if named_functions(arg, decl.file, r):
                    return None  # a function value handed on
    return seen


def _outermost(node: Node) -> Node:
    """The declared function (not a literal) around ``node``."""
    func = enclosing_function(node)
    while func is not None and func.type == "func_literal":
        outer = enclosing_function(func)
        if outer is None:
            break
        func = outer
    return func if func is not None else node


def _fresh(rule: Rule, owner: Binding, func: Node) -> bool:
    """``owner`` is a local of ``func`` that holds a new object: `&T{...}`, `T{...}` or
    `new(T)` of a package type."""
    if owner.kind not in ("short", "var") or owner.value is None:
        return False
    home = enclosing_function(owner.ident)
    if home is None or home.id != func.id:
        return False
    value = unparen(owner.value)
    if value.type == "unary_expression" and value.child_by_field_name("operator") is not None:
        op = value.child_by_field_name("operator")
        if op is not None and op.type == "&":
            value = unparen(value.child_by_field_name("operand") or value)
    if value.type == "call_expression":
        fn = value.child_by_field_name("function")
        return fn is not None and rule.file.text(fn) == "new"
    return value.type == "composite_literal"


def _owner_local(rule: Rule, stores: list[tuple[Node, Node]]) -> Binding | None:
    """The one local every store writes into: `tx := &T{f: cancel}` or `tx.f = cancel`."""
    r = rule.pkg.resolver
    found: Binding | None = None
    for _, target in stores:
        if target.type == "selector_expression":
            operand = target.child_by_field_name("operand")
            b = r.binding(operand, rule.file) if operand is not None else None
        else:
            lit = target.parent
            while lit is not None and lit.type != "composite_literal":
                lit = lit.parent
            holder = lit.parent if lit is not None else None
            if holder is not None and holder.type == "unary_expression":
                holder = holder.parent
            b = None
            if holder is not None and holder.type == "expression_list":
                stmt = holder.parent
                left = stmt.child_by_field_name("left") if stmt is not None else None
                if stmt is not None and stmt.type == "short_var_declaration" and left is not None:
                    names = [c for c in left.named_children if not c.is_extra]
                    if len(names) == 1:
                        b = r.binding(names[0], rule.file)
        if b is None or b.kind not in ("short", "var") or (found is not None and b is not found):
            return None
        found = b
    return found


def _owner_type(rule: Rule, owner: Binding) -> str:
    t = rule.pkg.resolver.binding_type(owner)
    return str(t.deref()) if t is not None else owner.name


def _returns_only(rule: Rule, func: Node, owner: Binding) -> bool:
    """Every return of ``func`` returns exactly the local ``owner``, and nothing else
    mentions it except field stores, method calls on it and `go` statements."""
    r = rule.pkg.resolver
    returns = descendants(func, frozenset({"return_statement"}), into_funcs=False)
    if not returns:
        return False
    for ret in returns:
        values = next((c for c in ret.named_children if c.type == "expression_list"), None)
        items = [c for c in values.named_children if not c.is_extra] if values else []
        if len(items) != 1 or items[0].type != "identifier":
            return False
        if r.binding(items[0], rule.file) is not owner:
            return False
    for use in r.uses(owner):
        parent = use.parent
        if parent is None:
            return False
        if parent.type == "selector_expression":
            continue  # a field or a method of it
        if (
            parent.type == "expression_list"
            and parent.parent is not None
            and (parent.parent.type == "return_statement")
        ):
            continue
        return False  # stored, passed on, aliased: someone else may keep it
    return True


def _fields_given(rule: Rule, owner: Binding | None, ctx: Binding) -> set[str]:
    """The fields of ``owner`` the context is stored in."""
    r = rule.pkg.resolver
    found: set[str] = set()
    if owner is None:
        return found
    for use in r.uses(ctx):
        parent = use.parent
        if parent is not None and parent.type == "literal_element":
            kv = parent.parent
            if kv is not None and kv.type == "keyed_element" and kv.named_children[-1] == parent:
                found.add(rule.file.text(kv.named_children[0]))
            continue
        target = _store_target(use)
        if target is not None and target.type == "selector_expression":
            operand = target.child_by_field_name("operand")
            field = target.child_by_field_name("field")
            if operand is not None and field is not None and _is_owner(rule, operand, owner):
                found.add(rule.file.text(field))
    return found


def _is_owner(rule: Rule, expr: Node, owner: Binding | None) -> bool:
    expr = unparen(expr)
    if owner is None:
        return False
    return expr.type == "identifier" and rule.pkg.resolver.binding(expr, rule.file) is owner


def _denotes(rule: Rule, expr: Node, ctx: Binding, owner: Binding | None, fields: set[str]) -> bool:
    """``expr`` (in the function that made the context) is the context: its local, or a
    field of the owner it was stored in."""
    expr = unparen(expr)
    r = rule.pkg.resolver
    if expr.type == "identifier":
        return r.binding(expr, rule.file) is ctx
    if expr.type == "selector_expression":
        operand = expr.child_by_field_name("operand")
        field = expr.child_by_field_name("field")
        return (
            operand is not None
            and field is not None
            and _is_owner(rule, operand, owner)
            and rule.file.text(field) in fields
        )
    return False


def _done_receives(func: Node) -> list[Node]:
    """The operands `X.Done()` of blocking receives `<-X.Done()` in ``func`` (a receive in
    a select with other cases, or in a nested function, does not wait on X alone)."""
    found: list[Node] = []
    body = func.child_by_field_name("body")
    if body is None:
        return found
    for node in descendants(body, _RECEIVES, into_funcs=False):
        op = node.child_by_field_name("operator")
        operand = node.child_by_field_name("operand")
        if op is None or op.type != "<-" or operand is None or not blocking_receive(node):
            continue
        operand = unparen(operand)
        if operand.type != "call_expression" or call_args(operand):
            continue
        fn = operand.child_by_field_name("function")
        if fn is None or fn.type != "selector_expression":
            continue
        field = fn.child_by_field_name("field")
        inner = fn.child_by_field_name("operand")
        if field is not None and inner is not None and field.text == b"Done":
            found.append(inner)
    return found


def _declaration(rule: Rule, func: Node) -> FuncDecl | None:
    name = func.child_by_field_name("name")
    if name is None:
        return None
    text = rule.file.text(name)
    index = rule.pkg.index
    if func.type == "function_declaration":
        decl = index.funcs.get(text)
        return decl if decl is not None and decl.node.id == func.id else None
    receiver = receiver_of(func, rule.file)[0]
    decl = index.method(receiver, text) if receiver is not None else None
    return decl if decl is not None and decl.node.id == func.id else None


def _discarded(call: Node) -> bool:
    """The call's results are dropped: a statement of its own, or assigned to `_` only."""
    parent = call.parent
    if parent is None:
        return False
    if parent.type == "expression_statement":
        return True
    if parent.type == "expression_list" and parent.parent is not None:
        stmt = parent.parent
        left = stmt.child_by_field_name("left")
        if stmt.type == "assignment_statement" and stmt.child_by_field_name("right") == parent:
            names = [c for c in left.named_children if not c.is_extra] if left else []
            return bool(names) and all(n.text == b"_" for n in names)
    return False


def _blanked(use: Node) -> bool:
    """`_ = cancel`: assigned to the blank identifier, which does nothing with it."""
    values = use.parent
    stmt = values.parent if values is not None else None
    if values is None or stmt is None or stmt.type != "assignment_statement":
        return False
    if stmt.child_by_field_name("right") != values or values.named_child_count != 1:
        return False
    left = stmt.child_by_field_name("left")
    return left is not None and left.text == b"_"


def _overwritten(cfg: CFG, stmt: Node, handled: Callable[[Node], bool]) -> Node | None:
    """The loop around ``stmt`` when a path from it comes back to it (the next iteration
    assigns the cancel func again) without passing a handled node."""
    block = cfg.block_of(stmt)
    body = stmt.parent.parent if stmt.parent is not None else None
    if body is not None and body.type == "statement_list":
        body = body.parent
    if block is None or body is None or body.parent is None:
        return None
    if body.parent.type != "for_statement":
        return None  # made on some passes only (under an if, a case): the state decides
    at = next((i for i, n in enumerate(block.nodes) if n.id == stmt.id), -1)
    work: list[tuple[Block, int]] = [(block, at + 1)]
    seen: set[int] = set()
    while work:
        current, pos = work.pop()
        if current is block and pos == 0:
            if not any(handled(n) for n in block.nodes[:at]):
                loop = stmt.parent
                while loop is not None and loop.type != "for_statement":
                    loop = loop.parent
                return loop if loop is not None else stmt
            continue
        if any(handled(n) for n in current.nodes[pos:]):
            continue
        for succ in current.succs:
            if succ.index not in seen:
                seen.add(succ.index)
                work.append((succ, 0))
    return None


def _written(use: Node) -> bool:
    """``use`` is a target on the left of `=` (a store, not a read)."""
    parent = use.parent
    if parent is None or parent.type != "expression_list":
        return False
    stmt = parent.parent
    if stmt is None or stmt.type != "assignment_statement":
        return False
    op = next((c for c in stmt.children if not c.is_named and c.type != ","), None)
    return stmt.child_by_field_name("left") == parent and op is not None and op.type == "="


def _store_target(use: Node) -> Node | None:
    """For a mention of a local that stores it into a field: the field written (`x.f` of
    `x.f = cancel`, or the key of `T{f: cancel}`); else None."""
    parent = use.parent
    if parent is not None and parent.type == "literal_element":
        kv = parent.parent
        if kv is None or kv.type != "keyed_element" or kv.named_children[-1] != parent:
            return None
        key = kv.named_children[0]
        inner = key.named_children[0] if key.named_children else key
        return inner if inner.type in ("identifier", "field_identifier") else None
    target = assigned_target(use, _ASSIGNMENT)
    return target if target is not None and target.type == "selector_expression" else None
