"""The engine's own pieces: the batched walk, package splitting, type and identity resolution."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import time
from pathlib import Path
from typing import Any, ClassVar

import pytest
from tree_sitter import Node

from goconc.analyzer.diagnostics import RuleMeta, Severity
from goconc.analyzer.facts import Package
from goconc.analyzer.matchers import descendants
from goconc.analyzer.packages import FolderJob, discover
from goconc.analyzer.parse import parse
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.cli.main import main
from goconc.engine import runner
from goconc.engine.model import FolderResult, Settings
from goconc.engine.registry import known_codes
from goconc.engine.runner import analyze_folder
from goconc.engine.walker import BatchedWalker

SOURCE = b"""package p

import (
	"context"
	s "sync"
)

type Base struct{ s.Mutex }

type Server struct {
	mu   s.RWMutex
	wg   *s.WaitGroup
	jobs chan int
	Base
}

var global s.Mutex

func (srv *Server) run(ctx context.Context) {
	m := &srv.mu
	m.Lock()
	srv.Lock()
	global.Lock()
	srv.wg.Add(1)
	c, cancel := context.WithCancel(ctx)
	ch := make(chan string, 3)
	for v := range srv.jobs {
		v := "shadow"
		_ = v
	}
	_, _, _ = c, cancel, ch
}
"""


def package(source: bytes = SOURCE) -> tuple[Package, SourceFile]:
    f = SourceFile("/virtual/p.go", source, parse(source))
    return Package("p", "/virtual", [f], None), f


def find(f: SourceFile, kind: str, text: str) -> Node:
    for node in descendants(f.root, frozenset({kind})):
        if f.text(node) == text:
            return node
    raise LookupError(text)


def test_method_targets_resolve_aliases_embedding_and_renamed_imports() -> None:
    pkg, f = package()
    r = pkg.resolver
    targets = {}
    for text in ("m.Lock", "srv.Lock", "global.Lock", "srv.wg.Add"):
        found = r.method_target(find(f, "selector_expression", text), f)
        assert found is not None and found[1] is not None, text
        targets[text] = found
    assert targets["m.Lock"][0] == "RWMutex"
    assert targets["m.Lock"][1].path == ("mu",)
    assert targets["m.Lock"][1].cls == "Server.mu"
    assert targets["srv.Lock"][0] == "Mutex" and targets["srv.Lock"][1].cls == "Base.Mutex"
    assert targets["srv.Lock"][1].path == ("Base", "Mutex")
    assert targets["global.Lock"][1].cls == "p.global"
    assert targets["srv.wg.Add"][0] == "WaitGroup"


def test_types_of_declarations() -> None:
    pkg, f = package()
    r = pkg.resolver
    cancel = [n for n in descendants(f.root, frozenset({"identifier"})) if f.text(n) == "cancel"][
        -1
    ]
    assert str(r.type_of(cancel, f)) == "context.CancelFunc"
    ch = [n for n in descendants(f.root, frozenset({"identifier"})) if f.text(n) == "ch"][-1]
    t = r.type_of(ch, f)
    assert t is not None and t.kind == "chan" and str(t.elem) == "string"
    # The inner `v := "shadow"` shadows the range variable (an int from chan int).
    uses = [n for n in descendants(f.root, frozenset({"identifier"})) if f.text(n) == "v"]
    assert str(r.type_of(uses[0], f)) == "int"
    assert str(r.type_of(uses[-1], f)) == "string"


def test_a_name_is_not_a_type() -> None:
    source = b"""package p

type counter struct{}

func (counter) Add(int) {}

func f() {
	var wg counter
	wg.Add(1)
}
"""
    pkg, f = package(source)
    assert pkg.resolver.method_target(find(f, "selector_expression", "wg.Add"), f) is None


class _Recorder(Rule):
    meta: ClassVar[RuleMeta] = RuleMeta("ZZ001", "recorder", "test", Severity.NOTE)
    events: ClassVar[list[str]] = []

    def visit_expression_statement(self, node: Node) -> None:
        self.events.append("enter stmt")

    def visit_call_expression(self, node: Node) -> None:
        self.events.append("enter call " + self.file.text(node))

    def leave_call_expression(self, node: Node) -> None:
        self.events.append("leave call " + self.file.text(node))

    def leave_expression_statement(self, node: Node) -> None:
        self.events.append("leave stmt")


class _Crasher(Rule):
    meta: ClassVar[RuleMeta] = RuleMeta("ZZ002", "crasher", "test", Severity.NOTE)

    def visit_call_expression(self, node: Node) -> None:
        raise RuntimeError("boom")


def test_walk_order_and_crash_isolation() -> None:
    source = b"package p\n\nfunc f() {\n\tg(h())\n}\n"
    pkg, f = package(source)
    _Recorder.events = []
    recorder, crasher = _Recorder(pkg), _Crasher(pkg)
    crashes = BatchedWalker([crasher, recorder]).walk(f)
    # A statement and its call span the same bytes: the parent is entered first, left last.
    assert _Recorder.events == [
        "enter stmt",
        "enter call g(h())",
        "enter call h()",
        "leave call h()",
        "leave call g(h())",
        "leave stmt",
    ]
    assert [c.rule for c in crashes] == [crasher]


def test_deep_nesting_walks_without_recursion() -> None:
    depth = 3000
    body = "{" * depth + "g()" + "}" * depth
    source = f"package p\n\nfunc f() {body}\n".encode()
    pkg, f = package(source)
    _Recorder.events = []
    BatchedWalker([_Recorder(pkg)]).walk(f)
    assert "enter call g()" in _Recorder.events


def test_test_package_is_its_own_package(tmp_path: Path) -> None:
    (tmp_path / "a.go").write_text(
        'package a\n\nimport "sync"\n\ntype T struct{ wg sync.WaitGroup }\n'
    )
    (tmp_path / "a_test.go").write_text(
        "package a_test\n\nfunc use() {\n\tvar t T\n"
        "\tgo func() {\n\t\tt.wg.Add(1)\n\t}()\n\tt.wg.Wait()\n}\n"
    )
    (job,) = discover([str(tmp_path)], cwd=str(tmp_path)).jobs
    result = analyze_folder(job, Settings(enabled=frozenset({"WG001"})))
    # In package a_test, T is not declared: its field cannot be resolved, so no finding.
    assert result.packages == 2
    assert result.diagnostics == ()


def test_no_package_outlives_its_folder() -> None:
    """Workers analyse folder after folder: nothing may keep a package's trees alive."""
    import gc

    folder = Path(__file__).resolve().parent.parent / "testdata" / "MU001"
    (job,) = [j for j in discover([str(folder)], cwd=str(folder)).jobs if j.folder == str(folder)]
    from goconc.engine.registry import known_codes

    analyze_folder(job, Settings(enabled=known_codes()))
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, Package)]


def test_analysis_budget_skips_a_slow_file(tmp_path: Path, monkeypatch: object) -> None:
    """A file whose analysis runs over budget is reported and skipped; the others still report."""
    import time

    import pytest

    from goconc.rules.wg001_waitgroup_add_in_goroutine import WaitGroupAddInGoroutine

    flagged = (
        Path(__file__).resolve().parent.parent / "testdata" / "WG001" / "flagged.go"
    ).read_text()
    (tmp_path / "slow.go").write_text(flagged.replace("package wg001", "package p"))
    (tmp_path / "fast.go").write_text(
        'package p\n\nimport "sync"\n\nfunc g() {\n\tvar wg sync.WaitGroup\n'
        "\tgo func() {\n\t\twg.Add(1)\n\t\tdefer wg.Done()\n\t}()\n\twg.Wait()\n}\n"
    )
    original = WaitGroupAddInGoroutine.visit_go_statement

    def slow_in_one_file(self: WaitGroupAddInGoroutine, node: Node) -> None:
        if self.file.path.endswith("slow.go"):
            end = time.monotonic() + 5
            while time.monotonic() < end:  # busy, as a rule lost in a large file would be
                pass
        original(self, node)

    mp = pytest.MonkeyPatch()
    mp.setattr(WaitGroupAddInGoroutine, "visit_go_statement", slow_in_one_file)
    try:
        (job,) = discover([str(tmp_path)], cwd=str(tmp_path)).jobs
        started = time.monotonic()
        result = analyze_folder(job, Settings(enabled=frozenset({"WG001"}), analysis_timeout=0.3))
    finally:
        mp.undo()
    # The busy hook would take 5 s; the budget stops it well before (with room for a loaded CI).
    assert time.monotonic() - started < 4.5
    assert {Path(d.span.path).name for d in result.diagnostics} == {"fast.go"}
    (note,) = [n for n in result.notifications if "longer than" in n.message]
    assert note.path is not None and note.path.endswith("slow.go") and not note.crash


# -- worker processes that die ----------------------------------------------------------------

_FLAGGED = """package {pkg}

import "sync"

func run(items []int) {{
	var wg sync.WaitGroup
	for _, it := range items {{
		go func() {{
			wg.Add(1)
			defer wg.Done()
			_ = it
		}}()
	}}
	wg.Wait()
}}
"""


def _folders(root: Path, names: list[str]) -> list[FolderJob]:
    for name in names:
        (root / name).mkdir()
        (root / name / "a.go").write_text(_FLAGGED.format(pkg=name))
    return list(discover([str(root)], cwd=str(root)).jobs)


# What _killing_analyze kills: folder names, the parent's pid, a marker for "only once".
# Module-level, so that the pool can pickle the function by name; workers are forked with
# these values.
_KILL: dict[str, Any] = {}


def _killing_analyze(job: FolderJob, settings: Settings) -> FolderResult:
    """analyze_folder, except that a worker process analysing a folder of _KILL["names"] is
    killed (SIGKILL, as the OOM killer does), every time or, with _KILL["once"], the first
    time only."""
    once: Path | None = _KILL["once"]
    doomed = os.getpid() != _KILL["parent"] and os.path.basename(job.folder) in _KILL["names"]
    if doomed and (once is None or not once.exists()):
        if once is not None:
            once.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return real_analyze_folder(job, settings)


# The kill is injected by patching the worker function, which only a forked worker inherits
# (macOS and Windows start workers by spawning a fresh interpreter).
_needs_fork = pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork",
    reason="workers must be forked to inherit the patch",
)


def _kill(monkeypatch: pytest.MonkeyPatch, names: set[str], once: Path | None = None) -> None:
    monkeypatch.setattr(runner, "analyze_folder", _killing_analyze)
    monkeypatch.setitem(_KILL, "names", names)
    monkeypatch.setitem(_KILL, "once", once)
    monkeypatch.setitem(_KILL, "parent", os.getpid())


real_analyze_folder = runner.analyze_folder


@_needs_fork
def test_a_killed_worker_loses_only_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A BrokenProcessPool traceback, and every result lost, once.
    names = [f"p{i}" for i in range(8)]
    jobs = _folders(tmp_path, names)
    _kill(monkeypatch, {"p3"})
    settings = Settings(enabled=known_codes())
    results = list(runner.run(jobs, settings, 2))
    assert [os.path.basename(j.folder) for j in jobs] == names
    for name, result in zip(names, results, strict=True):
        if name == "p3":
            (note,) = result.notifications
            assert note.crash and note.path == str(tmp_path / "p3")
            assert "killed by signal 9" in note.message and not result.diagnostics
        else:
            assert [d.code for d in result.diagnostics] == ["WG001"] and not result.notifications


@_needs_fork
def test_a_worker_killed_once_is_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = [f"p{i}" for i in range(8)]
    jobs = _folders(tmp_path, names)
    settings = Settings(enabled=known_codes())
    expected = list(runner.run(jobs, settings, 1))
    _kill(monkeypatch, {"p5"}, once=tmp_path / "killed")
    assert list(runner.run(jobs, settings, 2)) == expected
    assert (tmp_path / "killed").exists()


@_needs_fork
def test_a_killed_worker_through_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _folders(tmp_path, ["a", "b", "c", "d"])
    _kill(monkeypatch, {"b"})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--isolated", "--no-cache", "-j", "2", "--format", "json", "."])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2 and "Traceback" not in err
    report = json.loads(out)
    assert sorted(f["path"] for f in report["findings"]) == ["a/a.go", "c/a.go", "d/a.go"]
    assert [n["path"] for n in report["notifications"]] == ["b"]


def test_signals_wait_until_a_worker_is_forked() -> None:
    # Python runs at-fork callbacks in the parent, where a KeyboardInterrupt is printed and
    # dropped: the run went on, then spent its time retrying the workers the signal killed.
    reached = False
    with pytest.raises(KeyboardInterrupt), runner._signals_held():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
        reached = True
    assert reached
