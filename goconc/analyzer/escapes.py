"""Which objects no other goroutine can reach yet: fresh allocations before they escape.

A lock-order edge from or to the lock of an object that only the current function can reach
orders nothing: no other goroutine can hold that lock or wait for it. `Escapes` (a fact)
answers `unpublished(ref, at, func, file)`: ``ref`` is a lock inside an object that the
function made itself, a fresh allocation (`&T{...}`, `new(T)`, `T{...}`, `var x T`, or the
result of a package function that returns one), reached through value fields only (a pointer
field leads to some other object), and on no path to ``at`` has the variable escaped since
the allocation. A variable escapes when it is stored (assigned, appended, sent, returned, put
in a composite literal), captured by a func literal that is not run in place or deferred,
passed to a call that may keep it (another package's, a function value, a package function
whose parameter escapes), used as a method value, or when the address of a part of it is
taken. Method calls on it, field reads and writes, comparisons and its sync operations keep
it where it is; a method of the package called on it keeps it unless its receiver escapes
in turn (summaries, per function and parameter). Branches on a boolean local that is never
assigned again are followed consistently (`if solicit { ... } ... if solicit { ... }`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import attrs
from tree_sitter import Node

from goconc.analyzer.calls import callee
from goconc.analyzer.cfg import CFG, Block
from goconc.analyzer.dataflow import cfg_statement
from goconc.analyzer.facts import Fact, Package
from goconc.analyzer.matchers import assignment_sides, call_args, descendants
from goconc.analyzer.source import SourceFile
from goconc.analyzer.types import Binding, GoType, Ref, Resolver, enclosing_function, unparen
from goconc.analyzer.uses import exported, keyed_values, shared_uses

_MAX_DEPTH = 8
# Builtins that neither keep nor hand on their arguments.
_PURE_BUILTINS = frozenset({"len", "cap", "print", "println"})
_VALUE_KINDS = frozenset({"named", "struct", "array"})
_ASSIGNMENTS = frozenset({"assignment_statement", "short_var_declaration"})
# Builtins that only read a container.
_READERS = frozenset({"delete", "len", "cap"})


class Escapes(Fact):
    """Fresh, not yet published objects of the package's functions (see the module doc)."""

    def __init__(self, pkg: Package) -> None:
        super().__init__(pkg)
        self.r = pkg.resolver
        self._files = {f.path: f for f in pkg.files}
        # (function id, parameter index or -1 for the receiver) -> whether it may escape.
        self._param: dict[tuple[int, int], bool] = {}
        self._results: dict[int, frozenset[int]] = {}
        self._containers: dict[str, bool] = {}
        self._guard_tables: dict[int, Guards] = {}
        # (binding key, allowed use id) -> `_mark` of the binding.
        self._marks: dict[tuple[str, int], tuple[dict[int, int], frozenset[int]] | None] = {}
        self._busy: set[tuple[int, int]] = set()
        self._depth = 0

    # -- the question ---------------------------------------------------------------------
    def unpublished(self, ref: Ref, at: Node, func: Node, file: SourceFile) -> bool:
        """``ref`` (a lock, or an object holding one) lies in an object made by ``func`` that
        no other goroutine can reach when ``at`` (a node of ``func``'s body) runs."""
        b = self.binding(ref.root)
        if b is None or b.kind not in ("short", "var") or b.file is not file:
            return False
        owner = enclosing_function(b.ident)
        if owner is None or owner.id != func.id or not self.value_path(b, ref.path):
            return False
        cfg = self.pkg.cfg(func, file)
        target = cfg_statement(cfg, at)
        if target is None:
            return False
        return self._unpublished_at(b, cfg, target, None)

    def _unpublished_at(self, b: Binding, cfg: CFG, target: Node, allowed: Node | None) -> bool:
        """Every definition of ``b`` that reaches ``target`` is a fresh allocation, and no
        escaping use of it reaches ``target`` after one (``allowed``: a use not counted)."""
        key = (b.key, allowed.id if allowed is not None else -1)
        found = self._marks.get(key)
        if found is None:
            found = self._marks[key] = self._mark(b, cfg, allowed)
        if found is None or target.id in found[1]:
            return False  # no fresh object; or it escapes in the statement itself
        return not _dirty_at(cfg, target, found[0], self._guards(cfg, b.file))

    def _mark(
        self, b: Binding, cfg: CFG, allowed: Node | None
    ) -> tuple[dict[int, int], frozenset[int]] | None:
        """What each statement does to ``b`` (see `_dirty_at`), and the statements where it
        escapes; None when it never names a fresh object."""
        decl = cfg_statement(cfg, b.ident)
        if decl is None:
            return None
        defs: list[tuple[Node, bool]] = [(decl, self._fresh_value(b.value, b.index, b.file, b))]
        if not defs[0][1] and not _assigned_in(b):
            return None  # neither made fresh nor assigned again
        others: list[tuple[Node, Node]] = []  # (use, its statement)
        for use in self.r.uses(b):
            stmt = self._statement(cfg, use)
            if stmt is None:
                return None
            assigned = _assigned_value(use)
            if assigned is not None:
                value, index = assigned
                defs.append((stmt, self._fresh_value(value, index, b.file, None)))
            elif allowed is None or use.id != allowed.id:
                others.append((use, stmt))
        if not any(fresh for _, fresh in defs):
            return None  # (before the uses are judged: most variables are never fresh)
        escapes = [stmt for use, stmt in others if self._escapes(use, b.file, stmt)]
        marks: dict[int, int] = {}
        for e in escapes:
            marks[e.id] = marks.get(e.id, 0) | _ESCAPE
        for d, fresh in defs:
            marks[d.id] = marks.get(d.id, 0) | (_FRESH if fresh else _STALE)
        return marks, frozenset(e.id for e in escapes)

    # -- bindings and values ---------------------------------------------------------------
    def binding(self, root: str) -> Binding | None:
        """The local variable a `Ref` root names (`file:offset`), if any."""
        path, sep, offset = root.rpartition(":")
        file = self._files.get(path) if sep else None
        if file is None or not offset.isdigit():
            return None
        start = int(offset)
        ident = file.root.named_descendant_for_byte_range(start, start)
        if ident is None or ident.type != "identifier" or ident.start_byte != start:
            return None
        b = self.r.binding(ident, file)
        return b if b is not None and b.key == root else None

    def value_path(self, b: Binding, path: tuple[str, ...]) -> bool:
        """The fields ``path`` lead from the variable into its own memory: the variable is
        a pointer to, or a value of, a struct, and each field but the last is held by value
        (the last is the lock itself, which must be a value too)."""
        t: GoType | None = self.r.binding_type(b)
        if t is None:
            return False
        if t.kind == "pointer":
            t = t.elem
        for name in path:
            if t is None or t.kind not in _VALUE_KINDS:
                return False
            found = self.r.field(t, name)
            if found is None:
                return False
            t = found[1]
        return t is not None and t.kind in _VALUE_KINDS

    def _fresh_value(
        self, value: Node | None, index: int, file: SourceFile, b: Binding | None
    ) -> bool:
        """``value`` (the ``index``-th result of it) is a new object: `&T{}`, `T{}`, `new(T)`,
        a package constructor's fresh result; a `var x T` of a struct type is one too."""
        if value is None:
            if b is None or b.kind != "var" or b.type_node is None:
                return False
            t = self.r.type_from_node(b.type_node, b.file)
            return t is not None and t.kind in ("named", "struct") and self._struct(t)
        value = unparen(value)
        if value.type == "unary_expression":
            op = value.child_by_field_name("operator")
            operand = value.child_by_field_name("operand")
            return (
                op is not None
                and op.type == "&"
                and operand is not None
                and unparen(operand).type == "composite_literal"
                and index == 0
            )
        if value.type == "composite_literal":
            return index == 0
        if value.type != "call_expression":
            return False
        fn = value.child_by_field_name("function")
        if fn is not None and fn.type == "identifier" and self.r.is_builtin(fn, file, "new"):
            return index == 0
        found = callee(value, file, self.r)
        if found is None or found.literal is not None:
            return False
        return index in self.fresh_results(found.decl.node, found.decl.file)

    def _struct(self, t: GoType) -> bool:
        if t.kind == "struct":
            return True
        decl = self.r.index.types.get(t.name) if not t.pkg else None
        return decl is not None and decl.type_node.type == "struct_type"

    def fresh_results(self, func: Node, file: SourceFile) -> frozenset[int]:
        """The results of ``func`` that are always a new object no one else can reach."""
        found = self._results.get(func.id)
        if found is not None:
            return found
        key = (func.id, -2)
        if key in self._busy or self._depth > _MAX_DEPTH:
            return frozenset()
        self._busy.add(key)
        self._depth += 1
        try:
            found = self._compute_results(func, file)
        finally:
            self._depth -= 1
            self._busy.discard(key)
        self._results[func.id] = found
        return found

    def _compute_results(self, func: Node, file: SourceFile) -> frozenset[int]:
        body = func.child_by_field_name("body")
        if body is None:
            return frozenset()
        returns = [
            r
            for r in descendants(body, frozenset({"return_statement"}), into_funcs=False)
            if r.type == "return_statement"
        ]
        if not returns:
            return frozenset()
        cfg = self.pkg.cfg(func, file)
        fresh: set[int] | None = None
        for ret in returns:
            values = _return_values(ret)
            here = {i for i, v in enumerate(values) if self._fresh_return(v, ret, cfg, file)}
            fresh = here if fresh is None else fresh & here
            if not fresh:
                return frozenset()
        return frozenset(fresh or ())

    def _fresh_return(self, value: Node, ret: Node, cfg: CFG, file: SourceFile) -> bool:
        value = unparen(value)
        if value.type != "identifier":
            return self._fresh_value(value, 0, file, None)
        b = self.r.binding(value, file)
        if b is None or b.kind not in ("short", "var"):
            return False
        owner = enclosing_function(b.ident)
        if owner is None or owner.id != cfg.func.id or not self.value_path(b, ()):
            return False
        stmt = cfg_statement(cfg, ret)
        return stmt is not None and self._unpublished_at(b, cfg, stmt, value)

    # -- containers ------------------------------------------------------------------------
    def fresh_only(self, key: str) -> bool:
        """Whether everything ever put in the map or slice field class ``key`` (`Type.field`)
        is a new object no one else could reach: an element once taken out of it can never
        be found in it again. The field may be read, ranged over, indexed, deleted from and
        given new empty maps; any other use (handed on, aliased) makes it unknown."""
        found = self._containers.get(key)
        if found is None:
            found = self._containers[key] = self._fresh_only(key)
        return found

    def _fresh_only(self, key: str) -> bool:
        type_name, _, field = key.partition(".")
        if not field or exported(key):
            return False
        values = keyed_values(self.pkg, type_name, field)
        if values is None:
            return False
        for value, file in values:
            if not _empty(value, file, self.r):
                return False
        for sel, file in shared_uses(self.pkg, key):
            node, parent = _up(sel)
            if parent is None:
                return False
            kind = parent.type
            if kind == "index_expression" and _is(parent.child_by_field_name("operand"), node):
                inserted = _assigned_value(parent)
                if inserted is not None and not self._inserted_fresh(parent, inserted, file):
                    return False
                continue
            if kind == "range_clause" and _is(parent.child_by_field_name("right"), node):
                continue
            if (
                kind == "argument_list"
                and parent.named_children
                and _is(parent.named_children[0], node)
            ):
                fn = parent.parent.child_by_field_name("function") if parent.parent else None
                name = file.text(fn) if fn is not None else ""
                if fn is not None and name in _READERS and self.r.is_builtin(fn, file, name):
                    continue
                return False
            assigned = _assigned_value(node)
            if assigned is not None and assigned[0] is not None:
                if not _empty(assigned[0], file, self.r):
                    return False
                continue  # a new, empty container
            return False
        return True

    def _inserted_fresh(
        self, slot: Node, inserted: tuple[Node | None, int], file: SourceFile
    ) -> bool:
        """`c[k] = v`: v is a new object, published only by this store."""
        value, index = inserted
        if value is None or index != 0:
            return False
        value = unparen(value)
        if value.type != "identifier":
            return self._fresh_value(value, 0, file, None)
        b = self.r.binding(value, file)
        func = enclosing_function(slot)
        if b is None or func is None or b.kind not in ("short", "var"):
            return False
        owner = enclosing_function(b.ident)
        if owner is None or owner.id != func.id:
            return False
        cfg = self.pkg.cfg(func, file)
        stmt = cfg_statement(cfg, slot)
        return stmt is not None and self._unpublished_at(b, cfg, stmt, value)

    # -- escaping uses ---------------------------------------------------------------------
    def _statement(self, cfg: CFG, use: Node) -> Node | None:
        """The CFG statement where ``use`` happens: a use inside a func literal happens where
        the literal is (run in place or deferred: judged there; else it escapes there)."""
        node = use
        while True:
            stmt = cfg_statement(cfg, node)
            if stmt is not None:
                return stmt
            lit = enclosing_function(node)
            if lit is None or lit.type != "func_literal" or lit.id == cfg.func.id:
                return None
            node = lit

    def _escapes(self, use: Node, file: SourceFile, stmt: Node) -> bool:
        lit = enclosing_function(use)
        while lit is not None and stmt.start_byte <= lit.start_byte < stmt.end_byte:
            if not _runs_here(lit):
                return True  # a closure that may run later, elsewhere
            lit = enclosing_function(lit)
        return self._use_escapes(use, file)

    def _use_escapes(self, node: Node, file: SourceFile) -> bool:
        """Whether this mention of a variable (or of a field path of it) hands it on."""
        node, parent = _up(node)
        if parent is None:
            return True
        kind = parent.type
        if kind == "selector_expression" and _is(parent.child_by_field_name("operand"), node):
            return self._selector_escapes(parent, file)
        if kind == "binary_expression":
            op = parent.child_by_field_name("operator")
            return op is None or op.type not in ("==", "!=")
        if kind == "unary_expression":
            op = parent.child_by_field_name("operator")
            return op is None or op.type != "*"  # `*x` copies the value; `&x` hands it on
        if kind == "argument_list":
            call = parent.parent
            return call is None or self._argument_escapes(call, node, file)
        return True

    def _selector_escapes(self, sel: Node, file: SourceFile) -> bool:
        """`x.f...`: a method call, a method value, or a field of x (read, written, called)."""
        parent = sel.parent
        if (
            parent is not None
            and parent.type == "call_expression"
            and _is(parent.child_by_field_name("function"), sel)
        ):
            return self._method_call_escapes(parent, sel, file)
        operand = sel.child_by_field_name("operand")
        field = sel.child_by_field_name("field")
        owner = self.r.type_of(operand, file) if operand is not None else None
        if owner is None or field is None:
            return True
        found = self.r.field(owner, file.text(field))
        if found is None:
            return True  # a method value (it binds x), or unknown
        ft = found[1]
        sel, parent = _up(sel)
        if parent is None:
            return True
        kind = parent.type
        if kind == "selector_expression" and _is(parent.child_by_field_name("operand"), sel):
            if ft is not None and ft.kind not in _VALUE_KINDS:
                return False  # through a pointer, map, interface...: another object
            return self._selector_escapes(parent, file)  # a field held by value: x.f.g
        if kind == "unary_expression":
            op = parent.child_by_field_name("operator")
            if op is not None and op.type == "&":
                return not self._wrapped_back(parent, sel, file)
        if kind == "index_expression" and ft is not None and ft.kind == "array":
            _, arr_parent = _up(parent)
            if arr_parent is not None and arr_parent.type == "unary_expression":
                return True  # &x.a[i]
        return False  # the field's value is read or written; x stays where it is

    def _method_call_escapes(self, call: Node, sel: Node, file: SourceFile) -> bool:
        if _in_go(call):
            return True  # runs in another goroutine, which can keep it
        target = self.r.method_target(sel, file)
        if target is not None:
            return False  # Lock, Unlock, Wait, Add...: the sync value's own methods
        operand = sel.child_by_field_name("operand")
        t = self.r.type_of(operand, file) if operand is not None else None
        if t is not None and t.kind == "named" and t.pkg:
            return False  # a method of another package's value type (atomic, Buffer...)
        found = callee(call, file, self.r)
        if found is None or found.literal is not None:
            return True
        return self.param_escapes(found.decl.node, found.decl.file, -1)

    def _argument_escapes(self, call: Node, arg: Node, file: SourceFile) -> bool:
        fn = call.child_by_field_name("function")
        if fn is None or _in_go(call):
            return True
        fn = unparen(fn)
        if fn.type == "identifier":
            name = file.text(fn)
            if name in _PURE_BUILTINS and self.r.is_builtin(fn, file, name):
                return False
        found = callee(call, file, self.r)
        if found is None or found.literal is not None:
            return True
        args = call_args(call)
        index = next((i for i, a in enumerate(args) if a.id == arg.id), -1)
        if index < 0:
            return True
        return self.param_escapes(found.decl.node, found.decl.file, index)

    def _wrapped_back(self, addr: Node, sel: Node, file: SourceFile) -> bool:
        """`x.c = sync.NewCond(&x.mu)`: the Cond keeps the address, and x keeps the Cond."""
        args, call = addr.parent, addr.parent.parent if addr.parent is not None else None
        if args is None or call is None or args.type != "argument_list":
            return False
        if self.r.pkg_func(call, file) != ("sync", "NewCond"):
            return False
        stmt = call.parent.parent if call.parent is not None else None
        if stmt is None or stmt.type != "assignment_statement":
            return False
        left = stmt.child_by_field_name("left")
        target = left.named_children[0] if left is not None and left.named_children else None
        mine = self.r.ref_of(sel, file)
        theirs = self.r.ref_of(target, file) if target is not None else None
        return mine is not None and theirs is not None and theirs.root == mine.root

    # -- summaries ---------------------------------------------------------------------------
    def param_escapes(self, func: Node, file: SourceFile, index: int) -> bool:
        """Whether ``func`` may hand on its ``index``-th parameter (-1: its receiver)."""
        key = (func.id, index)
        found = self._param.get(key)
        if found is not None:
            return found
        if key in self._busy or self._depth > _MAX_DEPTH:
            return True  # recursion, or too deep: assume it does
        self._busy.add(key)
        self._depth += 1
        try:
            found = self._compute_param(func, file, index)
        finally:
            self._depth -= 1
            self._busy.discard(key)
        self._param[key] = found
        return found

    def _compute_param(self, func: Node, file: SourceFile, index: int) -> bool:
        found, ident = _param_ident(func, index)
        if not found:
            return True  # variadic, or not there: unknown
        if ident is None or file.text(ident) == "_":
            return False  # unnamed: the function cannot use it
        b = self.r.binding(ident, file)
        if b is None:
            return True
        for use in self.r.uses(b):
            if _assigned_value(use) is not None:
                continue  # the parameter now names another object
            lit = enclosing_function(use)
            if lit is not None and lit.id != func.id and not self._literal_runs_here(lit, func):
                return True
            if self._use_escapes(use, file):
                return True
        return False

    def _literal_runs_here(self, lit: Node, func: Node) -> bool:
        while lit is not None and lit.id != func.id:
            if lit.type != "func_literal" or not _runs_here(lit):
                return False
            found = enclosing_function(lit)
            if found is None:
                return False
            lit = found
        return True

    # -- path sensitivity ----------------------------------------------------------------------
    def _guards(self, cfg: CFG, file: SourceFile) -> Guards:
        """Blocks that end by testing a boolean local never assigned after its declaration."""
        found = self._guard_tables.get(cfg.func.id)
        if found is None:
            found = self._guard_tables[cfg.func.id] = self._find_guards(cfg, file)
        return found

    def _find_guards(self, cfg: CFG, file: SourceFile) -> Guards:
        out = Guards()
        for block in cfg.reachable():
            if len(block.succs) != 2 or not block.nodes:
                continue
            cond = block.nodes[-1]
            parent = cond.parent
            if parent is None or parent.type != "if_statement":
                continue
            if not _is(parent.child_by_field_name("condition"), cond):
                continue
            expr, negated = unparen(cond), False
            while expr.type == "unary_expression":
                op = expr.child_by_field_name("operator")
                inner = expr.child_by_field_name("operand")
                if op is None or op.type != "!" or inner is None:
                    break
                expr, negated = unparen(inner), not negated
            if expr.type != "identifier":
                continue
            b = self.r.binding(expr, file)
            if b is None or b.kind not in ("short", "var", "param"):
                continue
            if any(_assigned_value(u) is not None or _address_taken(u) for u in self.r.uses(b)):
                continue
            first_is_then = block.succs[0].kind == "if.then"
            out.tests[block.index] = (b.key, first_is_then != negated)
            declared = cfg_statement(cfg, b.ident) if b.kind != "param" else None
            if declared is not None:
                out.resets[declared.id] = b.key  # a new value on each run of the declaration
        return out


@attrs.define
class Guards:
    """Branches on boolean locals never assigned again: block index -> (the local's binding
    key, whether the block's first successor is taken when it is true); and the statements
    that declare such a local (in a loop, each iteration has its own)."""

    tests: dict[int, tuple[str, bool]] = attrs.Factory(dict)
    resets: dict[int, str] = attrs.Factory(dict)


# What a statement does to the variable: hands it on, or makes it name a new object or an old one.
_ESCAPE, _FRESH, _STALE = 1, 2, 4


def _dirty_at(cfg: CFG, target: Node, marks: dict[int, int], guards: Guards) -> bool:
    """Some path from the entry runs ``target`` while the variable may be reachable by others:
    after an escape or an old object since the last fresh allocation (in a statement, the
    uses come before the assignment). A boolean local tested twice on the way gives the same
    answer both times."""
    work: list[tuple[Block, bool, frozenset[tuple[str, bool]]]] = [(cfg.entry, True, frozenset())]
    seen: set[tuple[int, bool, frozenset[tuple[str, bool]]]] = set()
    while work:
        current, dirty, known = work.pop()
        for n in current.nodes:
            if n.id == target.id and dirty:
                return True
            reset = guards.resets.get(n.id)
            if reset is not None:
                known = frozenset(k for k in known if k[0] != reset)
            mark = marks.get(n.id, 0)
            if mark & _ESCAPE:
                dirty = True
            if mark & _FRESH:
                dirty = False
            elif mark & _STALE:
                dirty = True
        for succ, value in _successors(current, guards):
            facts = known
            if value is not None:
                if (value[0], not value[1]) in known:
                    continue  # the other answer was given before
                facts = known | {value}
            state = (succ.index, dirty, facts)
            if state not in seen:
                seen.add(state)
                work.append((succ, dirty, facts))
    return False


def _successors(block: Block, guards: Guards) -> Iterator[tuple[Block, tuple[str, bool] | None]]:
    guard = guards.tests.get(block.index)
    for i, succ in enumerate(block.succs):
        if guard is None:
            yield succ, None
        else:
            key, first_when_true = guard
            yield succ, (key, first_when_true if i == 0 else not first_when_true)


def _up(node: Node) -> tuple[Node, Node | None]:
    """``node`` and its parent, parentheses skipped."""
    parent = node.parent
    while parent is not None and parent.type == "parenthesized_expression":
        node, parent = parent, parent.parent
    return node, parent


def _is(a: Node | None, b: Node) -> bool:
    return a is not None and a.id == b.id


def _assigned_value(use: Node) -> tuple[Node | None, int] | None:
    """For a variable written by `x = e`, `x, y = f()` or `x, err := f()` (re-assigning x):
    (the value, which of its results); None for any other mention."""
    parent = use.parent
    if parent is None or parent.type != "expression_list":
        return None
    stmt = parent.parent
    if stmt is None or stmt.type not in _ASSIGNMENTS:
        return None
    left = stmt.child_by_field_name("left")
    if left is None or left.id != parent.id:
        return None
    op = next((c for c in stmt.children if not c.is_named), None)
    if op is not None and op.type not in ("=", ":="):
        return (None, 0)  # `x += 1`: not a new object
    targets, values = assignment_sides(stmt)
    i = next((k for k, t in enumerate(targets) if t.id == use.id), 0)
    if len(values) == len(targets):
        return (values[i], 0)
    if len(values) == 1:
        return (values[0], i)
    return (None, 0)


def _assigned_in(b: Binding) -> bool:
    """Whether the variable may be assigned in its scope, from the bytes (`x = `, `x, y = `,
    `x, err := `): a cheap test before its uses are resolved."""
    name = re.escape(b.name.encode())
    pattern = rb"(?<![\w.])" + name + rb"\s*(?:,[^=\n]*)?:?=(?!=)"
    return re.search(pattern, b.file.data[b.scope_start : b.scope_end]) is not None


def _address_taken(use: Node) -> bool:
    _, parent = _up(use)
    if parent is None or parent.type != "unary_expression":
        return False
    op = parent.child_by_field_name("operator")
    return op is not None and op.type == "&"


def _runs_here(lit: Node) -> bool:
    """A func literal called in place (`func(){...}()`) or deferred: it runs in this
    goroutine, before the function returns."""
    node, parent = _up(lit)
    if (
        parent is None
        or parent.type != "call_expression"
        or not _is(parent.child_by_field_name("function"), node)
    ):
        return False
    outer = parent.parent
    return outer is None or outer.type != "go_statement"


def _empty(value: Node, file: SourceFile, r: Resolver) -> bool:
    """`make(...)`, `nil` or an empty composite literal: a container with nothing in it."""
    value = unparen(value)
    if value.type == "nil":
        return True
    if value.type == "composite_literal":
        body = value.child_by_field_name("body")
        return body is None or not any(not c.is_extra for c in body.named_children)
    if value.type == "call_expression":
        fn = value.child_by_field_name("function")
        return fn is not None and fn.type == "identifier" and r.is_builtin(fn, file, "make")
    return False


def _in_go(call: Node) -> bool:
    parent = call.parent
    return parent is not None and parent.type == "go_statement"


def _return_values(ret: Node) -> list[Node]:
    values = next((c for c in ret.named_children if c.type == "expression_list"), None)
    if values is None:
        return [c for c in ret.named_children if not c.is_extra]
    return [c for c in values.named_children if not c.is_extra]


def _param_ident(func: Node, index: int) -> tuple[bool, Node | None]:
    """(found, its name) for the ``index``-th parameter (-1: the receiver); a variadic one is
    not found (its values arrive in a slice), an unnamed one has no name."""
    plist = func.child_by_field_name("receiver" if index < 0 else "parameters")
    if plist is None:
        return False, None
    i = 0
    for param in plist.named_children:
        if param.type == "variadic_parameter_declaration":
            return False, None
        if param.type != "parameter_declaration":
            continue
        idents: list[Node | None] = [
            c for c in param.children_by_field_name("name") if c.is_named
        ] or [None]
        for ident in idents:
            if i == max(index, 0):
                return True, ident
            i += 1
    return False, None
