"""Static calls inside one package: which declaration a call reaches, and argument binding.

Calls to functions outside the package, through interfaces, or through function values
resolve to None: callers treat their arguments as escaped and stay silent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs
from tree_sitter import Node

from goconc.analyzer.matchers import call_args
from goconc.analyzer.source import SourceFile
from goconc.analyzer.symbols import FuncDecl
from goconc.analyzer.types import Resolver, unparen


@attrs.frozen
class Callee:
    decl: FuncDecl
    receiver: Node | None  # the operand of `x.m(...)`, bound to the method's receiver
    literal: Node | None = None  # for `func(...){...}(...)`: the literal itself


def callee(call: Node, file: SourceFile, resolver: Resolver) -> Callee | None:
    """The package function or method that ``call`` invokes, if static and one: where build
    variants of it (files for different builds, constraints.py) may each be linked with the
    caller's file, which one runs depends on the build, and the call is as unknown as a
    call outside the package (``callees`` gives them all)."""
    found = callees(call, file, resolver)
    return found[0] if len(found) == 1 else None


def callees(call: Node, file: SourceFile, resolver: Resolver) -> list[Callee]:
    """Every declaration ``call`` may reach: the package function or method it invokes, or
    each build variant of it that may be linked with the caller's file; none when the call
    is not static."""
    fn = call.child_by_field_name("function")
    return named_functions(fn, file, resolver) if fn is not None else []


def named_functions(fn: Node, file: SourceFile, resolver: Resolver) -> list[Callee]:
    """The declarations the expression ``fn`` (`f`, `x.m`) may name in a build of ``file``:
    the package function or method, or several build variants of it; none when it names no
    package function."""
    fn = unparen(fn)
    index = resolver.index
    if fn.type == "identifier":
        if resolver.binding(fn, file) is not None:
            return []  # a local function value
        decl = index.funcs.get(file.text(fn))
        return [Callee(d, None) for d in index.linked_with(decl, file)] if decl else []
    if fn.type == "selector_expression":
        operand = fn.child_by_field_name("operand")
        field = fn.child_by_field_name("field")
        if operand is None or field is None or resolver.package_of(operand, file) is not None:
            return []
        t = resolver.type_of(operand, file)
        if t is None:
            return []
        t = t.deref()
        if t.kind != "named" or t.pkg:
            return []
        m = index.method(t.name, file.text(field))
        if m is None:
            m = _promoted(resolver, t.name, file.text(field))
        return [Callee(d, operand) for d in index.linked_with(m, file)] if m else []
    return []


def _promoted(resolver: Resolver, type_name: str, method: str, depth: int = 0) -> FuncDecl | None:
    """A method promoted from an embedded struct of this package."""
    decl = resolver.index.types.get(type_name)
    if decl is None or depth > 4:
        return None
    for f in decl.fields.values():
        if not f.embedded:
            continue
        ft = resolver.type_from_node(f.type_node, decl.file)
        if ft is None or ft.deref().kind != "named" or ft.deref().pkg:
            continue
        name = ft.deref().name
        found = resolver.index.method(name, method) or _promoted(resolver, name, method, depth + 1)
        if found is not None:
            return found
    return None


def param_names(func: Node, file: SourceFile) -> list[str]:
    """Parameter names in order; `_` for unnamed ones."""
    plist = func.child_by_field_name("parameters")
    names: list[str] = []
    if plist is None:
        return names
    for param in plist.named_children:
        if param.type not in ("parameter_declaration", "variadic_parameter_declaration"):
            continue
        idents = [c for c in param.children_by_field_name("name") if c.is_named]
        if idents:
            names.extend(file.text(i) for i in idents)
        else:
            names.append("_")
    return names


def param_idents(func: Node) -> list[Node | None]:
    """Parameter identifiers in order (None for unnamed or `_`); variadics end the list."""
    plist = func.child_by_field_name("parameters")
    out: list[Node | None] = []
    if plist is None:
        return out
    for param in plist.named_children:
        if param.type == "variadic_parameter_declaration":
            break
        if param.type != "parameter_declaration":
            continue
        idents = [c for c in param.children_by_field_name("name") if c.is_named]
        if not idents:
            out.append(None)
        for ident in idents:
            out.append(ident if (ident.text or b"") != b"_" else None)
    return out


def receiver_ident(func: Node) -> Node | None:
    """The name of a method's receiver, if it has one."""
    recv = func.child_by_field_name("receiver")
    if recv is None:
        return None
    for param in recv.named_children:
        if param.type == "parameter_declaration":
            name = param.child_by_field_name("name")
            return name if name is not None and name.type == "identifier" else None
    return None


def binding_key(file: SourceFile, ident: Node) -> str:
    """The key of the binding ``ident`` declares (as ``types.Binding.key``), for matching
    a callee's receiver and parameters with refs."""
    return f"{file.path}:{ident.start_byte}"


def bind_arguments(call: Node, func: Node, func_file: SourceFile) -> dict[str, Node]:
    """{parameter name: argument expression} for a call of ``func`` (variadics left out)."""
    args = call_args(call)
    bound: dict[str, Node] = {}
    plist = func.child_by_field_name("parameters")
    if plist is not None and any(
        p.type == "variadic_parameter_declaration" for p in plist.named_children
    ):
        names = param_names(func, func_file)[:-1]
    else:
        names = param_names(func, func_file)
    if len(args) == 1 and len(names) > 1:
        return bound  # f(g()) with a multi-value g: nothing to bind
    for name, arg in zip(names, args, strict=False):
        if name != "_":
            bound[name] = arg
    return bound


def references(
    files: Iterable[SourceFile], resolver: Resolver, decl: FuncDecl
) -> Iterator[tuple[Node, SourceFile]]:
    """Every expression in ``files`` that names ``decl`` (`f`, `x.m`): calls, `go` and
    `defer` calls, and uses as a value, its own declaration left out."""
    name = decl.name.encode()
    for file in files:
        if name not in file.data:
            continue
        for node in file.tokens.token_nodes(name):
            parent = node.parent
            if parent is None or parent.id == decl.node.id:
                continue
            expr = parent if node.type == "field_identifier" else node
            if node.type == "field_identifier" and parent.type != "selector_expression":
                continue
            if node.type not in ("identifier", "field_identifier"):
                continue
            if any(c.decl.node.id == decl.node.id for c in named_functions(expr, file, resolver)):
                yield expr, file


def call_sites(
    decl: FuncDecl, files: Iterable[SourceFile], resolver: Resolver
) -> list[tuple[Node, SourceFile]] | None:
    """Every call of ``decl`` in the package; None when it is also used as a value (a method
    value, a function handed on) or mentioned where goconc cannot tell (precision first: a
    call whose receiver type is unknown counts as a call of it)."""
    found: list[tuple[Node, SourceFile]] = []
    name = decl.name
    needle = name.encode()
    for file in files:
        if not file.tokens.present(needle):
            continue
        if decl.receiver_type is None:
            for ident in file.tokens.named(name, "identifier"):
                parent = ident.parent
                if parent is not None and parent.id == decl.node.id:
                    continue  # the declaration's own name
                if resolver.binding(ident, file) is not None:
                    continue  # a local of the same name
                if parent is None or parent.type != "call_expression":
                    return None
                if parent.child_by_field_name("function") != ident:
                    return None
                found.append((parent, file))
            continue
        for sel in file.tokens.selectors(name):
            parent = sel.parent
            if parent is None or parent.type != "call_expression":
                return None  # a method value, or a method expression
            if parent.child_by_field_name("function") != sel:
                return None
            targets = callees(parent, file, resolver)
            if targets and all(t.decl.node.id != decl.node.id for t in targets):
                continue
            found.append((parent, file))
    return found
