"""## What it does
Flags a send, a receive or a `range` on a channel that is nil on every path to it, and a
`close` of such a channel. Nil channels are recognised by their declaration:

- a local `var ch chan T` with no value, when no assignment to `ch` can reach the operation
  (on the function's control-flow graph);
- an unexported struct field or package variable of channel type that nothing in the package
  ever assigns: no `x.f = ...`, no `f: ...` or positional composite literal, no `&x.f`.

## Why is this bad?
The zero value of a channel is nil. A send or receive on a nil channel blocks forever, a
`range` over it never ends, and `close` of it panics. The usual cause is a forgotten `make`:
a `var ch chan T` that was meant to be `ch := make(chan T)`, or a struct whose constructor
never makes one of its channels. The goroutine hangs silently (or the whole program stops
with "all goroutines are asleep").

## Example
```go
package example

func produce(n int) int {
        var results chan int
        go func() {
                results <- n * n
        }()
        return <-results
}
```

Use instead:
```go
package example

func produce(n int) int {
        results := make(chan int)
        go func() {
                results <- n * n
        }()
        return <-results
}
```

Not flagged: a nil channel in a `select` case (a deliberate idiom that disables the case);
a channel assigned on some path to the operation (`if x { ch = make(chan T) }`), in a
closure, through a pointer (`p := &ch`, `f(&ch)`), by a receive or a range; a field assigned
anywhere in the package (a constructor in another file, a composite literal, `&s.ch`);
exported fields and variables (another package may set them); parameters and results.

## Limitations
Reflection and `unsafe` writes are not seen. A field of a generic struct type is not
checked. A field assigned only through a struct copy from another package's value is
assumed never to be set.

## References
- No go vet or staticcheck analyzer checks this.
- https://go.dev/ref/spec#Send_statements: "A send on a nil channel blocks forever."
- https://go.dev/ref/spec#Receive_operator: "Receiving from a nil channel blocks forever."
- https://go.dev/ref/spec#Close: "Closing the nil channel also causes a run-time panic."
"""

from __future__ import annotations

import re
from functools import cached_property

from tree_sitter import Node

from goconc.analyzer.dataflow import cfg_statement, reaches
from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.matchers import FUNC_KINDS, call_args
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.tokens import mentions_any, names_before, names_pattern, whole_word
from goconc.analyzer.types import Binding, Resolver, enclosing_function, unparen

_STOP = frozenset({"block", "statement_list", *FUNC_KINDS})

# Names declared with a literal channel type: `ch chan T`, `a, b <-chan T`, `var c chan T`
# (the names right before a `chan`).
_CHAN = re.compile(rb"chan\b")


class NilChannelOp(Rule):
    meta = RuleMeta(
        code="CH003",
        name="nil-channel-op",
        summary="A send, receive, range or close on a channel that is always nil.",
        severity=Severity.ERROR,
        tags=("concurrency", "channel", "deadlock", "external/cwe/cwe-833"),
        precision="high",
        fix=None,
    )
    anchors = {
        "send_statement": (b"<-",),
        "unary_expression": (b"<-",),
        "range_clause": (b"range",),
        "call_expression": (b"close",),
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._shared: dict[str, Node | None] = {}
        self._fields: dict[str, _FieldWrites] = {}
        self._literals: dict[int, tuple[frozenset[str], str | None, int]] = {}

    def applies_to_package(self) -> bool:
        # No channel declared in the package: none can be nil.
        return any(b"chan " in f.data or b"chan<-" in f.data for f in self.pkg.files)

    def wants_file(self, file: SourceFile) -> bool:
        # A nil channel is a local declared in this file with a channel type, or a field or
        # package variable declared so in some file (see _nil_origin): its name is here.
        if whole_word(file.data, b"chan"):
            return True
        pattern = self._chan_names
        return pattern is not None and mentions_any(pattern, file.data)

    @cached_property
    def _chan_names(self) -> re.Pattern[bytes] | None:
        names: set[str] = set()
        for f in self.pkg.files:
            data = f.data
            for m in _CHAN.finditer(data):
                found = names_before(data, m.start(), arrow=True)
                names.update(w.decode("utf-8", "replace") for w in found)
        return names_pattern(names)

    # -- the operations --------------------------------------------------------------------
    def visit_send_statement(self, node: Node) -> None:
        self._check(node, node.child_by_field_name("channel"), "send on")

    def visit_unary_expression(self, node: Node) -> None:
        op = node.child_by_field_name("operator")
        if op is not None and op.type == "<-":
            self._check(node, node.child_by_field_name("operand"), "receive from")

    def visit_range_clause(self, node: Node) -> None:
        self._check(node, node.child_by_field_name("right"), "range over")

    def visit_call_expression(self, node: Node) -> None:
        fn = node.child_by_field_name("function")
        if fn is None or fn.type != "identifier" or self.file.text(fn) != "close":
            return
        args = call_args(node)
        if len(args) == 1 and self.pkg.resolver.is_builtin(fn, self.file, "close"):
            self._check(node, args[0], "close of")

    def _check(self, op: Node, chan_expr: Node | None, verb: str) -> None:
        if chan_expr is None or _in_select_case(op):
            return
        chan_expr = unparen(chan_expr)
        decl = self._nil_origin(op, chan_expr)
        if decl is None:
            return
        node, file = decl
        name = self.file.text(chan_expr)
        effect = (
            "panics"
            if verb == "close of"
            else ("never ends" if verb == "range over" else "blocks forever")
        )
        self.report(
            op,
            f"{verb} {name}, which is nil here (declared without a value, and no assignment "
            f"reaches this point): this {effect}; make it with make(chan ...)",
            related=[Related(self.span(node, file), f"{name} is declared here")],
        )

    # -- is the channel nil? ---------------------------------------------------------------
    def _nil_origin(self, op: Node, expr: Node) -> tuple[Node, SourceFile] | None:
        r = self.pkg.resolver
        file = self.file
        if expr.type == "identifier":
            b = r.binding(expr, file)
            if b is None:
                name = file.text(expr)
                var = self.pkg.index.vars.get(name)
                if var is None or var.value is not None or not name[:1].islower():
                    return None
                if var.type_node is None or var.type_node.type != "channel_type":
                    return None
                marker = self._shared_decl(f"pkg:{name}")
                return (marker, var.file) if marker is not None else None
            if self._local_nil(op, b):
                return b.ident, b.file
            return None
        if expr.type == "selector_expression":
            operand = expr.child_by_field_name("operand")
            field = expr.child_by_field_name("field")
            if operand is None or field is None or r.package_of(operand, file) is not None:
                return None
            name = file.text(field)
            if not name[:1].islower():
                return None
            owner = r.type_of(operand, file)
            found = r.field(owner, name) if owner is not None else None
            if found is None or found[1] is None or found[1].kind != "chan":
                return None
            decl = self.pkg.index.types.get(found[0])
            if decl is None or decl.node.child_by_field_name("type_parameters") is not None:
                return None
            f = decl.fields.get(name)
            if f is None or f.embedded:
                return None
            if self._shared_decl(f"{found[0]}.{name}") is None:
                return None
            return f.type_node, decl.file
        return None

    def _local_nil(self, op: Node, b: Binding) -> bool:
        if b.kind != "var" or b.value is not None or b.type_node is None:
            return False
        if b.type_node.type != "channel_type":
            return False
        kills: list[Node] = []
        for use in self.pkg.resolver.uses(b):
            how = _write(use)
            if how == "address":
                return False  # &ch: written through a pointer, anywhere, any time
            if how == "write":
                kills.append(use)
        if not kills:
            return True
        func = enclosing_function(op)
        if func is None or enclosing_function(b.ident) != func:
            return False
        if any(enclosing_function(k) != func for k in kills):
            return False  # assigned in a closure: it may run before the operation
        cfg = self.pkg.cfg(func, b.file)
        target = cfg_statement(cfg, op)
        if target is None:
            return False
        for k in kills:
            start = cfg_statement(cfg, k)
            if start is None or start.id == target.id or reaches(cfg, start, target):
                return False
        return True

    def _shared_decl(self, key: str) -> Node | None:
        """A marker node when the package variable / field class is never assigned."""
        if key not in self._shared:
            self._shared[key] = self._compute_shared(key)
        return self._shared[key]

    def _compute_shared(self, key: str) -> Node | None:
        r = self.pkg.resolver
        if key.startswith("pkg:"):
            name = key[4:]
            var = self.pkg.index.vars[name]
            needle = name.encode()
            for file in self.pkg.files:
                if needle not in file.data:
                    continue
                for ident in file.tokens.named(name, "identifier"):
                    if ident.id == var.node.id or r.binding(ident, file) is not None:
                        continue
                    if _write(ident) != "read":
                        return None
            return var.node
        type_name, field = key.split(".", 1)
        decl = self.pkg.index.types[type_name]
        writers, keyed, positional = self._field_writes(field)
        if keyed or None in writers or type_name in writers:
            return None  # assigned (or an unresolved owner: precision first)
        n_fields = len(decl.fields)
        for owner, size in positional:
            if owner == type_name or (owner is None and size == n_fields):
                return None  # positional: every field is set
        return decl.node

    def _field_writes(self, field: str) -> _FieldWrites:
        """What may assign a field named ``field``, whatever its type, found once per name (a
        package with many types that share a field name would otherwise be read once per
        type): the owner types of the writes `x.field = ...`, `&x.field` (None: an owner not
        resolved), whether some literal sets it by key, and the positional literals (their
        type, None for an implicit one, and their number of elements)."""
        found = self._fields.get(field)
        if found is not None:
            return found
        r = self.pkg.resolver
        needle = field.encode()
        writers: set[str | None] = set()
        keyed = False
        positional: list[tuple[str | None, int]] = []
        for file in self.pkg.files:
            if needle not in file.data:
                continue
            for sel in file.tokens.selectors(field):
                if _write(sel) == "read":
                    continue
                operand = sel.child_by_field_name("operand")
                owner = r.type_of(operand, file) if operand is not None else None
                at = r.field(owner, field) if owner is not None else None
                writers.add(at[0] if at is not None else None)
            for lit in file.tokens.anchored(b"{", "literal_value")[1]:
                keys, kind, size = self._literal(lit, file)
                keyed = keyed or field in keys
                if kind is not _OTHER:
                    positional.append((kind, size))
        found = self._fields[field] = (frozenset(writers), keyed, positional)
        return found

    def _literal(self, body: Node, file: SourceFile) -> tuple[frozenset[str], str | None, int]:
        """A composite literal body (``{...}``), read once: the field names it sets by key,
        and when it lists values by position, the literal's type (None when implicit, as in
        `[]T{{a, b}}`) and its number of elements; else _OTHER and 0. Keys count in any
        literal, as the literal's type is often implicit; a slice, map or array literal's
        elements are literals of their own."""
        found = self._literals.get(body.id)
        if found is None:
            found = self._literals[body.id] = _literal_facts(self.pkg.resolver, body, file)
        return found


# A literal whose positional values set no struct's fields (see _literal_facts).
_OTHER = "<other>"

# See NilChannelOp._field_writes.
_FieldWrites = tuple[frozenset[str | None], bool, list[tuple[str | None, int]]]


def _literal_facts(
    r: Resolver, body: Node, file: SourceFile
) -> tuple[frozenset[str], str | None, int]:
    lit = body.parent
    t = None
    if lit is not None and lit.type == "composite_literal":
        type_node = lit.child_by_field_name("type")
        t = r.type_from_node(type_node, file) if type_node is not None else None
        if t is None and type_node is not None and type_node.type not in ("type_identifier",):
            return frozenset(), _OTHER, 0
    kind: str | None = _OTHER
    if t is not None and t.deref().kind == "named":
        kind = t.deref().name
    elif lit is None or lit.type != "composite_literal":
        kind = None  # implicit
    elems = [c for c in body.named_children if not c.is_extra]
    keys: set[str] = set()
    positional = False
    for elem in elems:
        if elem.type == "keyed_element":
            parts = [c for c in elem.named_children if not c.is_extra]
            if parts:
                keys.add(file.text(parts[0]))
        else:
            positional = True
    return frozenset(keys), kind if positional else _OTHER, len(elems)


def _write(use: Node) -> str:
    """ "write" when the mention is assigned to (left of `=`, a range or receive target),
    "address" when its address is taken, else "read"."""
    node = use
    parent = node.parent
    while parent is not None and parent.type == "parenthesized_expression":
        node, parent = parent, parent.parent
    if parent is None:
        return "read"
    if parent.type == "unary_expression":
        op = parent.child_by_field_name("operator")
        if op is not None and op.type == "&":
            return "address"
        return "read"
    if parent.type == "expression_list":
        stmt = parent.parent
        if stmt is None:
            return "read"
        if stmt.type in ("assignment_statement", "short_var_declaration", "receive_statement"):
            left = stmt.child_by_field_name("left")
            if left is not None and left.id == parent.id:
                right = stmt.child_by_field_name("right")
                values = (
                    [c for c in right.named_children if not c.is_extra]
                    if right is not None and right.type == "expression_list"
                    else []
                )
                lefts = [c for c in parent.named_children if not c.is_extra]
                if len(values) == len(lefts) and unparen(values[lefts.index(node)]).type == "nil":
                    return "read"  # `ch = nil`: still nil
                return "write"
        if stmt.type == "range_clause":
            left = stmt.child_by_field_name("left")
            if left is not None and left.id == parent.id:
                return "write"
    return "read"


def _in_select_case(op: Node) -> bool:
    """The operation is the communication of a `select` case (a nil case is disabled)."""
    prev = op
    node = op.parent
    while node is not None and node.type not in _STOP:
        if node.type == "communication_case":
            comm = node.child_by_field_name("communication")
            return comm is not None and comm.id == prev.id
        prev, node = node, node.parent
    return False
