"""`--output FILE` of check and graph: a regular file is replaced whole, keeping its mode; a
new one gets the umask's mode; a symlink's target is replaced, not the link; a device or FIFO
is written, never replaced; a path that cannot be written is refused before the analysis."""

from __future__ import annotations

import os
import stat
import sys
import threading
from pathlib import Path

import pytest

from goconc.cli.main import main
from goconc.engine import runner

FLAGGED = """package demo

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

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes, links and FIFOs")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "a.go").write_text(FLAGGED)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def goconc(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--no-cache", "-j", "1", *args])
    return int(exit_info.value.code or 0)


def _report_is_in(path: Path) -> None:
    assert path.read_text().startswith("a.go:9:4: WG001 ")


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600, 0o664], ids=oct)
def test_a_replaced_file_keeps_its_mode(repo: Path, mode: int) -> None:
    out = repo / "report.txt"
    out.write_text("previous\n")
    out.chmod(mode)
    assert goconc("-o", "report.txt") == 1
    _report_is_in(out)
    assert stat.S_IMODE(out.stat().st_mode) == mode


@posix_only
@pytest.mark.parametrize(
    ("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)], ids=["022", "077", "002"]
)
def test_a_new_file_gets_the_umask_mode(repo: Path, umask: int, mode: int) -> None:
    previous = os.umask(umask)
    try:
        assert goconc("-o", "report.txt") == 1
    finally:
        os.umask(previous)
    _report_is_in(repo / "report.txt")
    assert stat.S_IMODE((repo / "report.txt").stat().st_mode) == mode


@posix_only
def test_a_symlink_is_followed_and_its_target_replaced(repo: Path) -> None:
    (repo / "reports").mkdir()
    target = repo / "reports" / "latest.txt"
    target.write_text("previous\n")
    target.chmod(0o644)
    link = repo / "report.txt"
    link.symlink_to("reports/latest.txt")
    assert goconc("-o", "report.txt") == 1
    assert link.is_symlink() and os.readlink(link) == "reports/latest.txt"
    _report_is_in(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert sorted(p.name for p in (repo / "reports").iterdir()) == ["latest.txt"]


@posix_only
def test_a_dangling_symlink_creates_its_target(repo: Path) -> None:
    (repo / "report.txt").symlink_to("made.txt")
    assert goconc("-o", "report.txt") == 1
    assert (repo / "report.txt").is_symlink()
    _report_is_in(repo / "made.txt")


@posix_only
def test_a_fifo_is_written_not_replaced(repo: Path) -> None:
    # Like /dev/null or /dev/stdout: a special file is written to. Replacing it by a regular
    # file (as root in a container, /dev/null itself) would break everything that uses it.
    fifo = repo / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    try:
        code = goconc("-o", "pipe")
    finally:
        if reader.is_alive():  # the write never came: unblock the reader
            with open(fifo, "w"):
                pass
        reader.join(timeout=10)
    assert code == 1
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert received and received[0].startswith("a.go:9:4: WG001 ")
    assert not list(repo.glob(".goconc-*"))


def test_dev_null_stays_a_device(repo: Path) -> None:
    if not os.path.exists(os.devnull) or sys.platform == "win32":
        pytest.skip("no /dev/null")
    before = os.stat(os.devnull)
    assert goconc("-o", os.devnull) == 1
    after = os.stat(os.devnull)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("missing/dir/out.txt", "no such directory: missing/dir"),
        ("a.go/out.txt", "no such directory: a.go"),  # a file where a folder should be
        (".git", "it is a directory"),
    ],
)
@pytest.mark.parametrize("command", ["check", "graph"])
def test_an_unwritable_output_is_refused_before_the_analysis(
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    output: str,
    message: str,
    command: str,
) -> None:
    def no_analysis(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the analysis ran")

    monkeypatch.setattr(runner, "run", no_analysis)
    monkeypatch.setattr("goconc.cli.graph.graphs_for", no_analysis)
    argv = ["graph", "--locks"] if command == "graph" else ["check", "--no-cache"]
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "-o", output])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err == f"goconc: cannot write {output}: {message}\n"
