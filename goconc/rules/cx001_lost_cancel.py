"""## What it does
Flags the cancel func returned by `context.WithCancel`, `WithTimeout`, `WithDeadline`,
`WithCancelCause`, `WithTimeoutCause`, `WithDeadlineCause` (and the stop func of
`signal.NotifyContext`) when it is assigned to `_`, or when some path from the call to a
`return` or the end of the function neither calls it, defers it, returns it, stores it nor
passes it on.

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

Not flagged: a cancel func that is returned to the caller, stored in a struct field, map,
slice or package variable, handed to any function (`t.Cleanup(cancel)`,
`context.AfterFunc`) or goroutine; paths that end the process (`os.Exit`, `log.Fatal`).

## Fix safety
The fix inserts `defer cancel()` right after the call. It is safe when the derived context
does not outlive the function (it is not returned, stored or handed to a goroutine); it is
marked unsafe otherwise, because cancelling at return would then end work that is meant to
go on.

## Limitations
Any mention of the cancel func on a path counts as handling it, as in go vet. A cancel func
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
from goconc.analyzer.matchers import callee_text, inside_go_statement, line_indent
from goconc.analyzer.rule import Rule
from goconc.analyzer.types import Binding, enclosing_function

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
