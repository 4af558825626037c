"""Bad input never crashes goconc or loses a result (see docs/robustness.md).

Every case puts the bad thing next to a file with a known WG001 finding and checks that the
finding is still reported, that the bad thing is named in a notification, and the exit code.
Runs use --no-cache (a cached result would hide what the engine does) and mostly -j 1, so
that monkeypatches apply to the analysis in this process.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from goconc.cli.main import main
from goconc.cli.shared import write_atomically
from goconc.engine import runner as engine
from goconc.rules.wg001_waitgroup_add_in_goroutine import WaitGroupAddInGoroutine

# wg.Add(1) at line 9, column 4 (three tabs before it).
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

# The body of FLAGGED after its import, for files that repeat it under other names.
_BODY = FLAGGED.split('import "sync"\n', 1)[1]

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "go.mod").write_text("module demo\n\ngo 1.24\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def goconc(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run `goconc check ARGS` in this process; (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exit_info:
            main(["check", "--isolated", "--no-cache", "-j", "1", *args])
        out, err = capsys.readouterr()
        return int(exit_info.value.code or 0), out, err

    return run


def findings(out: str) -> list[tuple[str, str, int, int]]:
    return [(f["path"], f["code"], f["line"], f["column"]) for f in json.loads(out)["findings"]]


def notes(out: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = json.loads(out)["notifications"]
    return result


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


# -- syntax errors ------------------------------------------------------------------------


def test_syntax_error_elsewhere_keeps_the_finding(repo: Path, goconc: Run) -> None:
    write(repo / "a.go", FLAGGED + "\nfunc broken() {\n\tgo\n}\n")
    code, out, err = goconc()
    assert code == 1  # the finding decides, not the syntax error
    assert "a.go:9:4: WG001" in out
    assert "a.go:18:" in err and "warning:" in err and "analysed around it" in err
    code, out, _ = goconc("--format", "sarif")
    run = json.loads(out)["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["WG001"]
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "warning" and "analysed around it" in note["message"]["text"]
    location = note["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "a.go"
    assert location["region"]["startLine"] == 18
    assert run["invocations"][0]["executionSuccessful"] is True


def test_syntax_error_alone_exits_clean(repo: Path, goconc: Run) -> None:
    write(repo / "a.go", "package demo\n\nfunc f() { go }\n")
    code, _, err = goconc()
    assert code == 0 and "a.go:3:" in err and "Traceback" not in err


# -- encodings and line ends --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "line", "column"),
    [
        ("bom", b"\xef\xbb\xbf" + FLAGGED.encode(), 9, 4),
        ("crlf", FLAGGED.replace("\n", "\r\n").encode(), 9, 4),
        ("bom-crlf", b"\xef\xbb\xbf" + FLAGGED.replace("\n", "\r\n").encode(), 9, 4),
        # Go treats a lone CR as a space, so put lone CRs only where a space is valid Go; the
        # lines still split there as editors split them: 3 more lines before wg.Add.
        (
            "lone-cr",
            FLAGGED.replace("func run(items []int) {\n", "func run(\r\titems []int,\r) {\n")
            .replace("range items {\n", "range items {\r")
            .replace("go func() {\n", "go func() {\r")
            .encode(),
            11,
            4,
        ),
        # A non-ASCII comment before wg.Add: é is 1 UTF-16 unit, 🙂 is 2.
        ("utf16", FLAGGED.replace("\t\t\twg.Add", "\t\t\t/*é🙂*/ wg.Add").encode(), 9, 12),
    ],
)
def test_positions_after_bom_and_odd_line_ends(
    repo: Path, goconc: Run, name: str, data: bytes, line: int, column: int
) -> None:
    write(repo / f"{name}.go", data)
    code, out, err = goconc("--format", "json")
    assert code == 1, err
    assert findings(out) == [(f"{name}.go", "WG001", line, column)]
    assert notes(out) == []


def test_all_lone_cr_file_does_not_crash(repo: Path, goconc: Run) -> None:
    # Not valid Go (a lone CR is no newline for Go); analysed around the errors.
    write(repo / "a.go", FLAGGED.replace("\n", "\r").encode())
    write(repo / "b.go", FLAGGED.replace("func run(", "func run2("))
    code, out, _ = goconc("--format", "json")
    assert code == 1 and ("b.go", "WG001", 9, 4) in findings(out)
    assert all(n["level"] == "warning" and not n.get("crash") for n in notes(out))


def test_invalid_utf8_and_nul_bytes(repo: Path, goconc: Run) -> None:
    bad = FLAGGED.encode().replace(b"_ = it", b'_ = "\xff\xfe"; _ = it')
    write(repo / "a.go", bad)
    # Go rejects NUL anywhere; tree-sitter wraps its neighbours in an ERROR node, so keep it
    # out of the function whose finding we check.
    write(repo / "b.go", b"package demo\n\nvar nul = 1\x00\n\nfunc g() {}\n")
    code, out, _ = goconc("--format", "json")
    assert code == 1
    assert findings(out) == [("a.go", "WG001", 9, 4)]  # before the bad bytes: exact
    (note,) = [n for n in notes(out) if "UTF-8" in n["message"]]
    assert note["level"] == "warning" and note["path"] == "a.go"
    assert (note["line"], note["column"]) == (11, 9)  # the 0xff byte
    # No rule needs b.go's tree (it has no concurrency), so only this says it is not Go.
    (nul,) = [n for n in notes(out) if n["path"] == "b.go"]
    assert nul["level"] == "warning" and "NUL" in nul["message"]
    assert (nul["line"], nul["column"]) == (3, 12)
    assert not any(n.get("crash") for n in notes(out))


def test_binary_garbage_named_go(repo: Path, goconc: Run) -> None:
    write(repo / "a.go", FLAGGED)
    write(repo / "z.go", bytes(range(256)) * 64)
    code, out, err = goconc("--format", "json")
    assert code == 1 and findings(out) == [("a.go", "WG001", 9, 4)], err
    assert not any(n.get("crash") for n in notes(out))


# -- deep nesting and big files -------------------------------------------------------------


def _nested(depth: int, innermost: str) -> str:
    parens = "var deep = " + "(" * depth + "1" + ")" * depth + "\n"
    ifs = (
        "func nestedIfs() {\n\tvar wg sync.WaitGroup\n"
        + "if true {\n" * depth
        + innermost
        + "}\n" * depth
        + "\twg.Wait()\n}\n"
    )
    blocks = "func nestedBlocks() {\n" + "{\n" * depth + "_ = 1\n" + "}\n" * depth + "}\n"
    return FLAGGED + parens + ifs + blocks


def test_deep_nesting(repo: Path, goconc: Run) -> None:
    write(repo / "a.go", _nested(3000, "wg.Add(1)\n"))
    started = time.monotonic()
    code, out, err = goconc("--format", "json")
    assert code == 1, err
    assert findings(out) == [("a.go", "WG001", 9, 4)]
    assert notes(out) == []
    assert time.monotonic() - started < 30


@pytest.mark.slow
def test_deep_nesting_around_a_goroutine(repo: Path, goconc: Run) -> None:
    # Slow: rules walk up with Node.parent, which tree-sitter answers by walking down from
    # the root, so each walk up costs depth squared (about 15 s of CPU at this depth).
    depth = 3000
    write(repo / "a.go", _nested(depth, "go func() { wg.Add(1); wg.Done() }()\n"))
    code, out, err = goconc("--format", "json")
    assert code == 1, err
    assert findings(out) == [
        ("a.go", "WG001", 9, 4),
        ("a.go", "WG001", 16 + 3 + depth, 13),  # inside the innermost if
    ]


_FILLER = """
// table{i} is the kind of code generators emit: big, flat and free of concurrency.
func table{i}(x int) (int, string) {{
	names := []string{{"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"}}
	switch {{
	case x < 0:
		return -x, names[0]
	case x%3 == 0:
		return x * 3, names[x%len(names)]
	default:
		return x + {i}, names[(x+{i})%len(names)]
	}}
}}
"""


def _big_source(size: int) -> str:
    """A valid Go file of about ``size`` bytes: one WG001 finding at 9:4, then filler."""
    parts = [FLAGGED]
    total, i = len(FLAGGED), 0
    while total < size:
        part = _FILLER.format(i=i)
        parts.append(part)
        total += len(part)
        i += 1
    return "".join(parts)


def test_two_megabyte_file(repo: Path, goconc: Run) -> None:
    write(repo / "big.go", _big_source(2 << 20))
    started = time.monotonic()
    code, out, err = goconc("--format", "json")
    assert code == 1, err
    assert findings(out) == [("big.go", "WG001", 9, 4)]
    assert time.monotonic() - started < 60


def test_parse_timeout_skips_the_file(repo: Path, goconc: Run) -> None:
    write(repo / "big.go", _big_source(3 << 19))  # over 1 MiB: parsed with a budget
    write(repo / "a.go", FLAGGED.replace("func run(", "func small("))
    started = time.monotonic()
    code, out, err = goconc("--format", "json", "--parse-timeout", "0.001")
    assert time.monotonic() - started < 30
    assert findings(out) == [("a.go", "WG001", 9, 4)], err
    (note,) = notes(out)
    assert note["path"] == "big.go" and note["level"] == "warning"
    assert "skipped" in note["message"] and "--parse-timeout" in note["message"]
    assert code == 1


@pytest.mark.slow
def test_twenty_megabyte_file(repo: Path, goconc: Run) -> None:
    write(repo / "big.go", _big_source(20 << 20))
    code, out, err = goconc("--format", "json", "--parse-timeout", "600")
    assert code == 1, err
    assert findings(out) == [("big.go", "WG001", 9, 4)]


# -- paths --------------------------------------------------------------------------------


def test_missing_path_is_one_line(repo: Path, goconc: Run) -> None:
    code, out, err = goconc("nowhere/")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "nowhere" in err and "Traceback" not in err


def test_bad_entries_are_skipped_and_the_run_goes_on(repo: Path, goconc: Run) -> None:
    write(repo / "a.go", FLAGGED)
    (repo / "dangling.go").symlink_to(repo / "gone.go")
    (repo / "loop.go").symlink_to(repo / "loop.go")
    (repo / "x.go").mkdir()  # a folder with a .go name: walked as a folder
    write(repo / "x.go" / "inner.go", FLAGGED.replace("func run(", "func inner("))
    os.mkfifo(repo / "y.go")  # opening it for reading would block forever
    (repo / "sub").mkdir()
    (repo / "sub" / "up").symlink_to(repo)  # a folder loop
    started = time.monotonic()
    code, out, err = goconc("--format", "json")
    assert time.monotonic() - started < 30
    assert code == 1, err
    assert findings(out) == [("a.go", "WG001", 9, 4), ("x.go/inner.go", "WG001", 9, 4)]
    messages = {(n["path"], n["message"]) for n in notes(out)}
    assert ("dangling.go", "dangling symlink") in messages
    assert ("loop.go", "symlink loop") in messages
    assert ("y.go", "not a regular file") in messages
    assert ("sub/up", "symlink loop") in messages


def test_unreadable_file_is_skipped(
    repo: Path, goconc: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo / "a.go", FLAGGED)
    secret = write(repo / "b.go", FLAGGED.replace("func run(", "func run2("))
    real_read = engine.read_regular

    def deny(path: str, limit: int, **kwargs: Any) -> bytes:
        # Root ignores file modes: refuse the engine's read of b.go (discovery may read it).
        if path == str(secret):
            raise PermissionError(13, "Permission denied", path)
        return real_read(path, limit, **kwargs)

    monkeypatch.setattr(engine, "read_regular", deny)
    code, out, err = goconc("--format", "json")
    assert code == 1, err
    assert findings(out) == [("a.go", "WG001", 9, 4)]
    (note,) = notes(out)
    assert note["path"] == "b.go" and note["level"] == "error"
    assert "Permission denied" in note["message"] and not note.get("crash")


def test_file_removed_after_discovery(
    repo: Path, goconc: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(repo / "a.go", FLAGGED)
    doomed = write(repo / "b.go", FLAGGED.replace("func run(", "func run2("))
    real_analyze = engine.analyze_folder

    def remove_first(job: Any, settings: Any) -> Any:
        doomed.unlink(missing_ok=True)  # after discovery listed it, before the engine reads it
        return real_analyze(job, settings)

    monkeypatch.setattr(engine, "analyze_folder", remove_first)
    code, out, err = goconc("--format", "json")
    assert code == 1, err
    assert findings(out) == [("a.go", "WG001", 9, 4)]
    (note,) = notes(out)
    assert note["path"] == "b.go" and "No such file" in note["message"]


# -- a rule that crashes ------------------------------------------------------------------


def test_rule_crash_on_one_file(repo: Path, goconc: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    write(repo / "a" / "a.go", FLAGGED)
    write(repo / "b" / "b.go", FLAGGED)
    write(repo / "b" / "ctx.go", _LOST_CANCEL)
    real_hook = WaitGroupAddInGoroutine.visit_go_statement

    def hook(self: WaitGroupAddInGoroutine, node: Any) -> None:
        if self.file.path.endswith("/b/b.go"):
            raise RuntimeError("injected failure")
        real_hook(self, node)

    monkeypatch.setattr(WaitGroupAddInGoroutine, "visit_go_statement", hook)
    code, out, err = goconc("--format", "json")
    assert code == 2
    found = findings(out)
    assert ("a/a.go", "WG001", 9, 4) in found  # the same rule on another file
    assert any(f[:2] == ("b/ctx.go", "CX001") for f in found)  # another rule, same folder
    (crash,) = [n for n in notes(out) if n.get("crash")]
    assert crash["rule"] == "WG001" and crash["path"] == "b/b.go" and crash["level"] == "error"
    assert "injected failure" in crash["message"]
    assert "b/b.go" in err and "WG001" in err and "Traceback" not in err

    code, _, err = goconc("--verbose")
    assert code == 2 and "Traceback" in err and "injected failure" in err


_LOST_CANCEL = """package demo

import "context"

func lost(parent context.Context) context.Context {
	ctx, _ := context.WithCancel(parent)
	return ctx
}
"""


# -- output -------------------------------------------------------------------------------


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_failed_write_keeps_the_previous_output(
    repo: Path, goconc: Run, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    write(repo / "a.go", FLAGGED)
    (repo / "out.sarif").write_text("previous\n")

    def fail(*_args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, fail)
    code, _, err = goconc("--format", "sarif", "-o", "out.sarif")
    monkeypatch.undo()
    assert code == 2 and "cannot write out.sarif" in err and "No space left" in err
    assert (repo / "out.sarif").read_text() == "previous\n"
    assert sorted(p.name for p in repo.iterdir()) == [".git", "a.go", "go.mod", "out.sarif"]


def test_interrupted_write_leaves_no_temporary_file(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "out.txt").write_text("previous\n")

    def interrupt(_fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomically("out.txt", "new\n")
    assert (repo / "out.txt").read_text() == "previous\n"
    assert not list(repo.glob(".goconc-*"))


def _tree(root: Path, folders: int) -> None:
    """Enough work for several seconds: ``folders`` packages of a few files each."""
    source = _big_source(40_000)
    for i in range(folders):
        for j in range(4):
            write(root / f"p{i}" / f"f{j}.go", source.replace("func run", f"func f{j}run"))


def _default_sigint() -> None:
    """In the child before exec: a shell starts background jobs (and some CI runners start
    everything) with SIGINT ignored, and Python then never raises KeyboardInterrupt. The
    child we signal must start as an interactive command would."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and process groups")
@pytest.mark.parametrize(
    ("sig", "to_group", "code", "ignored_here"),
    [
        (signal.SIGINT, False, 130, False),  # kill -INT to goconc alone
        (signal.SIGINT, True, 130, False),  # Ctrl-C in a terminal: the whole process group
        (signal.SIGTERM, False, 143, False),
        (signal.SIGINT, False, 130, True),  # pytest itself started with SIGINT ignored
    ],
)
def test_signals_stop_the_run_promptly(
    repo: Path, sig: signal.Signals, to_group: bool, code: int, ignored_here: bool
) -> None:
    _tree(repo, 200)
    (repo / "out.txt").write_text("previous\n")
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if ignored_here else None
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "goconc", "check", "--no-cache", "-j", "2", "-o", "out.txt"],
            cwd=repo,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group, like a shell job
            preexec_fn=_default_sigint,
        )
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    time.sleep(0.5 if sig == signal.SIGINT else 1.5)
    assert proc.poll() is None, "the run finished before the signal: make the tree bigger"
    sent = time.monotonic()
    if to_group:
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=20)  # orphaned workers would hold the pipe open
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == code, err
    assert time.monotonic() - sent < 5
    assert "Traceback" not in err
    assert (repo / "out.txt").read_text() == "previous\n"
    assert not list(repo.glob(".goconc-*"))


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and process groups")
@pytest.mark.parametrize("gap", [0.0, 0.001, 0.02])
def test_a_second_ctrl_c_does_not_interrupt_the_cleanup(repo: Path, gap: float) -> None:
    # Two Ctrl-C's 1 ms apart: the second arrived in the cleanup (a KeyboardInterrupt
    # traceback, or death by SIGINT after "goconc: interrupted").
    _tree(repo, 200)
    proc = subprocess.Popen(
        [sys.executable, "-m", "goconc", "check", "--no-cache", "-j", "2"],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_default_sigint,
    )
    time.sleep(0.8)
    assert proc.poll() is None, "the run finished before the signal: make the tree bigger"
    os.killpg(proc.pid, signal.SIGINT)
    time.sleep(gap)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130 and err == "goconc: interrupted\n", err


def test_interrupt_wrapped_by_an_import_is_an_interrupt(
    repo: Path, goconc: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ctrl-C while a class is being created arrives as a RuntimeError (from __set_name__)
    # whose cause is the KeyboardInterrupt: a traceback and exit 1 once.
    from goconc.cli import main as entry

    def interrupted(_argv: list[str]) -> int:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as err:
            raise RuntimeError("Error calling __set_name__") from err

    monkeypatch.setattr(entry, "_main", interrupted)
    code, out, err = goconc()
    assert (code, out, err) == (130, "", "goconc: interrupted\n")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="Linux's /dev/full")
def test_stdout_on_a_full_disk(repo: Path) -> None:
    write(repo / "a.go", FLAGGED)
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "goconc", "check", "--no-cache"],
            cwd=repo,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 2
    assert proc.stderr == "goconc: cannot write output: No space left on device\n"


# -- configuration ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('select = ["WG001"\nignore = []\n', ".goconc.toml:2:"),  # TOML syntax
        ('select = ["WG001"]\nmystery = 1\n', ".goconc.toml:2"),  # unknown key
        ('ignore = "WG001"\n', ".goconc.toml:1"),  # wrong type
    ],
)
def test_malformed_config_names_file_and_line(
    repo: Path, capsys: pytest.CaptureFixture[str], text: str, where: str
) -> None:
    write(repo / "a.go", FLAGGED)
    write(repo / ".goconc.toml", text)
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--no-cache"])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2 and out == ""
    assert where in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    ("directive", "code"),
    [
        ("//goconc:ignore", "GC003"),  # no code at all
        ("//goconc:ignore WG001,", "GC001"),  # a trailing comma and no reason
        ("//goconc:ignore wg001 lower case", "GC003"),
    ],
)
def test_malformed_directives_are_findings(
    repo: Path, goconc: Run, directive: str, code: str
) -> None:
    # test_cli covers a missing reason, a stale directive and an unknown code; these are the
    # shapes it does not.
    write(repo / "a.go", FLAGGED.replace("wg.Wait()", f"wg.Wait() {directive}"))
    _, out, err = goconc("--format", "json")
    assert code in [f[1] for f in findings(out)], out + err
    assert not notes(out)


# -- analysis: cycles, deep and long expressions, interrupted parses -------------------------

_HOLDER = "type holder struct{ mu sync.Mutex }\n\nvar _ holder\n"


@pytest.mark.parametrize("decl", ["var x = x", "var x = x.M()", "var a, b = b, a"])
def test_self_referential_var_is_no_crash(repo: Path, goconc: Run, decl: str) -> None:
    # Invalid Go, one typo away: the type of x depends on itself (a RecursionError in the
    # copy rules once). Unknown, and the package's other findings stay.
    write(repo / "a.go", FLAGGED + _HOLDER + decl + "\n\nfunc use() { y := x; _ = y }\n")
    code, out, err = goconc("--format", "json")
    assert code == 1, err
    assert findings(out) == [("a.go", "WG001", 9, 4)]


def test_method_chain_of_unknown_type_is_linear(repo: Path, goconc: Run) -> None:
    # Each call of a chain on a value of unknown type used to resolve its operand twice: 2^n.
    chain = "v" + ".Next()" * 60
    write(
        repo / "a.go",
        FLAGGED + f"\nfunc chain(v any) {{\n\tvar mu sync.Mutex\n\tmu.Lock()\n"
        f"\t_ = {chain}\n\tmu.Unlock()\n\tgo func() {{ _ = {chain} }}()\n}}\n",
    )
    started = time.monotonic()
    code, out, err = goconc("--format", "json", "--analysis-timeout", "20")
    assert time.monotonic() - started < 20
    assert code == 1, err
    assert findings(out) == [("a.go", "WG001", 9, 4)] and notes(out) == []


_DEEP = 1500
# Expressions and types nested far deeper than the stack allows a recursion per level.
_DEEP_SHAPES = {
    "pointer type": "var p " + "*" * _DEEP + "holder\n\nfunc use() { p.mu.Lock() }\n",
    "array type": "var a " + "[1]" * _DEEP + "sync.Mutex\n\nfunc use() { b := a; _ = b }\n",
    "func type": "var f " + "func() " * _DEEP + "holder\n\nfunc use() { g := f; _ = g }\n",
    "address of": "func use(h holder) {\n\tm := " + "&" * _DEEP + "h.mu\n\tm.Lock()\n}\n",
    "selectors": "func use(h holder) {\n\th" + ".f" * _DEEP + ".Lock()\n}\n",
    "calls": "func use(h holder) {\n\th" + "()" * _DEEP + ".Lock()\n}\n",
    "indexes": "func use(h holder) {\n\tc := h" + "[0]" * _DEEP + "\n\t_ = c\n}\n",
    "aliases": "func use(h *holder) {\n\tm0 := &h.mu\n"
    + "".join(f"\tm{i + 1} := m{i}\n" for i in range(_DEEP))
    + f"\tm{_DEEP}.Lock()\n}}\n",
}


@pytest.mark.parametrize("shape", sorted(_DEEP_SHAPES))
def test_deep_expressions_and_types(repo: Path, goconc: Run, shape: str) -> None:
    write(repo / "a.go", FLAGGED + _HOLDER + _DEEP_SHAPES[shape])
    code, out, err = goconc("--format", "json")
    assert not [n for n in notes(out) if n.get("crash")], err
    assert ("a.go", "WG001", 9, 4) in findings(out) and code == 1


def test_parse_interrupted_by_the_analysis_budget(
    repo: Path, goconc: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The budget's alarm interrupts the parse of a large file (here: made to ring early in
    # it); the parser must start afresh on the next file, not resume the interrupted parse
    # on the other file's bytes (a bogus syntax error, and the finding lost).
    from goconc.analyzer import source

    write(repo / "big.go", _big_source(3 << 20).replace("package demo", "package big", 1))
    write(repo / "a.go", FLAGGED)
    real_parse = source.parse_file

    def ring_early(data: bytes, budget: float | None = None) -> Any:
        if len(data) > 1 << 20:
            engine._watchdog().arm(0.01)  # the file's own analysis budget, run out sooner
        return real_parse(data, budget)

    monkeypatch.setattr(source, "parse_file", ring_early)
    code, out, err = goconc("--format", "json")
    assert findings(out) == [("a.go", "WG001", 9, 4)], err
    (note,) = notes(out)
    assert note["path"] == "big.go" and "took longer" in note["message"]
    assert code == 1


@pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="the test rings with SIGALRM")
def test_interrupted_parse_leaves_the_parser_clean() -> None:
    from goconc.analyzer.parse import parse

    class Alarm(BaseException):
        pass

    def ring(_signum: int, _frame: object) -> None:
        raise Alarm

    big = _big_source(4 << 20).encode()
    previous = signal.signal(signal.SIGALRM, ring)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.02)
        with pytest.raises(Alarm):
            parse(big, 60.0)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    tree = parse(b"package small\n\nfunc f() {}\n")
    assert str(tree.root_node) == (
        "(source_file (package_clause (package_identifier)) (function_declaration"
        " name: (identifier) parameters: (parameter_list) body: (block)))"
    )


# -- reporting: files that changed since they were analysed, names that are not UTF-8 -------


class _Hung(Exception):
    pass


@pytest.fixture
def deadline() -> Any:
    """Fail (instead of hanging) when the test takes longer than 30 s."""
    if not hasattr(signal, "SIGALRM"):
        pytest.skip("the deadline rings with SIGALRM")

    def ring(_signum: int, _frame: object) -> None:
        raise _Hung

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(30)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
@pytest.mark.parametrize("what", ["fifo", "device"])
def test_reported_file_replaced_before_the_report(
    repo: Path, goconc: Run, monkeypatch: pytest.MonkeyPatch, deadline: Any, fmt: str, what: str
) -> None:
    # The reporter reads the lines it shows: a FIFO hung it forever, a link to /dev/zero
    # read until MemoryError. Now neither is read (no snippet, no line hash).
    source = write(repo / "a.go", FLAGGED)
    real_analyze = engine.analyze_folder

    def then_replace(job: Any, settings: Any) -> Any:
        result = real_analyze(job, settings)
        source.unlink()
        if what == "fifo":
            os.mkfifo(source)
        else:
            source.symlink_to("/dev/zero")
        return result

    monkeypatch.setattr(engine, "analyze_folder", then_replace)
    # --analysis-timeout 0: the test is about reading, not about the budget.
    code, out, err = goconc("--format", fmt, "--analysis-timeout", "0")
    assert code == 1, err
    assert "a.go" in out and "WG001" in out


def test_file_names_that_are_not_utf8(repo: Path, goconc: Run) -> None:
    # A traceback with --format sarif, a lone surrogate in JSON. Now SARIF percent-encodes
    # the name's bytes; text, JSON and GitHub write `\xNN` for a byte that is not UTF-8.
    name = os.fsdecode(b"bad\xffname.go")
    write(repo / name, FLAGGED)
    code, out, err = goconc()
    assert code == 1 and out.startswith("bad\\xffname.go:9:4: WG001"), err
    code, out, _ = goconc("--format", "json")
    assert findings(out) == [("bad\\xffname.go", "WG001", 9, 4)]
    code, out, _ = goconc("--format", "github")
    assert "file=bad\\xffname.go," in out
    code, out, err = goconc("--format", "sarif", "-o", "base.sarif")
    assert code == 1, err
    log = json.loads((repo / "base.sarif").read_text(encoding="utf-8"))
    (result,) = log["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == "bad%FFname.go"
    # The name round-trips: the baseline knows the finding.
    code, _, err = goconc("--baseline", "base.sarif")
    assert code == 0 and "1 known problem" in err


def test_escaped_names_are_lossless() -> None:
    from goconc.report._common import escape_name

    names = [b"plain.go", "é.go".encode(), b"bad\xffname.go", b"bad\\xffname.go", b"a\\b.go"]
    shown = [escape_name(os.fsdecode(n)) for n in names]
    assert shown == ["plain.go", "é.go", "bad\\xffname.go", "bad\\\\xffname.go", "a\\\\b.go"]
    assert len(set(shown)) == len(names)


# -- determinism ------------------------------------------------------------------------------


def test_sarif_is_byte_identical_whatever_the_workers_and_the_cache(
    repo: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    # Folders came back in the workers' order (largest first): notifications differed
    # between -j 1 and -j 2, and so did the SARIF.
    for i in range(6):
        write(repo / f"p{i}" / "a.go", FLAGGED)
        write(repo / f"p{i}" / "b.go", b"package demo\n\nvar n = 1\x00\n\nfunc f( {\n")
        write(repo / f"p{i}" / "c.go", b'package demo\n\nvar s = "\xff"\n')
        for j in range(i * 2):  # sizes differ, so that the largest-first order differs
            write(repo / f"p{i}" / f"d{j}.go", FLAGGED.replace("func run(", f"func run{j}("))
    cache = str(tmp_path_factory.mktemp("cache"))
    logs = []
    for args in (["--no-cache", "-j", "1"], ["--no-cache", "-j", "2"], ["--cache-dir", cache]):
        for _ in range(2 if "--cache-dir" in args else 1):  # cold, then warm
            with pytest.raises(SystemExit):
                main(["check", "--isolated", "-j", "2", *args, "--format", "sarif", "-o", "x"])
            capsys.readouterr()
            logs.append((repo / "x").read_bytes())
    assert len(set(logs)) == 1
    run = json.loads(logs[0])["runs"][0]
    assert len(run["invocations"][0]["toolExecutionNotifications"]) == 12  # NUL, UTF-8
    assert len(run["results"]) == 36
