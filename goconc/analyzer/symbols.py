"""Package index: the top-level declarations of one Go package, across all its files.

Only declarations are read here (types and struct fields, functions and methods, package
variables and constants, imports); function bodies are left to types.py and the rules. Facts
cross files, but a file is read (and so parsed) only when a name it may declare is looked up.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from functools import cached_property
from typing import TypeVar

import attrs
from tree_sitter import Node

from goconc.analyzer.constraints import compatible
from goconc.analyzer.source import SourceFile
from goconc.analyzer.tokens import NAME, name_matches

V = TypeVar("V")
D = TypeVar("D", "TypeDecl", "FuncDecl", "VarDecl")


@attrs.define(eq=False)
class FuncDecl:
    name: str
    node: Node  # function_declaration | method_declaration
    file: SourceFile
    receiver_type: str | None = None  # base type name of a method's receiver: "Pool"
    receiver_name: str | None = None
    receiver_pointer: bool = False

    @property
    def qualified_name(self) -> str:
        return f"{self.receiver_type}.{self.name}" if self.receiver_type else self.name


@attrs.define(eq=False)
class Field:
    name: str  # for an embedded field, the type's own name (Mutex for sync.Mutex)
    type_node: Node
    embedded: bool
    pointer_embed: bool = False  # embedded *T


@attrs.define(eq=False)
class TypeDecl:
    name: str
    node: Node  # type_spec | type_alias
    type_node: Node  # the declared type
    file: SourceFile

    @cached_property
    def fields(self) -> dict[str, Field]:
        """A struct type's fields, in declaration order (read on first use); else none."""
        if self.type_node.type != "struct_type":
            return {}
        return struct_fields(self.type_node, self.file)


@attrs.define(eq=False)
class VarDecl:
    name: str
    node: Node  # the identifier
    type_node: Node | None
    value: Node | None  # its initializer expression, when one value per name
    file: SourceFile


def import_name(path: str) -> str:
    """The name a package is imported under by default: its last path element (v2 skipped)."""
    parts = path.split("/")
    last = parts[-1]
    if len(parts) > 1 and last.startswith("v") and last[1:].isdigit():
        last = parts[-2]
    return last.removeprefix("go-").replace("-", "_").replace(".", "_")


@attrs.define(eq=False)
class _FileDecls:
    """The top-level declarations of one file, in declaration order."""

    imports: dict[str, str] = attrs.Factory(dict)  # import name -> path
    types: list[TypeDecl] = attrs.Factory(list)
    funcs: list[FuncDecl] = attrs.Factory(list)
    methods: list[FuncDecl] = attrs.Factory(list)
    vars: list[VarDecl] = attrs.Factory(list)
    consts: list[VarDecl] = attrs.Factory(list)


class _Table(Mapping[str, V]):
    """One of the index's tables, filled as names are looked up (see PackageIndex)."""

    def __init__(self, index: PackageIndex, kind: str) -> None:
        self._index = index
        self._kind = kind
        self.data: dict[str, V] = {}

    def __getitem__(self, name: str) -> V:
        self._index.complete(self._kind, name)
        return self.data[name]

    def __iter__(self) -> Iterator[str]:
        self._index.complete_all()
        return iter(self.data)

    def __len__(self) -> int:
        self._index.complete_all()
        return len(self.data)


class PackageIndex:
    """The package's top-level declarations, read file by file as they are needed.

    A lookup by name (``types.get("Pool")``) reads the files that may declare that name (see
    ``declared_names``: a superset found in the bytes, so most files are never parsed for
    it), and iterating a table reads every file. Where a name is declared twice, in files
    for different builds (constraints.py), a table holds the last in folder order, as if all
    files had been read in order; ``variants``, ``linked_with`` and ``type_variants`` give
    them all, for the questions that must not take one build's declaration for another's."""

    def __init__(self, name: str, files: list[SourceFile]) -> None:
        self.name = name
        self.files = files
        self.imports: _Table[dict[str, str]] = _Table(self, "imports")  # by file path
        self.types: _Table[TypeDecl] = _Table(self, "types")
        self.funcs: _Table[FuncDecl] = _Table(self, "funcs")
        self.methods: _Table[dict[str, FuncDecl]] = _Table(self, "methods")  # by receiver
        self.vars: _Table[VarDecl] = _Table(self, "vars")
        self.consts: _Table[VarDecl] = _Table(self, "consts")
        self._order = {f.path: i for i, f in enumerate(files)}
        self._read: dict[str, _FileDecls] = {}  # by path
        self._asked: dict[str, set[str]] = {}  # by kind: the names whose files are read
        self._const_counts: dict[str, int] = {}
        # Every declaration of a type, function or method ("T.M"), as files are read.
        self._types_read: dict[str, list[TypeDecl]] = {}
        self._funcs_read: dict[str, list[FuncDecl]] = {}
        self._all = False
        self._declarers: dict[str, dict[str, list[SourceFile]]] | None = None  # see _unread

    def import_path(self, file: SourceFile, name: str) -> str | None:
        """The import path behind a package name used in ``file`` (aliases resolved)."""
        return self.imports.get(file.path, {}).get(name)

    def method(self, type_name: str, name: str) -> FuncDecl | None:
        self.complete("method", f"{type_name}.{name}")
        return self.methods.data.get(type_name, {}).get(name)

    def methods_named(self, name: str) -> list[FuncDecl]:
        """Every method called ``name``, of any type of the package (reads only the files
        that may declare one)."""
        self.complete("method_name", name)
        return [ms[name] for ms in self.methods.data.values() if name in ms]

    def all_functions(self) -> list[FuncDecl]:
        found = list(self.funcs.values())
        for methods in self.methods.values():
            found.extend(methods.values())
        return found

    def declared_in(self, file: SourceFile) -> tuple[list[TypeDecl], list[VarDecl], list[FuncDecl]]:
        """The types, package variables and functions (methods too) declared in ``file``,
        whether or not another file declares the same name for another build."""
        if file.path not in self._read:
            self._add(file)
        decls = self._read[file.path]
        return decls.types, decls.vars, decls.funcs + decls.methods

    def declared_twice(self, name: str) -> bool:
        """Whether a type ``name`` is declared more than once (build-tag variants); reads
        the files that may declare it only until a second declaration is found."""
        self.complete("types", name, until=lambda: len(self._types_read.get(name, ())) > 1)
        return len(self._types_read.get(name, ())) > 1

    def type_variants(self, name: str) -> list[TypeDecl]:
        """Every declaration of the type ``name``, in folder order (several: build variants)."""
        self.complete("types", name)
        found = self._types_read.get(name, [])
        return sorted(found, key=self._in_order) if len(found) > 1 else list(found)

    def variants(self, decl: FuncDecl) -> list[FuncDecl]:
        """Every declaration of ``decl``'s function or method, in folder order: more than one
        where files for different builds each declare it (`f` in x_unix.go and x_windows.go)."""
        if decl.receiver_type is None:
            self.complete("funcs", decl.name)
        else:
            self.complete("method", decl.qualified_name)
        found = self._funcs_read.get(decl.qualified_name, ())
        return sorted(found, key=self._in_order) if len(found) > 1 else [decl]

    def linked_with(self, decl: FuncDecl, file: SourceFile) -> list[FuncDecl]:
        """The declarations of ``decl``'s function or method that a build of ``file`` may
        link: the one, or each variant whose file some build compiles along with ``file``."""
        found = self.variants(decl)
        if len(found) == 1:
            return found
        return [d for d in found if compatible(d.file.constraint, file.constraint)]

    def _in_order(self, decl: TypeDecl | FuncDecl) -> int:
        return self._order.get(decl.file.path, -1)

    def constant(self, name: str) -> VarDecl | None:
        """The package constant ``name`` when exactly one file declares it (build-tag
        variants may give it different values: then None)."""
        found = self.consts.get(name)
        return found if found is not None and self._const_counts.get(name, 0) == 1 else None

    # -- reading files as needed ---------------------------------------------------------
    def complete(self, kind: str, name: str, until: Callable[[], bool] | None = None) -> None:
        """Read every file that may hold a declaration for ``types[name]`` (``funcs``,
        ``vars``), ``methods[name]`` (methods of the type ``name``), ``method("T.M")`` or
        ``imports[path]``; or only until ``until()`` holds."""
        asked = self._asked.setdefault(kind, set())
        if name in asked or self._all or (until is not None and until()):
            return
        if kind == "imports":
            found = [f for f in self.files if f.path == name]
        else:
            table = kind if kind in ("methods", "method", "method_name") else "names"
            found = self._unread()[table].get(name, [])
        for f in found:
            if f.path not in self._read:
                self._add(f)
                if until is not None and until():
                    return  # the rest is read when asked again
        asked.add(name)

    def complete_all(self) -> None:
        if self._all:
            return
        for f in self.files:
            if f.path not in self._read:
                self._read_file(f)
        self._all = True
        # Rebuilt in folder order, so that iteration order is that of the files.
        for table in (self.imports, self.types, self.funcs, self.methods, self.vars, self.consts):
            table.data.clear()
        for f in self.files:
            self._merge(f, self._read[f.path])

    def _unread(self) -> dict[str, dict[str, list[SourceFile]]]:
        """For the files not read yet (from their bytes): by name, those that may declare
        it ("names"); by type, those that may declare methods of it ("methods"); by "T.M",
        those that may declare that method ("method"); by "M", those that may declare a
        method M of any type ("method_name")."""
        if self._declarers is None:
            for f in self.files:
                if f.parsed and f.path not in self._read:
                    self._add(f)  # reading a parsed file's declarations costs little
            tables: dict[str, dict[str, list[SourceFile]]] = {
                "names": {},
                "methods": {},
                "method": {},
                "method_name": {},
            }
            for f in self.files:
                if f.path in self._read:
                    continue
                names, received, methods = declared_names(f.outline)
                for table, keys in (
                    ("names", names),
                    ("methods", received),
                    ("method", methods),
                    ("method_name", {m.split(".", 1)[1] for m in methods}),
                ):
                    for key in keys:
                        tables[table].setdefault(key, []).append(f)
            self._declarers = tables
        return self._declarers

    def _add(self, f: SourceFile) -> None:
        self._merge(f, self._read_file(f))

    def _read_file(self, f: SourceFile) -> _FileDecls:
        decls = self._read[f.path] = read_declarations(f)
        for t in decls.types:
            self._types_read.setdefault(t.name, []).append(t)
        for fn in (*decls.funcs, *decls.methods):
            self._funcs_read.setdefault(fn.qualified_name, []).append(fn)
        for c in decls.consts:
            self._const_counts[c.name] = self._const_counts.get(c.name, 0) + 1
        return decls

    def _merge(self, f: SourceFile, decls: _FileDecls) -> None:
        self.imports.data[f.path] = decls.imports
        for t in decls.types:
            self._keep_later(self.types.data, t)
        for fn in decls.funcs:
            self._keep_later(self.funcs.data, fn)
        for m in decls.methods:
            self._keep_later(self.methods.data.setdefault(m.receiver_type or "", {}), m)
        for v in decls.vars:
            self._keep_later(self.vars.data, v)
        for c in decls.consts:
            self._keep_later(self.consts.data, c)

    def _keep_later(self, table: dict[str, D], decl: D) -> None:
        """Put ``decl`` in ``table`` unless a file later in folder order declares its name."""
        old = table.get(decl.name)
        if old is None or self._order[old.file.path] <= self._order[decl.file.path]:
            table[decl.name] = decl


def read_declarations(file: SourceFile) -> _FileDecls:
    """A file's top-level declarations (this parses it)."""
    found = _FileDecls()
    for decl in file.root.named_children:
        kind = decl.type
        if kind == "import_declaration":
            _read_imports(found.imports, file, decl)
        elif kind == "function_declaration":
            name = decl.child_by_field_name("name")
            if name is not None:
                fname = file.text(name)
                if fname not in ("init", "_"):  # several init funcs may exist; none is called
                    found.funcs.append(FuncDecl(fname, decl, file))
        elif kind == "method_declaration":
            method = _read_method(file, decl)
            if method is not None:
                found.methods.append(method)
        elif kind == "type_declaration":
            for spec in decl.named_children:
                if spec.type in ("type_spec", "type_alias"):
                    t = _read_type(file, spec)
                    if t is not None:
                        found.types.append(t)
        elif kind == "var_declaration":
            for spec in _specs(decl, "var_spec"):
                found.vars.extend(_read_vars(file, spec))
        elif kind == "const_declaration":
            for spec in _specs(decl, "const_spec"):
                found.consts.extend(_read_vars(file, spec))
    return found


# Where a top-level name can be declared, found in the bytes (a superset: these also match
# in comments and function bodies, which costs a parse, never a declaration): `func f`,
# `type T`, `var v`, `var a, b`, `const c`, the names that start a spec in a `var (`,
# `const (` or `type (` group,
# and methods `func (r *T) M`. Each pattern starts with a literal, which `re` searches for
# many times faster than an alternation. (A comment between the keyword and the name, legal
# but never written, is not allowed for.)
_NAME = NAME.pattern
_NAMES = _NAME + rb"(?:\s*,\s*" + _NAME + rb")*"
_DECLARED = (
    re.compile(rb"func\s+(" + _NAME + rb")"),
    re.compile(rb"type\s+(" + _NAME + rb")"),
    re.compile(rb"var\s+(" + _NAMES + rb")"),
    re.compile(rb"const\s+(" + _NAMES + rb")"),
)
_GROUPS = (re.compile(rb"type\s*\("), re.compile(rb"var\s*\("), re.compile(rb"const\s*\("))
# In a group, a spec's names start a line or follow the `(` or a `;` (lines of struct and
# interface bodies start so too: a superset).
_SPEC_START = re.compile(rb"(?:^|[;(])[ \t]*(" + _NAMES + rb")", re.M)
_RECEIVER = re.compile(rb"func\s*\(([^)]{0,256})\)\s*(" + _NAME + rb")?")  # bounded: linear
# What can hide a parenthesis inside a group.
_GROUP_TOKEN = re.compile(
    rb"[()]|\"(?:[^\"\\\n]|\\.)*\"|`[^`]*`|'(?:[^'\\\n]|\\.)*'|//[^\n]*|/\*.*?\*/", re.S
)


def declared_names(data: bytes) -> tuple[set[str], set[str], set[str]]:
    """(names that ``data`` may declare at top level, types it may declare methods of, and
    methods as "T.M"), read from the bytes without parsing; supersets of what
    ``read_declarations`` finds."""
    found: set[bytes] = set()
    for pattern in _DECLARED:
        for m in name_matches(pattern, data):
            names = m.group(1)
            found.update(NAME.findall(names) if b"," in names else (names,))
    for pattern in _GROUPS:
        covered = 0  # a group inside one already read (or after an unclosed one) is read
        for m in name_matches(pattern, data):
            if m.start() < covered:
                continue
            covered = _group_end(data, m.end())
            for names in _SPEC_START.findall(data, m.end() - 1, covered):
                found.update(NAME.findall(names) if b"," in names else (names,))
    received: set[str] = set()
    methods: set[str] = set()
    for m in name_matches(_RECEIVER, data):
        recv, name = m.groups()
        types = [w.decode("utf-8", "replace") for w in NAME.findall(recv)]
        received.update(types)
        if name:
            method = name.decode("utf-8", "replace")
            methods.update(f"{t}.{method}" for t in types)
    return {w.decode("utf-8", "replace") for w in found}, received, methods


def declaration_mentions(file: SourceFile, pattern: re.Pattern[bytes]) -> bool:
    """Whether a name of ``pattern`` (a ``tokens.word_pattern``) occurs in ``file`` where a
    top-level declaration can use it: in its outline (not in a function body), and not as an
    import path or the name a package is imported under."""
    data = file.outline
    for m in name_matches(pattern, data):
        at, end = m.span()
        if data[at - 1 : at] in (b'"', b"/", b"`"):
            continue  # in an import path
        if data[end : end + 64].lstrip()[:1] not in (b'"', b"`"):
            return True
    return False


def _group_end(data: bytes, start: int) -> int:
    """Where the group whose `(` ends at ``start`` is closed."""
    depth = 1
    for m in _GROUP_TOKEN.finditer(data, start):
        token = m.group()
        if token == b"(":
            depth += 1
        elif token == b")":
            depth -= 1
            if depth == 0:
                return m.start()
    return len(data)


def _specs(decl: Node, kind: str) -> list[Node]:
    found: list[Node] = []
    for child in decl.named_children:
        if child.type == kind:
            found.append(child)
        elif child.type.endswith("_spec_list"):
            found.extend(c for c in child.named_children if c.type == kind)
    return found


def _read_imports(table: dict[str, str], file: SourceFile, decl: Node) -> None:
    for spec in _specs(decl, "import_spec"):
        path_node = spec.child_by_field_name("path")
        if path_node is None:
            continue
        path = file.text(path_node).strip('"`')
        alias = spec.child_by_field_name("name")
        if alias is None:
            table[import_name(path)] = path
        elif alias.type == "package_identifier":
            table[file.text(alias)] = path
        # `_` imports name nothing; `.` imports are not resolved (identity unknown: silent).


def receiver_of(node: Node, file: SourceFile) -> tuple[str | None, str | None, bool]:
    """(type name, receiver variable name, pointer?) of a method_declaration."""
    receiver = node.child_by_field_name("receiver")
    param = (
        next((c for c in receiver.named_children if c.type == "parameter_declaration"), None)
        if receiver is not None
        else None
    )
    if param is None:
        return None, None, False
    type_node = param.child_by_field_name("type")
    pointer = False
    while type_node is not None and type_node.type in ("pointer_type", "parenthesized_type"):
        pointer = pointer or type_node.type == "pointer_type"
        type_node = type_node.named_children[0] if type_node.named_children else None
    if type_node is not None and type_node.type == "generic_type":
        type_node = type_node.child_by_field_name("type")
    if type_node is None or type_node.type != "type_identifier":
        return None, None, pointer
    name_node = param.child_by_field_name("name")
    recv_name = file.text(name_node) if name_node is not None else None
    return file.text(type_node), recv_name, pointer


def _read_method(file: SourceFile, node: Node) -> FuncDecl | None:
    name = node.child_by_field_name("name")
    type_name, recv_name, pointer = receiver_of(node, file)
    if name is None or type_name is None:
        return None
    return FuncDecl(file.text(name), node, file, type_name, recv_name, pointer)


def _read_type(file: SourceFile, spec: Node) -> TypeDecl | None:
    name = spec.child_by_field_name("name")
    type_node = spec.child_by_field_name("type")
    if name is None or type_node is None:
        return None
    return TypeDecl(file.text(name), spec, type_node, file)


def struct_fields(struct: Node, file: SourceFile) -> dict[str, Field]:
    fields: dict[str, Field] = {}
    body = next((c for c in struct.named_children if c.type == "field_declaration_list"), None)
    if body is None:
        return fields
    for decl in body.named_children:
        if decl.type != "field_declaration":
            continue
        type_node = decl.child_by_field_name("type")
        if type_node is None:
            continue
        names = [c for c in decl.children_by_field_name("name") if c.is_named]
        if names:
            for n in names:
                fields[file.text(n)] = Field(file.text(n), type_node, embedded=False)
            continue
        # Embedded: `sync.Mutex`, `*sync.RWMutex` ("*" is an anonymous child), `Base`, `Base[T]`.
        pointer = any(not c.is_named and c.type == "*" for c in decl.children)
        base = type_node
        if base.type == "generic_type":
            base = base.child_by_field_name("type") or base
        if base.type == "qualified_type":
            base = base.child_by_field_name("name") or base
        fields[file.text(base)] = Field(file.text(base), type_node, True, pointer)
    return fields


def _read_vars(file: SourceFile, spec: Node) -> list[VarDecl]:
    names = [c for c in spec.children_by_field_name("name") if c.is_named]
    type_node = spec.child_by_field_name("type")
    value_list = spec.child_by_field_name("value")
    values = [c for c in value_list.named_children if not c.is_extra] if value_list else []
    return [
        VarDecl(file.text(n), n, type_node, values[i] if len(values) == len(names) else None, file)
        for i, n in enumerate(names)
    ]
