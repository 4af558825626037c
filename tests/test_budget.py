"""The per-file analysis budget (--analysis-timeout) holds without SIGALRM (Windows has none)
and in threads other than the main one (the language server analyses in one), and never
raises outside the work it limits."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import pytest
from tree_sitter import Node

from goconc.analyzer.packages import discover
from goconc.engine import runner
from goconc.engine.model import FolderResult, Settings
from goconc.rules.wg001_waitgroup_add_in_goroutine import WaitGroupAddInGoroutine

FLAGGED = """package p

import "sync"

func f(n int) {
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
def slow_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """slow.go makes WG001 spin for 20 s (in Python, as a rule lost in a huge file would);
    fast.go is analysed in no time."""
    (tmp_path / "slow.go").write_text(FLAGGED)
    (tmp_path / "fast.go").write_text(FLAGGED.replace("func f(", "func g("))
    original = WaitGroupAddInGoroutine.visit_go_statement

    def spin_in_slow_go(self: WaitGroupAddInGoroutine, node: Node) -> None:
        if self.file.path.endswith("slow.go"):
            end = time.monotonic() + 20
            while time.monotonic() < end:
                pass
        original(self, node)

    monkeypatch.setattr(WaitGroupAddInGoroutine, "visit_go_statement", spin_in_slow_go)
    return tmp_path


def _analyse(folder: Path) -> tuple[FolderResult, float]:
    (job,) = discover([str(folder)], cwd=str(folder)).jobs
    started = time.monotonic()
    result = runner.analyze_folder(
        job, Settings(enabled=frozenset({"WG001"}), analysis_timeout=0.5)
    )
    return result, time.monotonic() - started


def _check(result: FolderResult, seconds: float) -> None:
    assert seconds < 10, "the budget did not stop the slow file"
    assert {Path(d.span.path).name for d in result.diagnostics} == {"fast.go"}
    (note,) = [n for n in result.notifications if "longer than 0.5s" in n.message]
    assert note.path is not None and note.path.endswith("slow.go") and not note.crash


def test_without_sigalrm(slow_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As on Windows: no SIGALRM, no setitimer.
    for name in ("SIGALRM", "setitimer", "alarm"):
        monkeypatch.delattr(signal, name, raising=False)
    _check(*_analyse(slow_folder))


def test_in_a_thread_that_is_not_the_main_one(slow_folder: Path) -> None:
    found: list[tuple[FolderResult, float]] = []
    worker = threading.Thread(target=lambda: found.append(_analyse(slow_folder)))
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive() and found
    _check(*found[0])


def test_in_two_threads_at_once(slow_folder: Path) -> None:
    # Each thread has its own budget: one running out stops that thread only.
    found: list[tuple[FolderResult, float]] = []
    threads = [
        threading.Thread(target=lambda: found.append(_analyse(slow_folder))) for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(found) == 2
    for result in found:
        _check(*result)


def test_the_budget_never_fires_after_its_work() -> None:
    # Budgets that run out just as the work ends, thousands of times: the exception is
    # raised inside the `with` (and caught) or not at all, never at a later bytecode.
    over = 0
    for _ in range(3000):
        try:
            with runner._Budget(0.0001):
                sum(range(100))
        except runner._OverBudget:
            over += 1
    end = time.monotonic() + 0.2
    while time.monotonic() < end:  # a stray exception would arrive here
        pass
    assert 0 <= over <= 3000


def test_zero_is_no_budget() -> None:
    with runner._Budget(0):
        end = time.monotonic() + 0.2
        while time.monotonic() < end:
            pass


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_signals_never_land_in_the_watchdog() -> None:
    # A process-directed signal goes to a thread that does not block it: were it the
    # watchdog's, the main thread's mask (held around a fork) would not hold it back.
    import os

    runner._watchdog()
    reached = False
    with pytest.raises(KeyboardInterrupt), runner._signals_held():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
        reached = True
    assert reached
