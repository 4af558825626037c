"""The per-file analysis budget (--analysis-timeout) holds without SIGALRM (Windows has none)
and in threads other than the main one (the language server analyses in one), and never
raises outside the work it limits."""

from __future__ import annotations

import signal
import sys
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
    assert _runs_out(), "the budget no longer fires"


def _runs_out(seconds: float = 0.05) -> bool:
    """A fresh thread's budget still stops its work."""
    stopped: list[bool] = []

    def spin() -> None:
        try:
            with runner._Budget(seconds):
                end = time.monotonic() + 5
                while time.monotonic() < end:
                    pass
            stopped.append(False)
        except runner._OverBudget:
            stopped.append(True)

    worker = threading.Thread(target=spin, daemon=True)
    worker.start()
    worker.join(timeout=10)
    return stopped == [True]


def test_budgets_running_out_in_many_threads_leave_the_watchdog_working() -> None:
    # Budgets that run out just as their work ends, in three threads at once, with the GIL
    # passed between threads as often as it can be: the exception lands at every step of
    # ending a budget, also while the watchdog itself is busy. An exception that arrived
    # just after a lock was taken left it held: every other thread's next budget, and the
    # watchdog, then waited on it forever (a whole test run hung).
    interval = sys.getswitchinterval()

    def churn() -> None:
        for _ in range(2000):
            try:
                with runner._Budget(0.0001):
                    sum(range(50))
            except runner._OverBudget:
                pass

    end = time.monotonic() + 1.5
    while time.monotonic() < end:
        sys.setswitchinterval(1e-6)
        try:
            threads = [threading.Thread(target=churn, daemon=True) for _ in range(3)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=20)
        finally:
            sys.setswitchinterval(interval)
        assert not any(t.is_alive() for t in threads), "a thread hung ending its budget"
        assert _runs_out(), "the budget no longer fires"


def test_a_budget_ending_while_the_watchdog_raises_ends_in_its_with() -> None:
    # The watchdog has taken the budget as run out, but not raised yet (descheduled under
    # load) when the work ends: disarm() waits for the exception, which surfaces from the
    # `with`, never at a later bytecode.
    watchdog = runner._watchdog()
    taken = threading.Event()
    deadlines: list[runner._Deadline] = []
    outcome: list[str] = []

    def work() -> None:
        try:
            with runner._Budget(60):
                deadlines.append(watchdog._deadlines[threading.get_ident()])
                deadlines[0].claim.pop()  # as the watchdog does
                taken.set()
            outcome.append("no exception")
        except runner._OverBudget:
            outcome.append("over budget")
        end = time.monotonic() + 0.2
        while time.monotonic() < end:  # a stray exception would arrive here
            pass
        outcome.append("clean")

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    assert taken.wait(timeout=10)
    time.sleep(0.1)  # the worker now waits in disarm()
    assert worker.ident is not None
    watchdog._raise_in(worker.ident, runner._OverBudget)
    deadlines[0].raised.release()
    worker.join(timeout=10)
    assert outcome == ["over budget", "clean"]
    assert _runs_out()


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
