"""Small helpers for the call shapes rules look for."""

from __future__ import annotations

from functools import cache

from tree_sitter import Node, Query, QueryCursor

from goconc.analyzer.parse import go_language
from goconc.analyzer.source import SourceFile

FUNC_KINDS = frozenset({"function_declaration", "method_declaration", "func_literal"})


def method_call(call: Node, file: SourceFile) -> tuple[Node, str] | None:
    """(operand, method name) for `operand.Name(...)`."""
    if call.type != "call_expression":
        return None
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "selector_expression":
        return None
    operand = fn.child_by_field_name("operand")
    field = fn.child_by_field_name("field")
    if operand is None or field is None:
        return None
    return operand, file.text(field)


def call_args(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    return [c for c in args.named_children if not c.is_extra] if args is not None else []


def statement_call(stmt: Node) -> Node | None:
    """The call of an expression statement `f(x)`, `defer f(x)` or `go f(x)`."""
    if stmt.type in ("expression_statement", "defer_statement", "go_statement"):
        inner = stmt.named_children[0] if stmt.named_children else None
        if inner is not None and inner.type == "call_expression":
            return inner
    return None


def runs_later(node: Node, stmt: Node) -> bool:
    """Whether ``node``, inside the `go` or `defer` statement ``stmt``, runs when the started
    goroutine (or the deferred call) runs: the call itself, or the body of the function
    literal it calls. The function value and the arguments (`go f(x, g())`: `x` and `g()`)
    are evaluated at once, by the goroutine that runs ``stmt``."""
    call = statement_call(stmt)
    if call is None or node.id == call.id:
        return True
    fn = call.child_by_field_name("function")
    while fn is not None and fn.type == "parenthesized_expression":
        fn = fn.named_children[0] if fn.named_children else None
    body = fn.child_by_field_name("body") if fn is not None and fn.type == "func_literal" else None
    return body is not None and body.start_byte <= node.start_byte < body.end_byte


def body_statements(block: Node | None) -> list[Node]:
    """Statements of a block (or case), skipping comments; `{}` has none."""
    if block is None:
        return []
    sl = next((c for c in block.named_children if c.type == "statement_list"), None)
    return [c for c in sl.named_children if not c.is_extra] if sl is not None else []


@cache
def kind_query(kinds: frozenset[str]) -> Query:
    """A query capturing, as ``n``, every named node of one of ``kinds``."""
    patterns = " ".join(f"({k})" for k in sorted(kinds))
    return Query(go_language(), f"[{patterns}] @n")


def in_document_order(nodes: list[Node]) -> list[Node]:
    """Document order, a parent before a child that spans the same bytes."""
    keys = [(n.start_byte, -n.end_byte) for n in nodes]
    if len(set(keys)) == len(keys):  # no two nodes span the same bytes: the usual case
        return [nodes[i] for i in sorted(range(len(nodes)), key=keys.__getitem__)]

    def chain_depth(n: Node) -> int:
        depth, p = 0, n.parent
        while p is not None and p.start_byte == n.start_byte and p.end_byte == n.end_byte:
            depth, p = depth + 1, p.parent
        return depth

    return sorted(nodes, key=lambda n: (n.start_byte, -n.end_byte, chain_depth(n)))


def descendants(node: Node, kinds: frozenset[str], *, into_funcs: bool = True) -> list[Node]:
    """Nodes of the given kinds below ``node``, in document order. With ``into_funcs`` False,
    a function (declaration or literal) below ``node`` is listed if wanted, not entered.
    A query: the tree is searched in C, and Python sees only the hits."""
    wanted = kinds if into_funcs else kinds | FUNC_KINDS
    found = QueryCursor(kind_query(wanted)).captures(node).get("n")
    if not found:
        return []
    me = node.id
    out = [n for n in in_document_order(found) if n.id != me]
    if into_funcs:
        return out
    kept: list[Node] = []
    skip_until = -1
    for n in out:
        if n.start_byte < skip_until:
            continue  # inside a nested function
        if n.type in FUNC_KINDS:
            skip_until = n.end_byte
            if n.type not in kinds:
                continue
        kept.append(n)
    return kept


def line_indent(file: SourceFile, node: Node) -> str:
    """The whitespace that starts the line of ``node``."""
    start, _ = file.line_bounds(file.line_of(node.start_byte))
    end = start
    while end < len(file.data) and file.data[end] in (0x20, 0x09):
        end += 1
    return file.data[start:end].decode("ascii")


def innermost_loop(node: Node, within: Node | None = None) -> Node | None:
    """The innermost `for` statement around ``node`` in its own function: never across a
    function literal, and not above ``within`` (a function node)."""
    parent = node.parent
    while parent is not None and (within is None or parent.id != within.id):
        if parent.type == "for_statement":
            return parent
        if parent.type in FUNC_KINDS:
            return None
        parent = parent.parent
    return None


def inside_go_statement(node: Node, within: Node) -> bool:
    """Whether ``node`` is inside a `go` statement below ``within``."""
    parent = node.parent
    while parent is not None and parent.id != within.id:
        if parent.type == "go_statement":
            return True
        parent = parent.parent
    return False


def in_function(node: Node, func: Node) -> bool:
    """Whether ``func`` is the innermost function (declaration or literal) around ``node``."""
    parent = node.parent
    while parent is not None and parent.type not in FUNC_KINDS:
        parent = parent.parent
    return parent is not None and parent.id == func.id


def callee_text(call: Node, file: SourceFile) -> str:
    """The called expression as written (`context.WithCancel`), for messages."""
    fn = call.child_by_field_name("function")
    return file.text(fn) if fn is not None else "the call"


# --- where a value goes: the one reading of assignments ---------------------------------------

_ASSIGNING = frozenset({"assignment_statement", "short_var_declaration", "var_spec"})


def assignment_sides(stmt: Node) -> tuple[list[Node], list[Node]]:
    """The targets and the values of `a, b = x, y`, `a := x` or `var a = x` (comments
    left out)."""

    def named(side: Node | None) -> list[Node]:
        return [c for c in side.named_children if not c.is_extra] if side is not None else []

    if stmt.type == "var_spec":
        targets = [c for c in stmt.children_by_field_name("name") if c.is_named]
        return targets, named(stmt.child_by_field_name("value"))
    return named(stmt.child_by_field_name("left")), named(stmt.child_by_field_name("right"))


def assigned_target(value: Node, kinds: frozenset[str] = _ASSIGNING) -> Node | None:
    """The target that ``value`` is assigned to, when it stands on the right of a statement of
    ``kinds`` with as many targets as values: `x` of `x, y = value, v`; None for any other
    place (an argument, one multi-value call for several targets)."""
    parent = value.parent
    if parent is None or parent.type != "expression_list":
        return None
    stmt = parent.parent
    if stmt is None or stmt.type not in kinds:
        return None
    right = stmt.child_by_field_name("value" if stmt.type == "var_spec" else "right")
    if right is None or right.id != parent.id:
        return None
    targets, values = assignment_sides(stmt)
    index = next((i for i, c in enumerate(values) if c.id == value.id), -1)
    return targets[index] if 0 <= index < len(targets) and len(targets) == len(values) else None


def call_assignment(call: Node) -> tuple[Node, list[Node]] | None:
    """Where the results of ``call`` go when it is the whole right-hand side: the statement
    (for `var x = f()` its var_declaration) and its targets, one per result: `x, err := f()`,
    `x = f()`, `var x = f()`; None for any other place."""
    parent = call.parent
    if parent is None or parent.type != "expression_list":
        return None
    if len([c for c in parent.named_children if not c.is_extra]) != 1:
        return None
    stmt = parent.parent
    if stmt is None or stmt.type not in _ASSIGNING:
        return None
    targets, _ = assignment_sides(stmt)
    if stmt.type == "var_spec":
        decl = stmt.parent
        while decl is not None and decl.type != "var_declaration":
            decl = decl.parent
        return (decl, targets) if decl is not None else None
    if stmt.child_by_field_name("right") != parent:
        return None
    return stmt, targets
