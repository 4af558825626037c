"""`goconc graph --locks`: the lock-order graph, its DOT and Mermaid output, and its agreement
with MU002 (both come from goconc.analyzer.lockorder)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from goconc.analyzer.packages import discover
from goconc.cli.graph import (
    CYCLE_COLOR,
    GraphEdge,
    PackageGraph,
    graphs_for,
    render_dot,
    render_mermaid,
)
from goconc.cli.main import main
from goconc.engine.model import Settings
from goconc.engine.runner import analyze_folder

ROOT = Path(__file__).resolve().parent.parent
MU002 = ROOT / "testdata" / "MU002"
MU001 = ROOT / "testdata" / "MU001"
# The packages of testdata/MU002, in folder order: (name, folder).
PACKAGES = [
    ("mu002", "testdata/MU002"),
    *(
        (name, f"testdata/MU002/{name}")
        for name in (
            "anonymous",
            "calldepth",
            "containers",
            "crossfile",
            "dynamic",
            "fresh",
            "gate",
            "grouped",
            "handoff",
            "readonly",
            "rlock",
            "testorder",
        )
    ),
]

_DOT_NODE = re.compile(r'^\s*(p\d+_n\d+) \[label="((?:[^"\\]|\\.)*)"(.*)\];$')
_DOT_EDGE = re.compile(r'^\s*(p\d+_n\d+) -> (p\d+_n\d+) \[label="((?:[^"\\]|\\.)*)"(.*)\];$')
_MM_NODE = re.compile(r'^\s*(p\d+_n\d+)\["([^"]*)"\]$')
_MM_EDGE = re.compile(r'^\s*(p\d+_n\d+) (-->|-\.->)\|"([^"]*)"\| (p\d+_n\d+)$')


def graph(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as exit_info:
        main(["graph", *args])
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def dot_edges(text: str) -> dict[tuple[str, str], tuple[list[str], str]]:
    """{(src class, dst class): (labels, attributes)}; node ids are unique across clusters,
    so the classes are prefixed with the cluster's package ids to keep packages apart."""
    names: dict[str, str] = {}
    edges: dict[tuple[str, str], tuple[list[str], str]] = {}
    for line in text.splitlines():
        if m := _DOT_NODE.match(line):
            names[m[1]] = m[2]
        elif m := _DOT_EDGE.match(line):
            key = (names[m[1]], names[m[2]])
            assert key not in edges, f"edge drawn twice: {key}"
            edges[key] = (m[3].split("\\n"), m[4])
        elif "->" in line:
            pytest.fail(f"edge line in an unexpected shape: {line!r}")
    return edges


def check_dot_syntax(text: str) -> None:
    assert text.count("{") == text.count("}")
    assert text.startswith("// ") and "digraph lock_order {" in text
    assert text.rstrip().endswith("}")
    dot = shutil.which("dot")
    if dot is not None:  # Debian's graphviz: a real parse and layout
        done = subprocess.run(
            [dot, "-Tsvg"], input=text, capture_output=True, text=True, check=False, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert "<svg" in done.stdout


def test_dot_on_mu002_has_labelled_edges_and_red_cycles(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = graph(["--locks", "testdata/MU002"], capsys, monkeypatch)
    assert code == 0, err
    check_dot_syntax(out)
    edges = dot_edges(out)
    red = f'color="{CYCLE_COLOR}"'
    # A -> B -> C -> A, the last edge through a call.
    assert edges[("A.mu", "B.mu")][0] == ["ab"]
    assert edges[("B.mu", "C.mu")][0] == ["bc"]
    assert edges[("C.mu", "A.mu")][0] == ["ca via a.touch"]
    for key in [("A.mu", "B.mu"), ("B.mu", "C.mu"), ("C.mu", "A.mu")]:
        assert red in edges[key][1]
        assert "dashed" not in edges[key][1]
    # Two functions create the same edge, one through a call; no cycle: not red.
    labels, attributes = edges[("Registry.mu", "Item.mu")]
    assert labels == ["Registry.Rename", "Registry.Touch via it.lockName"]
    assert red not in attributes
    # Package variables, and a cycle across two files.
    assert red in edges[("mu002.statsMu", "mu002.configMu")][1]
    assert edges[("Server.mu", "Session.Mutex")][0] == ["Server.Rename via sess.setName"]
    assert edges[("Session.Mutex", "Server.mu")][0] == ["Session.Close"]
    # A read-lock-only cycle: red and dashed.
    for key in [("Index.mu", "Table.mu"), ("Table.mu", "Index.mu")]:
        assert red in edges[key][1] and "style=dashed" in edges[key][1]
    # Same-class acquisitions (Account.mu on two accounts) are not edges.
    assert not any("Account.mu" in key for key in edges)
    # A lock of a peer nobody else can reach yet orders nothing: no edge at all; once the
    # member is listed, its lock is ordered (and the cycle is red).
    assert ("Peer.mu", "Hub.settingsMu") in edges  # Batch: handed to a timer first
    assert edges[("Peer.mu", "Hub.settingsMu")][0] == ["Hub.Batch"]
    assert red in edges[("Member.mu", "Room.settingsMu")][1]
    # Both orders under one gate: drawn, not red; without the gate on every caller: red.
    assert red not in edges[("Store.index", "Store.data")][1]
    assert red not in edges[("Store.data", "Store.index")][1]
    assert red in edges[("Journal.data", "Journal.index")][1]
    # Read locks only, and no writer: drawn dashed, not red.
    assert red not in edges[("Catalog.mu", "Prices.mu")][1]
    assert "style=dashed" in edges[("Catalog.mu", "Prices.mu")][1]
    # A bucket taken out of the map before it is locked: not red; a box that can come back: red.
    assert red not in edges[("Bucket.mu", "Manager.mu")][1]
    assert red in edges[("Box.mu", "Shelf.mu")][1]
    # A test helper's order against the production code's: drawn, not red.
    assert red not in edges[("Topic.mu", "Broker.mu")][1]
    # One cluster per package, in folder order.
    titles = re.findall(r'label="(package [^"]*)"', out)
    assert titles == [f"package {name} ({folder})" for name, folder in PACKAGES]


def test_mermaid_on_mu002_structure_and_link_styles(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = graph(
        ["--locks", "--format", "mermaid", "./testdata/MU002/..."], capsys, monkeypatch
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "flowchart LR"
    assert sum(1 for x in lines if x.strip().startswith("subgraph ")) == len(PACKAGES)
    assert sum(1 for x in lines if x.strip() == "end") == len(PACKAGES)
    names: dict[str, str] = {}
    links: list[tuple[str, str, str, str]] = []  # (src, arrow, label, dst) in definition order
    mu002: set[int] = set()  # the links of package mu002
    styled: set[int] = set()
    for line in lines[1:]:
        s = line.strip()
        if m := _MM_NODE.match(line):
            names[m[1]] = m[2]
        elif m := _MM_EDGE.match(line):
            if m[1].startswith("p0_"):  # the mu002 package's
                mu002.add(len(links))
            links.append((names[m[1]], m[2], m[3], names[m[4]]))
        elif s.startswith("linkStyle "):
            styled = {int(i) for i in s.split()[1].split(",")}
            assert f"stroke:{CYCLE_COLOR}" in s
        else:
            assert s.startswith(
                ("%%", "subgraph p", "direction LR", "end", "classDef ", "class ")
            ), s
    by_pair = {(src, dst): (i, arrow, label) for i, (src, arrow, label, dst) in enumerate(links)}
    i, arrow, label = by_pair[("C.mu", "A.mu")]
    assert (arrow, label) == ("-->", "ca via a.touch") and i in styled
    i, arrow, label = by_pair[("Registry.mu", "Item.mu")]
    assert label == "Registry.Rename<br>Registry.Touch via it.lockName" and i not in styled
    i, arrow, _ = by_pair[("Index.mu", "Table.mu")]
    assert arrow == "-.->" and i in styled
    # In package mu002, exactly the cycle edges are red: all but Registry.mu -> Item.mu.
    assert styled & mu002 == mu002 - {by_pair[("Registry.mu", "Item.mu")][0]}
    # A lock held when it is handed to a goroutine orders nothing after the go statement.
    assert ("Segment.mu", "Log.mu") not in by_pair
    # Handlers.mu -> Plugins.mu only ever comes with Plugin.mu taken last: not red.
    assert by_pair[("Handlers.mu", "Plugins.mu")][0] not in styled


def _normal(loop: str) -> tuple[str, ...]:
    """`B -> C -> A -> B` as ("A", "B", "C"): a cycle from its least class."""
    classes = loop.split(" -> ")[:-1]
    i = classes.index(min(classes))
    return tuple(classes[i:] + classes[:i])


def test_graph_cycles_are_the_cycles_mu002_reports() -> None:
    """One edge computation: the cycles drawn red are the ones the check reports (in its
    findings' messages, and listed with them when several share an acquisition)."""
    discovery = discover([str(MU002)], cwd=str(ROOT))
    settings = Settings(enabled=frozenset({"MU002"}))
    reported: list[tuple[str, ...]] = []
    findings = 0
    for job in discovery.jobs:
        for d in analyze_folder(job, settings).diagnostics:
            findings += 1
            texts = [d.message, *(r.message for r in d.related)]
            for text in texts:
                if m := re.search(r"lock-order cycle ((?:\S+ -> )+\S+)", text):
                    reported.append(_normal(m[1]))
    graphs = graphs_for(discovery.jobs, 10.0, str(ROOT), [])
    drawn = [_normal(" -> ".join([*c, c[0]])) for g in graphs for c in g.cycles]
    assert sorted(reported) == sorted(drawn)
    assert len(drawn) == 22 and findings == 21  # two cycles close at one acquisition


def test_acyclic_package_has_no_red(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = graph(["--locks", "testdata/MU001"], capsys, monkeypatch)
    assert code == 0
    check_dot_syntax(out)
    edges = dot_edges(out)
    assert edges, "MU001's testdata nests locks without a cycle"
    assert CYCLE_COLOR not in out
    code, out, _ = graph(["--locks", "--format", "mermaid", "testdata/MU001"], capsys, monkeypatch)
    assert "linkStyle" not in out and "class " not in out


def test_no_edges_still_renders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.go").write_text(
        'package a\n\nimport "sync"\n\nvar mu sync.Mutex\n\n'
        "func f() {\n\tmu.Lock()\n\tmu.Unlock()\n}\n"
    )
    code, out, _ = graph(["--locks", str(tmp_path)], capsys, monkeypatch)
    assert code == 0 and "no lock-order edges found" in out
    check_dot_syntax(out)
    code, out, _ = graph(["--locks", "--format", "mermaid", str(tmp_path)], capsys, monkeypatch)
    assert out.splitlines()[0] == "flowchart LR" and "no lock-order edges found" in out


def test_output_file_and_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "locks.mmd"
    code, out, _ = graph(
        ["--locks", "--format", "mermaid", "-o", str(target), "testdata/MU002"], capsys, monkeypatch
    )
    assert code == 0 and out == ""
    first = target.read_text()
    assert first.startswith("flowchart LR\n")
    assert [p.name for p in tmp_path.iterdir()] == ["locks.mmd"]  # no temporary file left
    graph(
        ["--locks", "--format", "mermaid", "-o", str(target), "testdata/MU002"], capsys, monkeypatch
    )
    assert target.read_text() == first  # deterministic
    code, _, err = graph(["testdata/MU002"], capsys, monkeypatch)
    assert code == 2 and "--locks" in err
    code, _, err = graph(["--locks", "no/such/folder"], capsys, monkeypatch)
    assert code == 2 and "no such file" in err


def test_names_are_escaped() -> None:
    edge = GraphEdge(
        "List[T].mu", 'a"b\\c.mu', ('f <x> & "y"', "g # h"), read_only=False, in_cycle=True
    )
    graphs = [PackageGraph('p"q', "dir/with space", (edge,), (("List[T].mu", 'a"b\\c.mu'),))]
    dot = render_dot(graphs)
    assert r'[label="a\"b\\c.mu", color=' in dot
    assert r'label="package p\"q (dir/with space)"' in dot
    check_dot_syntax(dot)
    mermaid = render_mermaid(graphs)
    assert '["a#quot;b\\c.mu"]' in mermaid
    assert '|"f #lt;x#gt; #amp; #quot;y#quot;<br>g #35; h"|' in mermaid
    assert "linkStyle 0 " in mermaid
    for line in mermaid.splitlines():  # quotes only as delimiters: an even count per line
        assert line.count('"') % 2 == 0, line


def _clusters(text: str) -> list[str]:
    return re.findall(r'label="package (\S+) \(', text)


def test_cycles_only_draws_the_cycles_and_nothing_else(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, full, _ = graph(["--locks", "testdata/MU002"], capsys, monkeypatch)
    code, out, err = graph(["--locks", "--cycles-only", "testdata/MU002"], capsys, monkeypatch)
    assert code == 0, err
    check_dot_syntax(out)
    everything, cycles = dot_edges(full), dot_edges(out)
    red = {k for k, (_, attributes) in everything.items() if "#d62728" in attributes}
    assert set(cycles) == red and red < set(everything)  # the consistent order is left out
    assert ("Registry.mu", "Item.mu") in everything and ("Registry.mu", "Item.mu") not in cycles
    # A graph without cycles says so.
    code, out, _ = graph(["--locks", "--cycles-only", str(MU001)], capsys, monkeypatch)
    assert code == 0 and "no lock-order cycles found" in out and "->" not in out


def test_package_filter_by_name_or_folder(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, out, _ = graph(["--locks", "testdata/MU002"], capsys, monkeypatch)
    assert _clusters(out) == [name for name, _ in PACKAGES]
    _, out, _ = graph(["--locks", "--package", "crossfile", "testdata/MU002"], capsys, monkeypatch)
    assert _clusters(out) == ["crossfile"]
    args = ["--locks", "--package", "*/rlock", "--package", "mu00?", "testdata/MU002"]
    _, out, _ = graph(args, capsys, monkeypatch)
    assert _clusters(out) == ["mu002", "rlock"]
    # A filter that matches no package is a typo, not an empty picture.
    args = ["--locks", "--package", "crosfile", "testdata/MU002"]
    code, out, err = graph(args, capsys, monkeypatch)
    assert code == 2 and out == "" and "--package crosfile: no package" in err
