"""Calls that `calls.callee` leaves unresolved: through function values and interfaces.

`Dispatch` (one per package, ``pkg.fact(Dispatch)``) answers ``targets(call, file)``: the
package functions, methods and function literals a call may run, when its callee is not
named statically:

* a local closure: `unlock := func() { mu.Unlock() }; ...; unlock()` runs the literal, on
  the caller's own variables (``Target.local``);
* a function-typed struct field: `rc.release()` runs any value the package stores in that
  field class (`roundClient.release`): function literals, method values (`s.handle`),
  package functions, a local bound to one of those, a parameter of the storing function
  (followed to that function's call sites: `SetCheckpointer(fake)`), the result of a
  package function that returns one (`newDeleter(t)`), a conversion to a named func type;
* a method of a package interface with a single implementing method in the package:
  `queue.Get()` on a `RateLimitingInterface` runs `(*Type).Get`, with `queue` as its
  receiver;
* `once.Do(f)` on a `sync.Once` runs `f` in place;
* `fmt.Printf("%s", x)` (and the other `fmt` and `log` printers) runs `x`'s `Error` or
  `String` method, when `x`'s type is a package type whose method set has one and the verb
  formats it (`%v`, `%s`, `%q`, `%x`, `%X`, `%w`; the non-f printers always do).

A target's receiver is known only for an interface call (the interface value is the
receiver); a method value or literal stored elsewhere runs on values goconc does not map
into the caller. When any stored value cannot be resolved, the field's targets are those
that can: a caller asks what a call *may* do, and a target missed only makes it quieter.
Values stored by other packages (exported fields) and other implementations of an exported
interface are not seen.
"""

from __future__ import annotations

import re

import attrs
from tree_sitter import Node

from goconc.analyzer.calls import (
    binding_key,
    call_sites,
    callee,
    named_functions,
    param_idents,
    param_names,
    receiver_ident,
)
from goconc.analyzer.facts import Fact, Package
from goconc.analyzer.matchers import FUNC_KINDS, call_args, descendants
from goconc.analyzer.source import SourceFile
from goconc.analyzer.symbols import FuncDecl
from goconc.analyzer.types import GoType, Ref, unparen
from goconc.analyzer.uses import assigned_value, keyed_values, shared_key, shared_uses

_MAX_DEPTH = 4
_MAX_TARGETS = 8
_RETURNS = frozenset({"return_statement"})


@attrs.frozen(eq=False)
class Target:
    """One function a dynamic call may run."""

    func: Node  # function_declaration, method_declaration or func_literal
    file: SourceFile
    decl: FuncDecl | None = None  # the declaration, when it is one
    receiver: Node | None = None  # the caller's expression bound to its receiver, if known
    local: bool = False  # a literal of the caller's own function: it sees the caller's variables
    # How it was found: "closure" (a local), "param" (any function the callers pass: which
    # one depends on the caller), "field", "interface", "once".
    via: str = ""
    # For a value stored in a field: its roots (a captured variable, a method value's
    # receiver) that are the object holding the field, as (root key, root name).
    owner: tuple[tuple[str, str], ...] = ()


class Dispatch(Fact):
    """Targets of calls through function values and interfaces, computed on demand."""

    def __init__(self, pkg: Package) -> None:
        super().__init__(pkg)
        self._fields: dict[str, tuple[Target, ...]] = {}
        self._busy: set[str] = set()
        self._impls: dict[tuple[str, str, bool], FuncDecl | None] = {}
        self._memo: dict[int, tuple[Target, ...]] = {}  # by call node
        self._sites: dict[int, list[tuple[Node, SourceFile]]] = {}  # by declaration node

    def targets(self, call: Node, file: SourceFile) -> tuple[Target, ...]:
        """What ``call`` may run when ``calls.callee`` does not name it; () if unknown.
        Production code runs production code: from a file that is not a test, functions
        written in test files (hooks a test installs, mocks) are left out."""
        found = self._memo.get(call.id)
        if found is None:
            found = self._targets(call, file)
            if found and not _is_test(file):
                found = tuple(t for t in found if not _is_test(t.file))
            self._memo[call.id] = found
        return found

    def _targets(self, call: Node, file: SourceFile) -> tuple[Target, ...]:
        fn = call.child_by_field_name("function")
        if fn is None:
            return ()
        fn = unparen(fn)
        r = self.pkg.resolver
        if fn.type == "identifier":
            b = r.binding(fn, file)
            if b is None:
                return ()
            if b.kind == "param":
                found, via = self._param_values(b.ident, file, 0), "param"
            elif b.kind in ("short", "var"):
                found, via = self._values(fn, file, 0), "closure"
            else:
                return ()
            return _dedupe([_placed(t, call, file, via) for t in found])
        if fn.type != "selector_expression":
            return ()
        operand = fn.child_by_field_name("operand")
        field = fn.child_by_field_name("field")
        if operand is None or field is None:
            return ()
        if r.package_of(operand, file) is not None:
            return self._format_targets(call, file)
        name = file.text(field)
        owner = r.type_of(operand, file)
        if owner is None:
            return ()
        if owner.sync_kind() == "Once" and name == "Do":
            args = call_args(call)
            if len(args) != 1:
                return ()
            found = self._values(args[0], file, 0)
            return _dedupe([_placed(t, call, file, "once") for t in found])
        base = owner.deref()
        if base.kind != "named" or base.pkg:
            return ()
        decl = self.pkg.index.types.get(base.name)
        if decl is None:
            return ()
        if decl.type_node.type == "interface_type":
            impl = self.implementation(base.name, name, tests=_is_test(file))
            if impl is None:
                return ()
            return (Target(impl.node, impl.file, impl, receiver=operand, via="interface"),)
        found_field = r.field(owner, name)
        if found_field is None or not self._is_func(found_field[1]):
            return ()
        return self.field_values(f"{found_field[0]}.{name}")

    # -- printers ------------------------------------------------------------------------------
    def _format_targets(self, call: Node, file: SourceFile) -> tuple[Target, ...]:
        """The `Error`/`String` methods a `fmt` or `log` printer calls on its operands."""
        found = self.pkg.resolver.pkg_func(call, file)
        if found is None or found[0] not in ("fmt", "log"):
            return ()
        pkg, name = found
        if name not in _PRINTERS.get(pkg, ()):
            return ()
        args = call_args(call)
        arguments = call.child_by_field_name("arguments")
        if arguments is None or any(c.type == "..." for c in arguments.children):
            return ()  # `args...`: the operands are not seen one by one
        if pkg == "fmt" and name.startswith(("F", "Append")):
            args = args[1:]  # the writer or buffer
        if name.endswith("f"):
            if not args:
                return ()
            verbs = _verbs(args[0], file)
            if verbs is None:
                return ()
            operands = [a for a, v in zip(args[1:], verbs, strict=False) if v in "vsqxXw"]
        else:
            operands = args
        out: list[Target] = []
        for arg in operands:
            method = self._stringer(arg, file)
            if method is not None:
                out.append(Target(method.node, method.file, method, receiver=arg, via="format"))
        return _dedupe(out)

    def _stringer(self, arg: Node, file: SourceFile) -> FuncDecl | None:
        """The method fmt calls to format ``arg``: `Error` before `String`, when it is in the
        method set of ``arg``'s static type (a pointer method needs a pointer)."""
        t = self.pkg.resolver.type_of(arg, file)
        if t is None:
            return None
        base = t.deref()
        if base.kind != "named" or base.pkg or base.name not in self.pkg.index.types:
            return None
        for name in ("Error", "String"):
            d = self.pkg.index.method(base.name, name)
            if d is None or (d.receiver_pointer and t.kind != "pointer"):
                continue
            params = d.node.child_by_field_name("parameters")
            result = d.node.child_by_field_name("result")
            if params is None or params.named_child_count or result is None:
                continue
            if d.file.text(result) == "string":
                return d
        return None

    # -- function-typed fields -----------------------------------------------------------------
    def field_values(self, key: str) -> tuple[Target, ...]:
        """The functions stored in the field class ``key`` ("Type.field") in the package."""
        found = self._fields.get(key)
        if found is not None:
            return found
        if key in self._busy:
            return ()
        self._busy.add(key)
        try:
            found = self._compute_field(key, 0)
        finally:
            self._busy.discard(key)
        self._fields[key] = found
        return found

    def _compute_field(self, key: str, depth: int) -> tuple[Target, ...]:
        type_name, field = key.split(".", 1)
        values: list[tuple[Node, SourceFile, Ref | None]] = []
        r = self.pkg.resolver
        for use, file in shared_uses(self.pkg, key):
            assigned = assigned_value(use)
            if isinstance(assigned, Node):
                operand = use.child_by_field_name("operand")
                owner = r.ref_of(operand, file) if operand is not None else None
                values.append((assigned, file, owner))
        values.extend((v, f, None) for v, f in keyed_values(self.pkg, type_name, field) or [])
        out: list[Target] = []
        for value, file, owner in values:
            out.extend(self._values(value, file, depth + 1, owner))
        return _dedupe(out)

    def _values(
        self, expr: Node, file: SourceFile, depth: int, owner: Ref | None = None
    ) -> list[Target]:
        """The functions a function-valued expression may evaluate to (as far as seen).
        ``owner``: the object whose field the value is stored in, when known (in the terms
        of ``file``'s function at ``expr``)."""
        if depth > _MAX_DEPTH:
            return []
        expr = unparen(expr)
        r = self.pkg.resolver
        kind = expr.type
        if kind == "func_literal":
            return [Target(expr, file, via="field", owner=self._captured_owner(expr, file, owner))]
        if kind == "identifier":
            b = r.binding(expr, file)
            if b is None:
                decl = self.pkg.index.funcs.get(file.text(expr))
                return [Target(decl.node, decl.file, decl, via="field")] if decl else []
            if b.kind == "param":
                return self._param_values(b.ident, file, depth, owner)
            if b.kind not in ("short", "var") or b.index != 0:
                return []
            out: list[Target] = []
            if b.value is not None:
                out.extend(self._values(b.value, file, depth + 1, owner))
            for use in r.uses(b):
                assigned = assigned_value(use)
                if isinstance(assigned, Node):
                    out.extend(self._values(assigned, file, depth + 1, owner))
            return out
        if kind == "selector_expression":
            named = named_functions(expr, file, r)
            if len(named) == 1:  # a method value (several: build variants, one per build)
                d = named[0].decl
                bound: tuple[tuple[str, str], ...] = ()
                recv = receiver_ident(d.node)
                operand = expr.child_by_field_name("operand")
                if recv is not None and owner is not None and operand is not None:
                    base = r.ref_of(operand, file)
                    if base is not None and base.root == owner.root and base.path == owner.path:
                        bound = ((binding_key(d.file, recv), d.file.text(recv)),)
                return [Target(d.node, d.file, d, via="field", owner=bound)]
            key = shared_key(expr, file, self.pkg)
            if key is None or key.startswith("pkg:") or key in self._busy:
                return []
            self._busy.add(key)
            try:
                return list(self._compute_field(key, depth))
            finally:
                self._busy.discard(key)
        if kind == "call_expression":
            return self._call_values(expr, file, depth)
        return []

    def _param_values(
        self, ident: Node, file: SourceFile, depth: int, owner: Ref | None = None
    ) -> list[Target]:
        """A parameter of a package function: the arguments its callers pass. An owner that
        is the function's receiver or another parameter is mapped to the caller's side."""
        func = ident.parent
        while func is not None and func.type not in FUNC_KINDS:
            func = func.parent
        if func is None or func.type == "func_literal":
            return []
        decl = _decl_of(self.pkg, func, file)
        if decl is None:
            return []
        names = param_names(func, file)
        name = file.text(ident)
        if name not in names:
            return []
        position = names.index(name)
        owner_at: int | None = None  # where the owner is bound: -1 the receiver, else a param
        if owner is not None and not owner.path:
            recv = receiver_ident(func)
            if recv is not None and binding_key(file, recv) == owner.root:
                owner_at = -1
            for i, param in enumerate(param_idents(func)):
                if param is not None and binding_key(file, param) == owner.root:
                    owner_at = i
        sites = self._sites.get(decl.node.id)
        if sites is None:
            sites = self._sites[decl.node.id] = (
                call_sites(decl, self.pkg.files, self.pkg.resolver) or []
            )
        out: list[Target] = []
        for site, site_file in sites:
            args = call_args(site)
            if position >= len(args) or (len(args) == 1 and len(names) > 1):
                continue
            site_owner: Ref | None = None
            if owner_at == -1:
                fn = site.child_by_field_name("function")
                operand = fn.child_by_field_name("operand") if fn is not None else None
                if operand is not None:
                    site_owner = self.pkg.resolver.ref_of(operand, site_file)
            elif owner_at is not None and owner_at < len(args):
                site_owner = self.pkg.resolver.ref_of(args[owner_at], site_file)
            out.extend(self._values(args[position], site_file, depth + 1, site_owner))
        return out

    def _captured_owner(
        self, lit: Node, file: SourceFile, owner: Ref | None
    ) -> tuple[tuple[str, str], ...]:
        """The variables a literal captures that are ``owner`` itself."""
        if owner is None or owner.path:
            return ()
        r = self.pkg.resolver
        body = lit.child_by_field_name("body")
        if body is None:
            return ()
        found: dict[str, str] = {}
        for ident in file.tokens.token_nodes_in(
            owner.text.encode(), body.start_byte, body.end_byte
        ):
            if ident.type != "identifier":
                continue
            b = r.binding(ident, file)
            if b is None or lit.start_byte <= b.ident.start_byte < lit.end_byte:
                continue  # not captured: declared in the literal
            ref = r.ref_of(ident, file)
            if ref is not None and ref.root == owner.root and not ref.path:
                found[b.key] = b.name
        return tuple(found.items())

    def _call_values(self, call: Node, file: SourceFile, depth: int) -> list[Target]:
        fn = call.child_by_field_name("function")
        if fn is None:
            return []
        fn = unparen(fn)
        args = call_args(call)
        if (
            fn.type == "identifier"
            and len(args) == 1
            and self.pkg.resolver.binding(fn, file) is None
            and file.text(fn) in self.pkg.index.types
        ):
            return self._values(args[0], file, depth + 1)  # a conversion: `HandlerFunc(f)`
        found = callee(call, file, self.pkg.resolver)
        # A call through an interface with one implementation returns what that returns.
        decls = (
            [found.decl]
            if found is not None
            else [t.decl for t in self.targets(call, file) if t.decl is not None]
        )
        out: list[Target] = []
        for decl in decls:
            body = decl.node.child_by_field_name("body")
            for ret in descendants(body, _RETURNS, into_funcs=False) if body is not None else []:
                values = next((c for c in ret.named_children if c.type == "expression_list"), None)
                items = [c for c in values.named_children if not c.is_extra] if values else []
                if len(items) == 1:
                    out.extend(self._values(items[0], decl.file, depth + 1))
        return out

    def _is_func(self, t: GoType | None) -> bool:
        """A func type, or a named type of this package declared as one."""
        if t is None:
            return False
        if t.kind == "func":
            return True
        if t.kind != "named" or t.pkg:
            return False
        decl = self.pkg.index.types.get(t.name)
        return decl is not None and decl.type_node.type == "function_type"

    # -- interfaces ----------------------------------------------------------------------------
    def implementation(self, iface: str, method: str, *, tests: bool = True) -> FuncDecl | None:
        """The only method ``method`` of a package type that implements the package interface
        ``iface`` (every method the interface names, through embedded package interfaces);
        with ``tests`` false, types declared in test files do not count."""
        key = (iface, method, tests)
        if key in self._impls:
            return self._impls[key]
        self._impls[key] = None
        names = self._method_set(iface, 0)
        found: FuncDecl | None = None
        if names is not None and method in names:
            index = self.pkg.index
            impls = [
                d
                for d in index.methods_named(method)
                if d.receiver_type is not None
                and (tests or not _is_test(d.file))
                and all(index.method(d.receiver_type, n) is not None for n in names)
            ]
            if len(impls) == 1:
                found = impls[0]
        self._impls[key] = found
        return found

    def _method_set(self, iface: str, depth: int) -> set[str] | None:
        decl = self.pkg.index.types.get(iface)
        if decl is None or decl.type_node.type != "interface_type" or depth > 4:
            return None
        names: set[str] = set()
        file = decl.file
        for elem in decl.type_node.named_children:
            if elem.type == "method_elem":
                name = elem.child_by_field_name("name")
                if name is not None:
                    names.add(file.text(name))
            elif elem.type == "type_elem":
                parts = [c for c in elem.named_children if not c.is_extra]
                if len(parts) != 1:
                    return None  # a union: a constraint, not a method set
                if parts[0].type == "type_identifier":
                    inner = self._method_set(file.text(parts[0]), depth + 1)
                    if inner is None:
                        return None
                    names |= inner
                # another package's interface: its methods are not known; not required
        return names


def _decl_of(pkg: Package, func: Node, file: SourceFile) -> FuncDecl | None:
    name_node = func.child_by_field_name("name")
    if name_node is None:
        return None
    name = file.text(name_node)
    if func.type == "function_declaration":
        decl = pkg.index.funcs.get(name)
        return decl if decl is not None and decl.node.id == func.id else None
    return next((d for d in pkg.index.methods_named(name) if d.node.id == func.id), None)


_PRINTERS = {
    "fmt": frozenset(
        p + s for p in ("Print", "Sprint", "Fprint", "Append") for s in ("", "f", "ln")
    )
    | {"Errorf"},
    "log": frozenset(p + s for p in ("Print", "Fatal", "Panic") for s in ("", "f", "ln")),
}
# A verb: flags, width and precision (no `*` or `[n]`, which move the operands), the letter.
_VERB = re.compile(r"%[-+# 0]*[0-9]*(?:\.[0-9]*)?(.)")


def _verbs(fmt: Node, file: SourceFile) -> str | None:
    """The verb letters of a literal format string, one per operand; None when it is not a
    literal or moves its operands (`%*d`, `%[2]s`)."""
    if fmt.type not in ("interpreted_string_literal", "raw_string_literal"):
        return None
    letters = ""
    for m in _VERB.finditer(file.text(fmt)):
        letter = m.group(1)
        if letter in "*[":
            return None
        if letter != "%":
            letters += letter
    return letters


def _is_test(file: SourceFile) -> bool:
    return file.path.endswith("_test.go")


def _placed(target: Target, call: Node, file: SourceFile, via: str) -> Target:
    """``target`` as run by ``call``: a literal written inside the function that makes the
    call (or one around it) runs on the caller's own variables."""
    lit = target.func
    outer = lit.parent
    while outer is not None and outer.type not in FUNC_KINDS:
        outer = outer.parent
    local = (
        lit.type == "func_literal"
        and target.file is file
        and outer is not None
        and outer.start_byte <= call.start_byte < outer.end_byte
    )
    return attrs.evolve(target, local=local, via=via)


def _dedupe(targets: list[Target]) -> tuple[Target, ...]:
    seen: set[int] = set()
    out: list[Target] = []
    for t in targets:
        if t.func.id not in seen:
            seen.add(t.func.id)
            out.append(t)
    return tuple(out[:_MAX_TARGETS])
