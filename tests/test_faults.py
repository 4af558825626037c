"""Fault isolation: an exception from any method of a rule costs that rule what the method
covers (a top-level declaration, a file or the package) and becomes a notification; every
other finding of the folder is kept.

A test-only rule, registered for each test, reports every function declaration it visits
and raises in one chosen place, in the declaration `bad` of a.go or in the file a.go.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest
from tree_sitter import Node

from goconc.analyzer.diagnostics import RuleMeta, Severity
from goconc.analyzer.facts import Package
from goconc.analyzer.packages import discover
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.tokens import TokenIndex
from goconc.engine import runner
from goconc.engine.model import FolderResult, Settings
from goconc.engine.registry import all_rules

A_GO = """package p

import (
	"context"
	"sync"
)

func good(parent context.Context) context.Context {
	ctx, _ := context.WithCancel(parent)
	return ctx
}

func bad() {
	var wg sync.WaitGroup
	go func() {
		wg.Add(1)
		defer wg.Done()
	}()
	wg.Wait()
}
"""
BAD_LINE = 13  # func bad()
B_GO = "package p\n\nfunc other() {}\n"
CODE = "ZZ900"
OTHERS = frozenset({"WG001", "CX001"})
# The real rules' findings, with or without the faulty rule.
EXPECTED_OTHERS = [("a.go", 9, "CX001"), ("a.go", 16, "WG001")]


def _in_bad(rule: Rule, node: Node) -> bool:
    name = node.child_by_field_name("name")
    return name is not None and rule.file.text(name) == "bad"


def _in_a(file: SourceFile) -> bool:
    return file.path.endswith("a.go")


class _Faulty(Rule):
    """Reports `seen NAME` at every function declaration; raises where ``fails`` says."""

    meta: ClassVar[RuleMeta] = RuleMeta(CODE, "faulty", "test only", Severity.NOTE)
    fails: ClassVar[str] = ""

    def __init__(self, pkg: Package, options: Mapping[str, object] | None = None) -> None:
        if self.fails == "__init__":
            raise RuntimeError("injected")
        super().__init__(pkg, options)

    def applies_to_package(self) -> bool:
        if self.fails == "applies_to_package":
            raise RuntimeError("injected")
        return True

    def wants_file(self, file: SourceFile) -> bool:
        if self.fails == "wants_file" and _in_a(file):
            raise RuntimeError("injected")
        return True

    def wants_declaration(self, decl: Node) -> bool:
        if self.fails == "wants_declaration" and _in_bad(self, decl):
            raise RuntimeError("injected")
        return True

    def seen(self, node: Node) -> None:
        name = node.child_by_field_name("name")
        assert name is not None
        self.report(name, f"seen {self.file.text(name)}")
        if self.fails == "visit" and _in_bad(self, node):
            raise RuntimeError("injected")  # after reporting: that finding must go too

    def end_package(self) -> None:
        if self.fails == "end_package":
            raise RuntimeError("injected")


class _Queried(_Faulty):
    """Found by the walker's query; leave hooks make it walk the declaration nested."""

    def visit_function_declaration(self, node: Node) -> None:
        self.seen(node)

    def leave_function_declaration(self, node: Node) -> None:
        if self.fails == "leave" and _in_bad(self, node):
            raise RuntimeError("injected")

    def leave_source_file(self, node: Node) -> None:
        if self.fails == "leave_source_file" and _in_a(self.file):
            raise RuntimeError("injected")


class _Anchored(_Faulty):
    """Found from its token; as it overrides wants_declaration, looked for per declaration."""

    anchors: ClassVar[Mapping[str, tuple[bytes, ...]]] = {"function_declaration": (b"func",)}

    def visit_function_declaration(self, node: Node) -> None:
        self.seen(node)


class _AnchoredInFile(_Anchored):
    """Found from its token over the whole file (it does not choose declarations)."""

    wants_declaration = Rule.wants_declaration


def _run(tmp_path: Path, rule: type[Rule], monkeypatch: pytest.MonkeyPatch) -> FolderResult:
    (tmp_path / "a.go").write_text(A_GO)
    (tmp_path / "b.go").write_text(B_GO)
    monkeypatch.setattr(runner, "all_rules", lambda: [*all_rules(), rule])
    (job,) = discover([str(tmp_path)], cwd=str(tmp_path)).jobs
    return runner.analyze_folder(job, Settings(enabled=OTHERS | {CODE}, analysis_timeout=0))


def _findings(result: FolderResult) -> tuple[list[tuple[str, int, str]], list[str]]:
    """(the other rules' findings, the faulty rule's messages with their file)."""
    others = sorted(
        (Path(d.span.path).name, d.span.line, d.code) for d in result.diagnostics if d.code != CODE
    )
    mine = sorted(
        f"{Path(d.span.path).name} {d.message}" for d in result.diagnostics if d.code == CODE
    )
    return others, mine


def _crash(result: FolderResult) -> Any:
    (note,) = result.notifications
    assert note.crash and note.rule == CODE and "injected" in note.message
    return note


@pytest.fixture
def faulty() -> Iterator[None]:
    yield
    for cls in (_Faulty, _Queried, _Anchored, _AnchoredInFile):
        cls.fails = ""


def test_the_faulty_rule_reports_when_nothing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, faulty: None
) -> None:
    for cls in (_Queried, _Anchored, _AnchoredInFile):
        result = _run(tmp_path, cls, monkeypatch)
        assert _findings(result) == (
            EXPECTED_OTHERS,
            ["a.go seen bad", "a.go seen good", "b.go seen other"],
        )
        assert result.notifications == ()


@pytest.mark.parametrize("cls", [_Queried, _Anchored])
@pytest.mark.parametrize("where", ["wants_declaration", "visit"])
def test_a_raise_in_a_declaration_costs_that_declaration(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    faulty: None,
    cls: type[_Faulty],
    where: str,
) -> None:
    cls.fails = where
    result = _run(tmp_path, cls, monkeypatch)
    assert _findings(result) == (EXPECTED_OTHERS, ["a.go seen good", "b.go seen other"])
    note = _crash(result)
    assert note.path.endswith("a.go") and note.line == BAD_LINE


def test_a_raise_in_a_leave_hook_costs_that_declaration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, faulty: None
) -> None:
    _Queried.fails = "leave"
    result = _run(tmp_path, _Queried, monkeypatch)
    assert _findings(result) == (EXPECTED_OTHERS, ["a.go seen good", "b.go seen other"])
    assert _crash(result).line == BAD_LINE


def test_a_raise_while_finding_its_tokens_in_a_declaration_costs_that_declaration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, faulty: None
) -> None:
    real = TokenIndex.anchored_in

    def anchored_in(self: TokenIndex, token: bytes, kind: str, start: int, end: int) -> Any:
        if kind == "function_declaration" and b"func bad" in self._data[start:end]:
            raise RuntimeError("injected")
        return real(self, token, kind, start, end)

    monkeypatch.setattr(TokenIndex, "anchored_in", anchored_in)
    result = _run(tmp_path, _Anchored, monkeypatch)
    assert _findings(result) == (EXPECTED_OTHERS, ["a.go seen good", "b.go seen other"])
    assert _crash(result).line == BAD_LINE


def test_a_raise_while_finding_its_tokens_in_a_file_costs_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, faulty: None
) -> None:
    real = TokenIndex.anchored

    def anchored(self: TokenIndex, token: bytes, kind: str) -> Any:
        if kind == "function_declaration" and b"func bad" in self._data:
            raise RuntimeError("injected")
        return real(self, token, kind)

    monkeypatch.setattr(TokenIndex, "anchored", anchored)
    result = _run(tmp_path, _AnchoredInFile, monkeypatch)
    assert _findings(result) == (EXPECTED_OTHERS, ["b.go seen other"])
    note = _crash(result)
    assert note.path.endswith("a.go") and note.line is None


@pytest.mark.parametrize("where", ["wants_file", "leave_source_file"])
def test_a_raise_outside_declarations_costs_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, faulty: None, where: str
) -> None:
    _Queried.fails = where
    result = _run(tmp_path, _Queried, monkeypatch)
    # leave_source_file runs after the declarations: what they found in a.go goes too.
    assert _findings(result) == (EXPECTED_OTHERS, ["b.go seen other"])
    note = _crash(result)
    assert note.path.endswith("a.go") and note.line is None


@pytest.mark.parametrize("where", ["__init__", "applies_to_package", "end_package"])
def test_a_raise_in_a_package_hook_costs_that_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, faulty: None, where: str
) -> None:
    _Queried.fails = where
    result = _run(tmp_path, _Queried, monkeypatch)
    assert _findings(result) == (EXPECTED_OTHERS, [])
    assert _crash(result).path == str(tmp_path)
