"""`goconc graph --locks`: each package's lock-order graph, drawn in DOT or Mermaid.

The edges and cycles come from analyzer/lockorder.py, the code MU002 reports from, so the
picture and the check never disagree; this module only groups, labels and draws them.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from goconc.analyzer.lockorder import LockEdge, LockOrder
from goconc.analyzer.source import SourceFile

if TYPE_CHECKING:
    import argparse

    from goconc.analyzer.diagnostics import Notification
    from goconc.analyzer.facts import Package
    from goconc.analyzer.packages import FolderJob

# More labels than this on one edge make the drawing unreadable; the rest are counted.
_MAX_LABELS = 3
CYCLE_COLOR = "#d62728"


# -- the drawable graph -------------------------------------------------------------------------


@attrs.frozen
class GraphEdge:
    src: str
    dst: str
    labels: tuple[str, ...]  # "Server.Rename via sess.setName", sorted, distinct
    read_only: bool  # every acquisition on it is an RLock under an RLock: drawn dashed
    in_cycle: bool  # part of a cycle MU002 reports (one that can deadlock): drawn red


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
    order = pkg.fact(LockOrder)
    found = order.package_edges()
    cycles = [c.classes for c in order.cycles(found)]
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


def select(
    graphs: Sequence[PackageGraph], *, cycles_only: bool = False, packages: Sequence[str] = ()
) -> list[PackageGraph]:
    """The graphs to draw: with `packages` (shell-style globs), only the packages whose name
    or folder matches one; with `cycles_only`, only the edges of lock-order cycles (so only
    the packages that have one)."""
    from fnmatch import fnmatchcase

    chosen = [
        g
        for g in graphs
        if not packages or any(fnmatchcase(g.name, p) or fnmatchcase(g.folder, p) for p in packages)
    ]
    if cycles_only:
        chosen = [attrs.evolve(g, edges=tuple(e for e in g.edges if e.in_cycle)) for g in chosen]
    return chosen


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


def render_dot(graphs: Sequence[PackageGraph], empty: str = "no lock-order edges found") -> str:
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
        lines.append(f"  empty [shape=plaintext, label={_dot_str(empty)}];")
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


def render_mermaid(graphs: Sequence[PackageGraph], empty: str = "no lock-order edges found") -> str:
    lines = ["flowchart LR", f"  %% {_LEGEND}"]
    if not any(g.edges for g in graphs):
        lines.append(f"  empty[{_mermaid_str(empty)}]")
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
    from goconc.engine.model import Settings
    from goconc.engine.runner import load_source, package_name
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
    from goconc.analyzer.packages import discover, posix_path
    from goconc.cli.config import ConfigError, find_config, load_config
    from goconc.cli.shared import (
        EXIT_CLEAN,
        EXIT_ERROR,
        UsageError,
        check_output,
        check_paths,
        write_atomically,
    )
    from goconc.engine.model import PARSE_TIMEOUT
    from goconc.engine.registry import known_codes, option_names
    from goconc.report.text import format_notification

    if not args.locks:
        raise UsageError("graph: say which graph to draw (--locks)")
    if args.output is not None:
        check_output(args.output)
    cwd = posix_path(os.getcwd())
    # The same configuration as `check` finds, so both walk the same folders.
    first = args.paths[0].removesuffix("...").rstrip("/") if args.paths else "."
    start = os.path.abspath(os.path.join(cwd, first or "."))
    try:
        found = find_config(start if os.path.isdir(start) else os.path.dirname(start))
        config = load_config(found, known_codes(), option_names())
    except ConfigError as err:
        raise UsageError(str(err)) from err
    discovery = discover(
        args.paths or ["."],
        cwd=cwd,
        exclude=config.exclude,
        default_excludes=config.default_excludes,
        exclude_root=config.root,
    )
    check_paths(discovery)
    notes: list[Notification] = []
    parse_timeout = PARSE_TIMEOUT if config.parse_timeout is None else config.parse_timeout
    graphs = graphs_for(discovery.jobs, parse_timeout, cwd, notes, config.go_version)
    for pattern in args.package:
        if not select(graphs, packages=[pattern]):
            raise UsageError(f"--package {pattern}: no package's name or folder matches it")
    graphs = select(graphs, cycles_only=args.cycles_only, packages=args.package)
    empty = "no lock-order cycles found" if args.cycles_only else "no lock-order edges found"
    text = RENDERERS[args.format](graphs, empty)
    for path, message in discovery.problems:
        sys.stderr.write(f"goconc: {path}: {message}\n")
    for note in notes:
        sys.stderr.write(format_notification(note, cwd, verbose=False) + "\n")
    if args.output:
        write_atomically(args.output, text)
    else:
        sys.stdout.write(text)
    return EXIT_ERROR if any(n.crash for n in notes) else EXIT_CLEAN
