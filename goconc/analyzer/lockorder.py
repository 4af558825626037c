"""The lock-order graph of a package, as data: its edges and their cycles.

An edge A -> B means a lock of class B is acquired while a lock of class A is held, in the
same function or through static calls (`LockAnalysis.call_reach`). `LockOrder`, a fact of
the package, gives them: MU002 collects the edges of each function during the batched walk
(`function_edges`) and reports the cycles (`find_cycles`); `goconc graph --locks`
(cli/graph.py) draws the same edges for whole packages (`package_edges`), so the picture and
the check never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs
from tree_sitter import Node

from goconc.analyzer.facts import Fact, Package
from goconc.analyzer.locks import Held, LockAnalysis, Site, obj_key
from goconc.analyzer.matchers import FUNC_KINDS, descendants
from goconc.analyzer.source import SourceFile
from goconc.analyzer.symbols import receiver_of

MAX_CYCLE = 4
MAX_CYCLES = 50
# Edges through deeper call chains mostly join distinct instances of one class (a package-level
# DLL handle reached through error formatting): too weak to call an inversion.
MAX_CALL_DEPTH = 3
# Files without these bytes cannot lock (MU002's walk trigger): skipping them changes nothing.
TRIGGERS = (b"Lock", b"lock")


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

    @property
    def write(self) -> bool:
        return self.held.mode == "write" or self.dst_mode == "write"

    def order(self) -> tuple[bool, str, int]:
        """Write edges first, then file order: the representative MU002 reports."""
        return (not self.write, self.file.path, self.at.start_byte)

    @property
    def calls(self) -> tuple[str, ...]:
        """The functions called on the way to the acquisition (`s.flush`, `c.drain`)."""
        return tuple(_call_name(s) for s in self.chain[:-1])


class LockOrder(Fact):
    """The lock-order edges of one package: per function (MU002, during the walk), or all
    at once (the drawing)."""

    requires = (LockAnalysis,)

    def __init__(self, pkg: Package) -> None:
        super().__init__(pkg)
        self.locks = pkg.fact(LockAnalysis)

    def function_edges(self, func: Node, file: SourceFile) -> list[LockEdge]:
        """The lock-order edges that one function (declaration or func literal) creates."""
        body = func.child_by_field_name("body")
        locks = self.locks
        if body is None or not locks.mentions_locks(func, file):
            return []
        facts = locks.facts(func, file)
        name = qualified_name(func, file)
        out: list[LockEdge] = []

        def add(h: Held, dst: str, at: Node, text: str, mode: str, chain: tuple[Site, ...]) -> None:
            src = h.ref.cls
            if not src or not dst or src == dst:
                return  # unknown class, or the same class (other instance, or a double lock)
            out.append(LockEdge(src, dst, h, at, file, text, mode, chain, name))

        for ev in facts.events:
            if not ev.state.held:
                continue
            # A class already held here is re-acquired, not ordered: that is a double lock
            # (MU004) or an infeasible path, never evidence of an inversion.
            held_classes = {h.ref.cls for h in ev.state.held.values()}
            if ev.kind == "acquire" and ev.ref is not None:
                if ev.ref.cls in held_classes:
                    continue
                for h in ev.state.held.values():
                    add(h, ev.ref.cls, ev.node, ev.ref.text, ev.mode, ())
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
                    for h in ev.state.held.values():
                        if obj_key(h.ref) not in released:
                            add(h, a.ref.cls, ev.node, a.ref.text, a.mode, chain)
        return out

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
