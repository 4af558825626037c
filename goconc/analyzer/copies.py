"""Copies of values that must not be copied: sync and sync/atomic values, and structs holding one.

Shared by the copied-WaitGroup and copied-lock rules. Two questions, answered once per
package and cached:

* which sync values a type holds *by value* (``sync_paths``): a sync type itself, or a struct
  of this package that holds one in a field or an embedded field, transitively, through
  arrays (not through pointers, slices, maps, channels, funcs or interfaces, which share the
  value instead of copying it). Each hit is a ``SyncPath``: the sync type and the field path
  that reaches it (``Server contains sync.Mutex via field mu``).
* where a value of such a type is copied (``sites``): passed as a value argument, declared as
  a by-value parameter or receiver, assigned (``a := *p``, ``x = y``, ``var z = t``),
  returned, ranged over by value, written into a composite literal, or read out of a pointer
  that an in-package call returned (``x := *s.current()``).

What counts as a sync value: ``sync.WaitGroup``, ``Mutex``, ``RWMutex``, ``Cond``, ``Once``,
``Map``, ``Pool``; the ``sync/atomic`` types that carry a ``noCopy`` marker (``Bool``,
``Int32``, ``Int64``, ``Uint32``, ``Uint64``, ``Uintptr``, ``Pointer[T]``, not ``Value``); and,
as go vet's copylocks does, a struct type of this package whose pointer has ``Lock`` and
``Unlock`` methods but whose value does not (the ``noCopy`` marker idiom, hand-made locks).
``sync.Locker`` is an interface: copying it shares the lock.

Not a copy (a fresh value, or no value at all): composite literals (``sync.Mutex{}``,
``T{}``), call results (constructors, ``new(T)``, conversions: the callee made the value),
``*new(T)``, ``*f()`` where ``f`` is a function of this package that returns only fresh
pointers (or is not of this package: unknown, silent), ``&x``, a dereference that yields a
pointer, the blank identifier on the left (``_ = x`` stores nothing), arguments of ``len``,
``cap``, ``new`` and ``unsafe.Sizeof``/``Offsetof``/``Alignof``, and channel sends/receives
(the value moves through the channel; see Limitations of the rules).
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections.abc import Iterator
from functools import cached_property

import attrs
from tree_sitter import Node

from goconc.analyzer.calls import callee
from goconc.analyzer.facts import Fact, Package
from goconc.analyzer.matchers import FUNC_KINDS, descendants
from goconc.analyzer.source import SourceFile
from goconc.analyzer.symbols import (
    FuncDecl,
    TypeDecl,
    VarDecl,
    declaration_mentions,
    struct_fields,
)
from goconc.analyzer.tokens import (
    NAME_BYTES,
    mentions_any,
    name_matches,
    names_before,
    names_pattern,
    word_pattern,
)
from goconc.analyzer.types import GoType, Resolver, unparen

# sync types that hold state which must not be copied (the WaitGroup is its own family).
_SYNC_VALUES = frozenset({"WaitGroup", "Mutex", "RWMutex", "Cond", "Once", "Map", "Pool"})
# sync/atomic types with a noCopy marker (atomic.Value has none: vet lets it be copied).
_ATOMIC_VALUES = frozenset({"Bool", "Int32", "Int64", "Uint32", "Uint64", "Uintptr", "Pointer"})
# Builtins and unsafe functions whose arguments are not evaluated as values.
_NO_COPY_BUILTINS = frozenset({"len", "cap", "new"})
_UNSAFE_FUNCS = frozenset({"Sizeof", "Offsetof", "Alignof"})
_RETURNS = frozenset({"return_statement"})
# The roles of a name for declaration_relevant (see CopyAnalysis._gate).
_TYPE = 1
_FIELD = 2
# An import of sync or sync/atomic: what a file must hold to name their types.
_SYNC_IMPORT = re.compile(rb'["`]sync["`/]')


@attrs.frozen
class SyncPath:
    """One sync value held by value: its type and the fields that lead to it."""

    kind: str  # "sync.Mutex", "atomic.Int64", or a lock-shaped type of the package: "noCopy"
    fields: tuple[str, ...]  # field path from the copied value ("" elements never occur)
    waitgroup: bool  # a sync.WaitGroup (every other kind is a lock or a value like one)
    lock_shaped: bool = False  # a package type with pointer Lock/Unlock methods

    def describe(self, type_text: str) -> str:
        """`Server contains sync.Mutex via field mu`, or just `sync.Mutex` for the value itself."""
        what = f"{self.kind} (a type with Lock/Unlock methods)" if self.lock_shaped else self.kind
        if not self.fields:
            return what if type_text == self.kind else f"{type_text} is a {what}"
        return f"{type_text} contains {what} via field {'.'.join(self.fields)}"


@attrs.frozen
class CopySite:
    """A place where a value holding sync values is copied."""

    node: Node  # where to report: the copied expression, parameter type or range variable
    file: SourceFile
    what: str  # "call of f passes s by value", "assignment copies *p to a", ...
    type_text: str  # the copied type as the message names it
    paths: tuple[SyncPath, ...]
    receiver_type: Node | None = None  # a value receiver's type node (a `*` there fixes it)


def type_text(t: GoType) -> str:
    if t.kind == "named":
        return f"{t.pkg.rsplit('/', 1)[-1]}.{t.name}" if t.pkg else t.name
    if t.kind == "array" and t.elem is not None:
        return f"array of {type_text(t.elem)}"
    return str(t)


@attrs.define
class _Scope:
    """See ``CopyAnalysis._scope``."""

    files: list[SourceFile] = attrs.Factory(list)
    types: list[TypeDecl] = attrs.Factory(list)
    vars: list[VarDecl] = attrs.Factory(list)
    funcs: list[FuncDecl] = attrs.Factory(list)

    def add(self, types: list[TypeDecl], variables: list[VarDecl], funcs: list[FuncDecl]) -> None:
        self.types.extend(types)
        self.vars.extend(variables)
        self.funcs.extend(funcs)


class CopyAnalysis(Fact):
    """Sync values held by the package's types, and the places that copy them."""

    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg
        self.resolver: Resolver = pkg.resolver
        self._named: dict[str, tuple[SyncPath, ...]] = {}
        self._in_progress: set[str] = set()
        self._sites: dict[int, list[CopySite]] = {}
        self._fresh_funcs: dict[int, bool] = {}
        self._files: dict[str, bool] = {}
        self._may_copy: dict[str, bool] = {}
        self._occurs: dict[str, tuple[list[int], list[int]]] = {}
        self._decls: dict[int, bool] = {}
        self._locals: dict[tuple[int, str], bool] = {}
        self._deep: dict[GoType, bool] = {}  # _reaches_deep at the top
        # The types declared in the files of _scope (so far, while it is being found): no
        # other type of the package can hold or reach a sync value, and its declaration need
        # not be read.
        self._scope_types: frozenset[str] | None = None
        self._outside: set[str] = set()  # names judged so: the judgments that depend on them
        # Nothing can hold a sync value in a package that imports neither sync nor sync/atomic
        # and declares no Lock method (another package's types are not known): skip it whole.
        self.relevant = any(
            b'"sync"' in f.data or b'"sync/atomic"' in f.data or b") Lock()" in f.data
            for f in pkg.files
        )

    # -- which types hold sync values ------------------------------------------------------
    def sync_paths(self, t: GoType | None, depth: int = 0) -> tuple[SyncPath, ...]:
        """Every sync value that a value of type ``t`` holds, in declaration order."""
        if t is None or depth > 12:
            return ()
        if t.kind == "array":
            return self.sync_paths(t.elem, depth + 1)
        if t.kind != "named":
            return ()  # pointers, slices, maps, chans, funcs, interfaces share; structs: unknown
        if t.pkg == "sync":
            if t.name in _SYNC_VALUES:
                return (SyncPath(f"sync.{t.name}", (), t.name == "WaitGroup"),)
            return ()
        if t.pkg == "sync/atomic":
            return (SyncPath(f"atomic.{t.name}", (), False),) if t.name in _ATOMIC_VALUES else ()
        if t.pkg:
            return ()  # another package's type: unknown
        return self._named_paths(t.name, depth)

    def _named_paths(self, name: str, depth: int) -> tuple[SyncPath, ...]:
        found = self._named.get(name)
        if found is not None:
            return found
        if self._scope_types is not None and name not in self._scope_types:
            self._outside.add(name)
            return ()
        index = self.resolver.index
        if name in self._in_progress or index.declared_twice(name):
            # an (invalid) cycle, or declared once per build tag (`_linux.go`,
            # `_windows.go`): which declaration applies is unknown
            return ()
        decl = index.types.get(name)
        if decl is None:
            return ()  # predeclared, or a type parameter
        self._in_progress.add(name)
        try:
            paths = self.type_node_paths(decl.type_node, decl.file, depth + 1)
            if not paths and decl.type_node.type == "struct_type" and self._lock_shaped(name):
                paths = (SyncPath(name, (), False, lock_shaped=True),)
        finally:
            self._in_progress.discard(name)
        self._named[name] = paths
        return paths

    def _lock_shaped(self, name: str) -> bool:
        """Like vet: *T has Lock and Unlock but T has not (some method has a pointer receiver)."""
        lock = self.resolver.index.method(name, "Lock")
        unlock = self.resolver.index.method(name, "Unlock")
        if lock is None or unlock is None or not (lock.receiver_pointer or unlock.receiver_pointer):
            return False
        # sync.Locker's shape exactly: `Lock()` and `Unlock()`, no parameters, no results.
        for m in (lock, unlock):
            params = m.node.child_by_field_name("parameters")
            if m.node.child_by_field_name("result") is not None or (
                params is not None and params.named_child_count
            ):
                return False
        return True

    def type_node_paths(
        self, node: Node | None, file: SourceFile, depth: int = 0
    ) -> tuple[SyncPath, ...]:
        """Sync values held by a value of the type written at ``node`` (anonymous structs too)."""
        if node is None or depth > 12:
            return ()
        while node.type == "parenthesized_type" and node.named_children:
            node = node.named_children[0]
        if node.type == "struct_type":
            found: list[SyncPath] = []
            for field in struct_fields(node, file).values():
                if field.pointer_embed:
                    continue
                for p in self.type_node_paths(field.type_node, file, depth + 1):
                    found.append(attrs.evolve(p, fields=(field.name, *p.fields)))
            return tuple(found)
        if node.type in ("array_type", "implicit_length_array_type"):
            return self.type_node_paths(node.child_by_field_name("element"), file, depth + 1)
        return self.sync_paths(self.resolver.type_from_node(node, file), depth + 1)

    # -- is an expression a copy of an existing value ----------------------------------------
    def copied_value(self, expr: Node, file: SourceFile) -> tuple[str, tuple[SyncPath, ...]] | None:
        """(type text, sync paths) when evaluating ``expr`` copies an existing value holding
        sync values; None for fresh values, pointers and anything unresolved."""
        inner = unparen(expr)
        kind = inner.type
        if kind == "unary_expression":
            op = inner.child_by_field_name("operator")
            if op is None or op.type != "*":
                return None
            operand = inner.child_by_field_name("operand")
            if (
                operand is not None
                and unparen(operand).type == "call_expression"
                and not self._call_returns_shared(unparen(operand), file)
            ):
                return None
        elif kind not in (
            "identifier",
            "selector_expression",
            "index_expression",
            "type_assertion_expression",
        ):
            return None  # literals, calls, conversions, receives, &x, binary expressions
        if kind == "identifier" and file.text(inner) in ("_", "nil", "iota"):
            return None
        if not self._may_hold(inner, file):
            return None
        t = self.resolver.type_of(inner, file)
        if t is None:
            return None
        paths = self.sync_paths(t)
        return (type_text(t), paths) if paths else None

    # -- cheap pre-checks: names that can denote a sync value at all ----------------------
    def _reaches(self, t: GoType | None, depth: int = 0) -> bool:
        """A value of ``t``, or what it points to or holds as elements, holds a sync value."""
        while (
            t is not None and depth < 8 and t.kind in ("pointer", "slice", "array", "map", "chan")
        ):
            t, depth = t.elem, depth + 1
        return t is not None and bool(self.sync_paths(t))

    def _may_hold(self, expr: Node, file: SourceFile) -> bool:
        """Whether ``expr`` can have a sync-holding type, judged by names only: a local or
        package variable, or a struct field, whose declared type reaches a sync value. Saves
        resolving the type of every argument of every call."""
        e = expr
        for _ in range(16):
            kind = e.type
            if kind == "identifier":
                name = file.text(e)
                return self._local_may_hold(name, e, file) or name in self._var_names
            if kind == "selector_expression":
                field = e.child_by_field_name("field")
                return field is not None and file.text(field) in self._field_names
            if kind not in ("index_expression", "unary_expression", "parenthesized_expression"):
                return True  # type assertions, calls: resolve them
            operand = e.child_by_field_name("operand") or (
                e.named_children[0] if e.named_children else None
            )
            if operand is None:
                return False
            e = operand
        return True

    def _local_may_hold(self, name: str, node: Node, file: SourceFile) -> bool:
        """Whether a local of the declaration around ``node`` named ``name`` has a type that
        reaches a sync value; only that name's bindings are typed (cached per declaration)."""
        scopes = self.resolver.scopes(node, file)
        key = (id(scopes), name)
        found = self._locals.get(key)
        if found is None:
            r = self.resolver
            found = self._locals[key] = any(
                self._reaches(r.binding_type(b)) for b in scopes.bindings(name)
            )
        return found

    @cached_property
    def _var_names(self) -> frozenset[str]:
        return frozenset(v.name for v in self._scope.vars if self._reaches(self._var_type(v)))

    @cached_property
    def _field_names(self) -> frozenset[str]:
        r = self.resolver
        names: set[str] = set()
        for decl in self._scope.types:
            for f in decl.fields.values():
                ft = r.type_from_node(f.type_node, decl.file)
                if self._reaches(ft):  # a pointer field too: `*s.ptr` copies what it points to
                    names.add(f.name)
        return frozenset(names)

    def _call_returns_shared(self, call: Node, file: SourceFile) -> bool:
        """`*f()`: whether f (a function of this package) may return a pointer to a value that
        already exists (a field, a parameter, a package variable). Constructors returning
        `&T{}`, `new(T)` or a fresh local are not; calls outside the package are unknown."""
        found = callee(call, file, self.resolver)
        if found is None:
            return False
        decl = found.decl
        cached = self._fresh_funcs.get(decl.node.id)
        if cached is not None:
            return not cached
        body = decl.node.child_by_field_name("body")
        fresh = True
        if body is not None:
            for ret in descendants(body, _RETURNS, into_funcs=False):
                values = ret.named_children[0].named_children if ret.named_children else []
                if len(values) == 1 and not self._fresh_pointer(values[0], decl.file):
                    fresh = False
                    break
        self._fresh_funcs[decl.node.id] = fresh
        return not fresh

    def _fresh_pointer(self, value: Node, file: SourceFile) -> bool:
        value = unparen(value)
        if value.type == "unary_expression":
            op = value.child_by_field_name("operator")
            operand = value.child_by_field_name("operand")
            if op is None or op.type != "&" or operand is None:
                return True
            value = unparen(operand)
            if value.type == "composite_literal":
                return True
        if value.type in ("selector_expression", "index_expression"):
            return False
        if value.type == "identifier":
            b = self.resolver.binding(value, file)
            if b is None:
                return file.text(value) not in self.resolver.index.vars  # package var: shared
            return b.kind not in ("param", "receiver")
        return True  # nil, calls (unknown: silent), composite literals

    # -- where copies happen ---------------------------------------------------------------
    def file_relevant(self, file: SourceFile) -> bool:
        """Whether ``file`` can copy a sync value: it imports sync or sync/atomic, or the
        package has a type that holds one (a value of it can reach any file)."""
        found = self._files.get(file.path)
        if found is None:
            found = bool(self.holders) or (
                _SYNC_IMPORT.search(file.data) is not None
                and any(
                    p in ("sync", "sync/atomic")
                    for p in self.resolver.index.imports.get(file.path, {}).values()
                )
            )
            self._files[file.path] = found
        return found

    def file_may_copy(self, file: SourceFile) -> bool:
        """Whether some declaration of ``file`` may be ``declaration_relevant``, judged from
        its bytes and the package's facts (before it is parsed)."""
        found = self._may_copy.get(file.path)
        if found is None:
            found = self._may_copy[file.path] = (
                self.relevant
                and self.file_relevant(file)
                and bool(self._names)  # then cheaper than _occurrences, and often False:
                and mentions_any(self._names_pattern, file.data)
                and bool(self._occurrences(file)[0])
            )
        return found

    @cached_property
    def _names_pattern(self) -> re.Pattern[bytes]:
        return word_pattern(self._names)

    @cached_property
    def holders(self) -> frozenset[str]:
        """The package's own types that hold a sync value."""
        return frozenset(t.name for t in self._scope.types if self._named_paths(t.name, 0))

    @cached_property
    def _scope(self) -> _Scope:
        """The declarations through which a sync value can be held or reached, from the
        files that can declare one: those whose declarations (not function bodies: see
        ``declaration_mentions``) mention sync or Lock (a lock-shaped type's methods), and
        then, to a fixpoint, those whose declarations mention a name such a declaration
        gives. A declaration that mentions none of these holds and reaches no sync value, so
        the other files are not read (nor parsed) for it. A name declared for several builds
        is looked at in each file that declares it: the names found are a superset of what
        the index alone would give, which only lets more declarations through the gates."""
        index = self.resolver.index
        scope = _Scope()
        new = [
            f
            for f in self.pkg.files
            if declaration_mentions(f, _seed_pattern(self._sync_names[f.path]))
        ]
        names: set[str] = set()
        asked: set[str] = set()  # names the files left out have been searched for already
        while new:
            scope.files.extend(new)
            added = _Scope()
            for f in new:
                added.add(*index.declared_in(f))
            scope.add(added.types, added.vars, added.funcs)
            # Judged as if the scope were complete: a type declared outside it holds nothing
            # (so its file is not read). A type that does hold a value is in the scope once
            # it is complete; until then, what was judged from a type now found in it is
            # judged again.
            self._scope_types = frozenset(t.name for t in scope.types)
            if self._outside & {t.name for t in added.types}:
                self._named.clear()
                self._deep.clear()
                self._outside.clear()
                names = set(self._reaching_names(scope.types, scope.vars, scope.funcs))
            else:
                names.update(self._reaching_names(added.types, added.vars, added.funcs))
            pattern = names_pattern(names - asked)
            asked |= names
            chosen = {f.path for f in scope.files}
            new = [
                f
                for f in self.pkg.files
                if pattern is not None and f.path not in chosen and declaration_mentions(f, pattern)
            ]
        return scope

    @cached_property
    def _sync_names(self) -> dict[str, frozenset[str]]:
        """By file path, the names under which the file may import sync or sync/atomic."""
        return {f.path: _sync_import_names(f.data) for f in self.pkg.files}

    def _reaching_names(
        self, types: list[TypeDecl], variables: list[VarDecl], funcs: list[FuncDecl]
    ) -> Iterator[str]:
        """The names these declarations give to what holds or reaches a sync value: types,
        their fields, variables and functions (by their results), and the receiver types of
        Lock and Unlock methods (lock-shaped types)."""
        r = self.resolver
        for decl in types:
            if self._named_paths(decl.name, 0) or self._reaches_deep(
                r.type_from_node(decl.type_node, decl.file)
            ):
                yield decl.name
            for f in decl.fields.values():
                if self._reaches_deep(r.type_from_node(f.type_node, decl.file)):
                    yield f.name
        for var in variables:
            if self._reaches_deep(self._var_type(var)):
                yield var.name
        for func in funcs:
            if func.receiver_type and func.name in ("Lock", "Unlock"):
                yield func.receiver_type
            if self._result_reaches(func) is not None:
                yield func.name

    def _var_type(self, var: VarDecl) -> GoType | None:
        r = self.resolver
        if var.type_node is not None:
            return r.type_from_node(var.type_node, var.file)
        return r.type_of(var.value, var.file)

    def _result_reaches(self, func: FuncDecl) -> bool | None:
        """Whether ``func``'s results hold a sync value (True), only reach one (False), or
        neither (None)."""
        result = func.node.child_by_field_name("result")
        if result is None:
            return None
        if self.type_node_paths(result, func.file, 0):
            return True
        types = (
            [p.child_by_field_name("type") for p in result.named_children]
            if result.type == "parameter_list"
            else [result]
        )
        r = self.resolver
        if any(t is not None and self._reaches_deep(r.type_from_node(t, func.file)) for t in types):
            return False
        return None

    @cached_property
    def _names(self) -> frozenset[str]:
        """Every name through which a sync-holding value can enter a declaration: the
        holder types, fields and package variables that reach one, and functions whose
        results do. A declaration that mentions none of them (nor the sync packages) holds
        no such value, so no copy site in it needs resolving."""
        strong, extra = self._strong_names
        return frozenset(self.holders) | self._field_names | (strong - extra)

    @cached_property
    def _strong_names(self) -> tuple[frozenset[str], frozenset[str]]:
        """(names, the ones among them that ``_names`` leaves out). Names that may bring a
        sync-holding value wherever they occur: package variables, the sync packages and their
        import names, and functions whose results hold one (for ``_names``), or reach one
        through a pointer, slice, map, channel or a named type of the package (`range
        s.p.items()` copies with no `*`)."""
        scope = self._scope
        names = set(self._var_names) | {"sync", "atomic"}
        extra = {var.name for var in scope.vars if self._reaches_deep(self._var_type(var))}
        for func in scope.funcs:
            holds = self._result_reaches(func)
            if holds:
                names.add(func.name)
            elif holds is not None:
                extra.add(func.name)
        for found in self._sync_names.values():
            names.update(found)
        extra -= names
        return frozenset(names | extra), frozenset(extra)

    def _reaches_deep(self, t: GoType | None, depth: int = 0) -> bool:
        """``_reaches``, also through the named types of this package (`type Conns []Conn`)
        and the results of func types (`get func() Conn`); cached by type."""
        if t is None:
            return False
        if depth == 0:
            found = self._deep.get(t)
            if found is None:
                found = self._deep[t] = self._walk_deep(t, 0)
            return found
        return self._walk_deep(t, depth)

    def _walk_deep(self, t: GoType | None, depth: int) -> bool:
        index = self.resolver.index
        while t is not None and depth < 12:
            if self.sync_paths(t):
                return True
            depth += 1
            if t.kind in ("pointer", "slice", "array", "map", "chan"):
                t = t.elem
            elif t.kind == "named" and not t.pkg:
                if self._scope_types is not None and t.name not in self._scope_types:
                    self._outside.add(t.name)
                    return False
                if t.name not in index.types:
                    return False
                decl = index.types[t.name]
                t = self.resolver.type_from_node(decl.type_node, decl.file)
            elif t.kind == "func":
                return any(self._reaches_deep(x, depth) for x in t.results)
            else:
                return False
        return False

    @cached_property
    def _gate(self) -> tuple[re.Pattern[bytes], frozenset[bytes], dict[bytes, int]]:
        """(pattern, the names of ``_names``, when an occurrence is harmless) for
        ``declaration_relevant``. An occurrence of a name is harmless, bringing no sync value
        into the declaration, when it is harmless in every role the name has: a type that
        reaches one (_TYPE) when written `*Name`, `&Name`, `new(Name)` (pointers are no
        copies) or `x.Name` (another package's type, or a field or method, judged by their
        own roles); a field that reaches one (_FIELD) when not selected (`x.Name`: fields are
        only reached so) or selected into (`s.mu.Lock()`, `s.in.x`: the copied field or
        element ends its expression); a field that reaches one only as a pointer to a struct
        (`s.p`, `s.p.x`: only a `*` dereference copies through it) always. A name of
        ``_strong_names`` is never harmless."""
        strong = self._strong_names[0]
        r = self.resolver
        weak: dict[bytes, int] = {}
        for decl in self._scope.types:
            if decl.name in self.holders or self._reaches_deep(
                r.type_from_node(decl.type_node, decl.file)
            ):
                weak[decl.name.encode()] = _TYPE
        for decl in self._scope.types:
            for f in decl.fields.values():
                ft = r.type_from_node(f.type_node, decl.file)
                if ft is not None and self._reaches_deep(ft):
                    key = f.name.encode()
                    weak[key] = weak.get(key, 0) | (0 if self._struct_pointer(ft) else _FIELD)
        for name in strong:
            weak.pop(name.encode(), None)
        every = self._names | strong | {n.decode() for n in weak}
        return word_pattern(every), frozenset(n.encode() for n in self._names), weak

    def _struct_pointer(self, t: GoType) -> bool:
        """``t`` is a pointer to a sync type or to a struct type of this package (not to an
        array: ranging over a pointer to an array copies its elements)."""
        elem = t.elem
        if t.kind != "pointer" or elem is None or elem.kind != "named":
            return False
        if elem.pkg in ("sync", "sync/atomic"):
            return True
        decl = None if elem.pkg else self.resolver.index.types.get(elem.name)
        return decl is not None and decl.type_node.type == "struct_type"

    def _occurrences(self, file: SourceFile) -> tuple[list[int], list[int]]:
        """Where in ``file`` a name of ``_names`` occurs, and where an occurrence of a name of
        ``_gate`` is not harmless; found once per file, for all its declarations."""
        found = self._occurs.get(file.path)
        if found is not None:
            return found
        pattern, old, weak = self._gate
        data = file.data
        seen: list[int] = []
        strong: list[int] = []
        for m in name_matches(pattern, data):
            a, b = m.span()
            name = m.group()
            if name in old:
                seen.append(a)
            flags = weak.get(name)
            if (
                flags is None
                or (flags & _TYPE and not _pointer_or_selected(data, a))
                or (flags & _FIELD and _selected(data, a) and data[b : b + 1] != b".")
            ):
                strong.append(a)
        found = self._occurs[file.path] = (seen, strong)
        return found

    def _decl_relevant(self, node: Node, file: SourceFile) -> bool:
        decl = self.resolver.top_declaration(node, file)
        return True if decl is None else self.declaration_relevant(decl, file)

    def declaration_relevant(self, decl: Node, file: SourceFile) -> bool:
        """Whether the top-level declaration ``decl`` can copy a sync value at all."""
        if not self.relevant or not self.file_relevant(file):
            return False
        found = self._decls.get(decl.id)
        if found is None:
            start, end = decl.start_byte, decl.end_byte
            seen, strong = (_within(at, start, end) for at in self._occurrences(file))
            # Named only harmlessly: relevant only if something is dereferenced (`*p`).
            found = seen and (strong or _dereferences(file, decl))
            self._decls[decl.id] = found
        return found

    def sites(self, node: Node, file: SourceFile) -> list[CopySite]:
        """The copies made at ``node`` (one of the kinds in ``SITE_KINDS``), cached."""
        found = self._sites.get(node.id)
        if found is None:
            if not self.file_relevant(file) or not self._decl_relevant(node, file):
                found = []
            else:
                found = list(self._find(node, file))
            self._sites[node.id] = found
        return found

    def _find(self, node: Node, file: SourceFile) -> Iterator[CopySite]:
        kind = node.type
        if kind == "call_expression":
            yield from self._call(node, file)
        elif kind in ("short_var_declaration", "assignment_statement"):
            yield from self._assignment(node, file)
        elif kind == "var_spec":
            yield from self._var_spec(node, file)
        elif kind == "return_statement":
            for value in node.named_children[0].named_children if node.named_children else []:
                yield from self._site(value, file, "return copies {x}")
        elif kind == "range_clause":
            yield from self._range(node, file)
        elif kind == "literal_value":
            yield from self._literal(node, file)
        elif kind in FUNC_KINDS:
            yield from self._signature(node, file)

    def _site(
        self, expr: Node, file: SourceFile, template: str, **names: str
    ) -> Iterator[CopySite]:
        if expr.is_extra:
            return
        copied = self.copied_value(expr, file)
        if copied is not None:
            what = template.format(x=_short(file.text(expr)), **names)
            yield CopySite(expr, file, what, copied[0], copied[1])

    def _call(self, call: Node, file: SourceFile) -> Iterator[CopySite]:
        fn = call.child_by_field_name("function")
        args = call.child_by_field_name("arguments")
        if fn is None or args is None:
            return
        fn = unparen(fn)
        r = self.resolver
        if fn.type == "identifier":
            builtin = file.text(fn)
            if builtin in _NO_COPY_BUILTINS and r.is_builtin(fn, file, builtin):
                return
        name = _short(file.text(fn))
        for arg in args.named_children:
            if arg.type == "variadic_argument":
                continue
            for site in self._site(arg, file, "call of {f} passes {x} by value", f=name):
                if self._not_evaluated(call, fn, file):
                    return
                yield site

    def _not_evaluated(self, call: Node, fn: Node, file: SourceFile) -> bool:
        """unsafe.Sizeof/Offsetof/Alignof: the argument is not evaluated (checked lazily:
        only for calls that pass a sync value)."""
        target = self.resolver.pkg_func(call, file)
        if target is not None:
            return target[0] == "unsafe" and target[1] in _UNSAFE_FUNCS
        return (
            fn.type == "identifier"
            and file.text(fn) in _UNSAFE_FUNCS
            and b'. "unsafe"' in file.data  # `import . "unsafe"`
            and self.resolver.binding(fn, file) is None
        )

    def _assignment(self, node: Node, file: SourceFile) -> Iterator[CopySite]:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is None or right is None:
            return
        if node.type == "assignment_statement":
            op = node.child_by_field_name("operator")
            if op is not None and op.type != "=":
                return
        targets = [c for c in left.named_children if not c.is_extra]
        values = [c for c in right.named_children if not c.is_extra]
        if len(values) == 1 and len(targets) == 2:
            values = [values[0], values[0]]  # `v, ok := m[k]`: the value is the first result
            targets = targets[:1]
        for target, value in zip(targets, values, strict=False):
            if target.type == "identifier" and file.text(target) == "_":
                continue
            yield from self._site(value, file, "assignment copies {x} to {t}", t=file.text(target))

    def _var_spec(self, node: Node, file: SourceFile) -> Iterator[CopySite]:
        names = [c for c in node.children_by_field_name("name") if c.is_named]
        value_list = node.child_by_field_name("value")
        values = [c for c in value_list.named_children if not c.is_extra] if value_list else []
        if len(values) != len(names):
            values = values[:1] if len(names) == 2 and len(values) == 1 else []
        for name, value in zip(names, values, strict=False):
            if file.text(name) == "_":
                continue
            yield from self._site(
                value, file, "variable declaration copies {x} to {t}", t=file.text(name)
            )

    def _range(self, clause: Node, file: SourceFile) -> Iterator[CopySite]:
        left = clause.child_by_field_name("left")
        if left is None:
            return
        declares = any(c.type == ":=" for c in clause.children)
        r = self.resolver
        for var in left.named_children:
            if var.is_extra or (var.type == "identifier" and file.text(var) == "_"):
                continue
            t: GoType | None
            if declares:
                b = r.binding(var, file)
                t = r.binding_type(b) if b is not None else None
            else:
                t = r.type_of(var, file)
            paths = self.sync_paths(t)
            if t is not None and paths:
                what = f"range variable {file.text(var)} copies each element"
                yield CopySite(var, file, what, type_text(t), paths)

    def _literal(self, body: Node, file: SourceFile) -> Iterator[CopySite]:
        for element in body.named_children:
            if element.type == "keyed_element":
                value = element.child_by_field_name("value")
            elif element.type == "literal_element":
                value = element
            else:
                continue
            if value is None:
                continue
            inner = (
                value.named_children[0]
                if value.type == "literal_element" and value.named_children
                else value
            )
            if inner.type == "literal_value":
                continue  # `{...}`: a fresh value of the element type
            yield from self._site(inner, file, "composite literal copies {x}")

    def _signature(self, func: Node, file: SourceFile) -> Iterator[CopySite]:
        type_params = _type_params(func, file)
        fname = _func_label(func, file)
        receiver = func.child_by_field_name("receiver")
        if receiver is not None:
            for param in receiver.named_children:
                if param.type != "parameter_declaration":
                    continue
                tnode = param.child_by_field_name("type")
                if tnode is None or tnode.type == "pointer_type":
                    continue
                paths = self._param_paths(tnode, file, type_params)
                if paths:
                    pname = param.child_by_field_name("name")
                    who = (
                        f"value receiver {file.text(pname)}"
                        if pname is not None
                        else "value receiver"
                    )
                    what = f"{who} of {fname} copies the {_type_node_text(tnode, file)}"
                    yield CopySite(
                        tnode, file, what, _type_node_text(tnode, file), paths, receiver_type=tnode
                    )
        params = func.child_by_field_name("parameters")
        if params is None:
            return
        for param in params.named_children:
            if param.type != "parameter_declaration":
                continue  # variadic: the arguments are copied into a slice, seen at the call
            tnode = param.child_by_field_name("type")
            if tnode is None:
                continue
            paths = self._param_paths(tnode, file, type_params)
            if not paths:
                continue
            names = [file.text(c) for c in param.children_by_field_name("name") if c.is_named]
            who = f"parameter {', '.join(names)}" if names else "a parameter"
            what = f"{who} of {fname} is passed by value"
            yield CopySite(tnode, file, what, _type_node_text(tnode, file), paths)

    def _param_paths(
        self, tnode: Node, file: SourceFile, type_params: frozenset[str]
    ) -> tuple[SyncPath, ...]:
        base = tnode.child_by_field_name("type") if tnode.type == "generic_type" else tnode
        if base is not None and base.type == "type_identifier" and file.text(base) in type_params:
            return ()
        return self.type_node_paths(tnode, file)


# Node kinds at which copies happen: what a rule using this module must hook.
SITE_KINDS = (
    "call_expression",
    "short_var_declaration",
    "assignment_statement",
    "var_spec",
    "return_statement",
    "range_clause",
    "literal_value",
    "function_declaration",
    "method_declaration",
    "func_literal",
)


def _selected(data: bytes, at: int) -> bool:
    """The name at ``at`` follows a `.` (`x.Name`, `x.\n\tName`)."""
    i = at - 1
    while i >= 0 and data[i] in b" \t\r\n":
        i -= 1
    return i >= 0 and data[i] == 0x2E


def _pointer_or_selected(data: bytes, at: int) -> bool:
    """The name at ``at`` is written `*Name`, `&Name`, `x.Name` or `new(Name`."""
    if at == 0:
        return False
    if data[at - 1] in b"*&.":
        return True
    return data[at - 4 : at] == b"new(" and data[at - 5 : at - 4] not in NAME_BYTES


def _sync_import_names(data: bytes) -> frozenset[str]:
    """The names under which ``data`` may import sync or sync/atomic (a superset)."""
    names: set[str] = set()
    if b"sync" not in data:  # much faster than the regex's search
        return frozenset()
    for m in _SYNC_IMPORT.finditer(data):
        alias = names_before(data, m.start())
        if alias and alias[0] != b"_":
            names.add(alias[0].decode("utf-8", "replace"))
        else:
            names.add("atomic" if data[m.end() - 1 : m.end()] == b"/" else "sync")
    return frozenset(names)


@functools.cache
def _seed_pattern(imported: frozenset[str]) -> re.Pattern[bytes]:
    """What a declaration that holds a sync value, or a lock-shaped type's method, names."""
    return word_pattern(imported | {"sync", "atomic", "Lock"})


def _within(positions: list[int], start: int, end: int) -> bool:
    """Whether one of the sorted ``positions`` is in [start, end)."""
    i = bisect_left(positions, start)
    return i < len(positions) and positions[i] < end


def _dereferences(file: SourceFile, decl: Node) -> bool:
    """Whether ``decl`` holds a `*x` expression (its `*` is a unary expression's operator)."""
    for node in file.tokens.token_nodes_in(b"*", decl.start_byte, decl.end_byte):
        parent = node.parent
        if parent is not None and parent.type == "unary_expression":
            return True
    return False


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:37] + "..."


def _type_node_text(node: Node, file: SourceFile) -> str:
    return " ".join(file.text(node).split())


def _type_params(func: Node, file: SourceFile) -> frozenset[str]:
    """Type parameter names in scope of a declaration (its own and its receiver's)."""
    names: set[str] = set()
    tparams = func.child_by_field_name("type_parameters")
    if tparams is not None:
        for decl in tparams.named_children:
            names.update(file.text(c) for c in decl.children_by_field_name("name") if c.is_named)
    receiver = func.child_by_field_name("receiver")
    if receiver is not None:
        for ident in descendants(receiver, frozenset({"type_identifier"})):
            parent = ident.parent
            if parent is not None and parent.type == "type_elem":
                parent = parent.parent
            if parent is not None and parent.type == "type_arguments":
                names.add(file.text(ident))
    return frozenset(names)


def _func_label(func: Node, file: SourceFile) -> str:
    name = func.child_by_field_name("name")
    if func.type == "func_literal" or name is None:
        return "func literal"
    if func.type == "method_declaration":
        recv = func.child_by_field_name("receiver")
        types = list(descendants(recv, frozenset({"type_identifier"}))) if recv is not None else []
        if types:
            return f"{file.text(types[0])}.{file.text(name)}"
    return file.text(name)
