"""Package index: the top-level declarations of one Go package, across all its files.

Only declarations are read here (types and struct fields, functions and methods, package
variables, imports); function bodies are left to types.py and the rules. Built for every
file of a package, including files that no rule walks, because facts cross files.
"""

from __future__ import annotations

from functools import cached_property

import attrs
from tree_sitter import Node

from goconc.analyzer.source import SourceFile


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
class PackageIndex:
    name: str
    files: list[SourceFile]
    imports: dict[str, dict[str, str]] = attrs.Factory(dict)  # file path -> import name -> path
    types: dict[str, TypeDecl] = attrs.Factory(dict)
    funcs: dict[str, FuncDecl] = attrs.Factory(dict)
    methods: dict[str, dict[str, FuncDecl]] = attrs.Factory(dict)  # receiver type -> name
    vars: dict[str, VarDecl] = attrs.Factory(dict)

    def import_path(self, file: SourceFile, name: str) -> str | None:
        """The import path behind a package name used in ``file`` (aliases resolved)."""
        return self.imports.get(file.path, {}).get(name)

    def method(self, type_name: str, name: str) -> FuncDecl | None:
        return self.methods.get(type_name, {}).get(name)

    def all_functions(self) -> list[FuncDecl]:
        found = list(self.funcs.values())
        for methods in self.methods.values():
            found.extend(methods.values())
        return found


def build_index(name: str, files: list[SourceFile]) -> PackageIndex:
    index = PackageIndex(name=name, files=files)
    for file in files:
        for decl in file.root.named_children:
            kind = decl.type
            if kind == "import_declaration":
                _index_imports(index, file, decl)
            elif kind == "function_declaration":
                _index_function(index, file, decl)
            elif kind == "method_declaration":
                _index_method(index, file, decl)
            elif kind == "type_declaration":
                for spec in decl.named_children:
                    if spec.type in ("type_spec", "type_alias"):
                        _index_type(index, file, spec)
            elif kind == "var_declaration":
                for spec in _specs(decl, "var_spec"):
                    _index_var(index, file, spec)
    return index


def _specs(decl: Node, kind: str) -> list[Node]:
    found: list[Node] = []
    for child in decl.named_children:
        if child.type == kind:
            found.append(child)
        elif child.type.endswith("_spec_list"):
            found.extend(c for c in child.named_children if c.type == kind)
    return found


def _index_imports(index: PackageIndex, file: SourceFile, decl: Node) -> None:
    table = index.imports.setdefault(file.path, {})
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


def _index_function(index: PackageIndex, file: SourceFile, node: Node) -> None:
    name = node.child_by_field_name("name")
    if name is not None:
        fname = file.text(name)
        if fname not in ("init", "_"):  # several init funcs may exist; none can be called
            index.funcs[fname] = FuncDecl(fname, node, file)


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


def _index_method(index: PackageIndex, file: SourceFile, node: Node) -> None:
    name = node.child_by_field_name("name")
    type_name, recv_name, pointer = receiver_of(node, file)
    if name is None or type_name is None:
        return
    mname = file.text(name)
    index.methods.setdefault(type_name, {})[mname] = FuncDecl(
        mname, node, file, type_name, recv_name, pointer
    )


def _index_type(index: PackageIndex, file: SourceFile, spec: Node) -> None:
    name = spec.child_by_field_name("name")
    type_node = spec.child_by_field_name("type")
    if name is None or type_node is None:
        return
    decl = TypeDecl(file.text(name), spec, type_node, file)
    index.types[decl.name] = decl


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


def _index_var(index: PackageIndex, file: SourceFile, spec: Node) -> None:
    names = [c for c in spec.children_by_field_name("name") if c.is_named]
    type_node = spec.child_by_field_name("type")
    value_list = spec.child_by_field_name("value")
    values = [c for c in value_list.named_children if not c.is_extra] if value_list else []
    for i, n in enumerate(names):
        value = values[i] if len(values) == len(names) else None
        index.vars[file.text(n)] = VarDecl(file.text(n), n, type_node, value, file)
