"""## What it does
Flags `c.Wait()` on a `sync.Cond` that nothing can ever wake: no `Signal` or `Broadcast` on
it anywhere it can be reached from. The Cond is a local variable (searched in its
function and closures) or an unexported struct field or package variable (searched in the
whole package, field by class: `Plugin.activateWait`), resolved by type, and it never
reaches code goconc cannot see: it is only waited on, locked through `L`, and assigned a
Cond made here (`sync.NewCond(...)`, `&sync.Cond{...}`).

## Why is this bad?
`Wait` returns only after a `Signal` or `Broadcast` on the same Cond. When no code calls
either, the waiter blocks forever, holding whatever it holds and leaking its goroutine.
This is a broadcast that was forgotten where the awaited state changes (the `activate`
that sets the flag and should wake the waiters), or one removed by a refactoring that
left the waiting side in place.

## Example
```go
package example

import "sync"

type Plugin struct {
        mu     sync.Mutex
        ready  *sync.Cond
        active bool
}

func NewPlugin() *Plugin {
        p := &Plugin{}
        p.ready = sync.NewCond(&p.mu)
        return p
}

func (p *Plugin) Activate() {
        p.mu.Lock()
        p.active = true
        p.mu.Unlock()
}

func (p *Plugin) WaitActive() {
        p.mu.Lock()
        for !p.active {
                p.ready.Wait()
        }
        p.mu.Unlock()
}
```

Use instead:
```go
package example

import "sync"

type Plugin struct {
        mu     sync.Mutex
        ready  *sync.Cond
        active bool
}

func NewPlugin() *Plugin {
        p := &Plugin{}
        p.ready = sync.NewCond(&p.mu)
        return p
}

func (p *Plugin) Activate() {
        p.mu.Lock()
        p.active = true
        p.ready.Broadcast()
        p.mu.Unlock()
}

func (p *Plugin) WaitActive() {
        p.mu.Lock()
        for !p.active {
                p.ready.Wait()
        }
        p.mu.Unlock()
}
```

Not flagged: a Cond that is signalled or broadcast anywhere it can be reached from (even
through a method value `c.Broadcast` handed on); a Cond passed to a function, assigned to
another variable, returned or whose address is taken (it may be signalled there); an
exported field or package variable (other packages may signal it); a Cond embedded in a
struct (its methods are promoted, and its users are harder to tell); a Cond assigned from
anything other than a Cond made here.

## Fix safety
No fix is offered: the `Signal` or `Broadcast` belongs where the awaited condition
changes, which goconc cannot find.

## Limitations
A field is told apart by its class, not by instance: a `Broadcast` on the same field of
another value counts. Reflection and `unsafe` are not seen.

## References
- https://pkg.go.dev/sync#Cond.Wait: "Wait cannot return unless awoken by Broadcast or
  Signal."
- GoBench/GoKer blocking kernels moby/29733 and moby/30408 (shipped in the Go tree under
  `runtime/testdata/testgoroutineleakprofile/goker`): plugins waiting on an activation Cond
  that nothing broadcasts.
"""

from __future__ import annotations

from tree_sitter import Node

from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.types import unparen
from goconc.analyzer.uses import (
    Use,
    assigned_value,
    exported,
    keyed_values,
    shared_key,
    shared_uses,
)

_WAKE = frozenset({"Signal", "Broadcast"})


class CondNeverSignalled(Rule):
    meta = RuleMeta(
        code="CX004",
        name="cond-never-signalled",
        summary="sync.Cond.Wait on a Cond that nothing ever signals or broadcasts.",
        severity=Severity.ERROR,
        tags=("concurrency", "cond", "goroutine-leak", "deadlock", "external/cwe/cwe-833"),
        precision="high",
        fix=None,
    )
    triggers = (b"Cond",)
    anchors = {"call_expression": (b"Wait",)}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._shared: dict[str, tuple[Node, SourceFile] | None] = {}

    def applies_to_package(self) -> bool:
        return any(b"sync.Cond" in f.data or b"NewCond" in f.data for f in self.pkg.files)

    def visit_call_expression(self, call: Node) -> None:
        fn = call.child_by_field_name("function")
        if fn is None or fn.type != "selector_expression":
            return
        field = fn.child_by_field_name("field")
        operand = fn.child_by_field_name("operand")
        if field is None or operand is None or self.file.text(field) != "Wait":
            return
        r = self.pkg.resolver
        t = r.type_of(operand, self.file)
        if t is None or t.sync_kind() != "Cond":
            return  # a WaitGroup, a type's own Wait, or a promoted (embedded) Cond
        operand = unparen(operand)
        if operand.type == "identifier" and (b := r.binding(operand, self.file)) is not None:
            if b.kind not in ("short", "var") or b.index != 0:
                return
            value = unparen(b.value) if b.value is not None else None
            if value is not None and not _made_here(self, value, b.file):
                return
            if _check_uses(self, [(u, b.file) for u in r.uses(b)]) is None:
                return
            made = (value if value is not None else b.ident, b.file)
            what, where, severity = self.file.text(operand), "in this function", Severity.ERROR
        else:
            key = shared_key(operand, self.file, self.pkg)
            if key is None or exported(key):
                return
            if key not in self._shared:
                self._shared[key] = self._compute_shared(key)
            found = self._shared[key]
            if found is None:
                return
            made = found
            what, where, severity = key.removeprefix("pkg:"), "in the package", Severity.WARNING
        self.report(
            call,
            f"{self.file.text(fn)}() blocks forever: nothing {where} calls Signal or "
            f"Broadcast on {what}",
            related=[Related(self.span(*made), f"{what} is made here")],
            severity=severity,
        )

    # -- a field or package variable -------------------------------------------------------
    def _compute_shared(self, key: str) -> tuple[Node, SourceFile] | None:
        """The place the Cond is made (or declared), when nothing in the package can wake it."""
        pkg = self.pkg
        makes: list[tuple[Node, SourceFile]] = []
        if key.startswith("pkg:"):
            var = pkg.index.vars.get(key[4:])
            if var is None:
                return None
            if var.value is not None:
                value = unparen(var.value)
                if not _made_here(self, value, var.file):
                    return None
                makes.append((value, var.file))
            else:
                makes.append((var.node, var.file))
        else:
            type_name, field = key.split(".", 1)
            values = keyed_values(pkg, type_name, field)
            if values is None:
                return None
            for value, file in values:
                if not _made_here(self, value, file):
                    return None
                makes.append((value, file))
        found = _check_uses(self, shared_uses(pkg, key))
        if found is None:
            return None
        return makes[0] if makes else found


def _check_uses(rule: Rule, uses: list[Use]) -> tuple[Node, SourceFile] | None:
    """None when some mention may wake the Cond (Signal, Broadcast, or a use that hands it
    on); else the first Cond made in an assignment among them (or the first mention)."""
    first: tuple[Node, SourceFile] | None = None
    made: tuple[Node, SourceFile] | None = None
    for use, file in uses:
        first = first or (use, file)
        assigned = assigned_value(use)
        if assigned is not False:
            if not isinstance(assigned, Node) or not _made_here(rule, assigned, file):
                return None
            made = made or (assigned, file)
            continue
        node = use
        while node.parent is not None and node.parent.type == "parenthesized_expression":
            node = node.parent
        parent = node.parent
        if parent is None or parent.type != "selector_expression":
            return None  # passed, aliased, returned, address taken: it may be woken there
        if parent.child_by_field_name("operand") != node:
            return None
        field = parent.child_by_field_name("field")
        name = file.text(field) if field is not None else ""
        if name in _WAKE:
            return None
        if name not in ("Wait", "L"):
            return None
    return made or first


def _made_here(rule: Rule, value: Node, file: SourceFile) -> bool:
    """`sync.NewCond(...)`, `&sync.Cond{...}`, `sync.Cond{...}` or nil."""
    value = unparen(value)
    if value.type == "nil":
        return True
    if value.type == "unary_expression":
        op = value.child_by_field_name("operator")
        inner = value.child_by_field_name("operand")
        if op is None or op.type != "&" or inner is None:
            return False
        value = unparen(inner)
    r = rule.pkg.resolver
    if value.type == "call_expression":
        return r.pkg_func(value, file) == ("sync", "NewCond")
    if value.type == "composite_literal":
        t = r.type_from_node(value.child_by_field_name("type"), file)
        return t is not None and t.is_named("sync", "Cond")
    return False
