"""## What it does
Flags the cancel func returned by `context.WithCancel`, `WithTimeout`, `WithDeadline`,
`WithCancelCause`, `WithTimeoutCause`, `WithDeadlineCause` (and the stop func of
`signal.NotifyContext`) when it is assigned to `_`, or when some path from the call to a
`return` or the end of the function neither calls it, defers it, returns it, stores it nor
passes it on. A cancel func stored only in fields of package structs (`ctx, r.cancel =
context.WithCancel(ctx)`, `&tx{stop: cancel}`) is lost when nothing in the package ever
reads those fields: it can never be called.

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
go on. A cancel func stored in a field nothing reads gets no fix: where it should be called
(a `Close` or `Stop` method) is the author's choice.

## Limitations
Any mention of the cancel func on a path counts as handling it, as in go vet; any read of a
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

from tree_sitter import Node

from goconc.analyzer.dataflow import contains, escape_path
from goconc.analyzer.diagnostics import Applicability, Edit, Fix, Related, RuleMeta, Severity
from goconc.analyzer.matchers import FUNC_KINDS, callee_text, inside_go_statement, line_indent
from goconc.analyzer.rule import Rule
from goconc.analyzer.types import Binding, enclosing_function
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
        stmt, left = _assignment(call)
        if stmt is None or left is None or len(left) != 2:
            return  # returned or passed on directly: the caller owns the cancel func
        cancel = left[1]
        if cancel.type != "identifier":
            self._stored(call, what, callee, [(cancel, cancel)], left[0])
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
            self._stored(call, what, callee, stores, left[0])
            return
        cfg = self.pkg.cfg(func, self.file)

        def handled(node: Node) -> bool:
            return any(contains(node, u) for u in uses)

        leak = escape_path(cfg, stmt, handled)
        if leak is None:
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
        self, call: Node, what: str, callee: str, stores: list[tuple[Node, Node]], ctx: Node
    ) -> None:
        """The cancel func is only stored, in fields (``stores``: each mention and the field
        it is stored in): reported when none of them is ever read in the package."""
        keys: list[tuple[str, Node]] = []
        for use, target in stores:
            key = self._field_key(target)
            if key is None or exported(key) or self._field_read(key):
                return
            keys.append((key, use))
        names = sorted({k for k, _ in keys})
        field = names[0] if len(names) == 1 else ", ".join(names)
        related = [Related(self.span(use), f"stored in {key} here") for key, use in keys]
        waiter = self._goroutine_with(ctx)
        if waiter is not None:
            related.append(Related(self.span(waiter), "this goroutine is handed the context"))
        leak = "; the goroutine started with it can wait on it forever" if waiter else ""
        self.report(
            call,
            f"the {what} func returned by {callee} is stored in {field}, which nothing in "
            f"the package reads: it is never called, so the context is released only when "
            f"its parent is cancelled{leak}",
            related=related,
        )

    def _goroutine_with(self, ctx: Node) -> Node | None:
        """The first `go` statement that mentions the derived context ``ctx`` (a local)."""
        if ctx.type != "identifier":
            return None
        binding = self.pkg.resolver.binding(ctx, self.file)
        if binding is None:
            return None
        for use in self.pkg.resolver.uses(binding):
            node = use.parent
            while node is not None and node.type not in ("go_statement", *FUNC_KINDS):
                node = node.parent
            if node is not None and node.type == "go_statement":
                return node
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
        return [
            u
            for u in self.pkg.resolver.uses(binding)
            if u.id != exclude.id and func.start_byte <= u.start_byte < func.end_byte
        ]

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
    if parent is None or parent.type != "expression_list":
        return None
    stmt = parent.parent
    if stmt is None or stmt.type != "assignment_statement":
        return None
    if stmt.child_by_field_name("right") != parent:
        return None
    left = stmt.child_by_field_name("left")
    lefts = [c for c in left.named_children if not c.is_extra] if left is not None else []
    values = [c for c in parent.named_children if not c.is_extra]
    if len(lefts) != len(values):
        return None
    target = lefts[values.index(use)] if use in values else None
    return target if target is not None and target.type == "selector_expression" else None


def _assignment(call: Node) -> tuple[Node | None, list[Node] | None]:
    """The statement assigning the call's results and its left-hand side, if the call is
    the whole right-hand side."""
    parent = call.parent
    if parent is None or parent.type != "expression_list":
        return None, None
    if len([c for c in parent.named_children if not c.is_extra]) != 1:
        return None, None
    stmt = parent.parent
    if stmt is None:
        return None, None
    if stmt.type in ("short_var_declaration", "assignment_statement"):
        if stmt.child_by_field_name("right") != parent:
            return None, None
        left = stmt.child_by_field_name("left")
        names = [c for c in left.named_children if not c.is_extra] if left is not None else []
        return stmt, names
    if stmt.type == "var_spec":
        names = [c for c in stmt.children_by_field_name("name") if c.is_named]
        decl = stmt.parent
        while decl is not None and decl.type != "var_declaration":
            decl = decl.parent
        return decl, names
    return None, None
