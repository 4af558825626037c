"""Channels and WaitGroups across a package: what can end a wait on them.

`Counterparts` (a package fact: `pkg.fact(Counterparts)`) gives, for the identity of a
channel or a WaitGroup, every place in the package that uses it, found from all its mentions
(`chans.py` answers a narrower question for CH001/CH005: where a channel is made and whether
it is closed or escapes):

* a channel (`channel(ref)`, `channel_of(expr, file)`, `by_key(key, "chan")`): its `make`s
  with their capacities (a constant, read from a literal or a package constant; unknown when
  it is not a constant: a parameter, `len(x)`) and where each becomes reachable from
  elsewhere, and its operations: sends, receives, ranges and closes, each with the function
  that performs it, whether a select with a default polls it, whether a receive drops the
  value;
* a WaitGroup (`waitgroup(ref)`): its `Add`s and the `Done`s (for `wg.Go(f)`, the literal f).

Identity (`key_of`): a field of a struct type of the package (`"Server.events"`, every
instance alike), a package variable (`"pkg:name"`), a local (its binding's key, with the
closures that share it), or the elements of a map or slice kept in a field or package
variable (`"Server.subs[]"`). A local that copies another channel, holds an element of such
a map, or is a parameter of an unexported function that every call gives the same channel,
is that channel.

Mentions are followed into the locals they are copied to, the package functions they are
passed to, the calls of the getters that return them (through an interface too, when one type
of the package has the method), and the receivers of the channels they are sent on (a reply
channel). `hidden` says what code out of sight may do with the channel: send or close
("send") and receive ("recv"); empty when every mention is understood. A channel returned as
`<-chan T` by an exported function hides only receivers; one stored in another struct, sent
where nobody here receives it, or passed to another package, hides both.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs
from tree_sitter import Node

from goconc.analyzer.calls import callee
from goconc.analyzer.facts import Fact, Package
from goconc.analyzer.matchers import FUNC_KINDS, call_args
from goconc.analyzer.source import SourceFile
from goconc.analyzer.symbols import FuncDecl, receiver_of
from goconc.analyzer.types import Binding, GoType, Ref, enclosing_function, unparen
from goconc.analyzer.uses import FieldSelectors

#: Mentions followed through parameters of package functions and local copies.
_MAX_DEPTH = 4
_WG_OPS = frozenset({"Done", "Add", "Wait", "Go"})
_CONTAINER_BUILTINS = frozenset({"len", "cap", "delete", "clear", "append"})


@attrs.frozen(eq=False)
class Make:
    """A `make(chan T[, n])` of the channel."""

    node: Node
    file: SourceFile
    capacity: int | None  # 0: unbuffered; None: unknown (a constant's value is read if it can)
    constant: bool = True  # the capacity is a constant expression (not a parameter, `len(x)`)
    # Where code elsewhere can first reach it: the end of the statement that stores the
    # local it was made in (`s.subs[id] = ch`), or of the make itself.
    published: int = 0


@attrs.frozen(eq=False)
class ChanOp:
    """One operation on a channel (or a WaitGroup's Done) somewhere in the package."""

    kind: str  # send | recv | range | close; a WaitGroup's: add | done
    node: Node  # send_statement, unary_expression, range_clause, call_expression
    file: SourceFile
    func: Node  # the function (declaration or literal) whose body performs it
    polled: bool = False  # a case of a select with a default: it never waits
    discards: bool = False  # recv: the value received is dropped


@attrs.frozen(eq=False)
class Channel:
    """What the package does with one channel (or WaitGroup) identity."""

    key: str
    makes: tuple[Make, ...]
    ops: tuple[ChanOp, ...]
    # What code out of sight may do with it: "send" (send or close) and "recv"; empty when
    # every mention is understood. A channel returned as `<-chan T` is only received from.
    hidden: frozenset[str]

    @property
    def complete(self) -> bool:
        return not self.hidden

    def sees(self, kind: str) -> bool:
        """Whether every operation of ``kind`` ("send": sends and closes, "recv") is listed."""
        return kind not in self.hidden

    def capacity(self) -> int | None:
        """The smallest capacity of its makes, None when one is unknown or there is none."""
        caps = [m.capacity for m in self.makes]
        if not caps or any(c is None for c in caps):
            return None
        return min(c for c in caps if c is not None)

    def buffered(self) -> bool:
        """Every make has a constant capacity above zero (its value perhaps unknown)."""
        return bool(self.makes) and all(m.constant and m.capacity != 0 for m in self.makes)

    def of_kind(self, *kinds: str) -> list[ChanOp]:
        return [op for op in self.ops if op.kind in kinds]

    def fills(self) -> list[ChanOp]:
        """Sends made by a function that makes the channel, after the make: before anything
        else can hold the new channel (its buffer filled at birth)."""
        out: list[ChanOp] = []
        for m in self.makes:
            func = enclosing_function(m.node)
            out.extend(
                op
                for op in self.ops
                if op.kind == "send"
                and func is not None
                and op.func.id == func.id
                and op.node.start_byte > m.node.end_byte
            )
        return out


@attrs.define
class _Found:
    key: str  # the identity being collected: a mention that stores into it is no escape
    makes: list[Make] = attrs.field(factory=list)
    ops: list[ChanOp] = attrs.field(factory=list)
    hidden: set[str] = attrs.field(factory=set)
    seen: set[str] = attrs.field(factory=set)  # bindings whose mentions are read
    aliases: set[int] = attrs.field(factory=set)  # expressions that yield it (getter calls)

    def hide(self, *kinds: str) -> None:
        """Code out of sight may do these with it (default: anything)."""
        self.hidden.update(kinds or ("send", "recv"))


class Counterparts(Fact):
    def __init__(self, pkg: Package) -> None:
        super().__init__(pkg)
        self._cache: dict[tuple[str, str], Channel | None] = {}
        self._by_element: dict[bool, dict[GoType, bool]] = {}
        self._owners: dict[str, set[str]] = {}
        self._consts: dict[str, object] = {}
        self._calls: dict[int, object] = {}
        self._impls: dict[str, set[str]] = {}

    # -- identities ----------------------------------------------------------------------------
    def channel(self, ref: Ref | None) -> Channel | None:
        """The channel that ``ref`` denotes, if it has an identity in the package."""
        return self._lookup(ref, "chan")

    def waitgroup(self, ref: Ref | None) -> Channel | None:
        """The WaitGroup that ``ref`` denotes: its `ops` are its Add calls (kind "add") and
        Done calls ("done"; for `wg.Go(f)`, the literal f, done when it returns)."""
        return self._lookup(ref, "wg")

    def channel_of(self, expr: Node | None, file: SourceFile) -> Channel | None:
        """The channel an expression denotes: a variable or field, or an element of a map
        or slice kept in a field or package variable (`s.subs[id]`)."""
        key = self.expr_key(expr, file) if expr is not None else None
        return self.by_key(key, "chan") if key is not None else None

    def expr_key(self, expr: Node, file: SourceFile) -> str | None:
        expr = unparen(expr)
        if expr.type == "index_expression":
            base = self.key_of(self.pkg.resolver.ref_of(expr.child_by_field_name("operand"), file))
            return f"{base}[]" if base is not None and not _is_local(base) else None  # one level
        return self.key_of(self.pkg.resolver.ref_of(expr, file))

    def key_of(self, ref: Ref | None) -> str | None:
        """The identity of ``ref``: "Type.field", "pkg:name" or a local binding's key."""
        if ref is None:
            return None
        if ref.root.startswith("pkg:"):
            return ref.root if not ref.path else None
        if ref.root.startswith("ext:"):
            return None
        if ref.path:
            if ref.cls.count(".") != 1:
                return None
            type_name, field = ref.cls.split(".")
            decl = self.pkg.index.types.get(type_name)
            return ref.cls if decl is not None and field == ref.path[-1] else None
        return ref.root

    def buffered_by_element(self, elem: GoType, tests: bool) -> bool:
        """Whether every `make(chan elem, n)` in the package has a constant capacity n > 0:
        what is known of a channel kept in a map or a slice. Production code is judged by
        production makes only (tests make unbuffered channels to probe it)."""
        table = self._by_element.get(tests)
        if table is None:
            table = self._by_element[tests] = self._element_table(tests)
        return table.get(elem, False)

    def _element_table(self, tests: bool) -> dict[GoType, bool]:
        table: dict[GoType, bool] = {}
        r = self.pkg.resolver
        for file in self.pkg.files:
            if b"make(" not in file.data or (not tests and file.path.endswith("_test.go")):
                continue
            for call in file.tokens.anchored(b"make", "call_expression")[1]:
                made = self._make(call, file)
                if made is None:
                    continue
                args = call_args(call)
                elem = r.type_from_node(args[0].child_by_field_name("value"), file)
                if elem is not None:
                    buffered = made.constant and made.capacity != 0
                    table[elem] = table.get(elem, True) and buffered
        return table

    def _lookup(self, ref: Ref | None, mode: str) -> Channel | None:
        key = self.key_of(ref)
        return self.by_key(key, mode) if key is not None else None

    def by_key(self, key: str, mode: str, depth: int = 0) -> Channel | None:
        """The channel ("chan") or WaitGroup ("wg") of identity ``key`` (see `key_of`)."""
        if depth > _MAX_DEPTH:
            return None
        if _is_local(key):
            b = self._binding_of_key(key)
            if b is None:
                return None
            alias = self._alias_key(b) if b.kind != "param" else self._argument_key(b)
            if alias is not None:
                return self.by_key(alias, mode, depth + 1)
            if b.kind not in ("short", "var"):
                return None  # a parameter, a range or receive variable: made elsewhere
        found = self._cache.get((mode, key), _UNSET)
        if found is _UNSET:
            self._cache[(mode, key)] = None  # a cycle through aliases finds nothing
            found = self._cache[(mode, key)] = self._compute(key, mode)
        return found  # type: ignore[return-value]

    def _argument_key(self, b: Binding) -> str | None:
        """For a parameter of an unexported package function, the channel every call passes
        to it (an exported one may be given any channel by other packages)."""
        func = enclosing_function(b.ident)
        decl = self.decl_of(func, b.file) if func is not None else None
        calls = self.calls_of(decl) if decl is not None and not self._exported(decl) else None
        if decl is None or not calls:
            return None
        position = _param_position(decl.node, b.ident)
        keys = set()
        for call, file in calls:
            args = call_args(call)
            if position < 0 or position >= len(args):
                return None
            keys.add(self.expr_key(args[position], file))
        return keys.pop() if len(keys) == 1 else None

    def _alias_key(self, b: Binding) -> str | None:
        """The channel a local stands for when it is declared as a copy of another (`ch :=
        s.ch`), an element of a kept map or slice (`ch := s.subs[id]`, `for _, ch := range
        s.subs`)."""
        value = unparen(b.value) if b.value is not None else None
        if value is None:
            return self._assigned_key(b) if b.kind == "var" else None
        if b.kind == "range" and value.type == "range_clause":
            right = value.child_by_field_name("right")
            t = self.pkg.resolver.type_of(right, b.file) if right is not None else None
            if b.index == 1 and right is not None and t is not None and t.kind != "chan":
                base = self.key_of(self.pkg.resolver.ref_of(right, b.file))
                return f"{base}[]" if base is not None and not _is_local(base) else None
            return None
        if b.kind not in ("short", "var") or b.index != 0:
            return None
        if value.type in ("identifier", "selector_expression", "index_expression"):
            return self.expr_key(value, b.file)
        return None

    def _assigned_key(self, b: Binding) -> str | None:
        """`var ch chan T` later assigned one shared channel (or nil) only: that channel."""
        keys: set[str | None] = set()
        for use in self.pkg.resolver.uses(b):
            parent = use.parent
            stmt = parent.parent if parent is not None else None
            if parent is None or parent.type != "expression_list" or stmt is None:
                continue
            if stmt.type != "assignment_statement" or stmt.child_by_field_name("left") != parent:
                continue
            right = stmt.child_by_field_name("right")
            lefts = [c for c in parent.named_children if not c.is_extra]
            rights = [c for c in right.named_children if not c.is_extra] if right else []
            if len(lefts) != len(rights):
                return None
            value = unparen(rights[[c.id for c in lefts].index(use.id)])
            if value.type != "nil":
                key = self.expr_key(value, b.file)
                keys.add(key if key is not None and not _is_local(key) else None)
        return keys.pop() if len(keys) == 1 else None

    def _compute(self, key: str, mode: str) -> Channel | None:
        acc = _Found(key)
        if key.endswith("[]"):
            if mode != "chan":
                return None
            self._container(key[:-2], acc)
        elif key.startswith("pkg:"):
            var = self.pkg.index.vars.get(key[4:])
            if var is None:
                return None
            if var.value is not None:
                self._origin(var.value, var.file, acc, mode, 0)
            for use, file in self._var_mentions(key[4:]):
                self._mention(use, file, acc, mode, 0)
        elif _is_local(key):
            b = self._binding_of_key(key)
            if b is None:
                return None
            self._local(b, acc, mode, 0)
        else:
            type_name, field = key.split(".")
            for value, file in self._keyed_values(type_name, field):
                self._origin(value, file, acc, mode, 0)
            for use, file in self._field_mentions(type_name, field):
                self._mention(use, file, acc, mode, 0)
        return Channel(key, tuple(acc.makes), tuple(acc.ops), frozenset(acc.hidden))

    def _container(self, base: str, acc: _Found) -> None:
        """Channels kept in a map or slice field (or package variable): every element."""
        if base.startswith("pkg:"):
            var = self.pkg.index.vars.get(base[4:])
            if var is None:
                acc.hide()
                return
            mentions = list(self._var_mentions(base[4:]))
        else:
            type_name, field = base.split(".")
            for value, _ in self._keyed_values(type_name, field):
                if unparen(value).type not in ("call_expression", "composite_literal", "nil"):
                    acc.hide()
            mentions = list(self._field_mentions(type_name, field))
        r = self.pkg.resolver
        for use, file in mentions:
            node = use
            while node.parent is not None and node.parent.type == "parenthesized_expression":
                node = node.parent
            parent = node.parent
            kind = parent.type if parent is not None else ""
            if parent is None:
                continue
            if kind == "index_expression" and parent.child_by_field_name("operand") == node:
                self._mention(parent, file, acc, "chan", 0)  # an element
            elif kind == "range_clause" and parent.child_by_field_name("right") == node:
                left = parent.child_by_field_name("left")
                names = [c for c in left.named_children if not c.is_extra] if left else []
                b = r.binding(names[1], file) if len(names) == 2 else None
                if b is not None and b.key not in acc.seen:
                    acc.seen.add(b.key)
                    for u in r.uses(b):
                        self._mention(u, file, acc, "chan", 1)
            elif kind == "argument_list":
                self._container_argument(node, parent, file, acc)
            elif kind == "expression_list":
                stmt = parent.parent
                right = stmt.child_by_field_name("right") if stmt is not None else None
                if stmt is None or stmt.type != "assignment_statement" or right is None:
                    acc.hide()
                elif right.id == parent.id:
                    acc.hide()  # the container copied elsewhere
                else:
                    for value in right.named_children:
                        value = unparen(value)
                        if value.type in ("call_expression", "composite_literal", "nil"):
                            self._appended(value, file, acc)
                        else:
                            acc.hide()
            elif kind != "binary_expression":
                acc.hide()

    def _container_argument(self, node: Node, args: Node, file: SourceFile, acc: _Found) -> None:
        call = args.parent
        fn = call.child_by_field_name("function") if call is not None else None
        if call is None or fn is None:
            acc.hide()
            return
        name = file.text(fn)
        if name not in _CONTAINER_BUILTINS or not self.pkg.resolver.is_builtin(fn, file, name):
            acc.hide()
        elif name == "append" and call_args(call)[0].id != node.id:
            acc.hide()  # appended to another slice

    def _appended(self, value: Node, file: SourceFile, acc: _Found) -> None:
        """A new value for the container: `append(s.subs, ch)` adds ch; a make or a literal
        starts it again (channels in a literal are origins)."""
        if value.type == "call_expression":
            fn = value.child_by_field_name("function")
            name = file.text(fn) if fn is not None else ""
            if fn is None or not self.pkg.resolver.is_builtin(fn, file, name):
                acc.hide()
            elif name == "append":
                for arg in call_args(value)[1:]:
                    self._origin(arg, file, acc, "chan", 0)
            elif name != "make":
                acc.hide()
        elif value.type == "composite_literal":
            body = value.child_by_field_name("body")
            for el in body.named_children if body is not None else []:
                item = el.named_children[-1] if el.type == "keyed_element" else el
                if item.type == "literal_element" and item.named_children:
                    item = item.named_children[0]
                self._origin(item, file, acc, "chan", 0)

    def _binding_of_key(self, key: str) -> Binding | None:
        path, _, at = key.rpartition(":")
        file = next((f for f in self.pkg.files if f.path == path), None)
        if file is None or not at.isdigit():
            return None
        start = int(at)
        ident = file.root.descendant_for_byte_range(start, start + 1)
        if ident is None or ident.type != "identifier":
            return None
        b = self.pkg.resolver.binding(ident, file)
        return b if b is not None and b.ident.id == ident.id else None

    # -- calls of the package's functions ---------------------------------------------------
    def decl_of(self, func: Node, file: SourceFile) -> FuncDecl | None:
        """The declaration of a function_declaration or method_declaration node."""
        name = func.child_by_field_name("name")
        if name is None:
            return None
        if func.type == "method_declaration":
            type_name = receiver_of(func, file)[0]
            decl = self.pkg.index.method(type_name, file.text(name)) if type_name else None
        else:
            decl = self.pkg.index.funcs.get(file.text(name))
        return decl if decl is not None and decl.node.id == func.id else None

    def _exported(self, decl: FuncDecl) -> bool:
        """Other packages may call it: an exported name (of an exported type, for a method;
        `main` packages export nothing)."""
        if self.pkg.name == "main" or not decl.name[:1].isupper():
            return False
        owner = decl.receiver_type
        return owner is None or owner[:1].isupper() or self._implementers(decl.name) != {owner}

    def calls_of(self, decl: FuncDecl) -> list[tuple[Node, SourceFile]] | None:
        """Every call of ``decl`` in the package: static calls, and calls through an
        interface of the package whose method no other type of the package has. None when
        it is also used as a value (`f := s.Notify`), which could be called anywhere."""
        found = self._calls.get(decl.node.id, _UNSET)
        if found is _UNSET:
            found = self._calls[decl.node.id] = self._find_calls(decl)
        return found  # type: ignore[return-value]

    def _find_calls(self, decl: FuncDecl) -> list[tuple[Node, SourceFile]] | None:
        r = self.pkg.resolver
        out: list[tuple[Node, SourceFile]] = []
        for file in self.pkg.files:
            if not file.tokens.may_occur(decl.name.encode()):
                continue
            for tok in file.tokens.token_nodes(decl.name.encode()):
                parent = tok.parent
                if parent is None or parent.id == decl.node.id:
                    continue
                fn = parent if parent.type == "selector_expression" else tok
                if fn is parent and parent.child_by_field_name("field") != tok:
                    continue
                call = fn.parent
                called = (
                    call is not None
                    and call.type == "call_expression"
                    and call.child_by_field_name("function") == fn
                )
                target = callee(call, file, r) if called and call is not None else None
                if target is not None:
                    if target.decl.node.id == decl.node.id:
                        out.append((call, file))  # type: ignore[arg-type]
                    continue
                if fn.type == "identifier" and r.binding(fn, file) is not None:
                    continue  # a local of the same name
                if self._through_interface(fn, decl, file):
                    if not called:
                        return None
                    out.append((call, file))  # type: ignore[arg-type]
                elif not called and self._denotes(fn, decl, file):
                    return None  # a method or function value
        return out

    def _denotes(self, fn: Node, decl: FuncDecl, file: SourceFile) -> bool:
        """`s.M` or `f` (not called) is ``decl`` itself."""
        if fn.type == "identifier":
            return decl.receiver_type is None and self.pkg.resolver.binding(fn, file) is None
        operand = fn.child_by_field_name("operand")
        t = self.pkg.resolver.type_of(operand, file) if operand is not None else None
        return t is not None and t.deref().kind == "named" and t.deref().name == decl.receiver_type

    def _through_interface(self, fn: Node, decl: FuncDecl, file: SourceFile) -> bool:
        """`x.M` where x is a package interface declaring M, and ``decl``'s type is the only
        type of the package with a method M."""
        if fn.type != "selector_expression" or decl.receiver_type is None:
            return False
        operand = fn.child_by_field_name("operand")
        t = self.pkg.resolver.type_of(operand, file) if operand is not None else None
        if t is None or t.kind != "named" or t.pkg:
            return False
        iface = self.pkg.index.types.get(t.name)
        if iface is None or iface.type_node.type != "interface_type":
            return False
        if (
            decl.name.encode()
            not in iface.file.data[iface.type_node.start_byte : iface.type_node.end_byte]
        ):
            return False
        return self._implementers(decl.name) == {decl.receiver_type}

    def _implementers(self, method: str) -> set[str]:
        found = self._impls.get(method)
        if found is None:
            found = self._impls[method] = {
                d.receiver_type
                for d in self.pkg.index.all_functions()
                if d.name == method and d.receiver_type is not None
            }
        return found

    # -- mentions ------------------------------------------------------------------------------
    def _local(self, b: Binding, acc: _Found, mode: str, depth: int) -> None:
        if b.key in acc.seen:
            return
        acc.seen.add(b.key)
        if b.kind in ("short", "var"):
            if b.value is not None and b.index == 0:
                self._origin(b.value, b.file, acc, mode, depth)
            elif b.value is not None:
                acc.hide()  # one of several results of a call: made there
        elif b.kind != "param" or depth == 0:
            acc.hide()  # a parameter, a range or receive variable: made elsewhere
        for use in self.pkg.resolver.uses(b):
            self._mention(use, b.file, acc, mode, depth)

    def _origin(self, value: Node, file: SourceFile, acc: _Found, mode: str, depth: int) -> None:
        """A value assigned to the channel: a make, nil, a local that holds one (`ch :=
        make(...)`, filled, then stored), or something made elsewhere."""
        value = unparen(value)
        if value.type == "unary_expression" and mode == "wg":
            value = unparen(value.child_by_field_name("operand") or value)
        made = self._make(value, file)
        if made is not None:
            acc.makes.append(attrs.evolve(made, published=value.end_byte))
            return
        if value.type == "nil" or (mode == "wg" and value.type == "composite_literal"):
            return
        if value.id in acc.aliases:
            return  # `ch := s.Chan()`, a getter of the channel
        if value.type != "call_expression" and self.expr_key(value, file) == acc.key:
            return  # a copy of the channel itself (`ch := s.ch`)
        if value.type == "identifier" and depth < _MAX_DEPTH:
            b = self.pkg.resolver.binding(value, file)
            if b is not None and b.kind in ("short", "var"):
                before = len(acc.makes)
                self._local(b, acc, mode, depth + 1)
                stmt = _statement_of(value)
                for i in range(before, len(acc.makes)):
                    made = acc.makes[i]
                    if made.file.path == file.path and stmt.end_byte > made.published:
                        acc.makes[i] = attrs.evolve(made, published=stmt.end_byte)
                return
        acc.hide()

    def _mention(self, use: Node, file: SourceFile, acc: _Found, mode: str, depth: int) -> None:
        node = use
        while node.parent is not None and node.parent.type == "parenthesized_expression":
            node = node.parent
        parent = node.parent
        if parent is None:
            return
        if mode == "wg":
            self._wg_mention(node, parent, file, acc, depth)
            return
        kind = parent.type
        if kind == "send_statement":
            if parent.child_by_field_name("channel") == node:
                _record(acc, "send", parent, file)
            else:
                self._sent(parent, file, acc, depth)
        elif kind == "unary_expression":
            op = parent.child_by_field_name("operator")
            if op is not None and op.type == "<-":
                _record(acc, "recv", parent, file)
            else:
                acc.hide()
        elif kind == "range_clause":
            if parent.child_by_field_name("right") == node:
                _record(acc, "range", parent, file)
            else:
                acc.hide()
        elif kind == "argument_list":
            self._argument(node, parent, file, acc, "chan", depth)
        elif kind == "expression_list":
            self._assignment(node, parent, file, acc, "chan", depth)
        elif kind == "literal_element":
            kv = parent.parent
            if (
                kv is not None
                and kv.type == "keyed_element"
                and kv.named_children[0].id == parent.id
            ):
                return  # the field name of a keyed element, not the channel
            stored = self.stored_field(parent, file)
            if stored != acc.key:
                # Stored in another struct, a slice, a map: as `<-chan T`, only to receive.
                acc.hide(*(("recv",) if self._receive_only(stored) else ()))
        elif kind == "return_statement":
            self._returned(parent, file, acc, depth)
        elif kind not in ("binary_expression", "expression_case", "selector_expression"):
            acc.hide()  # converted, ...

    def _wg_mention(
        self, node: Node, parent: Node, file: SourceFile, acc: _Found, depth: int
    ) -> None:
        kind = parent.type
        if kind == "selector_expression" and parent.child_by_field_name("operand") == node:
            field = parent.child_by_field_name("field")
            method = file.text(field) if field is not None else ""
            call = parent.parent
            if method not in _WG_OPS or call is None or call.type != "call_expression":
                acc.hide()
                return
            if method == "Done":
                _record(acc, "done", call, file)
            elif method == "Add":
                _record(acc, "add", call, file)
            elif method == "Go":
                _record(acc, "add", call, file)
                args = call_args(call)
                body = unparen(args[0]) if len(args) == 1 else None
                if body is not None and body.type == "func_literal":
                    acc.ops.append(ChanOp("done", body, file, body))  # when the body returns
                else:
                    acc.hide()
        elif kind == "unary_expression":
            op = parent.child_by_field_name("operator")
            outer = parent.parent
            if op is None or op.type != "&" or outer is None:
                acc.hide()
            elif outer.type == "literal_element":
                if self.stored_field(outer, file) != acc.key:
                    acc.hide()
            elif outer.type == "argument_list":
                self._argument(parent, outer, file, acc, "wg", depth)
            elif outer.type == "expression_list":
                self._assignment(parent, outer, file, acc, "wg", depth)
            else:
                acc.hide()
        elif kind == "argument_list":
            self._argument(node, parent, file, acc, "wg", depth)
        elif kind == "expression_list":
            self._assignment(node, parent, file, acc, "wg", depth)
        else:
            acc.hide()

    def _argument(
        self, node: Node, args: Node, file: SourceFile, acc: _Found, mode: str, depth: int
    ) -> None:
        """Passed to a call: `close(ch)`, `len(ch)`, or a package function's parameter."""
        call = args.parent
        fn = call.child_by_field_name("function") if call is not None else None
        if call is None or fn is None:
            acc.hide()
            return
        fn = unparen(fn)
        r = self.pkg.resolver
        if mode == "chan" and r.is_builtin(fn, file, "close"):
            _record(acc, "close", call, file)
            return
        if file.text(fn) in ("len", "cap") and r.is_builtin(fn, file, file.text(fn)):
            return
        target = callee(call, file, r)
        if target is None or depth >= _MAX_DEPTH:
            acc.hide()
            return
        args_list = call_args(call)
        position = next((i for i, a in enumerate(args_list) if a.id == node.id), -1)
        param = _param_ident(target.decl.node, position)
        if param is None:
            acc.hide()
            return
        b = r.binding(param, target.decl.file)
        if b is None:
            acc.hide()
            return
        self._local(b, acc, mode, depth + 1)

    def _assignment(
        self, node: Node, values: Node, file: SourceFile, acc: _Found, mode: str, depth: int
    ) -> None:
        stmt = values.parent
        if stmt is None:
            acc.hide()
            return
        if stmt.type in ("assignment_statement", "short_var_declaration", "var_spec"):
            left_name = "name" if stmt.type == "var_spec" else "left"
            right_name = "value" if stmt.type == "var_spec" else "right"
            right = stmt.child_by_field_name(right_name)
            items = [c for c in values.named_children if not c.is_extra]
            index = next((i for i, c in enumerate(items) if c.id == node.id), -1)
            if right is None or right.id != values.id:
                # Assigned to: a new value for the channel.
                if right is not None:
                    rights = [c for c in right.named_children if not c.is_extra]
                    if len(rights) == len(items) and index >= 0:
                        self._origin(rights[index], file, acc, mode, depth)
                        return
                acc.hide()
                return
            if stmt.type == "var_spec":
                lefts = [c for c in stmt.children_by_field_name("name") if c.is_named]
            else:
                left = stmt.child_by_field_name(left_name)
                lefts = [c for c in left.named_children if not c.is_extra] if left else []
            if len(items) == 1 and len(lefts) == 2 and index == 0:
                lefts = lefts[:1]  # `ch, ok := s.subs[id]`
            if len(lefts) != len(items) or index < 0:
                acc.hide()
                return
            target = lefts[index]
            if target.type == "identifier" and file.text(target) == "_":
                return
            if self.expr_key(target, file) == acc.key:
                return  # stored into the channel's own field, variable or container
            b = self.pkg.resolver.binding(target, file) if target.type == "identifier" else None
            if b is None or depth >= _MAX_DEPTH:
                acc.hide()  # stored in a field, a map, a package variable
                return
            self._local(b, acc, mode, depth + 1)
        elif stmt.type == "return_statement":
            self._returned(stmt, file, acc, depth)
        elif stmt.type != "expression_case":
            acc.hide()  # handed on

    def _returned(self, stmt: Node, file: SourceFile, acc: _Found, depth: int) -> None:
        """Returned to callers (a getter, `func (b *B) Notify() <-chan T`): its mentions go
        on at each call. Where the calls are not all known, as `<-chan T` only receivers
        are out of sight."""
        func = enclosing_function(stmt)
        if func is None:
            acc.hide()
            return
        decl = self.decl_of(func, file) if func.type != "func_literal" else None
        calls = self.calls_of(decl) if decl is not None and depth < _MAX_DEPTH else None
        values = [c for c in stmt.named_children if not c.is_extra]
        if len(values) == 1 and values[0].type == "expression_list":
            values = [c for c in values[0].named_children if not c.is_extra]
        if calls is not None and len(values) == 1:
            for call, call_file in calls:
                acc.aliases.add(call.id)
                self._mention(call, call_file, acc, "chan", depth + 1)
            if decl is not None and not self._exported(decl):
                return
        result = func.child_by_field_name("result")
        t = self.pkg.resolver.type_from_node(result, file) if result is not None else None
        if t is not None and t.kind == "chan" and t.dir == "recv":
            acc.hide("recv")
        else:
            acc.hide()

    def _sent(self, send: Node, file: SourceFile, acc: _Found, depth: int) -> None:
        """Sent as a value on another channel (a reply channel: `q.stop <- errc`): its
        mentions go on where that channel's receivers keep what they receive."""
        carrier = self.channel(self.pkg.resolver.ref_of(send.child_by_field_name("channel"), file))
        if carrier is None or not carrier.sees("recv") or depth >= _MAX_DEPTH:
            acc.hide()
            return
        for op in carrier.ops:
            if op.kind not in ("recv", "range"):
                continue
            b = self._received_into(op)
            if b is None:
                if not (op.kind == "recv" and op.discards):
                    acc.hide()
                continue
            if b.key not in acc.seen:
                acc.seen.add(b.key)
                for use in self.pkg.resolver.uses(b):
                    self._mention(use, b.file, acc, "chan", depth + 1)

    def _received_into(self, op: ChanOp) -> Binding | None:
        """The local a received value is kept in: `v := <-ch`, `v = <-ch`, `case v := <-ch`,
        `for v := range ch`."""
        r = self.pkg.resolver
        if op.kind == "range":
            left = op.node.child_by_field_name("left")
            names = [c for c in left.named_children if not c.is_extra] if left else []
            return r.binding(names[0], op.file) if len(names) == 1 else None
        node = op.node
        while node.parent is not None and node.parent.type == "parenthesized_expression":
            node = node.parent
        holder = node.parent
        if holder is not None and holder.type == "expression_list":
            holder = holder.parent
        if holder is None or holder.type not in (
            "short_var_declaration",
            "assignment_statement",
            "receive_statement",
        ):
            return None
        left = holder.child_by_field_name("left")
        names = [c for c in left.named_children if not c.is_extra] if left else []
        if len(names) != 1 or names[0].type != "identifier":
            return None
        return r.binding(names[0], op.file)

    # -- finding the mentions of shared identities ----------------------------------------------
    def _var_mentions(self, name: str) -> Iterator[tuple[Node, SourceFile]]:
        r = self.pkg.resolver
        for file in self.pkg.files:
            if not file.tokens.may_occur(name.encode()):
                continue
            for ident in file.tokens.named(name, "identifier"):
                parent = ident.parent
                if parent is not None and parent.type == "var_spec":
                    continue  # the declaration itself
                if r.binding(ident, file) is None:
                    yield ident, file

    def _field_mentions(self, type_name: str, field: str) -> Iterator[tuple[Node, SourceFile]]:
        # An owner of unknown type is taken to be this one when no other type of the package
        # has a field of that name.
        unique = self._field_owners(field) <= {type_name}
        for sel, file, declaring, local in self.pkg.fact(FieldSelectors).of(field):
            if local is None:
                if unique:
                    yield sel, file
            elif local and declaring == type_name:
                yield sel, file

    def stored_field(self, element: Node, file: SourceFile) -> str | None:
        """For a value in a composite literal of a package struct type, keyed or by position,
        the field it is stored in: "Type.field"; else None."""
        kv = element.parent
        if kv is not None and kv.type == "keyed_element":
            if kv.named_children[-1].id != element.id:
                return None
            name = file.text(kv.named_children[0])
            body = kv.parent
        else:
            name, body = "", kv
        lit = body.parent if body is not None else None
        if body is None or lit is None or lit.type != "composite_literal":
            return None
        t = self.pkg.resolver.type_from_node(lit.child_by_field_name("type"), file)
        if t is None or t.kind != "named" or t.pkg:
            return None
        if not name:
            decl = self.pkg.index.types.get(t.name)
            fields = list(decl.fields) if decl is not None else []
            items = [c for c in body.named_children if not c.is_extra]
            index = next((i for i, c in enumerate(items) if c.id == element.id), -1)
            if len(items) != len(fields) or index < 0:
                return None
            name = fields[index]
        return f"{t.name}.{name}"

    def _receive_only(self, key: str | None) -> bool:
        """The field ``key`` is declared `<-chan T`: what is stored in it is only received
        from through it."""
        if key is None or "." not in key or key.startswith("pkg:"):
            return False
        type_name, field = key.split(".", 1)
        decl = self.pkg.index.types.get(type_name)
        f = decl.fields.get(field) if decl is not None else None
        t = self.pkg.resolver.type_from_node(f.type_node, decl.file) if f and decl else None
        return t is not None and t.kind == "chan" and t.dir == "recv"

    def _make(self, value: Node, file: SourceFile) -> Make | None:
        """`make(chan T[, n])`: its capacity, 0 without one, read from an integer literal or a
        constant of the package (unknown if it is not one, or its value is not a literal)."""
        if value.type != "call_expression":
            return None
        fn = value.child_by_field_name("function")
        if fn is None or not self.pkg.resolver.is_builtin(fn, file, "make"):
            return None
        args = call_args(value)
        if not args or args[0].type != "channel_type":
            return None
        if len(args) < 2:
            return Make(value, file, 0)
        cap = unparen(args[1])
        if cap.type == "int_literal":
            return Make(value, file, _int(file.text(cap)))
        if cap.type == "identifier" and self.pkg.resolver.binding(cap, file) is None:
            if file.text(cap) not in self.pkg.index.vars:
                return Make(value, file, self._constant(file.text(cap)))
        elif cap.type == "selector_expression":
            operand = cap.child_by_field_name("operand")
            if operand is not None and self.pkg.resolver.package_of(operand, file) is not None:
                return Make(value, file, None)  # another package's name: a constant, mostly
        return Make(value, file, None, constant=False)

    def _constant(self, name: str) -> int | None:
        """The value of the package constant ``name`` when it is an integer literal."""
        found = self._consts.get(name, _UNSET)
        if found is _UNSET:
            found = self._consts[name] = None
            for file in self.pkg.files:
                if not file.tokens.may_occur(name.encode()):
                    continue
                for ident in file.tokens.named(name, "identifier"):
                    spec = ident.parent
                    if spec is None or spec.type != "const_spec":
                        continue
                    names = [c for c in spec.children_by_field_name("name") if c.is_named]
                    values = spec.child_by_field_name("value")
                    items = [c for c in values.named_children] if values is not None else []
                    if len(names) == len(items) and items[names.index(ident)].type == "int_literal":
                        found = self._consts[name] = _int(file.text(items[names.index(ident)]))
        return found  # type: ignore[return-value]

    def _field_owners(self, field: str) -> set[str]:
        """The struct types of the package that declare a field ``field``."""
        found = self._owners.get(field)
        if found is None:
            found = self._owners[field] = {
                t.name for t in self.pkg.index.types.values() if field in t.fields
            }
        return found

    def _keyed_values(self, type_name: str, field: str) -> Iterator[tuple[Node, SourceFile]]:
        """Values given to ``field`` in composite literals of ``type_name``."""
        r = self.pkg.resolver
        needle = field.encode()
        for file in self.pkg.files:
            if needle + b":" not in file.data:
                continue
            for key in file.tokens.token_nodes(needle):
                kv = _keyed_element_of(key)
                if kv is None:
                    continue
                lit = kv.parent.parent if kv.parent is not None else None
                if lit is None or lit.type != "composite_literal":
                    continue
                t = r.type_from_node(lit.child_by_field_name("type"), file)
                if t is None or t.kind != "named" or t.pkg or t.name != type_name:
                    continue
                value = kv.named_children[-1]
                if value.type == "literal_element" and value.named_children:
                    value = value.named_children[0]
                yield value, file
        yield from self._positional_values(type_name, field)

    def _positional_values(self, type_name: str, field: str) -> Iterator[tuple[Node, SourceFile]]:
        """Values given to ``field`` by position: `T{a, make(chan int)}`."""
        decl = self.pkg.index.types.get(type_name)
        names = list(decl.fields) if decl is not None else []
        if field not in names:
            return
        position = names.index(field)
        r = self.pkg.resolver
        needle = type_name.encode() + b"{"
        for file in self.pkg.files:
            if needle not in file.data:
                continue
            for name in file.tokens.named(type_name, "type_identifier"):
                lit = name.parent
                if lit is None or lit.type != "composite_literal":
                    continue
                t = r.type_from_node(lit.child_by_field_name("type"), file)
                body = lit.child_by_field_name("body")
                if t is None or t.pkg or t.name != type_name or body is None:
                    continue
                items = [c for c in body.named_children if not c.is_extra]
                if len(items) != len(names) or any(c.type == "keyed_element" for c in items):
                    continue
                value = items[position]
                if value.type == "literal_element" and value.named_children:
                    value = value.named_children[0]
                yield value, file


_UNSET = object()


def _record(acc: _Found, kind: str, node: Node, file: SourceFile) -> None:
    op = _op(kind, node, file)
    if op is None:
        acc.hide()  # outside any function (a package variable's initialiser): not followed
    else:
        acc.ops.append(op)


def _op(kind: str, node: Node, file: SourceFile) -> ChanOp | None:
    func = enclosing_function(node)
    if func is None:
        return None
    polled = False
    discards = False
    comm = node
    if kind == "recv":
        outer = node.parent
        while outer is not None and outer.type == "parenthesized_expression":
            outer = outer.parent
        if outer is not None and outer.type == "expression_statement":
            discards = True
        elif outer is not None and outer.type == "receive_statement":
            discards = outer.child_by_field_name("left") is None
            comm = outer
    case = comm.parent
    if case is not None and case.type == "communication_case":
        select = case.parent
        polled = select is not None and any(c.type == "default_case" for c in select.children)
    return ChanOp(kind, node, file, func, polled, discards)


def _param_ident(func: Node, position: int) -> Node | None:
    """The identifier of parameter ``position`` (None for `_`, unnamed or variadic)."""
    plist = func.child_by_field_name("parameters")
    if plist is None or position < 0:
        return None
    i = 0
    for param in plist.named_children:
        if param.type == "variadic_parameter_declaration":
            return None
        if param.type != "parameter_declaration":
            continue
        named: list[Node | None] = [c for c in param.children_by_field_name("name") if c.is_named]
        for ident in named or [None]:
            if i == position:
                return ident if ident is not None and ident.text != b"_" else None
            i += 1
    return None


def _param_position(func: Node, ident: Node) -> int:
    """The position of parameter ``ident`` (-1 when not found or variadic)."""
    plist = func.child_by_field_name("parameters")
    i = 0
    for param in plist.named_children if plist is not None else []:
        if param.type == "variadic_parameter_declaration":
            return -1
        if param.type != "parameter_declaration":
            continue
        names = [c for c in param.children_by_field_name("name") if c.is_named]
        if any(name.id == ident.id for name in names):
            return i + next(k for k, name in enumerate(names) if name.id == ident.id)
        i += max(len(names), 1)
    return -1


def _keyed_element_of(key: Node) -> Node | None:
    """The keyed element whose key is the field name ``key``."""
    p = key.parent
    if p is not None and p.type == "literal_element":
        p = p.parent
    if p is None or p.type != "keyed_element" or not p.named_children:
        return None
    first = p.named_children[0]
    return p if first.start_byte <= key.start_byte < first.end_byte else None


def _statement_of(node: Node) -> Node:
    """The statement that holds ``node``."""
    while node.parent is not None and node.parent.type not in ("statement_list", "block"):
        node = node.parent
    return node


def _is_local(key: str) -> bool:
    """A local's key is its binding's: "path:offset"."""
    at = key.rpartition(":")[2]
    return not key.startswith("pkg:") and at.isdigit()


def _int(text: str) -> int | None:
    try:
        return int(text.replace("_", ""), 0)
    except ValueError:
        return None


def function_of(node: Node) -> Node | None:
    """The innermost function (declaration or literal) around ``node``, itself included."""
    n: Node | None = node
    while n is not None and n.type not in FUNC_KINDS:
        n = n.parent
    return n
