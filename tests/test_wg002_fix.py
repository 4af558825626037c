"""WG002's fix: offered as safe only where it is safe, both ways for each precondition.

The safe fix inserts `defer X.Done()` at the start of a goroutine that never calls Done.
It must name the counted WaitGroup there (X visible, the same variable, never assigned
again), must clear the finding, and is not offered when the goroutine calls Done on any
WaitGroup (goconc may have missed that it is the counted one)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from goconc.analyzer.diagnostics import Applicability, Diagnostic
from goconc.analyzer.packages import clear_go_version_cache
from goconc.cli.fixes import apply_edits
from tests.golden import analyze

HEADER = 'package demo\n\nimport "sync"\n\n'


def _run(tmp_path: Path, body: str, go: str = "1.24") -> tuple[Path, list[Diagnostic]]:
    (tmp_path / "go.mod").write_text(f"module demo\n\ngo {go}\n")
    clear_go_version_cache()
    path = tmp_path / "demo.go"
    path.write_text(HEADER + body)
    return path, [d for d in analyze(tmp_path, ["WG002"]) if d.code == "WG002"]


def _fixed(tmp_path: Path, body: str, go: str = "1.24") -> str:
    """The file after the finding's safe fix; the finding must be gone afterwards."""
    path, found = _run(tmp_path, body, go)
    assert len(found) == 1, found
    (fix,) = found[0].fixes
    assert fix.applicability == Applicability.SAFE
    path.write_bytes(apply_edits(path.read_bytes(), fix.edits))
    assert [d for d in analyze(tmp_path, ["WG002"]) if d.code == "WG002"] == []
    go_tool = shutil.which("go")
    if go_tool is not None:
        vet = subprocess.run([go_tool, "vet", "."], cwd=tmp_path, capture_output=True, text=True)
        assert vet.returncode == 0, vet.stderr
    return path.read_text()


def _no_fix(tmp_path: Path, body: str, go: str = "1.24") -> None:
    """Reported, but with no fix."""
    _, found = _run(tmp_path, body, go)
    assert len(found) == 1, found
    assert found[0].fixes == ()


def test_plain_variable(tmp_path: Path) -> None:
    text = _fixed(
        tmp_path,
        "func run(n int) {\n\tvar wg sync.WaitGroup\n\twg.Add(1)\n"
        "\tgo func() {\n\t\tn++\n\t}()\n\twg.Wait()\n}\n",
    )
    assert "\tgo func() {\n\t\tdefer wg.Done()\n\t\tn++\n" in text


def test_through_a_pointer_alias(tmp_path: Path) -> None:
    text = _fixed(
        tmp_path,
        "type pipe struct {\n\twg sync.WaitGroup\n\tn  int\n}\n\n"
        "type engine struct{ p pipe }\n\n"
        "func (e *engine) start() {\n\tp := &e.p\n\tp.wg.Add(1)\n"
        "\tgo func() {\n\t\tp.n++\n\t}()\n}\n",
    )
    assert "defer p.wg.Done()" in text


def test_a_shadowed_name_uses_the_literal_parameter(tmp_path: Path) -> None:
    # Inside the literal `r` is its parameter: the Add's `r.wg` is spelled through it.
    text = _fixed(
        tmp_path,
        "type reader struct {\n\twg sync.WaitGroup\n\tn  int\n}\n\n"
        "func start(all []*reader) {\n\tfor _, r := range all {\n\t\tr.wg.Add(1)\n"
        "\t\tgo func(r *reader) {\n\t\t\tr.n++\n\t\t}(r)\n\t}\n}\n",
    )
    assert "go func(r *reader) {\n\t\t\tdefer r.wg.Done()\n" in text


def test_a_name_redeclared_in_the_goroutine_is_not_used(tmp_path: Path) -> None:
    text = _fixed(
        tmp_path,
        "type reader struct {\n\twg sync.WaitGroup\n\tn  int\n}\n\n"
        "func start(r *reader, other *reader) {\n\tr.wg.Add(1)\n"
        "\tgo func(x *reader) {\n\t\tr := other\n\t\tr.n++\n\t\tx.n++\n\t}(r)\n}\n",
    )
    # The goroutine declares an `r` of its own: the WaitGroup is named through `x`.
    assert "go func(x *reader) {\n\t\tdefer x.wg.Done()\n\t\tr := other" in text


def test_a_name_reassigned_later_gets_no_fix(tmp_path: Path) -> None:
    _no_fix(
        tmp_path,
        "func run(a, b *sync.WaitGroup) {\n\twg := a\n\twg.Add(1)\n"
        "\tgo func() {\n\t\tprintln()\n\t}()\n\twg = b\n\twg.Wait()\n}\n",
    )


def test_a_waitgroup_not_named_by_a_plain_chain_gets_no_fix(tmp_path: Path) -> None:
    _no_fix(
        tmp_path,
        "func run(p *sync.WaitGroup) {\n\t(*p).Add(1)\n"
        "\tgo func() {\n\t\tprintln()\n\t}()\n\tp.Wait()\n}\n",
    )


def test_a_loop_variable_before_go_1_22_gets_no_fix(tmp_path: Path) -> None:
    body = (
        "type job struct{ wg sync.WaitGroup }\n\n"
        "func run(jobs []*job) {\n\tfor _, j := range jobs {\n\t\tj.wg.Add(1)\n"
        "\t\tgo func() {\n\t\t\tprintln()\n\t\t}()\n\t}\n}\n"
    )
    _no_fix(tmp_path, body, go="1.21")
    assert "defer j.wg.Done()" in _fixed(tmp_path, body, go="1.22")


def test_an_add_out_of_scope_at_the_go_statement_counts_nothing(tmp_path: Path) -> None:
    _, found = _run(
        tmp_path,
        "type batch struct{ wg sync.WaitGroup }\n\n"
        "func run(n int) {\n\tvar all []*batch\n\tfor i := 0; i < n; i++ {\n"
        "\t\tb := &batch{}\n\t\tb.wg.Add(1)\n\t\tall = append(all, b)\n\t}\n"
        "\tfor _, b := range all {\n\t\tgo func(b *batch) {\n\t\t\tb.wg.Done()\n\t\t}(b)\n\t}\n}\n",
    )
    assert found == []


@pytest.mark.parametrize(
    "done",
    [
        "other.Done()",  # a *sync.WaitGroup parameter: may be the counted one
        "finish(other)",  # a function of the package that calls Done on what it is given
    ],
)
def test_no_finding_and_no_fix_when_the_goroutine_calls_done(tmp_path: Path, done: str) -> None:
    _, found = _run(
        tmp_path,
        "func finish(wg *sync.WaitGroup) { wg.Done() }\n\n"
        "func run(other *sync.WaitGroup) {\n\tvar wg sync.WaitGroup\n\twg.Add(1)\n"
        f"\tgo func() {{\n\t\t{done}\n\t}}()\n\twg.Wait()\n}}\n",
    )
    assert found == []
