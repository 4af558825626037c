"""Per-function summaries of a package, and the value-fate analyses they are built from.

A summary says what a package function or method does to what it is given, so that rules can
follow a channel or a WaitGroup into the functions it is handed to:

* ``closes``: parameters (``ch``) and receiver field paths (``s.results``) it closes, directly,
  in a closure it contains, or by handing them to another package function that does;
* ``escapes``: parameters whose value reaches code goconc cannot see (passed to a function
  outside the package, stored, sent, returned), whatever their type: for a channel, rules
  treat it as possibly closed there;
* ``sends``: channel parameters it sends on, directly, in a closure or through another
  package function;
* ``receives``: channel parameters it receives from (`<-ch`, a `select` case, `range`), the
  same ways;
* ``done``: WaitGroup parameters and receiver fields (``wg``, ``s.wg``) on which it calls
  ``Done`` on every path (deferred, or reached on all paths of its CFG);
* ``done_maybe``: the same keys where ``Done`` is called on some path only, or the WaitGroup
  escapes (handed to unknown code): rules stay silent about those;
* ``never_returns``: no path reaches a normal return.

Summaries are computed on demand, one function at a time, and cached on the package
(``pkg.fact(Summaries)``); a recursive cycle is cut by treating the function in progress as doing
nothing (a function that closes a channel only through recursion is not seen).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import attrs
from tree_sitter import Node

from goconc.analyzer.calls import Callee, callees, param_names
from goconc.analyzer.cfg import CFG
from goconc.analyzer.dataflow import Exit, unhandled_exits
from goconc.analyzer.facts import Fact, Package
from goconc.analyzer.matchers import (
    FUNC_KINDS,
    assignment_sides,
    call_args,
    descendants,
    method_call,
)
from goconc.analyzer.source import SourceFile
from goconc.analyzer.symbols import FuncDecl
from goconc.analyzer.types import Binding, Ref, Resolver, unparen

_IDENT = frozenset({"identifier"})
_CALL_KIND = frozenset({"call_expression"})
_WG_METHODS = frozenset({"Add", "Done", "Wait", "Go"})
_NEUTRAL_BUILTINS = frozenset({"len", "cap"})


@attrs.frozen
class FuncSummary:
    closes: frozenset[str] = frozenset()
    escapes: frozenset[str] = frozenset()
    sends: frozenset[str] = frozenset()
    done: frozenset[str] = frozenset()
    done_maybe: frozenset[str] = frozenset()
    never_returns: bool = False
    receives: frozenset[str] = frozenset()


_EMPTY = FuncSummary()


@attrs.frozen
class ChanFate:
    """What code in the package does with a channel."""

    closes: tuple[tuple[Node, SourceFile], ...] = ()  # close calls (or calls that close it)
    escapes: tuple[tuple[Node, SourceFile], ...] = ()  # uses that hand it to unknown code
    sends: tuple[tuple[Node, SourceFile], ...] = ()  # sends (or calls that send on it)
    receives: tuple[tuple[Node, SourceFile], ...] = ()  # receives, ranges (or such calls)

    @property
    def released(self) -> bool:
        """Closed somewhere, or possibly closed by code goconc cannot see."""
        return bool(self.closes or self.escapes)

    @property
    def silent(self) -> bool:
        """Nothing can ever wake a receiver: no close, no send, no unknown code."""
        return not (self.closes or self.escapes or self.sends)


@attrs.frozen
class DoneFate:
    """How a goroutine (or function) treats a WaitGroup it counts against."""

    kind: str  # "done" (on every path) | "missing" (never) | "skipped" | "escaped"
    exit: Exit | None = None  # skipped: the return / goexit / continue that skips Done
    calls: tuple[Node, ...] = ()  # the Done calls (or summarised calls) found
    handlers: tuple[Node, ...] = ()  # the CFG statements that call Done


class Summaries(Fact):
    """Lazily computed summaries of every function and method of one package."""

    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg
        self._done: dict[int, FuncSummary] = {}
        self._busy: set[int] = set()

    def of(self, decl: FuncDecl) -> FuncSummary:
        key = decl.node.id
        found = self._done.get(key)
        if found is not None:
            return found
        if key in self._busy or len(self._busy) > 40:
            return _EMPTY  # recursion (or a very deep chain): assume it does nothing
        self._busy.add(key)
        try:
            found = self._compute(decl)
        finally:
            self._busy.discard(key)
        self._done[key] = found
        return found

    # -- computing one summary ----------------------------------------------------------
    def _compute(self, decl: FuncDecl) -> FuncSummary:
        pkg, file, func = self.pkg, decl.file, decl.node
        r = pkg.resolver
        closes: set[str] = set()
        escapes: set[str] = set()
        sends: set[str] = set()
        receives: set[str] = set()
        params = _param_bindings(func, file, r)
        for name, binding in params.items():
            fate = local_chan_fate(pkg, binding)
            if fate.closes:
                closes.add(name)
            if fate.escapes:
                escapes.add(name)
            if fate.sends:
                sends.add(name)
            if fate.receives:
                receives.add(name)
        # Receiver fields and deeper paths closed directly: close(s.results).
        body = func.child_by_field_name("body")
        if body is not None and b"close(" in file.data[body.start_byte : body.end_byte]:
            for call in _calls(body):
                fn = call.child_by_field_name("function")
                args = call_args(call)
                if fn is None or len(args) != 1 or not r.is_builtin(fn, file, "close"):
                    continue
                key = _param_key(r.ref_of(args[0], file), params)
                if key is not None:
                    closes.add(key)
        done: set[str] = set()
        maybe: set[str] = set()
        if body is not None:
            for wg_key, target, by_value in _waitgroup_keys(func, file, params, pkg):
                how = done_fate(pkg, func, file, (target,), by_value=by_value).kind
                if how == "done":
                    done.add(wg_key)
                elif how != "missing":
                    maybe.add(wg_key)
        cfg = pkg.cfg(func, file)
        return FuncSummary(
            frozenset(closes),
            frozenset(escapes),
            frozenset(sends),
            frozenset(done),
            frozenset(maybe),
            receives=frozenset(receives),
            never_returns=body is not None and not cfg.exit.live,
        )


def summaries(pkg: Package) -> Summaries:
    """The package's summaries (cached on the package)."""
    return pkg.fact(Summaries)


# -- helpers over parameters -------------------------------------------------------------


def _param_bindings(func: Node, file: SourceFile, r: Resolver) -> dict[str, Binding]:
    """{name: binding} of the receiver and parameters of a declaration."""
    found: dict[str, Binding] = {}
    for field in ("receiver", "parameters"):
        plist = func.child_by_field_name(field)
        if plist is None:
            continue
        for param in plist.named_children:
            if param.type != "parameter_declaration":
                continue
            for ident in param.children_by_field_name("name"):
                if ident.is_named:
                    b = r.binding(ident, file)
                    if b is not None:
                        found[b.name] = b
    return found


def _param_key(ref: Ref | None, params: dict[str, Binding]) -> str | None:
    if ref is None:
        return None
    for name, b in params.items():
        if ref.root == b.key:
            return ".".join((name, *ref.path))
    return None


def _waitgroup_keys(
    func: Node, file: SourceFile, params: dict[str, Binding], pkg: Package
) -> Iterator[tuple[str, Ref, bool]]:
    """(key, identity, held by value) of the WaitGroups a function is given: parameters of
    WaitGroup type and WaitGroup fields of its receiver (one level)."""
    r = pkg.resolver
    for name, b in params.items():
        t = r.binding_type(b)
        if t is None:
            continue
        root = Ref(b.key, (), name, "")
        if t.sync_kind() == "WaitGroup":
            yield name, root, t.kind != "pointer"
        elif b.kind == "receiver" or t.deref().kind == "named":
            for f, ft in r.fields_of(t):
                if ft is not None and ft.sync_kind() == "WaitGroup":
                    key = f"{name}.{f.name}"
                    owner = r.field(t, f.name)
                    cls = f"{owner[0]}.{f.name}" if owner is not None else ""
                    yield key, Ref(b.key, (f.name,), key, cls), ft.kind != "pointer"


def bind_key(
    key: str, call: Node, file: SourceFile, decl: FuncDecl, receiver: Node | None, pkg: Package
) -> Ref | None:
    """The caller-side identity of a summary key of ``decl`` at ``call``."""
    root, *path = key.split(".")
    arg: Node | None = None
    if decl.receiver_name == root:
        arg = receiver
    else:
        names = param_names(decl.node, decl.file)
        args = call_args(call)
        plist = decl.node.child_by_field_name("parameters")
        variadic = plist is not None and any(
            p.type == "variadic_parameter_declaration" for p in plist.named_children
        )
        if root in names and not (variadic and names.index(root) == len(names) - 1):
            i = names.index(root)
            if i < len(args) and not (len(args) == 1 and len(names) > 1):
                arg = args[i]
    if arg is None:
        return None
    ref = pkg.resolver.ref_of(arg, file)
    if ref is None:
        return None
    return Ref(ref.root, (*ref.path, *path), ref.text, "")


# -- channel fate ------------------------------------------------------------------------


def _calls(node: Node) -> Iterator[Node]:
    stack = list(node.named_children)
    while stack:
        n = stack.pop()
        if n.type == "call_expression":
            yield n
        stack.extend(n.named_children)


_FATE_KINDS = ("close", "escape", "send", "receive")


def _chan_fate(found: dict[str, list[tuple[Node, SourceFile]]]) -> ChanFate:
    return ChanFate(
        tuple(found["close"]), tuple(found["escape"]), tuple(found["send"]), tuple(found["receive"])
    )


def local_chan_fate(pkg: Package, binding: Binding) -> ChanFate:
    """Closes, escapes, sends and receives of the channel held by a local (parameter,
    variable), through local aliases (`c := ch`), closures and package functions it is
    handed to."""
    found: dict[str, list[tuple[Node, SourceFile]]] = {k: [] for k in _FATE_KINDS}
    seen: set[int] = {binding.ident.id}
    work = [binding]
    while work:
        b = work.pop()
        for use in pkg.resolver.uses(b):
            kinds, alias = chan_use_kinds(pkg, use, b.file)
            for kind in kinds:
                if kind in found:
                    found[kind].append((use, b.file))
            if "alias" in kinds and alias is not None and alias.ident.id not in seen:
                seen.add(alias.ident.id)
                work.append(alias)
    return _chan_fate(found)


def shared_chan_fate(pkg: Package, uses: list[tuple[Node, SourceFile]]) -> ChanFate:
    """Closes, escapes, sends and receives of a package-wide channel (a package variable or
    a struct field class) from all its uses; locals that alias it are followed."""
    found: dict[str, list[tuple[Node, SourceFile]]] = {k: [] for k in _FATE_KINDS}
    for use, file in uses:
        kinds, alias = chan_use_kinds(pkg, use, file)
        for kind in kinds:
            if kind in found:
                found[kind].append((use, file))
        if "alias" in kinds and alias is not None:
            inner = local_chan_fate(pkg, alias)
            for kind in _FATE_KINDS:
                found[kind].extend(getattr(inner, _FATE_FIELDS[kind]))
    return _chan_fate(found)


_FATE_FIELDS = {"close": "closes", "escape": "escapes", "send": "sends", "receive": "receives"}


def _passed_chan(pkg: Package, target: Callee, position: int) -> tuple[str, ...]:
    """What a package function does with the channel passed as argument ``position``: all of
    it, strongest first (close, escape, send, receive)."""
    names = param_names(target.decl.node, target.decl.file)
    plist = target.decl.node.child_by_field_name("parameters")
    variadic = plist is not None and any(
        p.type == "variadic_parameter_declaration" for p in plist.named_children
    )
    if variadic and position >= len(names) - 1:
        return ("escape",)
    if position < 0 or position >= len(names):
        return ("escape",)
    name = names[position]
    if name == "_":
        return ("neutral",)
    summary = pkg.fact(Summaries).of(target.decl)
    kinds = tuple(
        k
        for k, held in (
            ("close", summary.closes),
            ("escape", summary.escapes),
            ("send", summary.sends),
            ("receive", summary.receives),
        )
        if name in held
    )
    return kinds or ("neutral",)


def classify_chan_use(pkg: Package, use: Node, file: SourceFile) -> tuple[str, Binding | None]:
    """The first of `chan_use_kinds`: "close", "escape", "send", "receive", "alias" or
    "neutral"."""
    kinds, alias = chan_use_kinds(pkg, use, file)
    return kinds[0], alias


def chan_use_kinds(
    pkg: Package, use: Node, file: SourceFile
) -> tuple[tuple[str, ...], Binding | None]:
    """What one mention of a channel does with it: "close", "escape", "send", "receive"
    (`<-ch`, a select case, `range`), "alias" (assigned to a local, returned with that
    local's binding) or "neutral" (len, a comparison...). A call that hands it to a package
    function does what that function's summary does with the parameter: all of it, strongest
    first (close, escape, send, receive)."""
    node = use
    while node.parent is not None and node.parent.type == "parenthesized_expression":
        node = node.parent
    parent = node.parent
    if parent is None:
        return ("neutral",), None
    kind = parent.type
    if kind == "argument_list":
        return _chan_passed(pkg, node, parent, file), None
    if kind == "send_statement":
        return ("escape",) if parent.child_by_field_name("value") == node else ("send",), None
    if kind == "unary_expression":
        op = parent.child_by_field_name("operator")
        if op is not None and op.type == "<-":
            return ("receive",), None
        return ("escape",) if op is not None and op.type == "&" else ("neutral",), None
    if kind == "range_clause" and parent.child_by_field_name("right") == node:
        return ("receive",), None
    if kind in _NEUTRAL_PLACES:
        return ("neutral",), None
    if kind == "expression_list":
        return _chan_listed(pkg, node, parent, file)
    return ("escape",), None


# Where a mention of a channel neither uses nor lets go of it (a key of a range, an operand of
# a comparison, a statement of its own...).
_NEUTRAL_PLACES = frozenset(
    {
        "range_clause",
        "binary_expression",
        "expression_statement",
        "index_expression",
        "selector_expression",
        "call_expression",
        "expression_case",
        "go_statement",
        "defer_statement",
        "inc_statement",
        "dec_statement",
    }
)


def _chan_passed(pkg: Package, node: Node, args_node: Node, file: SourceFile) -> tuple[str, ...]:
    """A channel passed as an argument: closed by `close`, untouched by `len`/`cap`, else what
    every callee's summary does with that parameter (unknown: it escapes)."""
    r = pkg.resolver
    call = args_node.parent
    if call is None or call.type != "call_expression":
        return ("escape",)
    fn = call.child_by_field_name("function")
    if fn is None:
        return ("escape",)
    fn = unparen(fn)
    if r.is_builtin(fn, file, "close"):
        return ("close",)
    if (
        fn.type == "identifier"
        and file.text(fn) in _NEUTRAL_BUILTINS
        and r.is_builtin(fn, file, file.text(fn))
    ):
        return ("neutral",)
    args = call_args(call)
    position = next((i for i, a in enumerate(args) if a.id == node.id), -1)
    # Build variants of the callee: what they all do, else unknown.
    found = {_passed_chan(pkg, target, position) for target in callees(call, file, r)}
    return found.pop() if len(found) == 1 else ("escape",)


def _chan_listed(
    pkg: Package, node: Node, listed: Node, file: SourceFile
) -> tuple[tuple[str, ...], Binding | None]:
    """A channel in an expression list: assigned to a local ("alias", with its binding), to
    `_` or assigned to itself (neutral, the origin), a case value (neutral), or anything else
    (returned, stored in a field, map, slice or package variable: it escapes)."""
    stmt = listed.parent
    if stmt is None:
        return ("escape",), None
    if stmt.type == "expression_case":
        return ("neutral",), None
    if stmt.type not in ("short_var_declaration", "assignment_statement", "var_spec"):
        return ("escape",), None  # returned, or anything else
    right = stmt.child_by_field_name("value" if stmt.type == "var_spec" else "right")
    if right is None or right.id != listed.id:
        return ("neutral",), None  # assigned to: the origin, not a use
    lefts, values = assignment_sides(stmt)
    if len(values) != len(lefts):
        return ("escape",), None
    target = lefts[values.index(node)] if node in values else None
    if target is None or target.type != "identifier":
        return ("escape",), None  # stored in a field, map, slice or package variable
    if file.text(target) == "_":
        return ("neutral",), None
    b = pkg.resolver.binding(target, file)
    if b is not None and b.kind == "result":
        return ("escape",), None  # a named result: returned by a bare return
    if b is not None:
        return ("alias",), b
    return ("escape",), None


# -- WaitGroup Done fate -----------------------------------------------------------------


def done_fate(
    pkg: Package, func: Node, file: SourceFile, targets: Sequence[Ref], *, by_value: bool = False
) -> DoneFate:
    """Whether ``func`` (a goroutine body: func_literal, or a declaration) calls Done on the
    counted WaitGroup on every path. ``targets`` are the names it has in ``func`` (a variable
    or field, a parameter or receiver field it is bound to); ``by_value``: it is known to be
    a WaitGroup variable or field, not one behind a pointer of unknown target.

    Uses of the WaitGroup other than its own methods and package functions whose summary
    calls Done (handing it to unknown code, to another goroutine, to a callback) make the
    answer "escaped": the caller must stay silent. So does a Done, short of one on every
    path, on a WaitGroup that may be the same one under a name goconc cannot tie to it (a
    `*sync.WaitGroup` parameter or field of unknown origin, the same field of another value):
    the finding would rest on an identity goconc does not know."""
    r = pkg.resolver
    handlers: dict[int, Node] = {}
    calls: list[Node] = []
    cfg = pkg.cfg(func, file)
    body = func.child_by_field_name("body")
    if body is None:
        return DoneFate("escaped")
    for ident in _idents(body):
        ref = r.ref_of(ident, file)
        target = _named_by(ref, targets)
        if ref is None or target is None:
            continue
        # Climb the selector chain as far as it matches the target's path (an alias such as
        # `p := &e.pipe` already stands for part of it).
        node, depth = ident, len(ref.path)
        while depth < len(target.path):
            parent = node.parent
            if parent is None or parent.type != "selector_expression":
                break
            if parent.child_by_field_name("operand") != node:
                break
            field = parent.child_by_field_name("field")
            if field is None or file.text(field) != target.path[depth]:
                break
            node, depth = parent, depth + 1
        prefix = target.path[depth:]  # what the use still has to reach
        how = _wg_use(pkg, node, file, prefix)
        if how == "neutral":
            continue
        if how == "escape":
            return DoneFate("escaped")
        # A Done (direct or summarised): find the statement of this CFG that runs it.
        call = _enclosing_call(node)
        if call is None:
            continue
        stmt, ok = _handler_statement(cfg, call, func)
        if not ok:
            return DoneFate("escaped")
        if stmt is not None:
            handlers[stmt.id] = stmt
            calls.append(call)
    exits = frozenset({"return", "end", "goexit"})
    found = (
        next(unhandled_exits(cfg, cfg.entry, 0, lambda n: n.id in handlers, exits), None)
        if handlers
        else None
    )
    if handlers and (found is None or _nil_guarded(pkg, handlers.values(), func, file, targets)):
        return DoneFate("done", None, tuple(calls), tuple(handlers.values()))
    if _done_on_another_name(pkg, body, file, targets, by_value):
        return DoneFate("escaped")
    if not handlers:
        return DoneFate("missing")
    return DoneFate("skipped", found, tuple(calls), tuple(handlers.values()))


def _named_by(ref: Ref | None, targets: Sequence[Ref]) -> Ref | None:
    """The target that ``ref`` names or holds part of the way (`s` of `s.wg`)."""
    if ref is None:
        return None
    return next(
        (t for t in targets if t.root == ref.root and t.path[: len(ref.path)] == ref.path), None
    )


def _done_on_another_name(
    pkg: Package, body: Node, file: SourceFile, targets: Sequence[Ref], by_value: bool
) -> bool:
    """Some Done in ``body`` (or in a package function it calls) is on a WaitGroup that may
    be the counted one: one behind a pointer goconc cannot follow, or the same field of
    another value of the type."""
    for _, other, value in waitgroup_dones(pkg, body, file):
        if _named_by(other, targets) is not None:
            continue  # the counted WaitGroup itself: its uses were read above
        if _may_be_counted(other, value, targets, by_value):
            return True
    return False


def waitgroup_dones(
    pkg: Package, body: Node, file: SourceFile
) -> Iterator[tuple[Node, Ref | None, bool]]:
    """(call, WaitGroup, held by value) for every Done in ``body``, closures included: the
    `X.Done()` calls, and the calls of package functions whose summary calls Done on a
    WaitGroup they are given (bound to the caller's side; None when it cannot be). "Held
    by value": the WaitGroup is a variable or field itself, not one behind a pointer."""
    r = pkg.resolver
    for call in descendants(body, _CALL_KIND):
        m = method_call(call, file)
        fn = call.child_by_field_name("function")
        found = r.method_target(fn, file) if m is not None and fn is not None else None
        if found is not None:
            if m is not None and m[1] == "Done" and found[0] == "WaitGroup":
                t = r.type_of(m[0], file)
                value = t is not None and t.sync_kind() == "WaitGroup" and t.kind != "pointer"
                yield call, found[1], value
            continue
        for target in callees(call, file, r):  # each build variant's Dones may run
            summary = pkg.fact(Summaries).of(target.decl)
            for key in sorted(summary.done | summary.done_maybe):
                yield call, bind_key(key, call, file, target.decl, target.receiver, pkg), False


def _may_be_counted(other: Ref | None, value: bool, targets: Sequence[Ref], by_value: bool) -> bool:
    """A Done on ``other`` (``value``: a WaitGroup variable or field, not a pointer) may be
    one on the counted WaitGroup: unless both are known places and different ones."""
    if other is None or not value or not by_value:
        return True
    # Two fields of one class may be one field of one value reached two ways.
    return any(other.path and t.path and other.cls and other.cls == t.cls for t in targets)


def _nil_guarded(
    pkg: Package, handlers: Iterable[Node], func: Node, file: SourceFile, targets: Sequence[Ref]
) -> bool:
    """`if wg != nil { defer wg.Done() }`: an optional WaitGroup, done whenever given."""
    r = pkg.resolver
    for h in handlers:
        parent = h.parent
        while parent is not None and parent.id != func.id:
            if parent.type == "if_statement":
                cond = parent.child_by_field_name("condition")
                if cond is not None and cond.type == "binary_expression":
                    op = cond.child_by_field_name("operator")
                    sides = [cond.child_by_field_name("left"), cond.child_by_field_name("right")]
                    if (
                        op is not None
                        and op.type == "!="
                        and any(x is not None and x.type == "nil" for x in sides)
                    ):
                        for x in sides:
                            ref = r.ref_of(x, file) if x is not None else None
                            if ref is not None and any(ref.same_object(t) for t in targets):
                                return True
            parent = parent.parent
    return False


def _idents(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "identifier":
            yield n
            continue
        stack.extend(n.named_children)


def _enclosing_call(node: Node) -> Node | None:
    parent = node.parent
    while parent is not None and parent.type != "call_expression":
        if parent.type in FUNC_KINDS:
            return None
        parent = parent.parent
    return parent


def _wg_use(pkg: Package, node: Node, file: SourceFile, rest: tuple[str, ...]) -> str:
    """ "done" (calls Done, or a package function that does on every path), "escape" or
    "neutral" for one mention of a WaitGroup (or of a value that holds it, when ``rest``
    is the remaining field path)."""
    parent = node.parent
    # Through parentheses, `&` and `*` (a loop: they can nest thousands deep).
    while parent is not None and (
        parent.type == "parenthesized_expression"
        or (
            parent.type == "unary_expression"
            and (op := parent.child_by_field_name("operator")) is not None
            and op.type in ("&", "*")
        )
    ):
        node, parent = parent, parent.parent
    if parent is None:
        return "neutral"
    if parent.type == "selector_expression" and parent.child_by_field_name("operand") == node:
        return _wg_method_use(pkg, parent, file, rest)
    if parent.type == "argument_list":
        return _wg_passed(pkg, node, parent, file, rest)
    if parent.type in ("binary_expression", "expression_statement"):
        return "neutral"
    if parent.type == "expression_list":
        stmt = parent.parent
        if stmt is not None and stmt.type == "short_var_declaration":
            # A local alias (`p := &s.wg`, its uses resolve to the same identity), or the
            # alias's own declaring name.
            return "neutral"
    if rest and parent.type in ("selector_expression", "index_expression"):
        return "neutral"
    return "escape"


def _wg_method_use(pkg: Package, selector: Node, file: SourceFile, rest: tuple[str, ...]) -> str:
    """The WaitGroup (or the value that holds it) is the operand of ``selector``: Done is
    "done", another WaitGroup method "neutral"; a method of the holder does what its summary
    says."""
    r = pkg.resolver
    field = selector.child_by_field_name("field")
    call = selector.parent
    name = file.text(field) if field is not None else ""
    if (
        call is None
        or call.type != "call_expression"
        or call.child_by_field_name("function") != selector
    ):
        return "neutral"  # a field read on the way to something else
    if not rest:
        if name == "Done":
            return "done"
        if name in _WG_METHODS:
            return "neutral"
        return "escape"
    sync = r.method_target(selector, file)
    held = sync[1] if sync is not None and sync[0] == "WaitGroup" else None
    if held is not None and held.path[len(held.path) - len(rest) :] == rest:
        # A method of the embedded WaitGroup itself (`f.Done()`).
        return "done" if name == "Done" else "neutral"
    # A method of the value that holds the WaitGroup: its summary says (each build
    # variant's, when they agree).
    targets = callees(call, file, r)
    if not targets:
        return "neutral"  # a method of an embedded outside type: cannot reach our field
    return _agreed(
        _summary_use(pkg, t.decl, ".".join((t.decl.receiver_name or "", *rest))) for t in targets
    )


def _wg_passed(
    pkg: Package, node: Node, args_node: Node, file: SourceFile, rest: tuple[str, ...]
) -> str:
    """The WaitGroup passed as an argument: what every callee's summary does with that
    parameter; "escape" into a new goroutine or an unknown function."""
    call = args_node.parent
    if call is None or call.type != "call_expression":
        return "escape"
    if call.parent is not None and call.parent.type == "go_statement":
        return "escape"  # Done would run in another goroutine
    targets = callees(call, file, pkg.resolver)
    if not targets:
        fn = call.child_by_field_name("function")
        if fn is not None and fn.type == "identifier" and file.text(fn) in _NEUTRAL_BUILTINS:
            return "neutral"
        return "escape"
    args = call_args(call)
    position = next((i for i, a in enumerate(args) if a.id == node.id), -1)
    return _agreed(_passed_waitgroup(pkg, t, position, rest) for t in targets)


def _passed_waitgroup(pkg: Package, target: Callee, position: int, rest: tuple[str, ...]) -> str:
    names = param_names(target.decl.node, target.decl.file)
    if position < 0 or position >= len(names):
        return "escape"
    return _summary_use(pkg, target.decl, ".".join((names[position], *rest)))


def _agreed(uses: Iterable[str]) -> str:
    """The use every build variant of a callee makes, else "escape" (unknown)."""
    found = set(uses)
    return found.pop() if len(found) == 1 else "escape"


def _summary_use(pkg: Package, decl: FuncDecl, key: str) -> str:
    summary = pkg.fact(Summaries).of(decl)
    if key in summary.done:
        return "done"
    if key in summary.done_maybe:
        return "escape"
    if "." in key:
        # A value that holds the WaitGroup, handed on whole: any of its WaitGroups done?
        prefix = key + "."
        if any(k.startswith(prefix) for k in summary.done_maybe | summary.done):
            return "escape"
    return "neutral"


def _handler_statement(cfg: CFG, call: Node, func: Node) -> tuple[Node | None, bool]:
    """The statement of ``cfg`` that runs ``call``: the call's own statement, or the `defer`
    / immediately invoked literal around it. (None, False) when the call runs elsewhere (a
    nested goroutine, a callback): the WaitGroup escapes."""
    node: Node | None = call
    while node is not None and node.id != func.id:
        if node.type == "func_literal":
            holder = node.parent
            while holder is not None and holder.type == "parenthesized_expression":
                holder = holder.parent
            if (
                holder is None
                or holder.type != "call_expression"
                or holder.child_by_field_name("function") is None
            ):
                return None, False
            if unparen(holder.child_by_field_name("function")).id != node.id:  # type: ignore[arg-type]
                return None, False  # a callback: when it runs is unknown
            stmt = holder.parent
            if stmt is not None and stmt.type == "go_statement":
                return None, False
            node = holder
            continue
        if cfg.block_of(node) is not None:
            return node, True
        node = node.parent
    return None, True


def waitgroup_adds_before(
    pkg: Package, go: Node, func: Node, file: SourceFile
) -> list[tuple[Node, Ref]]:
    """`X.Add(...)` calls on WaitGroups before the go statement ``go`` in ``func`` (nested
    literals left out), nearest first, one per WaitGroup."""
    r = pkg.resolver
    found: list[tuple[Node, Ref]] = []
    for call in descendants(func, _CALL_KIND, into_funcs=False):
        if call.start_byte >= go.start_byte:
            break
        m = method_call(call, file)
        if m is None or m[1] != "Add":
            continue
        fn = call.child_by_field_name("function")
        target = r.method_target(fn, file) if fn is not None else None
        if target is None or target[0] != "WaitGroup" or target[1] is None:
            continue
        if not _named_at(r, m[0], go, file):
            continue  # `x.wg.Add` with an `x` of a block that ended: another value each time
        found = [(a, ref) for a, ref in found if not ref.same_object(target[1])]
        found.append((call, target[1]))
    found.reverse()
    return found


def _named_at(r: Resolver, operand: Node, at: Node, file: SourceFile) -> bool:
    """The variable that ``operand`` (`wg`, `s.wg`, `(*p).wg`) starts from is in scope at
    ``at``."""
    node = unparen(operand)
    while node.type != "identifier":
        inner = node.child_by_field_name("operand")
        if inner is None:
            return True  # `f().wg`: no variable to ask about
        node = unparen(inner)
    b = r.binding(node, file)
    return b is None or b.scope_start <= at.start_byte < b.scope_end
