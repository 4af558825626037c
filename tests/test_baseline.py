"""`goconc check --baseline FILE.sarif`: only findings that an earlier SARIF log lacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from goconc.cli.main import main

BUG = """package demo

import "sync"

func run(items []int, use func(int)) {
	var wg sync.WaitGroup
	for _, it := range items {
		go func() {
			wg.Add(1)
			defer wg.Done()
			use(it)
		}()
	}
	wg.Wait()
}
"""

ANOTHER_BUG = """
func more(items []string, use func(string)) {
	var group sync.WaitGroup
	for _, s := range items {
		go func() {
			group.Add(1)
			defer group.Done()
			use(s)
		}()
	}
	group.Wait()
}
"""


def goconc(
    args: list[str], cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--isolated", "--no-cache", *args])
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "go.mod").write_text("module demo\n\ngo 1.24\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.go").write_text(BUG)
    return tmp_path


def _codes(out: str) -> list[tuple[str, str]]:
    return [(f["path"], f["code"]) for f in json.loads(out)["findings"]]


def test_baseline_hides_known_findings_and_shows_new_ones(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, _, _ = goconc(["--format", "sarif", "-o", "base.sarif", "."], repo, capsys, monkeypatch)
    assert status == 1
    # Nothing new: clean exit, and the known finding is counted on stderr.
    status, out, err = goconc(["--baseline", "base.sarif", "."], repo, capsys, monkeypatch)
    assert status == 0 and "No problems found" in out
    assert "1 known problem in the baseline not shown" in err
    # Edits elsewhere in the file keep the old finding known; a new bug is reported alone.
    text = "// Package demo runs things.\n" + BUG + ANOTHER_BUG
    (repo / "pkg" / "a.go").write_text(text)
    status, out, _ = goconc(
        ["--baseline", "base.sarif", "--format", "json", "."], repo, capsys, monkeypatch
    )
    assert status == 1
    found = json.loads(out)["findings"]
    assert [(f["code"], f["line"]) for f in found] == [("WG001", 22)]


def test_same_code_in_another_file_is_new(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    goconc(["--format", "sarif", "-o", "base.sarif", "."], repo, capsys, monkeypatch)
    (repo / "other").mkdir()
    (repo / "other" / "a.go").write_text(BUG)  # identical lines: identical line hashes
    status, out, _ = goconc(
        ["--baseline", "base.sarif", "--format", "json", "."], repo, capsys, monkeypatch
    )
    assert status == 1 and _codes(out) == [("other/a.go", "WG001")]


def test_baseline_in_sarif_output_and_from_another_checkout(
    repo: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    goconc(["--format", "sarif", "-o", "base.sarif", "."], repo, capsys, monkeypatch)
    # The log's URIs are relative to the repository root: it works in another clone.
    clone = tmp_path_factory.mktemp("clone")
    (clone / ".git").mkdir()
    (clone / "go.mod").write_text("module demo\n\ngo 1.24\n")
    (clone / "pkg").mkdir()
    (clone / "pkg" / "a.go").write_text(BUG)
    base = str(repo / "base.sarif")
    status, out, _ = goconc(
        ["--baseline", base, "--format", "sarif", "pkg"], clone, capsys, monkeypatch
    )
    assert status == 0 and json.loads(out)["runs"][0]["results"] == []


def test_baseline_matches_on_the_goconc_key_alone(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    goconc(["--format", "sarif", "-o", "base.sarif", "."], repo, capsys, monkeypatch)
    log = json.loads((repo / "base.sarif").read_text())
    for result in log["runs"][0]["results"]:
        del result["partialFingerprints"]["primaryLocationLineHash"]
    (repo / "base.sarif").write_text(json.dumps(log))
    status, _, _ = goconc(["--baseline", "base.sarif", "."], repo, capsys, monkeypatch)
    assert status == 0


_RESULT = (
    '{"ruleId": "WG001", "partialFingerprints": {"primaryLocationLineHash": "x"},'
    ' "locations": [{"physicalLocation": {"artifactLocation": {"uri": %s}}}]}'
)


@pytest.mark.parametrize(
    "content",
    [
        None,
        "not json",
        b"\xff\xfe not UTF-8",
        '{"version": "2.1.0"}',
        '{"runs": [{"results": [null]}]}',  # found by fuzzing: a traceback, exit 1
        '{"runs": [null]}',
        '{"runs": [{"results": {"0": {}}}]}',
        '{"runs": [{"tool": 5, "results": []}]}',
        '{"runs": [{"tool": {"driver": {"rules": 5}}, "results": [{"ruleIndex": 0}]}]}',
        '{"runs": [{"results": [{"partialFingerprints": [1]}]}]}',
        '{"runs": ' + "[" * 100_000 + "]" * 100_000 + "}",  # a RecursionError in json
    ],
)
def test_unusable_baseline_is_a_usage_error(
    content: str | None,
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if content is not None:
        data = content if isinstance(content, bytes) else content.encode()
        (repo / "base.sarif").write_bytes(data)
    status, out, err = goconc(["--baseline", "base.sarif", "."], repo, capsys, monkeypatch)
    assert status == 2 and out == ""
    assert err.startswith("goconc: ") and "baseline" in err and err.count("\n") == 1


@pytest.mark.parametrize("uri", ['"file://["', "5", '"pkg/a.go"'])
def test_odd_but_valid_baseline_parts_are_skipped(
    uri: str, repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # SARIF leaves the URI's form to the producer: one that names nothing matches nothing.
    (repo / "base.sarif").write_text('{"runs": [{"results": [%s]}]}' % (_RESULT % uri))
    status, out, err = goconc(["--baseline", "base.sarif", "."], repo, capsys, monkeypatch)
    assert status == 1 and "WG001" in out and "Traceback" not in err
