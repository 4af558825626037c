"""Boolean constants: the value of a condition that cannot change at run time (and integer
constants, `Consts.integer`, for capacities and loop bounds).

`Consts.truth(expr, file, env)` folds an expression to True or False when its value is fixed:
the literals `true` and `false`, constants of the package or of the function (`const debug =
false`), and parameters bound to a constant at a call site (``env``: a `Binding.key` -> value,
for parameters the function never assigns). `!x`, `x && y`, `x || y` (either side decides
when it is the absorbing value: `false && f()` is false), `x == y` and `x != y` are folded;
anything else is None (unknown). A parameter whose zero value is nil and that is compared
with nil is bound to whether it is nil (`if done != nil {` with `nil`, `make(...)` or `&T{}`
passed). A package variable is known only when ``env`` binds "pkg:NAME" (MU001: a flag the
waiting code set under its lock). The CFG prunes the branch a known condition never takes,
and the lock analysis specialises a callee's summary by the constant arguments of a call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from tree_sitter import Node

from goconc.analyzer.matchers import descendants
from goconc.analyzer.source import SourceFile
from goconc.analyzer.types import Binding, Resolver, unparen

if TYPE_CHECKING:
    from goconc.analyzer.symbols import PackageIndex

#: Parameter bindings (`Binding.key`) bound to a boolean constant, as a cache key.
Env = frozenset[tuple[str, bool]]
NO_ENV: Env = frozenset()

_CONST_SPECS = frozenset({"const_spec"})
# Types written in place whose zero value is nil.
_NILABLE = frozenset(
    {"channel_type", "pointer_type", "function_type", "map_type", "slice_type", "interface_type"}
)
# What a foldable expression can be; anything else (a call, `nil`, a comparison of numbers)
# is unknown without looking further.
_FOLDABLE = frozenset(
    {"true", "false", "identifier", "parenthesized_expression", "unary_expression",
     "binary_expression"}
)  # fmt: skip
_SCOPES = frozenset(
    {"block", "source_file", "expression_case", "type_case", "communication_case", "default_case"}
)
_MAX_DEPTH = 8  # constants defined by constants, at most this deep


class Consts:
    """Folds boolean constants in one package."""

    def __init__(self, index: PackageIndex, resolver: Resolver) -> None:
        self.index = index
        self.resolver = resolver
        self._params: dict[str, tuple[bool, bool]] = {}  # by Binding.key: see _param_uses
        self._specs: dict[int, list[Node]] = {}  # by top-level declaration: its const specs
        self._nilable: set[str] = set()  # flag parameters bound to whether they are not nil

    def truth(
        self, expr: Node | None, file: SourceFile, env: Mapping[str, bool] | None = None
    ) -> bool | None:
        """The value of ``expr`` when it is a boolean constant here, else None."""
        if expr is None:
            return None
        return self._eval(expr, file, env or {}, 0)

    def integer(self, expr: Node | None, file: SourceFile, depth: int = 0) -> int | None:
        """The value of ``expr`` when it is an integer constant: a literal, a constant of the
        package or of the function, and `+`, `-`, `*`, `/` of those; else None."""
        if expr is None or depth > _MAX_DEPTH:
            return None
        kind = expr.type
        if kind == "int_literal":
            try:
                return int(file.text(expr).replace("_", ""), 0)
            except ValueError:
                return None
        if kind == "parenthesized_expression":
            inner = expr.named_children
            return self.integer(inner[0], file, depth + 1) if len(inner) == 1 else None
        if kind == "identifier":
            if self.resolver.binding(expr, file) is not None:
                return None  # a variable
            local = self._local_const(expr, file)
            if local is not None:
                return self.integer(local, file, depth + 1)
            decl = self.index.constant(file.text(expr))
            if decl is None or decl.value is None:
                return None
            return self.integer(decl.value, decl.file, depth + 1)
        if kind == "binary_expression":
            op = expr.child_by_field_name("operator")
            a = self.integer(expr.child_by_field_name("left"), file, depth + 1)
            b = self.integer(expr.child_by_field_name("right"), file, depth + 1)
            if op is None or a is None or b is None:
                return None
            if op.type == "+":
                return a + b
            if op.type == "-":
                return a - b
            if op.type == "*":
                return a * b
            if op.type == "/" and b != 0:
                return int(a / b)
        return None

    def stable(self, b: Binding) -> bool:
        """Whether the parameter ``b`` keeps the value it is called with: never assigned and
        its address never taken (a closure's assignment counts too)."""
        return self._param_uses(b)[0]

    def flag(self, b: Binding) -> bool:
        """Whether a constant argument for the parameter ``b`` can tell which branches its
        function takes: it is stable and tested in an if or for condition, or passed on to
        another call (`if !locked {`, `s.helper(locked)`). A `bool` parameter can be, and one
        of a type whose zero value is nil, tested against nil (`if done != nil {`): bound to
        whether it is nil (see `argument`)."""
        if b.type_node is None:
            return False
        nilable = b.type_node.type in _NILABLE
        if not nilable and b.file.text(b.type_node) != "bool":
            return False
        stable, tested = self._param_uses(b)
        if stable and tested and nilable:
            self._nilable.add(b.key)
        return stable and tested

    def argument(
        self, key: str, arg: Node, file: SourceFile, env: Mapping[str, bool] | None = None
    ) -> bool | None:
        """The constant a call's argument ``arg`` gives the flag parameter ``key`` (see
        `flag`): its truth for a `bool`, whether it is not nil for a nilable one (`nil`, or
        `make(...)`, `&T{}`, a func literal, or the caller's own parameter bound so)."""
        if key not in self._nilable:
            return self.truth(arg, file, env)
        return self._not_nil(arg, file, env or {})

    def _not_nil(self, arg: Node, file: SourceFile, env: Mapping[str, bool]) -> bool | None:
        arg = unparen(arg)
        kind = arg.type
        if kind == "nil":
            return False
        if kind in ("func_literal", "composite_literal"):
            return True
        if kind == "unary_expression":
            op = arg.child_by_field_name("operator")
            return True if op is not None and op.type == "&" else None
        if kind == "call_expression":
            fn = arg.child_by_field_name("function")
            if fn is None or file.text(fn) not in ("make", "new"):
                return None
            return True if self.resolver.is_builtin(fn, file, file.text(fn)) else None
        if kind == "identifier":
            b = self.resolver.binding(arg, file)
            if b is not None and b.kind == "param" and b.key in self._nilable:
                value = env.get(b.key)
                return value if value is not None and self.stable(b) else None
        return None

    def call_env(
        self,
        args: dict[str, Node],
        func: Node,
        func_file: SourceFile,
        file: SourceFile,
        env: Mapping[str, bool] | None = None,
    ) -> Env:
        """The constants a call gives the flag parameters of ``func`` (``args``: parameter
        name -> argument, written in ``file``, where ``env`` holds): the `env` of the
        function as that call runs it (`go h.process(ctx, false)`)."""
        bound: list[tuple[str, bool]] = []
        for name, arg in args.items():
            ident = _param_ident(func, func_file, name)
            b = self.resolver.binding(ident, func_file) if ident is not None else None
            if b is None or b.kind != "param" or not self.flag(b):
                continue
            value = self.argument(b.key, arg, file, env)
            if value is not None:
                bound.append((b.key, value))
        return frozenset(bound)

    def _param_uses(self, b: Binding) -> tuple[bool, bool]:
        """(stable, tested) for a parameter, from the identifiers spelled like it in its
        function: a shadowing variable's writes count too (cheaper than resolving each, and
        on the safe side)."""
        found = self._params.get(b.key)
        if found is None:
            written = tested = False
            for node in b.file.tokens.token_nodes_in(b.name.encode(), b.scope_start, b.scope_end):
                if node.type != "identifier" or node.id == b.ident.id:
                    continue
                written = written or _written(node)
                tested = tested or _tested(node)
            found = self._params[b.key] = (not written, tested)
        return found

    def _eval(
        self, node: Node, file: SourceFile, env: Mapping[str, bool], depth: int
    ) -> bool | None:
        kind = node.type
        if kind == "true":
            return True
        if kind == "false":
            return False
        if depth > _MAX_DEPTH:
            return None
        if kind == "parenthesized_expression":
            inner = node.named_children
            return self._eval(inner[0], file, env, depth + 1) if len(inner) == 1 else None
        if kind == "identifier":
            return self._name(node, file, env, depth)
        if kind == "unary_expression":
            op = node.child_by_field_name("operator")
            operand = node.child_by_field_name("operand")
            if op is None or op.type != "!" or operand is None:
                return None
            value = self._eval(operand, file, env, depth + 1)
            return None if value is None else not value
        if kind == "binary_expression":
            return self._binary(node, file, env, depth)
        return None

    def _binary(
        self, node: Node, file: SourceFile, env: Mapping[str, bool], depth: int
    ) -> bool | None:
        op = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if op is None or left is None or right is None:
            return None
        kind = op.type
        if kind in ("&&", "||"):
            absorbing = kind == "||"  # true || x is true; false && x is false
            a = self._eval(left, file, env, depth + 1)
            if a is absorbing:
                return absorbing
            b = self._eval(right, file, env, depth + 1)
            if b is absorbing:
                return absorbing  # `f() && false`: f runs, but the branch is still dead
            return None if a is None or b is None else b
        if kind in ("==", "!="):
            for side, other in ((left, right), (right, left)):
                if other.type == "nil" and side.type == "identifier":
                    value = self._not_nil(side, file, env)  # `done != nil`, bound by a call
                    if value is None:
                        return None
                    return value if kind == "!=" else not value
            if left.type not in _FOLDABLE or right.type not in _FOLDABLE:
                return None  # `err != nil`, `n == 0`: not worth a name lookup
            a = self._eval(left, file, env, depth + 1)
            if a is None:
                return None
            b = self._eval(right, file, env, depth + 1)
            if b is None:
                return None
            return (a == b) if kind == "==" else (a != b)
        return None

    def _name(
        self, ident: Node, file: SourceFile, env: Mapping[str, bool], depth: int
    ) -> bool | None:
        b = self.resolver.binding(ident, file)
        local = self._local_const(ident, file)
        if b is not None:
            if local is not None:
                return None  # a constant and a variable of one name in one function: unsure
            if b.kind != "param" or b.key in self._nilable:
                return None  # a variable, or a parameter bound to whether it is nil
            value = env.get(b.key)
            return value if value is not None and self.stable(b) else None
        if local is not None:
            return self._eval(local, file, {}, depth + 1)
        name = file.text(ident)
        if name in self.index.vars:
            return env.get("pkg:" + name)  # bound by a caller that knows it (see MU001)
        if name in self.index.funcs:
            return None
        decl = self.index.constant(name)
        if decl is None or decl.value is None:
            return None
        if decl.type_node is not None and decl.file.text(decl.type_node) != "bool":
            return None
        return self._eval(decl.value, decl.file, {}, depth + 1)

    def _local_const(self, ident: Node, file: SourceFile) -> Node | None:
        """The value of a constant declared inside the function around ``ident`` under its
        name, in scope there (the innermost such declaration before it)."""
        top = self.resolver.top_declaration(ident, file)
        if top is None or top.type == "const_declaration":
            return None
        specs = self._specs.get(top.id)
        if specs is None:
            has = file.data.find(b"const", top.start_byte, top.end_byte) >= 0
            specs = self._specs[top.id] = descendants(top, _CONST_SPECS) if has else []
        name = file.text(ident)
        best: Node | None = None
        for spec in specs:
            if spec.start_byte >= ident.start_byte:
                break
            names = [c for c in spec.children_by_field_name("name") if c.is_named]
            if all(file.text(n) != name for n in names):
                continue
            block = _enclosing_block(spec)
            if block is None or not (block.start_byte <= ident.start_byte < block.end_byte):
                continue
            values_node = spec.child_by_field_name("value")
            values = values_node.named_children if values_node is not None else []
            index = next(i for i, n in enumerate(names) if file.text(n) == name)
            best = values[index] if len(values) == len(names) else None
            if best is None:
                return None  # `iota` repetition or a count mismatch: not folded
        return best


def _enclosing_block(node: Node) -> Node | None:
    p = node.parent
    while p is not None and p.type not in _SCOPES:
        p = p.parent
    return p


_CONDITION_PARENTS = frozenset({"if_statement", "for_statement", "for_clause", "argument_list"})
_OPERATORS = frozenset({"parenthesized_expression", "unary_expression", "binary_expression"})


def _tested(use: Node) -> bool:
    """The identifier is (part of) an if or for condition, or an argument of a call."""
    p = use.parent
    while p is not None and p.type in _OPERATORS:
        p = p.parent
    return p is not None and p.type in _CONDITION_PARENTS


def _written(use: Node) -> bool:
    """The identifier is assigned (`x = ...`, `x, y = ...`, `x++`) or its address taken."""
    parent = use.parent
    if parent is None:
        return False
    if parent.type == "unary_expression":
        op = parent.child_by_field_name("operator")
        return op is not None and op.type == "&"
    if parent.type in ("inc_statement", "dec_statement"):
        return True
    if parent.type == "expression_list":
        stmt = parent.parent
        if stmt is not None and stmt.type == "assignment_statement":
            left = stmt.child_by_field_name("left")
            return left is not None and left.id == parent.id
    return False


def _param_ident(func: Node, file: SourceFile, name: str) -> Node | None:
    plist = func.child_by_field_name("parameters")
    for param in plist.named_children if plist is not None else []:
        for ident in param.children_by_field_name("name"):
            if ident.is_named and file.text(ident) == name:
                return ident
    return None
