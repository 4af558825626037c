"""Where a channel comes from, and what the package does with it.

`Channels` (one per package, ``pkg.fact(Channels)``) answers ``origin(expr, file)`` for an
expression that denotes a channel made in this package:

* a local (variable or `:=`) that is only ever assigned a `make(chan ...)` (or nil);
* a package variable or a struct field class (`Type.field`) that is only ever assigned a
  make, in assignments and in composite literals;
* the result of a package function or method that returns one of those on every path
  (or nil): a getter such as `func (s *Stopper) ShouldQuiesce() <-chan struct{}`.

The answer holds the make and the channel's fate (``ChanFate``): the closes, sends, receives
and uses that hand it to code goconc cannot see, found over every mention (for a shared
variable, every mention in the package, followed through local aliases, package functions it
is passed to, and the callers of the functions that return it). A function that returns the
channel as receive-only (`<-chan T`) hands out nothing its callers could close or send on:
only receives (its callers' receives when it is unexported and only called, a receive by
anyone when it is exported); an unexported one that returns it as `chan T` is followed to
its call sites; an exported one lets other packages have it, which counts as an escape.
``capacity`` folds the buffer size every make gives it (constants, and parameters that every
call binds to a constant).

Anything not made in the package (a parameter, a channel from another package, a call of
unknown code) has no origin: rules stay silent about it.
"""

from __future__ import annotations

import attrs
from tree_sitter import Node

from goconc.analyzer.calls import bind_arguments, call_sites, callee
from goconc.analyzer.facts import Fact, Package
from goconc.analyzer.matchers import FUNC_KINDS, descendants
from goconc.analyzer.source import SourceFile
from goconc.analyzer.summaries import ChanFate, chan_use_kinds, local_chan_fate
from goconc.analyzer.symbols import FuncDecl
from goconc.analyzer.types import Binding, unparen
from goconc.analyzer.uses import Use, assigned_value, keyed_values, shared_key, shared_uses

_MAX_DEPTH = 6
_MAX_RETURN_DEPTH = 3
_RETURNS = frozenset({"return_statement"})


@attrs.frozen(eq=False)
class ChanOrigin:
    make: Node  # the `make(chan ...)` (the first one, when there are several)
    file: SourceFile
    fate: ChanFate
    key: str = ""  # "" for a local; "pkg:name" or "Type.field" for a shared variable
    getters: tuple[FuncDecl, ...] = ()  # functions the expression reached it through
    makes: tuple[tuple[Node, SourceFile], ...] = ()  # every make that can give it its value

    @property
    def shared(self) -> bool:
        return bool(self.key)


class Channels(Fact):
    """Origins and fates of the package's channels, computed on demand and cached."""

    def __init__(self, pkg: Package) -> None:
        super().__init__(pkg)
        self._shared: dict[str, ChanOrigin | None] = {}
        self._busy: set[str] = set()

    def origin(self, expr: Node, file: SourceFile, depth: int = 0) -> ChanOrigin | None:
        """Where the channel ``expr`` denotes is made, and its fate; None if unknown."""
        if depth > _MAX_DEPTH:
            return None
        expr = unparen(expr)
        r = self.pkg.resolver
        if expr.type == "identifier":
            b = r.binding(expr, file)
            if b is not None:
                return self._local(b, depth)
        if expr.type in ("identifier", "selector_expression"):
            key = shared_key(expr, file, self.pkg)
            return self.shared(key) if key is not None else None
        if expr.type == "call_expression":
            return self._returned(expr, file, depth)
        return None

    def shared(self, key: str) -> ChanOrigin | None:
        """The origin of a package variable ("pkg:name") or field class ("Type.field")."""
        if key in self._shared:
            return self._shared[key]
        if key in self._busy:
            return None
        self._busy.add(key)
        try:
            found = self._compute_shared(key)
        finally:
            self._busy.discard(key)
        self._shared[key] = found
        return found

    # -- locals ----------------------------------------------------------------------------
    def _local(self, b: Binding, depth: int) -> ChanOrigin | None:
        if b.kind not in ("short", "var") or b.index != 0:
            return None  # parameter, range or receive variable, multi-value call result
        file = b.file
        makes: list[Node] = []
        if b.value is not None:
            value = unparen(b.value)
            if self.is_make(value, file):
                makes.append(value)
            elif value.type in ("identifier", "selector_expression") and b.type_node is None:
                return self.origin(value, file, depth + 1)  # `c := ch`: an alias
            else:
                return None
        # Every other assignment to it must be a make too (or nil).
        for use in self.pkg.resolver.uses(b):
            assigned = assigned_value(use)
            if assigned is False:
                continue
            if not isinstance(assigned, Node):
                return None
            if self.is_make(assigned, file):
                makes.append(assigned)
            elif assigned.type != "nil":
                return None
        if not makes:
            return None
        return ChanOrigin(
            makes[0], file, local_chan_fate(self.pkg, b), makes=tuple((m, file) for m in makes)
        )

    # -- package variables and fields ------------------------------------------------------
    def _compute_shared(self, key: str) -> ChanOrigin | None:
        pkg = self.pkg
        makes: list[Use] = []
        plain: list[Use] = []
        for use, file in shared_uses(pkg, key):
            assigned = assigned_value(use)
            if assigned is False:
                plain.append((use, file))
                continue
            if not isinstance(assigned, Node):
                return None
            if self.is_make(assigned, file):
                makes.append((assigned, file))
            elif assigned.type != "nil":
                return None  # assigned from elsewhere: the owner may close it
        if key.startswith("pkg:"):
            var = pkg.index.vars.get(key[4:])
            if var is None:
                return None
            if var.value is not None:
                value = unparen(var.value)
                if not self.is_make(value, var.file):
                    return None
                makes.insert(0, (value, var.file))
        else:
            type_name, field = key.split(".", 1)
            values = keyed_values(pkg, type_name, field)
            if values is None:
                return None
            for value, file in values:
                if self.is_make(value, file):
                    makes.append((value, file))
                elif value.type != "nil":
                    return None
        if not makes:
            return None
        return ChanOrigin(makes[0][0], makes[0][1], self._fate(plain, 0), key, makes=tuple(makes))

    def _fate(self, uses: list[Use], depth: int) -> ChanFate:
        """The fate of a shared channel from its mentions; a mention returned by a function
        is followed to that function's callers."""
        found: dict[str, list[Use]] = {"close": [], "escape": [], "send": [], "receive": []}
        for use, file in uses:
            kinds, alias = chan_use_kinds(self.pkg, use, file)
            if kinds == ("escape",) and depth < _MAX_RETURN_DEPTH:
                returned = self._callers_of_return(use, file)
                if returned is not None:
                    callers, receive_only = returned
                    inner = self._fate(callers, depth + 1) if callers is not None else ChanFate()
                    if receive_only:
                        # Its callers can only receive (or hand it on to code that receives).
                        found["receive"].extend(inner.receives + inner.escapes)
                        if callers is None:
                            found["receive"].append((use, file))
                        continue
                    found["close"].extend(inner.closes)
                    found["escape"].extend(inner.escapes)
                    found["send"].extend(inner.sends)
                    found["receive"].extend(inner.receives)
                    continue
            for kind in kinds:
                if kind in found:
                    found[kind].append((use, file))
            if "alias" in kinds and alias is not None:
                inner = local_chan_fate(self.pkg, alias)
                found["close"].extend(inner.closes)
                found["escape"].extend(inner.escapes)
                found["send"].extend(inner.sends)
                found["receive"].extend(inner.receives)
        return ChanFate(
            tuple(found["close"]),
            tuple(found["escape"]),
            tuple(found["send"]),
            tuple(found["receive"]),
        )

    def _callers_of_return(
        self, use: Node, file: SourceFile
    ) -> tuple[list[Use] | None, bool] | None:
        """For a channel returned as the only result of a package function: the mentions its
        callers make of it (None when code outside the package can call the function), and
        whether the result is receive-only (its callers cannot close it or send on it). None
        when it is not such a return; a bidirectional result that other packages can have is
        an escape."""
        node = use
        while node.parent is not None and node.parent.type == "parenthesized_expression":
            node = node.parent
        values = node.parent
        if values is None or values.type != "expression_list" or values.named_child_count != 1:
            return None
        ret = values.parent
        if ret is None or ret.type != "return_statement":
            return None
        func = ret.parent
        while func is not None and func.type not in FUNC_KINDS:
            func = func.parent
        if func is None or func.type == "func_literal":
            return None
        result = func.child_by_field_name("result")
        receive_only = result is not None and file.text(result).startswith("<-")
        name_node = func.child_by_field_name("name")
        name = file.text(name_node) if name_node is not None else ""
        decl = self._decl_of(func, name) if name and not name[:1].isupper() else None
        callers = call_sites(decl, self.pkg.files, self.pkg.resolver) if decl else None
        if callers is None and not receive_only:
            return None  # other packages can call it, or it is used as a value
        return callers, receive_only

    def _decl_of(self, func: Node, name: str) -> FuncDecl | None:
        index = self.pkg.index
        if func.type == "function_declaration":
            decl = index.funcs.get(name)
            return decl if decl is not None and decl.node.id == func.id else None
        for decl in index.all_functions():
            if decl.node.id == func.id:
                return decl
        return None

    # -- getters ---------------------------------------------------------------------------
    def _returned(self, call: Node, file: SourceFile, depth: int) -> ChanOrigin | None:
        """The origin of the channel a package function returns on every path (or nil)."""
        target = callee(call, file, self.pkg.resolver)
        if target is None or target.literal is not None:
            return None
        decl = target.decl
        body = decl.node.child_by_field_name("body")
        if body is None:
            return None
        found: ChanOrigin | None = None
        for ret in descendants(body, _RETURNS, into_funcs=False):
            values = next((c for c in ret.named_children if c.type == "expression_list"), None)
            items = [c for c in values.named_children if not c.is_extra] if values else []
            if len(items) != 1:
                return None
            value = unparen(items[0])
            if value.type == "nil":
                continue
            origin = self.origin(value, decl.file, depth + 1)
            if origin is None or not origin.shared:
                return None  # a fresh local per call: not followed
            if found is not None and origin.key != found.key:
                return None
            found = origin
        if found is None:
            return None
        return attrs.evolve(found, getters=(decl, *found.getters))

    def capacity(self, origin: ChanOrigin) -> int | None:
        """The buffer every make of the channel gives it (0: unbuffered); None when the makes
        disagree or one's capacity is not a constant."""
        found: set[int] = set()
        for make, file in origin.makes or ((origin.make, origin.file),):
            node = make.child_by_field_name("arguments")
            args = [c for c in node.named_children if not c.is_extra] if node else []
            if len(args) < 2:
                found.add(0)
                continue
            values = self._integers(unparen(args[1]), file)
            if values is None:
                return None
            found |= values
        return found.pop() if len(found) == 1 else None

    def _integers(self, expr: Node, file: SourceFile) -> set[int] | None:
        """The values of an integer constant, or of a parameter of the enclosing function
        that every call of it in the package binds to a constant; None when unknown."""
        value = self.pkg.consts.integer(expr, file)
        if value is not None:
            return {value}
        r = self.pkg.resolver
        b = r.binding(expr, file) if expr.type == "identifier" else None
        if b is None or b.kind != "param" or not self.pkg.consts.stable(b):
            return None
        func = b.ident.parent
        while func is not None and func.type not in FUNC_KINDS:
            func = func.parent
        name_node = func.child_by_field_name("name") if func is not None else None
        if func is None or name_node is None:
            return None
        decl = self._decl_of(func, file.text(name_node))
        if decl is None or decl.name[:1].isupper():
            return None  # other packages can call it with anything
        sites = call_sites(decl, self.pkg.files, r)
        if not sites:
            return None
        found: set[int] = set()
        for call, call_file in sites:
            arg = bind_arguments(call, decl.node, decl.file).get(b.name)
            value = self.pkg.consts.integer(unparen(arg), call_file) if arg is not None else None
            if value is None:
                return None
            found.add(value)
        return found

    def is_make(self, node: Node, file: SourceFile) -> bool:
        """``node`` is `make(chan T)` or `make(chan T, n)` (of a literal channel type)."""
        if node.type != "call_expression":
            return False
        fn = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if fn is None or args is None or not self.pkg.resolver.is_builtin(fn, file, "make"):
            return False
        first = next((c for c in args.named_children if not c.is_extra), None)
        return first is not None and first.type == "channel_type"


def blocking_receive(receive: Node) -> bool:
    """The receive `<-ch` waits on its own: not one case among others of a select (nor a
    case of a select with `default`)."""
    node = receive
    while node.parent is not None and node.parent.type == "parenthesized_expression":
        node = node.parent
    parent = node.parent
    if parent is not None and parent.type == "receive_statement":
        if parent.child_by_field_name("right") != node:
            return True
        parent = parent.parent
    elif parent is not None and parent.type == "expression_statement":
        parent = parent.parent
    if parent is None or parent.type != "communication_case":
        return True
    select = parent.parent
    if select is None:
        return False
    cases = [c for c in select.named_children if c.type in ("communication_case", "default_case")]
    return len(cases) == 1 and cases[0].type == "communication_case"
