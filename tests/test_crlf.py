"""A checkout with CRLF line ends (git's autocrlf on Windows) gives the same findings, at the
same lines and columns, as LF; fixes written into such a file keep its line ends."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from goconc.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
FIXES = ROOT / "tests" / "testdata" / "fixes"


def _crlf(folder: Path) -> None:
    for path in folder.rglob("*.go"):
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


def _findings(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> list[tuple[object, ...]]:
    monkeypatch.chdir(folder)
    with pytest.raises(SystemExit):
        main(["check", "--no-cache", "--format", "json", "--no-default-excludes", "."])
    out = json.loads(capsys.readouterr().out)
    keys = ("path", "code", "line", "column", "end_line", "end_column", "message")
    return [tuple(f[k] for k in keys) for f in out["findings"]]


def test_the_same_findings_with_crlf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lf, crlf = tmp_path / "lf", tmp_path / "crlf"
    shutil.copytree(ROOT / "testdata", lf)
    shutil.copytree(ROOT / "testdata", crlf)
    _crlf(crlf)
    expected = _findings(lf, capsys, monkeypatch)
    assert len(expected) > 100
    assert _findings(crlf, capsys, monkeypatch) == expected


def _fix_cases() -> list[str]:
    return sorted(p.parent.name for p in FIXES.glob("*/expected.go"))


@pytest.mark.parametrize("case", _fix_cases())
def test_a_fixed_crlf_file_keeps_crlf(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "go.mod").write_text("module demo\n\ngo 1.24\n")  # as tests/test_fixes.py
    for extra in (FIXES / case).glob("go.mod"):
        shutil.copy(extra, tmp_path / "go.mod")
    source = (FIXES / case / "input.go").read_bytes().replace(b"\n", b"\r\n")
    (tmp_path / "input.go").write_bytes(source)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        main(["check", "--no-cache", "--fix", "input.go"])
    capsys.readouterr()
    fixed = (tmp_path / "input.go").read_bytes()
    expected = (FIXES / case / "expected.go").read_bytes().replace(b"\n", b"\r\n")
    assert fixed == expected
    assert b"\n" not in fixed.replace(b"\r\n", b"")  # no bare LF slipped in
