"""The editor and CI conventions: a file on stdin (`goconc check - --stdin-filename PATH`),
`//goconc:file-ignore`, and `--per-file-ignores` on the command line."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from goconc.cli.main import main

TYPES = 'package s\n\nimport "sync"\n\ntype Store struct {\n\tmu sync.Mutex\n\tn  int\n}\n'
# MU003 (the early return leaves s.mu locked), found only knowing that Store.mu is a mutex:
# that is declared in the sibling file TYPES.
LEAKY = (
    "package s\n\nfunc (s *Store) Inc() {\n\ts.mu.Lock()\n\tif s.n > 3 {\n\t\treturn\n\t}\n"
    "\ts.n++\n\ts.mu.Unlock()\n}\n"
)
SAFE = "package s\n\nfunc (s *Store) Inc() {\n\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n\ts.n++\n}\n"

WG = """package w

import "sync"

func run(n int) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		go func() {
			wg.Add(1)
			defer wg.Done()
		}()
	}
	wg.Wait()
}
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "types.go").write_text(TYPES)
    (tmp_path / "store" / "inc.go").write_text(SAFE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def goconc(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--no-cache", *argv])
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


# -- stdin ----------------------------------------------------------------------------------


def test_stdin_is_analysed_with_its_package_from_disk(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # On disk inc.go is fine; the editor's unsaved text (stdin) is not.
    argv = ["-", "--stdin-filename", "store/inc.go"]
    code, out, _ = goconc(argv, capsys, monkeypatch, stdin=LEAKY)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("store/inc.go:4:2: MU003 ")
    assert lines[1] == "  4 |     s.mu.Lock()"  # quoted from stdin, not from the disk
    assert lines[-1] == "Found 1 problem (1 error) in 1 file."
    assert (repo / "store" / "inc.go").read_text() == SAFE  # nothing written
    # Without the sibling that declares Store, the same text has no finding: it was read.
    (repo / "store" / "types.go").unlink()
    code, out, _ = goconc(argv, capsys, monkeypatch, stdin=LEAKY)
    assert (code, out) == (0, "No problems found in 1 file.\n")


def test_stdin_for_a_file_not_on_disk_yet(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["--format", "json", "-", "--stdin-filename", "store/new.go"]
    code, out, _ = goconc(argv, capsys, monkeypatch, stdin=LEAKY.replace("Inc", "Add"))
    assert code == 1
    (finding,) = json.loads(out)["findings"]
    assert (finding["path"], finding["code"], finding["line"]) == ("store/new.go", "MU003", 4)
    assert finding["fingerprint"]  # computed from the text on stdin
    assert json.loads(out)["summary"]["files"] == 1


def test_stdin_follows_the_configuration_and_skips(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / ".goconc.toml").write_text('ignore = ["MU003"]\n')
    argv = ["-", "--stdin-filename", "store/inc.go"]
    assert goconc(argv, capsys, monkeypatch, stdin=LEAKY)[:2] == (
        0,
        "No problems found in 1 file.\n",
    )
    (repo / ".goconc.toml").unlink()
    (repo / "vendor" / "v").mkdir(parents=True)
    (repo / "vendor" / "v" / "types.go").write_text(TYPES)
    (repo / "vendor" / "v" / "inc.go").write_text(SAFE)
    argv = ["-", "--stdin-filename", "vendor/v/inc.go"]
    code, out, _ = goconc(argv, capsys, monkeypatch, stdin=LEAKY)
    assert (code, out) == (0, "No problems found in 0 files.\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-"], "- needs --stdin-filename PATH"),
        (["-", "store", "--stdin-filename", "store/inc.go"], "- (stdin) is the only path"),
        (["store", "--stdin-filename", "store/inc.go"], "--stdin-filename needs - (stdin)"),
        (["--fix", "-", "--stdin-filename", "store/inc.go"], "with - (stdin) there is none"),
        (["-", "--stdin-filename", "store/inc.txt"], "store/inc.txt: not a Go file"),
    ],
)
def test_stdin_usage_errors(
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    code, out, err = goconc(argv, capsys, monkeypatch, stdin=LEAKY)
    assert code == 2 and out == "" and message in err, err


def test_stdin_through_a_real_pipe(repo: Path) -> None:
    command = [sys.executable, "-m", "goconc", "check", "--no-cache", "--format", "concise"]
    done = subprocess.run(
        [*command, "-", "--stdin-filename", "store/inc.go"],
        input=LEAKY.encode(),
        capture_output=True,
        cwd=repo,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.decode().startswith("store/inc.go:4:2: MU003 ")


# -- //goconc:file-ignore -------------------------------------------------------------------


def _codes(out: str) -> list[tuple[str, str, int]]:
    return [(f["path"], f["code"], f["line"]) for f in json.loads(out)["findings"]]


def test_file_ignore_silences_a_rule_in_its_whole_file(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    two = WG + WG.split('import "sync"\n')[1].replace("func run(", "func again(")
    directive = "//goconc:file-ignore WG001 these goroutines are joined by the pool\n"
    (repo / "w").mkdir()
    (repo / "w" / "a.go").write_text(directive + two)
    (repo / "w" / "b.go").write_text(WG.replace("func run(", "func other("))
    code, out, _ = goconc(["--format", "json", "w"], capsys, monkeypatch)
    assert code == 1
    assert _codes(out) == [("w/b.go", "WG001", 9)]  # the other file keeps its finding
    _, out, _ = goconc(["--format", "json", "--report-suppressed", "w"], capsys, monkeypatch)
    suppressed = [f for f in json.loads(out)["findings"] if f["suppressed"]]
    assert [(f["path"], f["line"]) for f in suppressed] == [("w/a.go", 10), ("w/a.go", 21)]
    assert {f["suppressed"] for f in suppressed} == {"these goroutines are joined by the pool"}


@pytest.mark.parametrize(
    ("directive", "code", "message"),
    [
        ("//goconc:file-ignore WG001\n", "GC001", "//goconc:file-ignore WG001 gives no reason"),
        (
            "//goconc:file-ignore MU003 nothing to silence\n",
            "GC002",
            "//goconc:file-ignore MU003 suppresses nothing in this file",
        ),
        (
            "//goconc:file-ignore WG01 a typo\n",
            "GC003",
            "//goconc:file-ignore names unknown rule code WG01",
        ),
    ],
)
def test_file_ignore_directives_are_checked(
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    directive: str,
    code: str,
    message: str,
) -> None:
    (repo / "w").mkdir()
    (repo / "w" / "a.go").write_text(directive + WG)
    _, out, _ = goconc(["--format", "json", "w"], capsys, monkeypatch)
    found = [f for f in json.loads(out)["findings"] if f["code"] == code]
    assert [(f["line"], f["message"]) for f in found] == [(1, message)]


# -- --per-file-ignores ---------------------------------------------------------------------


def test_per_file_ignores_on_the_command_line(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for folder in ("gen", "keep"):
        (repo / folder).mkdir()
        (repo / folder / "a.go").write_text(WG)
    (repo / "store" / "inc.go").write_text(LEAKY)
    _, out, _ = goconc(["--format", "json"], capsys, monkeypatch)
    assert [c[:2] for c in _codes(out)] == [
        ("gen/a.go", "WG001"),
        ("keep/a.go", "WG001"),
        ("store/inc.go", "MU003"),
    ]
    argv = ["--format", "json", "--per-file-ignores", "gen/*:WG", "--per-file-ignores", "*.go:MU"]
    _, out, _ = goconc(argv, capsys, monkeypatch)
    assert [c[:2] for c in _codes(out)] == [("keep/a.go", "WG001")]
    # Added to the configuration's, whose globs are relative to its own folder.
    (repo / ".goconc.toml").write_text('[per-file-ignores]\n"keep/*" = ["WG001"]\n')
    _, out, _ = goconc(["--format", "json", "--per-file-ignores", "gen/*:ALL"], capsys, monkeypatch)
    assert [c[:2] for c in _codes(out)] == [("store/inc.go", "MU003")]
    # What is not reported is not fixed either.
    code, out, _ = goconc(["--diff", "--per-file-ignores", "*:WG001,MU003"], capsys, monkeypatch)
    assert (code, out) == (0, "")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("gen/*", "expected GLOB:CODES"),
        (":WG001", "expected GLOB:CODES"),
        ("gen/*:", "expected GLOB:CODES"),
        ("gen/*:wg", "unknown rule code or prefix 'wg'; did you mean 'WG'?"),
    ],
)
def test_per_file_ignores_are_checked(
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    value: str,
    message: str,
) -> None:
    code, out, err = goconc(["--per-file-ignores", value], capsys, monkeypatch)
    assert code == 2 and out == "" and message in err, err
