"""The lock-order graph of a package, as data: its edges and the cycles that can deadlock.

An edge A -> B means a lock of class B is acquired while a lock of class A is held, in the
same function or through static calls (`LockAnalysis.call_reach`). `LockOrder`, a fact of
the package, gives them: MU002 collects the edges of each function during the batched walk
(`function_edges`) and reports the cycles (`cycles`); `goconc graph --locks` (cli/graph.py)
draws the same edges for whole packages (`package_edges`) and the same cycles in red, so the
picture and the check never disagree.

No edge comes from or goes to the lock of an object that no other goroutine can reach yet
(`Escapes.unpublished`: `c := &T{}; c.mu.Lock(); s.mu.Lock()` orders nothing). Each edge
keeps the locks its thread holds besides A (``others``); `cycles` then looks for one
witness per edge of a cycle such that the cycle can happen: no two of its threads hold one
lock class at once with one of them writing (a gate lock serialises them), no lock of the
cycle is only read-locked by both its holder and its waiter unless something may write-lock
it (readers do not block readers), and no cycle mixes a test's order with the production
code's (a test helper's order is the test's business).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import attrs
from tree_sitter import Node

from goconc.analyzer.calls import call_sites
from goconc.analyzer.dataflow import cfg_statement, reaches
from goconc.analyzer.escapes import Escapes
from goconc.analyzer.facts import Fact, Package
from goconc.analyzer.locks import READ, WRITE, Held, LockAnalysis, LockFacts, Site, obj_key
from goconc.analyzer.matchers import FUNC_KINDS, call_args, descendants
from goconc.analyzer.source import SourceFile
from goconc.analyzer.symbols import FuncDecl, receiver_of
from goconc.analyzer.types import Binding, Ref, Resolver, enclosing_function, unparen
from goconc.analyzer.uses import assigned_value, shared_key

MAX_CYCLE = 4
MAX_CYCLES = 50
# Edges through deeper call chains mostly join distinct instances of one class (a package-level
# DLL handle reached through error formatting): too weak to call an inversion.
MAX_CALL_DEPTH = 4
# Files without these bytes cannot lock (MU002's walk trigger): skipping them changes nothing.
TRIGGERS = (b"Lock", b"lock")
# How far `entry_locks` follows callers, and how many witness combinations a cycle may try.
_MAX_CALLER_DEPTH = 4
_MAX_TRIES = 4000

# The sync types whose Lock a struct gets by embedding them.
_EMBEDDABLE = frozenset({"Mutex", "RWMutex", "Locker"})

#: Lock classes held, with the strongest mode: {"Server.mu": "write"}.
Holds = Mapping[str, str]


@attrs.frozen(eq=False)
class LockEdge:
    """One piece of evidence for A -> B: a place where B is acquired while A is held."""

    src: str  # class held
    dst: str  # class acquired
    held: Held  # the acquisition of the held lock
    at: Node  # where dst is acquired in this function: the Lock call or the call leading to it
    file: SourceFile
    dst_text: str  # the acquired lock, as written
    dst_mode: str
    chain: tuple[Site, ...]  # through calls: the calls, then the Lock inside the callee
    func: str  # name of the function, for messages
    owner: Node | None = None  # the function (declaration or literal) the edge is in
    others: tuple[tuple[str, str], ...] = ()  # the other locks held here: (class, mode)
    # (container field, guard class, guard mode): the acquired lock's object was read from
    # the container under the guard, which is still held (the same hold); and the held
    # lock's object was deleted from the container under the guard before it was locked.
    dst_from: frozenset[tuple[str, str, str]] = frozenset()
    src_removed: frozenset[tuple[str, str, str]] = frozenset()

    @property
    def write(self) -> bool:
        return self.held.mode == WRITE or self.dst_mode == WRITE

    @property
    def test(self) -> bool:
        return self.file.path.endswith("_test.go")

    def order(self) -> tuple[bool, str, int]:
        """Write edges first, then file order: the representative MU002 reports."""
        return (not self.write, self.file.path, self.at.start_byte)

    @property
    def calls(self) -> tuple[str, ...]:
        """The functions called on the way to the acquisition (`s.flush`, `c.drain`)."""
        return tuple(_call_name(s) for s in self.chain[:-1])


@attrs.frozen(eq=False)
class Cycle:
    """A lock-order cycle that can deadlock: ``edges[i]`` acquires what ``edges[i + 1]``
    holds (around), each the first witness of its pair that makes the cycle possible."""

    classes: tuple[str, ...]
    edges: tuple[LockEdge, ...]


class LockOrder(Fact):
    """The lock-order edges of one package: per function (MU002, during the walk), or all
    at once (the drawing)."""

    requires = (LockAnalysis, Escapes)

    def __init__(self, pkg: Package) -> None:
        super().__init__(pkg)
        self.locks = pkg.fact(LockAnalysis)
        self.escapes = pkg.fact(Escapes)
        self._entry: dict[int, dict[str, str]] = {}
        self._entry_busy: set[int] = set()
        self._written: set[str] | None = None

    def function_edges(self, func: Node, file: SourceFile) -> list[LockEdge]:
        """The lock-order edges that one function (declaration or func literal) creates."""
        body = func.child_by_field_name("body")
        locks = self.locks
        if body is None or not locks.mentions_locks(func, file):
            return []
        facts = locks.facts(func, file)
        name = qualified_name(func, file)
        out: list[LockEdge] = []

        private: dict[tuple[str, int], bool] = {}

        def unpublished(ref: Ref, at: Node) -> bool:
            if ref.root.startswith(("pkg:", "ext:", "own:")):
                return False
            key = (ref.root + "." + ".".join(ref.path), at.id)
            found = private.get(key)
            if found is None:
                found = private[key] = self.escapes.unpublished(ref, at, func, file)
            return found

        def add(
            h: Held,
            held: Iterable[Held],
            dst: Ref,
            at: Node,
            mode: str,
            chain: tuple[Site, ...],
        ) -> None:
            src = h.ref.cls
            if not src or not dst.cls or src == dst.cls:
                return  # unknown class, or the same class (other instance, or a double lock)
            if unpublished(h.ref, at) or unpublished(dst, at):
                return  # no other goroutine can hold or wait for that lock yet
            others = tuple(sorted({(o.ref.cls, o.mode) for o in held if o is not h and o.ref.cls}))
            edge = LockEdge(
                src,
                dst.cls,
                h,
                at,
                file,
                dst.text,
                mode,
                chain,
                name,
                func,
                others,
                self._taken_from(dst, held, facts),
                self._removed(h, facts),
            )
            out.append(edge)

        for ev in facts.events:
            if not ev.state.held:
                continue
            # A class already held here is re-acquired, not ordered: that is a double lock
            # (MU004) or an infeasible path, never evidence of an inversion.
            held_classes = {h.ref.cls for h in ev.state.held.values()}
            if ev.kind == "acquire" and ev.ref is not None:
                if ev.ref.cls in held_classes:
                    continue
                held = list(ev.state.held.values())
                for h in held:
                    add(h, held, ev.ref, ev.node, ev.mode, ())
            elif ev.kind == "call" and ev.call is not None:
                for a in locks.call_reach(ev.call).acquires:
                    if a.ref is None or len(a.chain) > MAX_CALL_DEPTH:
                        continue
                    released = {obj_key(r) for r in a.released}
                    still = {
                        h.ref.cls for h in ev.state.held.values() if obj_key(h.ref) not in released
                    }
                    if a.ref.cls in still:
                        continue
                    chain = (*a.chain, a.site)
                    kept = [h for h in ev.state.held.values() if obj_key(h.ref) not in released]
                    for h in kept:
                        add(h, kept, a.ref, ev.node, a.mode, chain)
        return out

    # -- elements of containers ---------------------------------------------------------------
    def _element(self, ref: Ref, facts: LockFacts) -> tuple[Binding, Node, Node] | None:
        """For a lock in the own memory of a local read from a container field (`x := c[k]`,
        `x, ok := c[k]`, `for _, x := range c`) and never assigned again: (the local, the
        container expression, the reading node)."""
        if ref.root.startswith(("pkg:", "ext:", "own:")):
            return None
        b = self.escapes.binding(ref.root)
        if b is None or b.value is None or b.file is not facts.file:
            return None
        owner = enclosing_function(b.ident)
        if owner is None or owner.id != facts.func.id or not self.escapes.value_path(b, ref.path):
            return None
        if b.kind == "range":
            container = b.value.child_by_field_name("right")
            reading = b.value
            if b.index != 1:
                return None
        elif b.kind == "short" and b.index == 0 and unparen(b.value).type == "index_expression":
            container = unparen(b.value).child_by_field_name("operand")
            reading = b.value
        else:
            return None
        if container is None or any(
            assigned_value(u) is not False for u in self.pkg.resolver.uses(b)
        ):
            return None
        return b, container, reading

    def _taken_from(
        self, ref: Ref, held: Iterable[Held], facts: LockFacts
    ) -> frozenset[tuple[str, str, str]]:
        found = self._element(ref, facts)
        if found is None:
            return frozenset()
        b, container, reading = found
        key = shared_key(container, b.file, self.pkg)
        if key is None:
            return frozenset()
        then = facts.held_at(reading).held
        return frozenset(
            (key, h.ref.cls, h.mode)
            for h in held
            if h.ref.cls and (old := then.get(h.key)) is not None and old.acquire.id == h.acquire.id
        )

    def _removed(self, h: Held, facts: LockFacts) -> frozenset[tuple[str, str, str]]:
        found = self._element(h.ref, facts)
        if found is None:
            return frozenset()
        b, container, reading = found
        if b.kind != "short" or b.value is None:
            return frozenset()  # read by a range: no key to delete it by
        key_expr = unparen(b.value).child_by_field_name("index")
        if key_expr is None:
            return frozenset()
        r = self.pkg.resolver
        file = facts.file
        cref = r.ref_of(container, file)
        key = shared_key(container, file, self.pkg)
        if cref is None or key is None or not _unchanging(key_expr, file, r):
            return frozenset()
        body = facts.func.child_by_field_name("body")
        cfg = facts.cfg
        start = cfg_statement(cfg, reading)
        locked = cfg_statement(cfg, h.acquire)
        if body is None or start is None or locked is None:
            return frozenset()
        out: set[tuple[str, str, str]] = set()
        for call in descendants(body, frozenset({"call_expression"}), into_funcs=False):
            fn = call.child_by_field_name("function")
            args = call_args(call)
            if fn is None or len(args) != 2 or not r.is_builtin(fn, file, "delete"):
                continue
            if file.text(args[1]) != file.text(key_expr):
                continue
            other = r.ref_of(args[0], file)
            if other is None or not other.same_object(cref):
                continue
            stmt = cfg_statement(cfg, call)
            if stmt is None or reaches(cfg, start, locked, _is_node(stmt)):
                continue  # some path locks the element without deleting it first
            for g in facts.held_at(stmt).held.values():
                if g.ref.cls:
                    out.add((key, g.ref.cls, g.mode))
        return frozenset(out)

    def package_edges(self) -> dict[tuple[str, str], list[LockEdge]]:
        """Every edge of the package, grouped by (src, dst), in the order MU002 collects them."""
        edges: dict[tuple[str, str], list[LockEdge]] = {}
        for file in self.pkg.files:
            if not any(t in file.data for t in TRIGGERS):
                continue
            for func in descendants(file.root, FUNC_KINDS):
                for e in self.function_edges(func, file):
                    edges.setdefault((e.src, e.dst), []).append(e)
        return edges

    # -- cycles that can happen -------------------------------------------------------------
    def cycles(self, edges: Mapping[tuple[str, str], list[LockEdge]]) -> list[Cycle]:
        """The cycles of the graph (at most MAX_CYCLE classes, MAX_CYCLES of them) for which
        some choice of one witness per edge can deadlock (see the module docstring)."""
        out: list[Cycle] = []
        for classes in find_cycles(adjacency(edges)):
            n = len(classes)
            pairs = [(classes[i], classes[(i + 1) % n]) for i in range(n)]
            chosen = self._witnesses([edges[p] for p in pairs], frozenset(classes))
            if chosen is not None:
                out.append(Cycle(tuple(classes), chosen))
        return out

    def _witnesses(
        self, options: list[list[LockEdge]], classes: frozenset[str]
    ) -> tuple[LockEdge, ...] | None:
        """One edge per pair, the first in `LockEdge.order` that fits, such that the cycle
        can happen; None when no choice can."""
        # Edges alike in what the search looks at are one choice (the first of them).
        choices: list[list[tuple[LockEdge, dict[str, str]]]] = []
        for witnesses in options:
            kinds: dict[tuple[object, ...], tuple[LockEdge, dict[str, str]]] = {}
            for e in sorted(witnesses, key=LockEdge.order):
                holds = self.holds(e)
                if any(c in classes and c != e.src for c in holds):
                    # It holds another lock of the cycle too: excluded by that lock's
                    # holder, or a shorter cycle through it is the one to report.
                    continue
                sig = (
                    e.test,
                    e.held.mode,
                    e.dst_mode,
                    tuple(sorted(holds.items())),
                    e.dst_from,
                    e.src_removed,
                )
                kinds.setdefault(sig, (e, holds))
            choices.append(list(kinds.values()))
        n = len(choices)
        picked: list[tuple[LockEdge, dict[str, str]]] = []
        tries = 0

        def fits(e: LockEdge, holds: dict[str, str]) -> bool:
            if picked and picked[0][0].test != e.test:
                return False  # a test's order against the production code's
            for _, other in picked:
                if _exclusive(holds, other):
                    return False  # both threads hold one lock, one of them writing
            if picked:
                prev = picked[-1][0]
                if not self._may_block(prev, e):
                    return False
            return len(picked) < n - 1 or self._may_block(e, picked[0][0])

        def search(i: int) -> bool:
            nonlocal tries
            if i == n:
                return True
            for e, holds in choices[i]:
                tries += 1
                if tries > _MAX_TRIES:
                    return False
                if fits(e, holds):
                    picked.append((e, holds))
                    if search(i + 1):
                        return True
                    picked.pop()
            return False

        if search(0):
            return tuple(e for e, _ in picked)
        if tries > _MAX_TRIES:  # too many to try: the first witnesses, as found
            return tuple(c[0][0] for c in choices)
        return None

    def _may_block(self, waiter: LockEdge, holder: LockEdge) -> bool:
        """``waiter`` waits for the lock ``holder`` holds: a reader waits for a reader only
        behind a writer, so without any writer of that class it never waits; and an element
        the waiter found in a container, under a guard it still holds, is never one that the
        holder took out of that container under the same guard (when nothing ever puts an
        old object back in)."""
        for container, guard, mode in waiter.dst_from:
            for other, guard2, mode2 in holder.src_removed:
                if (
                    other == container
                    and guard2 == guard
                    and WRITE in (mode, mode2)
                    and self.escapes.fresh_only(container)
                ):
                    return False
        if waiter.dst_mode == READ and holder.held.mode == READ:
            path = holder.held.ref.path
            # An embedded mutex reached through a field is named after the field, and after
            # its own type when locked as the embedding value: its writers may go by either.
            return (bool(path) and path[-1] in _EMBEDDABLE) or self.written(holder.src)
        return True

    def holds(self, e: LockEdge) -> dict[str, str]:
        """The lock classes the thread of ``e`` holds while it waits: its own, the others
        held in its function, and those every caller holds around the call."""
        out: dict[str, str] = dict(self.entry_locks(e.owner, e.file)) if e.owner else {}
        for cls, mode in (*e.others, (e.src, e.held.mode)):
            if out.get(cls) != WRITE:
                out[cls] = mode
        return out

    def entry_locks(self, func: Node, file: SourceFile, depth: int = 0) -> dict[str, str]:
        """Lock classes held whenever ``func`` runs: those it releases without taking (its
        caller's, by contract; mode unknown, so read), and, for a function only called in
        this package, those held around every call (through callers, a few levels up); a
        func literal run in place inherits its parent's. Unknown callers: none."""
        found = self._entry.get(func.id)
        if found is not None:
            return found
        if func.id in self._entry_busy or depth > _MAX_CALLER_DEPTH:
            return {}
        self._entry_busy.add(func.id)
        try:
            found = self._compute_entry(func, file, depth)
        finally:
            self._entry_busy.discard(func.id)
        self._entry[func.id] = found
        return found

    def _compute_entry(self, func: Node, file: SourceFile, depth: int) -> dict[str, str]:
        out: dict[str, str] = {}
        for ref in self.locks.effect(func, file).releases:
            if ref.cls:
                out[ref.cls] = READ
        sites = self._call_sites(func, file)
        if not sites:
            return out
        common: dict[str, str] | None = None
        for call, call_file in sites:
            caller = enclosing_function(call)
            if caller is None:
                return out
            here: dict[str, str] = dict(self.entry_locks(caller, call_file, depth + 1))
            for h in self.locks.facts(caller, call_file).held_at(call).held.values():
                if h.ref.cls and here.get(h.ref.cls) != WRITE:
                    here[h.ref.cls] = h.mode
            if common is None:
                common = here
            else:
                common = {
                    c: WRITE if m == WRITE and here[c] == WRITE else READ
                    for c, m in common.items()
                    if c in here
                }
            if not common:
                return out
        for cls, mode in (common or {}).items():
            if out.get(cls) != WRITE:
                out[cls] = mode
        return out

    def _call_sites(self, func: Node, file: SourceFile) -> list[tuple[Node, SourceFile]]:
        """Every call of ``func`` when all of them are in this package; else none."""
        if func.type == "func_literal":
            call = func.parent
            if call is None or call.type != "call_expression":
                return []
            fn = call.child_by_field_name("function")
            if fn is None or fn.id != func.id:
                return []
            stmt = call.parent
            if stmt is not None and stmt.type in ("go_statement", "defer_statement"):
                return []  # another goroutine; or at exit, when the state is another
            return [(call, file)]
        decl = self._decl(func, file)
        if decl is None or decl.name[:1].isupper() or decl.name in ("init", "main"):
            return []  # exported: called from other packages too
        return call_sites(decl, self.pkg.files, self.pkg.resolver) or []

    def _decl(self, func: Node, file: SourceFile) -> FuncDecl | None:
        name = func.child_by_field_name("name")
        if name is None:
            return None
        index = self.pkg.index
        text = file.text(name)
        if func.type == "method_declaration":
            recv, _, _ = receiver_of(func, file)
            found = index.method(recv, text) if recv else None
        else:
            found = index.funcs.get(text)
        return found if found is not None and found.node.id == func.id else None

    def written(self, cls: str) -> bool:
        """Whether a lock of class ``cls`` may be write-locked: somewhere in the package, or
        from other packages (an exported field or variable, an embedded mutex)."""
        if cls.rsplit(".", 1)[-1][:1].isupper():
            return True
        if self._written is None:
            found: set[str] = set()
            for file in self.pkg.files:
                if not any(t in file.data for t in TRIGGERS):
                    continue
                for func in descendants(file.root, FUNC_KINDS):
                    if not self.locks.mentions_locks(func, file):
                        continue
                    for ev in self.locks.facts(func, file).events:
                        if ev.kind == "acquire" and ev.mode == WRITE and ev.ref is not None:
                            found.add(ev.ref.cls)
            self._written = found
        return cls in self._written


def _is_node(target: Node) -> Callable[[Node], bool]:
    return lambda n: n.id == target.id


def _unchanging(expr: Node, file: SourceFile, r: Resolver) -> bool:
    """A key that names the same value wherever it is written in its function: a literal, a
    constant, or a local or parameter never assigned after its declaration."""
    expr = unparen(expr)
    if expr.type in ("interpreted_string_literal", "raw_string_literal", "int_literal"):
        return True
    if expr.type != "identifier":
        return False
    b = r.binding(expr, file)
    if b is None:
        return r.index.consts.get(file.text(expr)) is not None
    return all(assigned_value(u) is False for u in r.uses(b))


def _exclusive(a: Holds, b: Holds) -> bool:
    """Two threads holding these cannot run at once: they share a lock class that one of
    them holds for writing."""
    if len(a) > len(b):
        a, b = b, a
    return any(m == WRITE or b.get(c) == WRITE for c, m in a.items() if c in b)


def qualified_name(func: Node, file: SourceFile) -> str:
    """`Type.Method`, `func`, or `a func literal in f` for a closure in f."""
    if func.type == "func_literal":
        p = func.parent
        while p is not None and p.type not in ("function_declaration", "method_declaration"):
            p = p.parent
        return f"a func literal in {qualified_name(p, file)}" if p is not None else "a func literal"
    name = func.child_by_field_name("name")
    text = file.text(name) if name is not None else "?"
    if func.type == "method_declaration":
        recv, _, _ = receiver_of(func, file)
        if recv:
            return f"{recv}.{text}"
    return text


def find_cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Elementary cycles of at most MAX_CYCLE nodes, each once, starting at its least node."""
    found: list[list[str]] = []
    for start in sorted(graph):
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        while stack and len(found) < MAX_CYCLES:
            node, path = stack.pop()
            for nxt in reversed(graph.get(node, [])):
                if nxt == start:
                    found.append(path)
                elif nxt > start and nxt not in path and len(path) < MAX_CYCLE:
                    stack.append((nxt, [*path, nxt]))
    return found


def adjacency(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    graph: dict[str, list[str]] = {}
    for src, dst in sorted(pairs):
        graph.setdefault(src, []).append(dst)
    return graph


def _call_name(site: Site) -> str:
    """`s.flush` for the call `s.flush(ctx)`: the label needs the callee, not the arguments."""
    fn = site.node.child_by_field_name("function") if site.node.type == "call_expression" else None
    text = site.file.text(fn) if fn is not None else site.text
    return " ".join(text.split())  # a callee split over lines reads as one
