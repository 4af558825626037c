"""Every mention, in the package, of a variable that any function can reach: a package
variable or a struct field class (`Type.field`).

Questions such as "does anything close this channel", "does anything signal this Cond" or
"does anything read this cancel func" are asked of all the mentions of a shared variable.
A mention is found from its token; a selector whose owner type cannot be resolved counts
as a mention of every field of that name (an unknown owner may be the type asked about),
so callers that need "nothing does X" stay silent rather than wrong.

Keys: ``"pkg:name"`` for a package variable, ``"Type.field"`` for a field class.
"""

from __future__ import annotations

from tree_sitter import Node

from goconc.analyzer.facts import Fact, Package
from goconc.analyzer.matchers import assignment_sides
from goconc.analyzer.source import SourceFile
from goconc.analyzer.types import unparen

Use = tuple[Node, SourceFile]


def shared_key(expr: Node, file: SourceFile, pkg: Package) -> str | None:
    """The key of a package variable or field of a package struct that ``expr`` denotes."""
    r = pkg.resolver
    expr = unparen(expr)
    if expr.type == "identifier":
        name = file.text(expr)
        if r.binding(expr, file) is None and name in pkg.index.vars:
            return f"pkg:{name}"
        return None
    if expr.type != "selector_expression":
        return None
    operand = expr.child_by_field_name("operand")
    field = expr.child_by_field_name("field")
    if operand is None or field is None or r.package_of(operand, file) is not None:
        return None
    owner = r.type_of(operand, file)
    if owner is None:
        return None
    base = owner.deref()
    if base.kind != "named" or base.pkg:
        return None  # ticker.C, another package's struct
    found = r.field(owner, file.text(field))
    if found is None or found[0] not in pkg.index.types:
        return None
    return f"{found[0]}.{file.text(field)}"


def exported(key: str) -> bool:
    """Whether code outside the package can name the variable or field itself."""
    name = key[4:] if key.startswith("pkg:") else key.split(".", 1)[1]
    return name[:1].isupper()


def shared_uses(pkg: Package, key: str) -> list[Use]:
    """Every mention of the variable or field class ``key``, outside its own declaration
    and outside composite literal keys (see ``keyed_values``): identifiers for a package
    variable, selector expressions for a field."""
    r = pkg.resolver
    found: list[Use] = []
    if key.startswith("pkg:"):
        name = key[4:]
        needle = name.encode()
        for file in pkg.files:
            if not file.tokens.present(needle):
                continue
            for ident in file.tokens.named(name, "identifier"):
                parent = ident.parent
                if parent is not None and parent.type in ("var_spec", "keyed_element"):
                    continue  # the declaration itself
                if parent is not None and parent.type == "literal_element":
                    kv = parent.parent
                    if (
                        kv is not None
                        and kv.type == "keyed_element"
                        and kv.named_children[0] == parent
                    ):
                        continue  # a struct field key spelled like the variable
                if r.binding(ident, file) is None:
                    found.append((ident, file))
        return found
    type_name, field = key.split(".", 1)
    return [
        (sel, file)
        for sel, file, owner, _ in pkg.fact(FieldSelectors).of(field)
        if owner is None or owner == type_name  # unresolved owners count: precision first
    ]


# A selector `x.field`, its file, the type that declares the field it selects (None: not
# found), and whether x's type is one of the package's (None: x's type is not resolved).
FieldSelector = tuple[Node, SourceFile, str | None, bool | None]


class FieldSelectors(Fact):
    """The selector expressions `x.field` of the package, by field name (FieldSelector).
    Found once per name: a package with many types sharing a field name (`mu`, `done`,
    `out`) would otherwise read and type every mention of the name once per type, a cost
    that grows as the square of the package."""

    def __init__(self, pkg: Package) -> None:
        super().__init__(pkg)
        self._found: dict[str, list[FieldSelector]] = {}

    def of(self, field: str) -> list[FieldSelector]:
        found = self._found.get(field)
        if found is not None:
            return found
        r = self.pkg.resolver
        needle = b"." + field.encode()
        found = self._found[field] = []
        for file in self.pkg.files:
            if needle not in file.data:
                continue
            for sel in file.tokens.selectors(field):
                operand = sel.child_by_field_name("operand")
                owner = r.type_of(operand, file) if operand is not None else None
                at = r.field(owner, field) if owner is not None else None
                local = None if owner is None else not owner.deref().pkg
                found.append((sel, file, at[0] if at is not None else None, local))
        return found


def keyed_values(pkg: Package, type_name: str, field: str) -> list[Use] | None:
    """The values given to ``field`` in composite literals of ``type_name``; None when a
    literal of the type lists its values by position (the field's value is then not told
    apart from the others)."""
    found: list[Use] = []
    key = field.encode()
    name = type_name.encode()
    for file in pkg.files:
        if not file.tokens.present(name + b"{") and not file.tokens.present(name + b"["):
            continue  # gofmt writes a literal's type next to its brace
        for lit in _literals_of(file, type_name):
            body = lit.child_by_field_name("body")
            elems = [c for c in body.named_children if not c.is_extra] if body is not None else []
            for elem in elems:
                if elem.type != "keyed_element":
                    return None  # positional: `T{a, b}`
                parts = [c for c in elem.named_children if not c.is_extra]
                if len(parts) != 2 or file.data[parts[0].start_byte : parts[0].end_byte] != key:
                    continue
                value = parts[1].named_children[0] if parts[1].named_children else parts[1]
                found.append((unparen(value), file))
    return found


def _literals_of(file: SourceFile, type_name: str) -> list[Node]:
    """Composite literals `T{...}` (or `T[P]{...}`) of this package's type ``type_name``,
    found from the type's name tokens."""
    found: list[Node] = []
    for ident in file.tokens.named(type_name, "type_identifier"):
        node = ident.parent
        if node is not None and node.type == "generic_type":
            ident, node = node, node.parent
        if (
            node is not None
            and node.type == "composite_literal"
            and node.child_by_field_name("type") == ident
        ):
            found.append(node)
    return found


def assigned_value(use: Node) -> Node | bool | None:
    """For a mention on the left of `=` / `:=`: the value assigned (None if it cannot be
    told: a multi-value call, `+=`). False when the mention is not assigned to."""
    parent = use.parent
    if parent is None or parent.type != "expression_list":
        return False
    stmt = parent.parent
    if stmt is None or stmt.type not in ("assignment_statement", "short_var_declaration"):
        return False
    left = stmt.child_by_field_name("left")
    if left is None or left.id != parent.id:
        return False
    op = next((c for c in stmt.children if not c.is_named and c.type not in (",",)), None)
    if op is not None and op.type not in ("=", ":="):
        return None
    lefts, values = assignment_sides(stmt)
    if len(values) != len(lefts):
        return None
    return unparen(values[lefts.index(use)])
