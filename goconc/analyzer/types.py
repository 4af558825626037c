"""Best-effort types and identities of Go expressions, from declarations only.

tree-sitter gives no type information, so this module rebuilds the little that concurrency
rules need: whether an expression is a sync.WaitGroup, a mutex, a channel (and which way), a
context cancel func; which variable or field it denotes (its identity, so that `s.mu` in two
statements is the same lock and `m := &s.mu` is an alias of it); and the lock *class*
(`Server.mu`) that lock-order analysis reasons about. Anything it cannot resolve is None, and
rules stay silent about None (precision first).
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterator

import attrs
from tree_sitter import Node

from goconc.analyzer.source import SourceFile
from goconc.analyzer.symbols import Field, FuncDecl, PackageIndex, TypeDecl, struct_fields
from goconc.analyzer.tokens import NAME_BYTES


@attrs.frozen(cache_hash=True)  # types key caches, and are hashed often
class GoType:
    kind: str  # named | pointer | chan | slice | array | map | func | struct | interface
    pkg: str = ""  # named: import path ("sync"), "" for this package and predeclared types
    name: str = ""  # named: the type name
    elem: GoType | None = None  # pointer, chan, slice, array, map value
    dir: str = ""  # chan: "both" | "send" | "recv"
    results: tuple[GoType | None, ...] = ()  # func

    def deref(self) -> GoType:
        t = self
        while t.kind == "pointer" and t.elem is not None:
            t = t.elem
        return t

    def is_named(self, pkg: str, *names: str) -> bool:
        return self.kind == "named" and self.pkg == pkg and (not names or self.name in names)

    def sync_kind(self) -> str | None:
        """Mutex, RWMutex, WaitGroup, Cond, Once, Locker for sync types (or pointers to them)."""
        t = self.deref()
        return t.name if t.kind == "named" and t.pkg == "sync" else None

    def __str__(self) -> str:
        if self.kind == "named":
            return f"{self.pkg.rsplit('/', 1)[-1]}.{self.name}" if self.pkg else self.name
        if self.kind == "pointer":
            return f"*{self.elem}"
        if self.kind == "chan":
            prefix = {"recv": "<-chan ", "send": "chan<- "}.get(self.dir, "chan ")
            return f"{prefix}{self.elem}"
        if self.kind in ("slice", "array"):
            return f"[]{self.elem}"
        return self.kind


@functools.lru_cache(maxsize=8192)
def named(pkg: str, name: str) -> GoType:
    """The named type ``pkg.name``, made once: type expressions name the same few often."""
    return GoType("named", pkg, name)


def pointer(elem: GoType | None) -> GoType:
    return GoType("pointer", elem=elem)


def chan(elem: GoType | None, direction: str = "both") -> GoType:
    return GoType("chan", elem=elem, dir=direction)


INT = named("", "int")
BOOL = named("", "bool")
CONTEXT = named("context", "Context")
CANCEL_FUNC = named("context", "CancelFunc")
CANCEL_CAUSE_FUNC = named("context", "CancelCauseFunc")
_TIME = named("time", "Time")
_DONE_CHAN = chan(GoType("struct"), "recv")

# Results of the standard-library functions the rules care about.
STDLIB_FUNCS: dict[tuple[str, str], tuple[GoType | None, ...]] = {
    ("context", "WithCancel"): (CONTEXT, CANCEL_FUNC),
    ("context", "WithTimeout"): (CONTEXT, CANCEL_FUNC),
    ("context", "WithDeadline"): (CONTEXT, CANCEL_FUNC),
    ("context", "WithCancelCause"): (CONTEXT, CANCEL_CAUSE_FUNC),
    ("context", "WithTimeoutCause"): (CONTEXT, CANCEL_FUNC),
    ("context", "WithDeadlineCause"): (CONTEXT, CANCEL_FUNC),
    ("os/signal", "NotifyContext"): (CONTEXT, CANCEL_FUNC),
    ("context", "Background"): (CONTEXT,),
    ("context", "TODO"): (CONTEXT,),
    ("context", "WithValue"): (CONTEXT,),
    ("context", "WithoutCancel"): (CONTEXT,),
    ("sync", "NewCond"): (pointer(named("sync", "Cond")),),
    # Writers that hold data in the process until Flush or Close.
    ("bufio", "NewWriter"): (pointer(named("bufio", "Writer")),),
    ("bufio", "NewWriterSize"): (pointer(named("bufio", "Writer")),),
    ("encoding/csv", "NewWriter"): (pointer(named("encoding/csv", "Writer")),),
    ("text/tabwriter", "NewWriter"): (pointer(named("text/tabwriter", "Writer")),),
    ("compress/gzip", "NewWriter"): (pointer(named("compress/gzip", "Writer")),),
    ("compress/gzip", "NewWriterLevel"): (pointer(named("compress/gzip", "Writer")), None),
    ("compress/zlib", "NewWriter"): (pointer(named("compress/zlib", "Writer")),),
    ("compress/zlib", "NewWriterLevel"): (pointer(named("compress/zlib", "Writer")), None),
    ("compress/flate", "NewWriter"): (pointer(named("compress/flate", "Writer")), None),
    ("archive/zip", "NewWriter"): (pointer(named("archive/zip", "Writer")),),
    ("archive/tar", "NewWriter"): (pointer(named("archive/tar", "Writer")),),
    ("time", "NewTicker"): (pointer(named("time", "Ticker")),),
    ("time", "NewTimer"): (pointer(named("time", "Timer")),),
    ("time", "AfterFunc"): (pointer(named("time", "Timer")),),
    ("time", "After"): (chan(_TIME, "recv"),),
    ("time", "Tick"): (chan(_TIME, "recv"),),
    ("time", "Now"): (_TIME,),
}
STDLIB_FIELDS: dict[tuple[str, str, str], GoType] = {
    ("time", "Ticker", "C"): chan(_TIME, "recv"),
    ("time", "Timer", "C"): chan(_TIME, "recv"),
    ("sync", "Cond", "L"): named("sync", "Locker"),
}
STDLIB_METHODS: dict[tuple[str, str, str], tuple[GoType | None, ...]] = {
    ("context", "Context", "Done"): (_DONE_CHAN,),
    ("context", "Context", "Err"): (named("", "error"),),
}
# Methods of sync types, to tell `s.Lock()` on an embedded mutex from a method of s's own.
SYNC_METHODS: dict[str, frozenset[str]] = {
    "Mutex": frozenset({"Lock", "Unlock", "TryLock"}),
    "RWMutex": frozenset({"Lock", "Unlock", "RLock", "RUnlock", "TryLock", "TryRLock"}),
    "Locker": frozenset({"Lock", "Unlock"}),
    "WaitGroup": frozenset({"Add", "Done", "Wait", "Go"}),
    "Cond": frozenset({"Wait", "Signal", "Broadcast"}),
    "Once": frozenset({"Do"}),
}

_LITERAL_TYPES: dict[str, GoType] = {
    "interpreted_string_literal": named("", "string"),
    "raw_string_literal": named("", "string"),
    "int_literal": INT,
    "float_literal": named("", "float64"),
    "imaginary_literal": named("", "complex128"),
    "rune_literal": named("", "rune"),
    "true": BOOL,
    "false": BOOL,
}

# Types that can be values written alike: `*p`, `(x)`, `m[k]`.
_VALUE_SHAPES = frozenset({"pointer_type", "parenthesized_type", "generic_type"})
_COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">=", "&&", "||"})
# Predeclared types other than interfaces: `int64(n)` is a conversion, not a call.
_BASIC_TYPES = frozenset(
    {
        *("bool", "byte", "rune", "string", "uintptr"),
        *("int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64"),
        *("float32", "float64", "complex64", "complex128"),
    }
)

_SCOPE_KINDS = frozenset(
    {
        "block",
        "func_literal",
        "function_declaration",
        "method_declaration",
        "if_statement",
        "for_statement",
        "expression_switch_statement",
        "type_switch_statement",
        "communication_case",
        "expression_case",
        "default_case",
        "type_case",
    }
)
_FUNC_KINDS = frozenset({"function_declaration", "method_declaration", "func_literal"})


@attrs.define(eq=False)
class Binding:
    """A local name: parameter, receiver, named result, var, :=, range or case variable."""

    name: str
    ident: Node
    file: SourceFile
    kind: str  # param | receiver | result | var | short | range | recv | typeswitch
    scope_start: int
    scope_end: int
    type_node: Node | None = None
    value: Node | None = None  # the initializer, or the range_clause / receive expression
    index: int = 0  # which of the value's results

    @property
    def key(self) -> str:
        return f"{self.file.path}:{self.ident.start_byte}"


@attrs.frozen
class Ref:
    """The identity of a variable or field path: `s.mu` in two places is one Ref."""

    root: str  # a Binding key, "pkg:NAME" for package variables, "ext:PATH.NAME"
    path: tuple[str, ...]
    text: str  # as written at the place it was resolved, for messages
    cls: str  # lock class for lock-order analysis ("Server.mu", "pkg.mu"); "" when unknown

    def same_object(self, other: Ref) -> bool:
        return self.root == other.root and self.path == other.path

    def within(self, other: Ref) -> bool:
        """This is ``other`` or a part of it (`s.ch` is within `s`): a new value for
        ``other`` is a new value for this."""
        return self.root == other.root and self.path[: len(other.path)] == other.path


class FunctionScopes:
    """The local bindings of one top-level declaration, closures included, found name by
    name: a lookup of `x` looks at the places where `x` is written in the declaration and
    declares the bindings among them (a query for every declaring node of the declaration,
    and declaring all of them, costs more than the few names a rule asks about)."""

    def __init__(self, file: SourceFile, top: Node | None) -> None:
        self.file = file
        self.top = top
        self.by_name: dict[str, list[Binding]] = {}
        self._only = ""  # the name being collected: other names of a declaration wait

    def bindings(self, name: str) -> list[Binding]:
        """Every binding of ``name`` in the declaration, in document order."""
        found = self.by_name.get(name)
        if found is None:
            found = self.by_name[name] = []
            self._collect(name)
        return found

    def lookup(self, ident: Node) -> Binding | None:
        return self.lookup_name(self.file.text(ident), ident.start_byte)

    def lookup_name(self, name: str, at: int) -> Binding | None:
        """The binding ``name`` refers to at byte ``at`` (the one declared there, or the
        innermost whose scope holds it)."""
        best: Binding | None = None
        for b in self.bindings(name):
            if b.ident.start_byte == at:
                return b  # the declaring identifier itself
            if b.scope_start <= at < b.scope_end and (
                best is None or b.scope_start >= best.scope_start
            ):
                best = b
        return best

    def _collect(self, name: str) -> None:
        """Declare, in document order, the bindings of ``name``: each place the name is
        written in the declaration is a binding when it is a name its parent declares."""
        top = self.top
        if top is None or not name or name == "_":
            return
        data, root, needle = self.file.data, self.file.root, name.encode()
        size, end = len(needle), top.end_byte
        done: set[int] = set()
        self._only = name
        i = data.find(needle, top.start_byte, end)
        while i >= 0:
            before, after = data[i - 1 : i], data[i + size : i + size + 1]
            if (before in _NOT_DECLARED_AFTER or after in _NOT_DECLARED_BEFORE) and data[
                i + size : i + size + 3
            ] != b"...":
                i = data.find(needle, i + size, end)
                continue  # part of a longer name, or a use: `x.f`, `x()`, `f(x)`, `s.x`
            ident = root.descendant_for_byte_range(i, i + size)
            declaring = _declaring(ident) if ident is not None else None
            if declaring is not None and declaring.id not in done:
                done.add(declaring.id)
                self._declare(declaring)
            i = data.find(needle, i + size, end)
        self._only = ""

    def _add(self, ident: Node, kind: str, scope: tuple[int, int], **kw: object) -> None:
        name = self.file.text(ident)
        if name != self._only:
            return
        b = Binding(name, ident, self.file, kind, scope[0], scope[1], **kw)  # type: ignore[arg-type]
        self.by_name.setdefault(name, []).append(b)

    def _declare(self, node: Node) -> None:
        kind = node.type
        if kind in _FUNC_KINDS:
            self._params(node)
        elif kind == "short_var_declaration":
            self._short(node)
        elif kind == "var_spec":
            self._var(node)
        elif kind == "range_clause":
            self._range(node)
        elif kind == "receive_statement":
            self._receive(node)
        elif kind == "type_switch_statement":
            alias = node.child_by_field_name("alias")
            if alias is not None:
                for ident in _idents(alias):
                    self._add(ident, "typeswitch", (node.start_byte, node.end_byte))

    def _params(self, func: Node) -> None:
        scope = (func.start_byte, func.end_byte)
        for field, kind in (
            ("receiver", "receiver"),
            ("parameters", "param"),
            ("result", "result"),
        ):
            plist = func.child_by_field_name(field)
            if plist is None or plist.type != "parameter_list":
                continue
            for param in plist.named_children:
                if param.type not in ("parameter_declaration", "variadic_parameter_declaration"):
                    continue
                type_node = param.child_by_field_name("type")
                if param.type == "variadic_parameter_declaration":
                    type_node = None  # a slice of the declared type; not needed by any rule
                for ident in param.children_by_field_name("name"):
                    if ident.is_named:
                        self._add(ident, kind, scope, type_node=type_node)

    def _short(self, node: Node) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is None:
            return
        scope = (node.end_byte, _scope_end(node))
        idents = _idents(left)
        values = [c for c in right.named_children if not c.is_extra] if right is not None else []
        for i, ident in enumerate(idents):
            if self._redeclared(ident, scope[1]):
                continue  # `a, err := f()` re-assigns an err already declared in this scope
            if len(values) == len(idents):
                self._add(ident, "short", scope, value=values[i])
            elif len(values) == 1:
                self._add(ident, "short", scope, value=values[0], index=i)
            else:
                self._add(ident, "short", scope)

    def _redeclared(self, ident: Node, scope_end: int) -> bool:
        for b in self.by_name.get(self.file.text(ident), ()):
            if (
                b.scope_end == scope_end
                and b.kind in ("short", "var")
                and b.scope_start <= ident.start_byte
                # the same block: `for i := 0; ...; { i := i }` declares a new i although
                # the loop and its body end at the same byte
                and _scope_node_id(b.ident) == _scope_node_id(ident)
            ):
                return True
        return False

    def _var(self, node: Node) -> None:
        scope = (node.end_byte, _scope_end(node))
        type_node = node.child_by_field_name("type")
        value_list = node.child_by_field_name("value")
        values = [c for c in value_list.named_children if not c.is_extra] if value_list else []
        idents = [c for c in node.children_by_field_name("name") if c.is_named]
        for i, ident in enumerate(idents):
            value = values[i] if len(values) == len(idents) else (values[0] if values else None)
            index = 0 if len(values) == len(idents) else i
            self._add(ident, "var", scope, type_node=type_node, value=value, index=index)

    def _range(self, node: Node) -> None:
        left = node.child_by_field_name("left")
        if left is None or not any(c.type == ":=" for c in node.children):
            return
        loop = node.parent
        if loop is None:
            return
        scope = (node.end_byte, loop.end_byte)
        for i, ident in enumerate(_idents(left)):
            self._add(ident, "range", scope, value=node, index=i)

    def _receive(self, node: Node) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        case = node.parent
        if left is None or case is None or not any(c.type == ":=" for c in node.children):
            return
        for i, ident in enumerate(_idents(left)):
            self._add(ident, "recv", (node.end_byte, case.end_byte), value=right, index=i)


def _idents(expr_list: Node) -> list[Node]:
    return [c for c in expr_list.named_children if c.type == "identifier"]


def _scope_node_id(node: Node) -> int | None:
    parent = node.parent
    while parent is not None and parent.type not in _SCOPE_KINDS:
        parent = parent.parent
    return parent.id if parent is not None else None


def _scope_end(node: Node) -> int:
    parent = node.parent
    while parent is not None and parent.type not in _SCOPE_KINDS:
        parent = parent.parent
    return parent.end_byte if parent is not None else node.end_byte


# Bytes never right before or after a declared name (which is followed by a space, `,`, `:=`,
# `=`, or a type even when gofmt did not run: `x[4]int`, `p*T`, `c<-chan T`, `a...T`): those
# that continue a name, a selector's dot, a call's or a list's end, most operators.
_NOT_DECLARED_AFTER = NAME_BYTES | {b"."}
_NOT_DECLARED_BEFORE = NAME_BYTES | {bytes([c]) for c in b".()]};+-/%&|^!>"}
_PARAMS = frozenset({"parameter_declaration", "variadic_parameter_declaration"})


def _declaring(ident: Node) -> Node | None:
    """The node that declares ``ident`` when it is a declared name (a parameter, receiver or
    result of a function or literal, the left of `:=`, a var spec, a range or receive `:=`, a
    type switch's alias), for FunctionScopes._declare; else None."""
    if ident.type != "identifier":
        return None
    parent = ident.parent
    if parent is None:
        return None
    kind = parent.type
    if kind in _PARAMS:
        plist = parent.parent
        func = plist.parent if plist is not None else None
        return func if func is not None and func.type in _FUNC_KINDS else None
    if kind == "var_spec":
        return parent
    if kind != "expression_list":
        return None
    stmt = parent.parent
    if stmt is None:
        return None
    field = "alias" if stmt.type == "type_switch_statement" else "left"
    if stmt.type not in _LIST_DECLARING:
        return None
    side = stmt.child_by_field_name(field)
    return stmt if side is not None and side.id == parent.id else None


_LIST_DECLARING = frozenset(
    {"short_var_declaration", "range_clause", "receive_statement", "type_switch_statement"}
)


class _FileDeclarations:
    """A file's top-level declarations by byte range (Node.parent walks are slow: they
    descend from the root)."""

    def __init__(self, file: SourceFile) -> None:
        tops = [c for c in file.root.named_children if not c.is_extra]
        self.starts = [t.start_byte for t in tops]
        self.tops = tops

    def top_of(self, offset: int) -> Node | None:
        i = bisect.bisect_right(self.starts, offset) - 1
        if i < 0 or offset >= self.tops[i].end_byte:
            return None
        return self.tops[i]


def enclosing_function(node: Node) -> Node | None:
    """The innermost function_declaration, method_declaration or func_literal around ``node``."""
    parent = node.parent
    while parent is not None and parent.type not in _FUNC_KINDS:
        parent = parent.parent
    return parent


def unparen(node: Node) -> Node:
    while node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    return node


_MISSING = object()
# Levels of expression or type a resolution follows. Real code stays far below; a deeper
# one (a hostile or generated file) is unknown, so that no resolution can exhaust the stack.
MAX_NESTING = 64


class Resolver:
    """Types and identities of expressions in one package."""

    def __init__(self, index: PackageIndex) -> None:
        self.index = index
        self._scopes: dict[tuple[str, int], FunctionScopes] = {}
        self._files: dict[str, _FileDeclarations] = {}
        self._binding_types: dict[int, GoType | None] = {}
        self._type_nodes: dict[int, GoType | None] = {}  # type_from_node, by node id
        # The struct types written in place as a field's type (`mu struct{ sync.Mutex; ... }`),
        # by the name `Type.field` they are given (no Go type can be named so).
        self._anonymous: dict[str, TypeDecl] = {}
        self._type_depth = 0  # type_from_node calls under way
        self._in_progress: set[int] = set()
        # types_of, by (file, node id): an expression is resolved once, so that a chain of
        # calls on a value of unknown type costs its length, not 2^length. The calls under
        # way: one of them asked again is a cycle (`var x = x`, invalid Go).
        self._expr_types: dict[tuple[str, int], tuple[GoType | None, ...]] = {}
        self._expr_busy: set[tuple[str, int]] = set()

    # -- names ------------------------------------------------------------------------------
    def _declarations(self, file: SourceFile) -> _FileDeclarations:
        decls = self._files.get(file.path)
        if decls is None:
            decls = self._files[file.path] = _FileDeclarations(file)
        return decls

    def top_declaration(self, node: Node, file: SourceFile) -> Node | None:
        """The top-level declaration (child of source_file) that contains ``node``."""
        return self._declarations(file).top_of(node.start_byte)

    def scopes(self, node: Node, file: SourceFile) -> FunctionScopes:
        decls = self._declarations(file)
        decl = decls.top_of(node.start_byte)
        key = decl.id if decl is not None else -1
        found = self._scopes.get((file.path, key))
        if found is None:
            found = self._scopes[(file.path, key)] = FunctionScopes(file, decl)
        return found

    def binding(self, ident: Node, file: SourceFile) -> Binding | None:
        return self.scopes(ident, file).lookup(ident)

    def visible(self, name: str, at: Node, file: SourceFile) -> Binding | None:
        """The local binding the name would refer to if written at the start of ``at``."""
        return self.scopes(at, file).lookup_name(name, at.start_byte)

    def uses(self, b: Binding) -> list[Node]:
        """The identifiers that refer to ``b`` (the declaring one excluded), in document order.
        Found from the name's tokens in its scope, so only candidate names are resolved."""
        file = b.file
        return [
            node
            for node in file.tokens.token_nodes_in(b.name.encode(), b.scope_start, b.scope_end)
            if node.type == "identifier" and node.id != b.ident.id and self.binding(node, file) is b
        ]

    def package_of(self, ident: Node, file: SourceFile) -> str | None:
        """The import path when ``ident`` names an imported package (not shadowed)."""
        if ident.type not in ("identifier", "package_identifier"):
            return None
        path = self.index.import_path(file, file.text(ident))
        if path is None or self.binding(ident, file) is not None:
            return None
        return path

    def pkg_func(self, call: Node, file: SourceFile) -> tuple[str, str] | None:
        """(import path, name) of a call like `context.WithCancel(...)`."""
        fn = call.child_by_field_name("function")
        if fn is None or fn.type != "selector_expression":
            return None
        operand = fn.child_by_field_name("operand")
        field = fn.child_by_field_name("field")
        if operand is None or field is None:
            return None
        path = self.package_of(operand, file)
        return (path, file.text(field)) if path is not None else None

    def is_builtin(self, ident: Node, file: SourceFile, name: str) -> bool:
        """`ident` is the predeclared function ``name``, not shadowed by a local or package name."""
        if ident.type != "identifier" or file.text(ident) != name:
            return False
        return (
            self.binding(ident, file) is None
            and name not in self.index.funcs
            and name not in self.index.vars
        )

    # -- types ------------------------------------------------------------------------------
    def type_from_node(self, node: Node | None, file: SourceFile) -> GoType | None:
        """The type written at ``node`` (cached: declarations are read again and again)."""
        if node is None:
            return None
        found = self._type_nodes.get(node.id, _MISSING)
        if found is _MISSING:
            if self._type_depth >= MAX_NESTING:
                return None  # nested deeper than any real type: unknown
            self._type_depth += 1
            try:
                found = self._read_type(node, file)
            finally:
                self._type_depth -= 1
            self._type_nodes[node.id] = found
        return found  # type: ignore[return-value]

    def _read_type(self, node: Node | None, file: SourceFile) -> GoType | None:
        depth = 0
        while node is not None and node.type == "parenthesized_type" and depth < 50:
            node = node.named_children[0] if node.named_children else None
            depth += 1
        if node is None:
            return None
        kind = node.type
        if kind == "type_identifier":
            return named("", file.text(node))
        if kind == "qualified_type":
            pkg = node.child_by_field_name("package")
            name = node.child_by_field_name("name")
            if pkg is None or name is None:
                return None
            path = self.index.import_path(file, file.text(pkg))
            return named(path, file.text(name)) if path is not None else None
        if kind == "pointer_type":
            return pointer(self.type_from_node(_first(node), file))
        if kind == "channel_type":
            tokens = [c.type for c in node.children if not c.is_named]
            direction = "recv" if tokens[:1] == ["<-"] else "send" if "<-" in tokens else "both"
            return chan(self.type_from_node(node.child_by_field_name("value"), file), direction)
        if kind in ("slice_type", "array_type", "implicit_length_array_type"):
            elem = self.type_from_node(node.child_by_field_name("element"), file)
            return GoType("slice" if kind == "slice_type" else "array", elem=elem)
        if kind == "map_type":
            return GoType("map", elem=self.type_from_node(node.child_by_field_name("value"), file))
        if kind == "generic_type":
            return self.type_from_node(node.child_by_field_name("type"), file)
        if kind == "function_type":
            return GoType(
                "func", results=self._result_types(node.child_by_field_name("result"), file)
            )
        if kind == "struct_type":
            anonymous = self._anonymous_name(node, file)
            if anonymous is None:
                return GoType("struct")
            self._anonymous.setdefault(anonymous, TypeDecl(anonymous, node, node, file))
            return GoType("struct", name=anonymous)
        if kind == "interface_type":
            return GoType("interface")
        return None

    def _anonymous_name(self, struct: Node, file: SourceFile) -> str | None:
        """`Type.field` for a struct type written as the type of a field of a declared struct
        type (`Type.a.b` one level further in), else None."""
        decl = struct.parent
        if decl is None or decl.type != "field_declaration":
            return None
        names = [c for c in decl.children_by_field_name("name") if c.is_named]
        body = decl.parent
        outer = body.parent if body is not None else None
        if not names or outer is None or outer.type != "struct_type":
            return None
        parent = outer.parent
        if parent is not None and parent.type == "type_spec":
            owner = parent.child_by_field_name("name")
            return f"{file.text(owner)}.{file.text(names[0])}" if owner is not None else None
        found = self.type_from_node(outer, file)
        return f"{found.name}.{file.text(names[0])}" if found is not None and found.name else None

    def struct_variants(self, t: GoType) -> list[TypeDecl]:
        """The declarations of a struct type of this package: a named one (several for build
        variants), or one written in place as a field's type."""
        if t.kind == "named" and not t.pkg:
            return self.index.type_variants(t.name)
        found = self._anonymous.get(t.name) if t.kind == "struct" and t.name else None
        return [found] if found is not None else []

    def _results(self, decl: FuncDecl, caller: SourceFile) -> tuple[GoType | None, ...]:
        """The result types of a call of ``decl`` in ``caller``: those the build variants it
        may be linked with agree on, position by position."""
        found = [self._func_results(d.node, d.file) for d in self.index.linked_with(decl, caller)]
        if not found or any(len(r) != len(found[0]) for r in found):
            return ()
        return tuple(t if all(r[i] == t for r in found) else None for i, t in enumerate(found[0]))

    def _func_results(self, func: Node, file: SourceFile) -> tuple[GoType | None, ...]:
        """The result types of a declared function or method; a result whose type is one of
        its type parameters is unknown."""
        results = self._result_types(func.child_by_field_name("result"), file)
        params = _type_parameters(func, file)
        if not params:
            return results
        return tuple(
            None if t is not None and t.kind == "named" and not t.pkg and t.name in params else t
            for t in results
        )

    def _type_named_by(self, expr: Node, file: SourceFile) -> GoType | None:
        """The type an expression names (`T`, `pkg.T`) when it names one, not a value."""
        if expr.type == "identifier":
            name = file.text(expr)
            if self.binding(expr, file) is not None or name in self.index.vars:
                return None
            if name in _BASIC_TYPES or name in self.index.types:
                return named("", name)
            return None
        if expr.type == "selector_expression":
            operand, field = expr.child_by_field_name("operand"), expr.child_by_field_name("field")
            path = self.package_of(operand, file) if operand is not None else None
            if path is not None and field is not None:
                return named(path, file.text(field))
        return None

    def _result_types(self, result: Node | None, file: SourceFile) -> tuple[GoType | None, ...]:
        if result is None:
            return ()
        if result.type != "parameter_list":
            return (self.type_from_node(result, file),)
        types: list[GoType | None] = []
        for param in result.named_children:
            if param.type != "parameter_declaration":
                continue
            t = self.type_from_node(param.child_by_field_name("type"), file)
            names = [c for c in param.children_by_field_name("name") if c.is_named]
            types.extend([t] * max(1, len(names)))
        return tuple(types)

    def binding_type(self, b: Binding) -> GoType | None:
        key = b.ident.id
        if key in self._binding_types:
            return self._binding_types[key]
        if key in self._in_progress:
            return None
        self._in_progress.add(key)
        try:
            result = self._compute_binding_type(b)
        finally:
            self._in_progress.discard(key)
        self._binding_types[key] = result
        return result

    def _compute_binding_type(self, b: Binding) -> GoType | None:
        if b.type_node is not None:
            return self.type_from_node(b.type_node, b.file)
        if b.value is None:
            return None
        if b.kind == "range":
            t = self.type_of(b.value.child_by_field_name("right"), b.file)
            if t is None:
                return None
            t = t.deref() if t.kind == "pointer" else t
            if t.kind == "chan":
                return t.elem if b.index == 0 else None
            if t.kind in ("slice", "array"):
                return INT if b.index == 0 else t.elem
            if t.kind == "map":
                return t.elem if b.index == 1 else None
            return INT if t.is_named("", "int") and b.index == 0 else None
        if b.kind == "recv":
            t = self.type_of(b.value, b.file)
            return t if b.index == 0 else BOOL
        types = self.types_of(b.value, b.file)
        return types[b.index] if b.index < len(types) else None

    def type_of(self, expr: Node | None, file: SourceFile) -> GoType | None:
        if expr is None:
            return None
        types = self.types_of(expr, file)
        return types[0] if types else None

    def types_of(self, expr: Node, file: SourceFile) -> tuple[GoType | None, ...]:
        """The type(s) of an expression; a call may have several results. Resolved once per
        expression; unknown (``()``) within a cycle or beyond ``MAX_NESTING`` levels."""
        key = (file.path, expr.id)
        found = self._expr_types.get(key)
        if found is not None:
            return found
        if key in self._expr_busy or len(self._expr_busy) >= MAX_NESTING:
            return ()  # not cached: the answer within a cycle is not the expression's own
        self._expr_busy.add(key)
        try:
            found = self._types_of(expr, file)
        finally:
            self._expr_busy.discard(key)
        self._expr_types[key] = found
        return found

    def _types_of(self, expr: Node, file: SourceFile) -> tuple[GoType | None, ...]:
        expr = unparen(expr)
        kind = expr.type
        if kind == "identifier":
            return (self.type_of_name(expr, file),)
        if kind == "selector_expression":
            return (self._selector_type(expr, file),)
        if kind == "call_expression":
            return self._call_types(expr, file)
        if kind == "unary_expression":
            op = expr.child_by_field_name("operator")
            inner = self.type_of(expr.child_by_field_name("operand"), file)
            if op is None:
                return ()
            if op.type == "&":
                return (pointer(inner),)
            if op.type == "<-":
                return (inner.elem if inner is not None and inner.kind == "chan" else None, BOOL)
            if op.type == "*":
                return (inner.elem if inner is not None and inner.kind == "pointer" else None,)
            return (inner,)
        if kind == "composite_literal":
            return (self.type_from_node(expr.child_by_field_name("type"), file),)
        if kind in ("type_assertion_expression", "type_conversion_expression"):
            type_node = expr.child_by_field_name("type")
            if type_node is not None and type_node.type == "generic_type":
                # `f[int](x)` reads as a conversion: a call when f is a function.
                head = type_node.child_by_field_name("type")
                name = file.text(head) if head is not None else ""
                decl = self.index.funcs.get(name) if name else None
                if decl is not None and name not in self.index.types:
                    return self._results(decl, file)
            return (self.type_from_node(type_node, file), BOOL)
        if kind == "index_expression":
            t = self.type_of(expr.child_by_field_name("operand"), file)
            if t is not None and t.kind in ("slice", "array", "map"):
                return (t.elem, BOOL)
            return ()
        literal = _LITERAL_TYPES.get(kind)
        if literal is not None:
            return (literal,)
        if kind == "func_literal":
            return (
                GoType(
                    "func", results=self._result_types(expr.child_by_field_name("result"), file)
                ),
            )
        if kind == "binary_expression":
            return (self._binary_type(expr, file),)
        return ()

    def _binary_type(self, expr: Node, file: SourceFile) -> GoType | None:
        op = expr.child_by_field_name("operator")
        left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
        if op is None or left is None or right is None:
            return None
        if op.type in _COMPARISONS:
            return BOOL
        if op.type in ("<<", ">>"):
            return self.type_of(left, file)  # the count's type does not matter
        # Both operands have the same type, except an untyped constant, which takes the
        # other's: a literal tells the type only when the other side is one of its kind.
        lit_left, lit_right = _LITERAL_TYPES.get(left.type), _LITERAL_TYPES.get(right.type)
        if lit_left is None:
            found = self.type_of(left, file)
            if found is not None or lit_right is None:
                return found
        if lit_right is None:
            return self.type_of(right, file)
        return lit_left if lit_left == lit_right else None

    def _selector_type(self, expr: Node, file: SourceFile) -> GoType | None:
        operand = expr.child_by_field_name("operand")
        field = expr.child_by_field_name("field")
        if operand is None or field is None:
            return None
        name = file.text(field)
        path = self.package_of(operand, file)
        if path is not None:
            return None  # another package's variable: unknown
        owner = self.type_of(operand, file)
        if owner is None:
            return None
        found = self.field(owner, name)
        return found[1] if found else None

    def field(self, owner: GoType, name: str, depth: int = 0) -> tuple[str, GoType | None] | None:
        """(owning type name, field type) of field ``name`` of ``owner``, through embedding."""
        t = owner.deref()
        if t.kind not in ("named", "struct") or depth > 5:
            return None
        if t.pkg:
            ft = STDLIB_FIELDS.get((t.pkg, t.name, name))
            return (t.name, ft) if ft is not None else None
        # A type declared for several builds: the field as the variants that have it agree.
        found = [self._field_in(d, name, depth) for d in self.struct_variants(t)]
        have = [f for f in found if f is not None]
        return have[0] if have and all(f == have[0] for f in have[1:]) else None

    def _field_in(self, decl: TypeDecl, name: str, depth: int) -> tuple[str, GoType | None] | None:
        fields = decl.fields
        if not fields and decl.type_node.type == "struct_type":
            fields = struct_fields(decl.type_node, decl.file)
        f = fields.get(name)
        if f is not None:
            ft = self.type_from_node(f.type_node, decl.file)
            # An embedded `*T` keeps its `*` outside type_node: the field is a pointer.
            return (decl.name, pointer(ft) if f.pointer_embed else ft)
        for emb in fields.values():
            if emb.embedded:
                et = self.type_from_node(emb.type_node, decl.file)
                if et is not None:
                    inner = self.field(et, name, depth + 1)
                    if inner is not None:
                        return inner
        return None

    def fields_of(self, owner: GoType) -> Iterator[tuple[Field, GoType | None]]:
        """The fields of a struct type of the package; of a type declared for several
        builds, those whose type the variants that have them agree on."""
        found: dict[str, tuple[Field, GoType | None] | None] = {}
        for decl in self.struct_variants(owner.deref()):
            for f in decl.fields.values():
                ft = self.type_from_node(f.type_node, decl.file)
                typed = (f, pointer(ft) if f.pointer_embed else ft)
                seen = found.setdefault(f.name, typed)
                if seen is not None and seen[1] != typed[1]:
                    found[f.name] = None
        for typed_or_none in found.values():
            if typed_or_none is not None:
                yield typed_or_none

    def _call_types(self, call: Node, file: SourceFile) -> tuple[GoType | None, ...]:
        fn = call.child_by_field_name("function")
        if fn is None:
            return ()
        fn = unparen(fn)
        args = call.child_by_field_name("arguments")
        if fn.type == "identifier":
            name = file.text(fn)
            if name in ("make", "new") and self.is_builtin(fn, file, name) and args is not None:
                first = next((c for c in args.named_children if not c.is_extra), None)
                if name == "make":
                    return (self.type_from_node(first, file),)
                return (pointer(self._new_operand(first, file)) if first is not None else None,)
            if name in ("len", "cap") and self.is_builtin(fn, file, name):
                return (INT,)
            if name in _BASIC_TYPES and self.is_builtin(fn, file, name):
                return (named("", name),)  # a conversion
            if self.binding(fn, file) is None:
                decl = self.index.funcs.get(name)
                if decl is not None:
                    return self._results(decl, file)
                if name in self.index.types:
                    return (named("", name),)  # a conversion to a type of the package
        elif fn.type == "selector_expression":
            target = self.pkg_func(call, file)
            if target is not None:
                return STDLIB_FUNCS.get(target, ())
            operand = fn.child_by_field_name("operand")
            field = fn.child_by_field_name("field")
            if operand is not None and field is not None:
                owner = self.type_of(operand, file)
                if owner is not None:
                    t = owner.deref()
                    mname = file.text(field)
                    if t.kind == "named" and t.pkg:
                        return STDLIB_METHODS.get((t.pkg, t.name, mname), ())
                    if t.kind == "named":
                        m = self.index.method(t.name, mname)
                        if m is not None:
                            return self._results(m, file)
        elif fn.type in ("parenthesized_type", "pointer_type", "channel_type", "qualified_type"):
            return (self.type_from_node(fn, file),)  # a conversion that parsed as a call
        elif fn.type == "unary_expression":  # `(*T)(p)`: a conversion that parsed as a call
            op, operand = fn.child_by_field_name("operator"), fn.child_by_field_name("operand")
            if op is not None and op.type == "*" and operand is not None:
                converted = self._type_named_by(operand, file)
                if converted is not None:
                    return (pointer(converted),)
        ft = self.type_of(fn, file)
        if ft is not None and ft.kind == "func":
            return ft.results
        return ()

    def _new_operand(self, arg: Node, file: SourceFile) -> GoType | None:
        """The type `new(arg)` points to: ``arg`` is a type, or (Go 1.26) a value whose type
        it takes. A value written like a type (`new(x)`, `new(*p)`, `new(s.f)`, `new(m[k])`)
        parses as one, and is told from a type by what its name is bound to."""
        value = self._value_written_as_type(arg, file)
        if value is not None:
            return value[0]
        if arg.type == "type_identifier" or arg.type.endswith("_type"):
            return self.type_from_node(arg, file)
        return self.type_of(arg, file)

    def _value_written_as_type(
        self, node: Node, file: SourceFile, depth: int = 0
    ) -> tuple[GoType | None] | None:
        """(its type,) when ``node``, parsed as a type, denotes a value; None for a type."""
        kind = node.type
        if kind == "type_identifier":
            name = file.text(node)
            if name in ("true", "false"):
                return (BOOL,)
            if self.binding(node, file) is not None or (
                name in self.index.vars and name not in self.index.types
            ):
                return (self.type_of_name(node, file),)
            return None
        if kind == "qualified_type":  # `s.f`: a field of a variable s, or a package's type
            pkg, field = node.child_by_field_name("package"), node.child_by_field_name("name")
            if pkg is None or field is None or self.index.import_path(file, file.text(pkg)):
                return None
            name = file.text(pkg)
            if self.binding(pkg, file) is None and name not in self.index.vars:
                return None
            owner = self.type_of_name(pkg, file)
            found = self.field(owner, file.text(field)) if owner is not None else None
            return (found[1] if found is not None else None,)
        inner = node.child_by_field_name("type") if kind == "generic_type" else _first(node)
        if inner is None or depth > 20 or kind not in _VALUE_SHAPES:
            return None
        value = self._value_written_as_type(inner, file, depth + 1)
        if value is None or kind == "parenthesized_type":
            return value
        t = value[0]
        if kind == "pointer_type":  # `*p`
            return (t.elem if t is not None and t.kind == "pointer" else None,)
        return (t.elem if t is not None and t.kind in ("slice", "array", "map") else None,)

    def type_of_name(self, ident: Node, file: SourceFile) -> GoType | None:
        """The type of the variable a name (identifier, or a type_identifier that denotes a
        value) refers to: a local binding, else a package variable."""
        b = self.binding(ident, file)
        if b is not None:
            return self.binding_type(b)
        var = self.index.vars.get(file.text(ident))
        if var is None:
            return None
        if var.type_node is not None:
            return self.type_from_node(var.type_node, var.file)
        return self.type_of(var.value, var.file) if var.value is not None else None

    # -- identities -------------------------------------------------------------------------
    def ref_of(self, expr: Node | None, file: SourceFile, depth: int = 0) -> Ref | None:
        """The variable or field path an expression denotes; aliases (`m := &s.mu`) followed."""
        if expr is None or depth > 8:
            return None
        expr = unparen(expr)
        kind = expr.type
        if kind == "unary_expression":
            op = expr.child_by_field_name("operator")
            if op is not None and op.type in ("&", "*"):
                return self.ref_of(expr.child_by_field_name("operand"), file, depth + 1)
            return None
        if kind == "identifier":
            b = self.binding(expr, file)
            text = file.text(expr)
            if b is None:
                if text in self.index.vars:
                    return Ref(f"pkg:{text}", (), text, f"{self.index.name}.{text}")
                return None
            alias = self._alias_target(b)
            if alias is not None:
                target = self.ref_of(alias, b.file, depth + 1)
                if target is not None:
                    return attrs.evolve(target, text=text)
            func = enclosing_function(b.ident)
            owner = _func_name(func, b.file) if func is not None else "?"
            return Ref(b.key, (), text, f"{owner}.{text}")
        if kind == "selector_expression":
            operand = expr.child_by_field_name("operand")
            field = expr.child_by_field_name("field")
            if operand is None or field is None:
                return None
            name = file.text(field)
            path = self.package_of(operand, file)
            if path is not None:
                return Ref(f"ext:{path}.{name}", (), file.text(expr), f"{path}.{name}")
            base = self.ref_of(operand, file, depth + 1)
            if base is None:
                return None
            operand_type = self.type_of(operand, file)
            found = self.field(operand_type, name) if operand_type is not None else None
            cls = f"{found[0]}.{name}" if found else ""
            if operand_type is not None and operand_type.deref().pkg and base.cls:
                # A field of a standard-library value (`p.wait.L` of a sync.Cond) is as
                # specific as the value that holds it: `Plugin.wait.L`, not every Cond's L.
                cls = f"{base.cls}.{name}"
            return Ref(base.root, (*base.path, name), file.text(expr), cls)
        return None

    def _alias_target(self, b: Binding) -> Node | None:
        """The expression a local is an alias of: `m := &s.mu`, or `m := s.mu` of pointer type."""
        if (
            b.kind not in ("short", "var")
            or b.value is None
            or b.index != 0
            or b.type_node is not None
        ):
            return None
        value = unparen(b.value)
        if value.type == "unary_expression":
            op = value.child_by_field_name("operator")
            if op is not None and op.type == "&":
                return value
            return None
        if value.type in ("selector_expression", "identifier"):
            t = self.binding_type(b)
            if t is not None and t.kind == "pointer":
                return value
        return None

    def method_target(self, selector: Node, file: SourceFile) -> tuple[str, Ref | None] | None:
        """For `X.M` where M is a method of a sync type held by X (directly or embedded):
        (sync kind, identity of the sync value). None for other methods, including a method
        M that X's own type declares."""
        operand = selector.child_by_field_name("operand")
        field = selector.child_by_field_name("field")
        if operand is None or field is None:
            return None
        method = file.text(field)
        t = self.type_of(operand, file)
        if t is None:
            return None
        kind = t.sync_kind()
        if kind is not None:
            return (
                (kind, self.ref_of(operand, file)) if method in SYNC_METHODS.get(kind, ()) else None
            )
        found = self._embedded_sync(t, method)
        if found is None:
            return None
        kind, owner, fields = found
        base = self.ref_of(operand, file)
        if base is None:
            return kind, None
        # Reached through a field (`c.in.Lock()`), the field is the finer class: `Conn.in`
        # and `Conn.out` embed the same mutex type but are different locks.
        cls = base.cls if base.path and base.cls else f"{owner}.{fields[-1]}"
        return kind, Ref(base.root, (*base.path, *fields), base.text, cls)

    def _embedded_sync(
        self, t: GoType, method: str, depth: int = 0
    ) -> tuple[str, str, tuple[str, ...]] | None:
        """(sync kind, type that embeds it, embedded field path) for a promoted sync method."""
        t = t.deref()
        if t.kind not in ("named", "struct") or t.pkg or depth > 5:
            return None
        if t.kind == "named" and self.index.method(t.name, method) is not None:
            return None  # the type's own method shadows the promoted one
        # A type declared for several builds: as the variants that embed one agree.
        found = {self._sync_in(d, method, depth) for d in self.struct_variants(t)}
        found.discard(None)
        return found.pop() if len(found) == 1 else None

    def _sync_in(
        self, decl: TypeDecl, method: str, depth: int
    ) -> tuple[str, str, tuple[str, ...]] | None:
        for f in decl.fields.values():
            if not f.embedded:
                continue
            ft = self.type_from_node(f.type_node, decl.file)
            if ft is None:
                continue
            kind = ft.sync_kind()
            if kind is not None and method in SYNC_METHODS.get(kind, ()):
                return kind, decl.name, (f.name,)
            inner = self._embedded_sync(ft, method, depth + 1)
            if inner is not None:
                return inner[0], inner[1], (f.name, *inner[2])
        return None


def _type_parameters(func: Node, file: SourceFile) -> frozenset[str]:
    """The type parameters of a function, or those its method's receiver names."""
    names: set[str] = set()
    tparams = func.child_by_field_name("type_parameters")
    if tparams is not None:
        for decl in tparams.named_children:
            names.update(file.text(n) for n in decl.children_by_field_name("name") if n.is_named)
    receiver = func.child_by_field_name("receiver")
    if receiver is not None and b"[" in (receiver.text or b""):
        for node in _descendants_of(receiver, "type_arguments"):
            names.update(file.text(c) for c in node.named_children if c.type == "type_elem")
    return frozenset(names)


def _descendants_of(node: Node, kind: str) -> Iterator[Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == kind:
            yield n
        stack.extend(n.named_children)


def _first(node: Node) -> Node | None:
    return next((c for c in node.named_children if not c.is_extra), None)


def _func_name(func: Node, file: SourceFile) -> str:
    """`f`, or `f.func.func` for a literal in a literal in f (a loop: literals nest deep)."""
    literals = 0
    current: Node | None = func
    while current is not None:
        name = current.child_by_field_name("name")
        if name is not None:
            return file.text(name) + ".func" * literals
        literals += 1
        current = enclosing_function(current)
    return ".func" * literals
