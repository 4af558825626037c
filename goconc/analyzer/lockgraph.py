"""The lock-order graph of a package: its edges (shared with MU002) and DOT/Mermaid output.

An edge A -> B means a lock of class B is acquired while a lock of class A is held, in the
same function or through static calls (`pkg.locks.call_reach`). MU002 builds the graph from
`function_edges` during the batched walk and reports its cycles (`find_cycles`);
`goconc graph --locks` builds the same graph for whole packages and draws it, so the picture
and the check never disagree.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import attrs
from tree_sitter import Node

from goconc.analyzer.locks import Held, Site, obj_key
from goconc.analyzer.matchers import FUNC_KINDS, descendants
from goconc.analyzer.source import SourceFile
from goconc.analyzer.symbols import receiver_of

if TYPE_CHECKING:
    import argparse

    from goconc.analyzer.diagnostics import Notification
    from goconc.analyzer.facts import Package
    from goconc.analyzer.packages import FolderJob

MAX_CYCLE = 4
MAX_CYCLES = 50
# Edges through deeper call chains mostly join distinct instances of one class (a package-level
# DLL handle reached through error formatting): too weak to call an inversion.
MAX_CALL_DEPTH = 3
# Files without these bytes cannot lock (MU002's walk trigger): skipping them changes nothing.
TRIGGERS = (b"Lock", b"lock")
# More labels than this on one edge make the drawing unreadable; the rest are counted.
_MAX_LABELS = 3
CYCLE_COLOR = "#d62728"


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


def function_edges(pkg: Package, func: Node, file: SourceFile) -> list[LockEdge]:
    """The lock-order edges that one function (declaration or func literal) creates."""
    body = func.child_by_field_name("body")
    locks = pkg.locks
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


def package_edges(pkg: Package) -> dict[tuple[str, str], list[LockEdge]]:
    """Every edge of the package, grouped by (src, dst), in the order MU002 collects them."""
    edges: dict[tuple[str, str], list[LockEdge]] = {}
    for file in pkg.files:
        if not any(t in file.data for t in TRIGGERS):
            continue
        for func in descendants(file.root, FUNC_KINDS):
            for e in function_edges(pkg, func, file):
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


# -- the drawable graph -------------------------------------------------------------------------


@attrs.frozen
class GraphEdge:
    src: str
    dst: str
    labels: tuple[str, ...]  # "Server.Rename via sess.setName", sorted, distinct
    read_only: bool  # every acquisition on it is an RLock under an RLock: drawn dashed
    in_cycle: bool  # part of a cycle MU002 reports: drawn red


@attrs.frozen
class PackageGraph:
    name: str  # package clause
    folder: str  # as displayed (relative to the working folder when under it)
    edges: tuple[GraphEdge, ...]  # sorted by (src, dst)
    cycles: tuple[tuple[str, ...], ...]

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(sorted({n for e in self.edges for n in (e.src, e.dst)}))

    @property
    def title(self) -> str:
        return f"package {self.name} ({self.folder})"


def package_graph(pkg: Package, folder: str) -> PackageGraph:
    """The drawable lock-order graph of one package; ``folder`` is how to show its path."""
    found = package_edges(pkg)
    cycles = find_cycles(adjacency(found))
    cyclic = {(c[i], c[(i + 1) % len(c)]) for c in cycles for i in range(len(c))}
    edges = []
    for (src, dst), evidence in sorted(found.items()):
        labels = sorted({_label(e) for e in evidence})
        edges.append(
            GraphEdge(
                src,
                dst,
                tuple(labels),
                read_only=not any(e.write for e in evidence),
                in_cycle=(src, dst) in cyclic,
            )
        )
    return PackageGraph(pkg.name, folder, tuple(edges), tuple(tuple(c) for c in cycles))


def _label(e: LockEdge) -> str:
    calls = e.calls
    return f"{e.func} via {' → '.join(calls)}" if calls else e.func


def _shown_labels(labels: Sequence[str]) -> list[str]:
    if len(labels) <= _MAX_LABELS + 1:
        return list(labels)
    return [*labels[:_MAX_LABELS], f"+{len(labels) - _MAX_LABELS} more"]


# -- rendering ------------------------------------------------------------------------------------
# Node ids are synthetic (`p0_n3`): class names may hold characters that neither language takes
# in an id (`List[T].mu`), and one class name can appear in two packages as two nodes.

_LEGEND = "A → B: B is locked while A is held · red: lock-order cycle · dashed: RLock only"


def _dot_str(text: str) -> str:
    """A DOT double-quoted string; newlines become centred line breaks."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r", "").replace("\n", "\\n") + '"'


def render_dot(graphs: Sequence[PackageGraph]) -> str:
    lines = [
        "// goconc graph --locks: the lock-order graph (see docs/lock-graph.md)",
        "digraph lock_order {",
        "  rankdir=LR;",
        '  fontname="Helvetica"; fontsize=11; labelloc=b;',
        f"  label={_dot_str(_LEGEND)};",
        '  node [shape=box, style="rounded", fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    if not any(g.edges for g in graphs):
        lines.append('  empty [shape=plaintext, label="no lock-order edges found"];')
    for p, g in enumerate(x for x in graphs if x.edges):
        ids = {n: f"p{p}_n{i}" for i, n in enumerate(g.nodes)}
        in_cycle = {n for e in g.edges if e.in_cycle for n in (e.src, e.dst)}
        lines.append(f"  subgraph cluster_{p} {{")
        lines.append(f'    label={_dot_str(g.title)}; style="rounded"; color="#999999";')
        for n, node_id in ids.items():
            extra = f', color="{CYCLE_COLOR}", penwidth=2' if n in in_cycle else ""
            lines.append(f"    {node_id} [label={_dot_str(n)}{extra}];")
        for e in g.edges:
            attrs_ = [f"label={_dot_str(chr(10).join(_shown_labels(e.labels)))}"]
            if e.in_cycle:
                attrs_.append(f'color="{CYCLE_COLOR}", fontcolor="{CYCLE_COLOR}", penwidth=2')
            if e.read_only:
                attrs_.append("style=dashed")
            lines.append(f"    {ids[e.src]} -> {ids[e.dst]} [{', '.join(attrs_)}];")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


# Mermaid entity codes: quotes would end the label, and `<`/`>` would be read as HTML.
_MERMAID_ESCAPES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;"}
_MERMAID_SPECIAL = re.compile('[#"<>&]')


def _mermaid_str(text: str) -> str:
    body = _MERMAID_SPECIAL.sub(lambda m: _MERMAID_ESCAPES[m[0]], " ".join(text.split()))
    return f'"{body}"'


def render_mermaid(graphs: Sequence[PackageGraph]) -> str:
    lines = ["flowchart LR", f"  %% {_LEGEND}"]
    if not any(g.edges for g in graphs):
        lines.append(f"  empty[{_mermaid_str('no lock-order edges found')}]")
    red_links: list[int] = []
    red_nodes: list[str] = []
    link = 0  # linkStyle counts links in definition order over the whole chart
    for p, g in enumerate(x for x in graphs if x.edges):
        ids = {n: f"p{p}_n{i}" for i, n in enumerate(g.nodes)}
        in_cycle = {n for e in g.edges if e.in_cycle for n in (e.src, e.dst)}
        lines.append(f"  subgraph p{p}[{_mermaid_str(g.title)}]")
        lines.append("    direction LR")
        for n, node_id in ids.items():
            lines.append(f"    {node_id}[{_mermaid_str(n)}]")
            if n in in_cycle:
                red_nodes.append(node_id)
        for e in g.edges:
            label = "<br>".join(_mermaid_str(x)[1:-1] for x in _shown_labels(e.labels))
            arrow = "-.->" if e.read_only else "-->"
            lines.append(f'    {ids[e.src]} {arrow}|"{label}"| {ids[e.dst]}')
            if e.in_cycle:
                red_links.append(link)
            link += 1
        lines.append("  end")
    if red_nodes:
        lines.append(f"  classDef cycle stroke:{CYCLE_COLOR},stroke-width:2px")
        lines.append(f"  class {','.join(red_nodes)} cycle")
    if red_links:
        indices = ",".join(str(i) for i in red_links)
        lines.append(
            f"  linkStyle {indices} stroke:{CYCLE_COLOR},stroke-width:2px,color:{CYCLE_COLOR}"
        )
    return "\n".join(lines) + "\n"


RENDERERS = {"dot": render_dot, "mermaid": render_mermaid}


# -- the command ----------------------------------------------------------------------------------


def graphs_for(
    jobs: Sequence[FolderJob],
    parse_timeout: float,
    cwd: str,
    notes: list[Notification],
    default_go_version: tuple[int, int] | None = None,
) -> list[PackageGraph]:
    """The lock-order graph of every package that holds a file to report on, sorted by folder
    then package name; one package at a time, as the engine does, so memory stays flat."""
    import traceback

    from goconc.analyzer.diagnostics import NoteLevel, Notification
    from goconc.analyzer.facts import Package
    from goconc.engine.runner import Settings, load_source, package_name
    from goconc.report._common import display_path

    settings = Settings(enabled=frozenset(), parse_timeout=parse_timeout)
    out: list[PackageGraph] = []
    for job in sorted(jobs, key=lambda j: j.folder):
        report_on = set(job.report_on)
        packages: dict[str, list[SourceFile]] = {}
        for path in job.files:
            source = load_source(path, settings, notes, report=path in report_on)
            if source is not None:
                packages.setdefault(package_name(source), []).append(source)
        for name, files in sorted(packages.items()):
            if not any(f.path in report_on for f in files):
                continue
            pkg = Package(name, job.folder, files, job.go_version or default_go_version)
            try:
                out.append(package_graph(pkg, display_path(job.folder, cwd) or "."))
            except Exception as err:  # a bug of ours: lose this package, draw the others
                notes.append(
                    Notification(
                        NoteLevel.ERROR,
                        f"internal error while building the lock graph: {err!r}",
                        path=job.folder,
                        detail=traceback.format_exc(),
                        crash=True,
                    )
                )
    return out


def graph_command(args: argparse.Namespace) -> int:
    """`goconc graph --locks PATH... [--format dot|mermaid] [-o FILE]`."""
    from goconc.analyzer.packages import discover
    from goconc.cli.config import ConfigError, find_config, load_config
    from goconc.cli.shared import EXIT_CLEAN, EXIT_ERROR, UsageError, write_atomically
    from goconc.engine.registry import known_codes
    from goconc.report.text import format_notification

    if not args.locks:
        raise UsageError("graph: say which graph to draw (--locks)")
    cwd = os.getcwd()
    # The same configuration as `check` finds, so both walk the same folders.
    first = args.paths[0].removesuffix("...").rstrip("/") if args.paths else "."
    start = os.path.abspath(os.path.join(cwd, first or "."))
    try:
        config = load_config(
            find_config(start if os.path.isdir(start) else os.path.dirname(start)), known_codes()
        )
    except ConfigError as err:
        raise UsageError(str(err)) from err
    discovery = discover(
        args.paths or ["."],
        cwd=cwd,
        exclude=config.exclude,
        default_excludes=config.default_excludes,
        exclude_root=config.root,
    )
    if discovery.missing:
        raise UsageError(f"no such file or directory: {discovery.missing[0]}")
    notes: list[Notification] = []
    graphs = graphs_for(discovery.jobs, config.parse_timeout or 10.0, cwd, notes, config.go_version)
    text = RENDERERS[args.format](graphs)
    for path, message in discovery.problems:
        sys.stderr.write(f"goconc: {path}: {message}\n")
    for note in notes:
        sys.stderr.write(format_notification(note, cwd, verbose=False) + "\n")
    if args.output:
        write_atomically(args.output, text)
    else:
        sys.stdout.write(text)
    return EXIT_ERROR if any(n.crash for n in notes) else EXIT_CLEAN
