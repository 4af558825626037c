"""Every rule goconc has, and selection by code or prefix.

Adding a rule: its module under goconc/rules/, its testdata/<CODE>/, and one line in RULES.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from goconc.analyzer.diagnostics import RuleMeta
from goconc.analyzer.rule import Rule
from goconc.engine.suppress import META_RULES


@cache
def all_rules() -> tuple[type[Rule], ...]:
    from goconc.rules import (
        ch001_range_over_unclosed_channel,
        ch002_leaky_unbuffered_send,
        ch003_nil_channel_op,
        ch004_bad_close,
        ch005_receive_without_sender,
        ch006_send_without_receiver,
        ch007_send_after_receiver_exit,
        ch008_send_after_stop_poll,
        ch009_wait_for_own_close,
        ch010_send_before_receiver_starts,
        cx001_lost_cancel,
        cx002_ticker_leak,
        cx003_cond_wait_no_loop,
        cx004_cond_never_signalled,
        cx005_timer_drain_blocks,
        gr001_loopvar_capture,
        gr002_fatal_in_goroutine,
        gr003_sleep_as_sync,
        gr004_exit_skips_defer,
        gr005_goroutine_no_exit,
        mu001_lock_held_across_channel_op,
        mu002_inconsistent_lock_order,
        mu003_missing_unlock,
        mu004_double_lock,
        mu005_lock_copied,
        mu006_defer_lock,
        wg001_waitgroup_add_in_goroutine,
        wg002_waitgroup_done_not_guaranteed,
        wg003_waitgroup_copied,
        wg004_waitgroup_wait_in_spawn_loop,
    )

    rules: tuple[type[Rule], ...] = (
        gr001_loopvar_capture.LoopVarCapture,
        ch004_bad_close.BadClose,
        ch005_receive_without_sender.ReceiveWithoutSender,
        ch006_send_without_receiver.SendWithoutReceiver,
        ch007_send_after_receiver_exit.SendAfterReceiverExit,
        ch008_send_after_stop_poll.SendAfterStopPoll,
        ch009_wait_for_own_close.WaitForOwnClose,
        ch010_send_before_receiver_starts.SendBeforeReceiverStarts,
        ch003_nil_channel_op.NilChannelOp,
        wg003_waitgroup_copied.WaitGroupCopied,
        wg004_waitgroup_wait_in_spawn_loop.WaitGroupWaitInSpawnLoop,
        mu005_lock_copied.LockCopied,
        cx002_ticker_leak.TickerLeak,
        gr002_fatal_in_goroutine.FatalInGoroutine,
        gr003_sleep_as_sync.SleepAsSync,
        gr004_exit_skips_defer.ExitSkipsDefer,
        gr005_goroutine_no_exit.GoroutineNoExit,
        cx003_cond_wait_no_loop.CondWaitNoLoop,
        cx004_cond_never_signalled.CondNeverSignalled,
        cx005_timer_drain_blocks.TimerDrainBlocks,
        wg001_waitgroup_add_in_goroutine.WaitGroupAddInGoroutine,
        cx001_lost_cancel.LostCancel,
        wg002_waitgroup_done_not_guaranteed.WaitGroupDoneNotGuaranteed,
        ch001_range_over_unclosed_channel.RangeOverUnclosedChannel,
        ch002_leaky_unbuffered_send.LeakyUnbufferedSend,
        mu001_lock_held_across_channel_op.LockHeldAcrossChannelOp,
        mu002_inconsistent_lock_order.InconsistentLockOrder,
        mu003_missing_unlock.MissingUnlock,
        mu004_double_lock.DoubleLock,
        mu006_defer_lock.DeferLock,
    )
    return tuple(sorted(rules, key=lambda r: r.meta.code))


def all_metas() -> tuple[RuleMeta, ...]:
    """Metadata of the analysis rules and of the engine's own directive checks (GC...)."""
    return tuple(r.meta for r in all_rules()) + META_RULES


def known_codes() -> frozenset[str]:
    return frozenset(m.code for m in all_metas())


def option_names() -> dict[str, tuple[str, ...]]:
    """Each rule's code -> the keys its `[rules.CODE]` table may hold."""
    return {m.code: m.options for m in all_metas()}


def find(code: str) -> RuleMeta | None:
    wanted = code.upper()
    return next((m for m in all_metas() if wanted in (m.code, m.name.upper())), None)


def _matches(code: str, patterns: Iterable[str]) -> bool:
    return any(p == "ALL" or code.startswith(p) for p in patterns)


def _weight(pattern: str) -> int:
    return 0 if pattern == "ALL" else len(pattern)


def select_codes(
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    extend_select: Iterable[str] = (),
    *,
    preview: bool = False,
) -> frozenset[str]:
    """The enabled codes: `select` (default: all) plus `extend_select`, minus `ignore`.

    A more specific pattern wins, as in ruff: `--select MU --ignore MU001` and
    `--ignore MU --select MU003` both do what they say. A rule of the opt-in tier is enabled
    by its own code (`--select MU001`), or by a prefix or ALL only with `preview`."""
    select = [s.upper() for s in select] or ["ALL"]
    ignore = [s.upper() for s in ignore]
    chosen = [*select, *(s.upper() for s in extend_select)]
    enabled = set()
    for meta in all_metas():
        patterns = chosen if preview or not meta.preview else [p for p in chosen if p == meta.code]
        best_sel = max((_weight(p) for p in patterns if _matches(meta.code, [p])), default=-1)
        best_ign = max((_weight(p) for p in ignore if _matches(meta.code, [p])), default=-1)
        if best_sel >= 0 and best_sel > best_ign:
            enabled.add(meta.code)
    return frozenset(enabled)
