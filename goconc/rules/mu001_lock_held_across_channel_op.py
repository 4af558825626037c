"""## What it does
Flags an operation that blocks while a mutex is held on every path to it, when what would
end the wait needs that mutex: a send, a receive, a `range` over a channel, a `select`
without `default`, `wg.Wait()`, made in the function or in a package function it calls while
it holds the lock; and `cond.Wait()` on a Cond whose `L` is another lock.

What ends a wait is looked up across the package: the receivers of a channel sent on, the
senders and closers of a channel received from, the `Done` calls of the goroutines a
WaitGroup counts. The operation is flagged when one of them takes the same mutex (the same
field of any instance) or holds it before it gets there, or instead of getting there,
directly or through the package functions and function-typed fields it calls, up to the
goroutine it runs in: a deadlock, and the message names that counterpart. It is also
flagged when nothing in the package can ever end the wait (a channel nobody sends on or
closes).

One blocking operation reached from several places that hold a lock is one finding, at the
operation (the root that every path shares: a change there fixes them all), with each of
those calls as a related location and their count in the message; reached from one place
only, the finding is at that call, where the lock is held across it.

## Why is this bad?
A goroutine that blocks while holding a lock makes every other user of the lock wait for the
channel or the WaitGroup. If the goroutine that would unblock it (the receiver, the worker
calling `Done`) needs the same lock first, neither can proceed: a deadlock that the Go
runtime detects only when every goroutine is stuck, and in a server never. This is the most
common blocking bug in studies of real Go programs (Tu et al., ASPLOS 2019; the GoBench/GoKer
kernels of etcd, grpc, kubernetes and moby).

## Example
```go
package example

import "sync"

type Hub struct {
        mu     sync.Mutex
        seen   int
        events chan string
}

func (h *Hub) Publish(msg string) {
        h.mu.Lock()
        defer h.mu.Unlock()
        h.events <- msg
}

func (h *Hub) loop() {
        for msg := range h.events {
                h.mu.Lock()
                h.seen += len(msg)
                h.mu.Unlock()
        }
}
```

Use instead:
```go
package example

import "sync"

type Hub struct {
        mu     sync.Mutex
        seen   int
        events chan string
}

func (h *Hub) Publish(msg string) {
        h.mu.Lock()
        h.seen++
        h.mu.Unlock()
        h.events <- msg
}

func (h *Hub) loop() {
        for msg := range h.events {
                h.mu.Lock()
                h.seen += len(msg)
                h.mu.Unlock()
        }
}
```

## Which waits are not flagged
Waits that end without the held lock, or whose other side cannot be seen:
- bounded ones: `time.Sleep`, a `select` with a timer case (`time.After`, a `Timer`'s or
  `Ticker`'s `C`, the `Done()` of a context made with a timeout in the function);
- waits whose counterparts are all seen and none needs the held lock: a hand-off to a
  goroutine that receives without taking it, a `wg.Wait()` for workers that do not take it
  once counted, a wait for a goroutine that never takes it to finish. A `select` waits for
  its first ready case: one case that ends without the lock is enough;
- waits whose counterparts are out of sight: a channel of another package (`ctx.Done()`), a
  channel given by a caller another package may be, one handed to code goconc cannot follow
  (returned from an exported function, sent as a value nobody here receives);
- a counting semaphore or a channel used as a mutex (buffered, never closed, each holder
  gives back what it takes: received values dropped or sent back later in the same
  function, or `acquire()`/`release()` helpers called in pairs): taking a token waits only
  for holders, and is flagged when a holder takes the held lock before giving back; giving
  back never waits;
- a wait in a callee behind a nil check of a parameter (`if pool != nil {`) that the call made
  under the lock passes as nil, directly or through its own parameters;
- a counterpart whose only taking of the held lock is behind a flag that the waiting code
  ruled out before it waits: an unexported package `bool` written only under that lock,
  set to a constant after taking it (in a block around the wait, not written again in a
  loop around it), then a send to the counterpart, which receives it before it tests the
  flag (`mu.Lock(); closing = true; w.stop <- x; w.wg.Wait()` against `<-w.stop; ...; if
  !closing { mu.Lock() ... }`): the receive orders its read after the write;
- a send that cannot find the buffer full (below); a receive or `range` from a channel closed
  earlier in the function; a `select` that both sends on and receives from one buffered
  channel (one of the two is always ready);
- a `select` with a `default` case; `cond.Wait()` on a Cond made with the held lock
  (`sync.NewCond(&s.mu)`) or whose `L` cannot be resolved; operations after the lock was
  released on every path, or in a goroutine started while it is held (it starts with nothing
  held); a lock handed to a goroutine that unlocks it, or taken by a goroutine that never
  unlocks it (a signal), is not held across anything.

Counterparts in `_test.go` files count only for tests, and one test function only for
itself (tests do not run alongside each other unless they call `t.Parallel`). A counterpart
that took the lock before the channel it waits on was made or published (`ch :=
make(...); mu.Lock(); s.waiters = append(s.waiters, ch); mu.Unlock(); <-ch`) does not need
it: nobody could send to it then. Nor does one that looks up, under the lock, a map or slice
element that the waiting function replaced with a new channel after taking the lock
(`chans[k] = make(...)`, then `chans[k] <- v`).

Buffered channels. A send waits only when the buffer is full:
- a buffer filled where it is made, with no more sends than its constant capacity (or in a
  loop as long as the capacity), never waits there;
- a channel made in the function with a constant capacity that covers every send on it, none
  repeated by a loop, or every send made while the lock is held, never waits; nor does a send
  right after taking a value out of the channel (`select { case <-ch: default: }`, or in the
  `case <-ch:` of a select) when every send on it holds the lock; nor a send guarded by a
  flag it sets (`if !s.kicked { s.kicked = true; s.kick <- x }`);
- a capacity that is not a constant (a parameter, `len(x)`) is unknown, not buffered: such a
  channel is treated as unbuffered, and so is one filled to its capacity where it is made;
- any other buffered channel (a field sent on by methods that run again and again, or from
  several goroutines) fills when its receivers stop: a send on it is flagged when a receiver
  takes the held lock in the loop that receives (it stops there, and the buffer fills), not
  when it takes it once before receiving or on its way out of the loop (a `return` follows:
  it stops receiving there whatever it takes), and not when its receivers are out of sight.

What is not flagged by default falls into three kinds, which an opt-in tier can show:
waits that end by themselves (sleeps, timers, semaphores), waits whose counterparts never
need the lock (the lock is held for as long as they take: a latency question, not a
deadlock), and waits whose counterparts are out of sight.

No fix is offered: moving the operation out of the critical section, or turning it into a
`select` with `default` or `ctx.Done()`, changes what the code guarantees, and only its author
knows which is right.

## Limitations
Locks are followed only when goconc can tell which mutex is meant (a field of a known struct
type, a package variable, a local, a parameter, an alias `m := &s.mu`, an embedded mutex), and
the same field of two instances is one lock (a counterpart locking another instance in a
loop over many, `for _, s := range subs { s.stop() }`, is told apart). Channels are known by
the field, package variable or local they are kept in, followed into locals, the package
functions they are passed to, the getters that return them, the maps and slices of a field
they are kept in, and the channels they are sent on; channels in nested maps by their
element type only. Calls through function values and interfaces are followed as far as the
package says what they run (`analyzer/dispatch.py`: local closures, function-typed fields and
parameters, `sync.Once.Do`, an interface with one implementation); code of other packages is
not. Recursive calls contribute nothing.

## References
- go vet and staticcheck have no equivalent check.
- https://go.dev/ref/mem: channel communication and mutexes are the synchronisation points
  that the memory model orders; holding one across the other couples them.
- https://pkg.go.dev/sync#Cond.Wait: Wait unlocks only `c.L`.
- T. Tu, X. Liu, L. Song, Y. Zhang, "Understanding Real-World Concurrency Bugs in Go",
  ASPLOS 2019; GoBench (CGO 2021), GoKer blocking kernels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

import attrs
from tree_sitter import Node

from goconc.analyzer.calls import callee
from goconc.analyzer.cfg import CFG, Block
from goconc.analyzer.counterparts import Channel, ChanOp, Counterparts, Make
from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.lockrule import LockFactsRule
from goconc.analyzer.locks import (
    Access,
    Event,
    Held,
    LockAnalysis,
    LockFacts,
    cond_releases,
    obj_key,
)
from goconc.analyzer.matchers import FUNC_KINDS, call_args, descendants, innermost_loop
from goconc.analyzer.source import SourceFile
from goconc.analyzer.types import Binding, Ref, Resolver, enclosing_function, unparen
from goconc.analyzer.uses import shared_key, shared_uses

if TYPE_CHECKING:
    from goconc.analyzer.facts import Package

# Related locations per finding: one per call path, the rest counted in the message (SARIF
# viewers show a few dozen at most; the format allows 1000).
_MAX_PATHS = 50
# How far the callers of a counterpart are followed to see whether it runs with the lock
# held, and how many functions one question may visit; beyond, the answer is unknown.
_MAX_CALLER_DEPTH = 4
_MAX_VISITS = 64
# Contexts that end by themselves.
_TIMEOUT_CONTEXTS = frozenset(
    {"WithTimeout", "WithDeadline", "WithTimeoutCause", "WithDeadlineCause"}
)

# Verdicts on one wait.
REPORT = "report"  # cond.Wait on another lock: whoever signals may need it
NEEDS = "needs"  # a counterpart needs the held lock (the message names it)
NONE = "none"  # nothing in the package can end it
UNSEEN = "unseen"  # its counterparts are out of sight (another package, a function value)
BOUNDED = "bounded"  # ends by itself (a timer), or a semaphore whose holders never need it
FREE = "free"  # every counterpart is seen, and none needs the held lock
NEVER = "never"  # cannot block at all


# What MU001 reports by default.
_REPORTED = frozenset({REPORT, NEEDS, NONE})


@attrs.frozen(eq=False)
class _Verdict:
    kind: str
    because: str = ""  # NEEDS: "h.loop, which receives from it, locks h.mu"
    evidence: tuple[Related, ...] = ()


@attrs.frozen(eq=False)
class _Path:
    """A call, made while a lock is held, that reaches a blocking operation."""

    call: Node
    file: SourceFile
    callee: str
    held: tuple[Held, ...]
    chain: tuple[Related, ...]  # the calls between, and the operation


@attrs.define(eq=False)
class _Root:
    """A blocking operation reached through calls, and every path that reaches it held."""

    node: Node
    file: SourceFile
    what: str
    verdict: _Verdict
    paths: list[_Path] = attrs.field(factory=list)


@attrs.frozen(eq=False)
class _Need:
    """Where a counterpart takes or holds one of the held locks."""

    site: Node
    file: SourceFile
    lock: str
    func: str  # the function that does it


_UNKNOWN = _Need.__new__(_Need)  # the answer could not be found: treated as needing the lock


class LockHeldAcrossChannelOp(LockFactsRule):
    # One finding per blocking operation reached through calls, at the operation: in the
    # callee's file, once the whole package is walked.
    package_wide = True
    meta = RuleMeta(
        code="MU001",
        name="lock-held-across-channel-op",
        summary="A mutex is held across a channel operation or Wait whose other side needs it.",
        severity=Severity.WARNING,
        tags=("concurrency", "mutex", "deadlock", "external/cwe/cwe-833"),
        precision="high",
    )

    def __init__(self, pkg: Package, options: Mapping[str, object] | None = None) -> None:
        super().__init__(pkg, options)
        self._roots: dict[tuple[object, ...], _Root] = {}
        self._verdicts: dict[tuple[object, ...], _Verdict] = {}
        self._need_memo: dict[tuple[object, ...], _Need | None] = {}
        self._callers: dict[int, list[_CallSite]] = {}
        self._visits = 0
        self._semaphores: dict[str, object] = {}
        self._loop_only = False
        self._entry: Node | None = None  # the test function holding the lock, if one
        self._holder: Node | None = None  # the function holding the lock
        self._wait_at = 0  # where in it the wait is (or the call that reaches it)
        # Package flags the holder set under the lock before it waits ("pkg:NAME" -> value),
        # and the channels it sent on after setting them: see `_flags_set`.
        self._flags: frozenset[tuple[str, bool]] = frozenset()
        self._sent: tuple[Channel, ...] = ()
        self._writes: dict[str, list[tuple[Node, SourceFile]] | None] = {}
        self.locks = pkg.fact(LockAnalysis)
        self.channels = pkg.fact(Counterparts)

    def check_function(self, func: Node, facts: LockFacts) -> None:
        self._entry = _test_entry(func, self.file)
        handed: set[tuple[str, tuple[str, ...]]] | None = None
        for ev in facts.events:
            if not ev.state.held or ev.kind not in ("block", "call"):
                continue
            if handed is None:
                handed = self._handed_to_goroutines(func, self.file) | _kept_locked(facts)
            held = [h for h in ev.state.locks() if obj_key(h.ref) not in handed]
            if not held:
                continue
            if ev.kind == "block":
                # What this function did itself before it waits is not what it waits for
                # (`register(ch); <-ch`). Only for its own operations: the paths through
                # calls share one verdict per operation.
                self._holder, self._wait_at = func, ev.node.start_byte
                self._flags_set(facts, held, ev.node, ev.node, self.file)
                self._direct(ev, facts, held)
            elif ev.call is not None:
                self._holder, self._wait_at = None, 0
                self._through_call(ev, facts, held)
        self._flags, self._sent = frozenset(), ()

    # -- a blocking operation in this function ----------------------------------------------
    def _direct(self, ev: Event, facts: LockFacts, held: list[Held]) -> None:
        if ev.mode == "cond":
            own = [h for h in held if cond_releases(ev.ref, ev.cond_lock, h)]
            if ev.cond_lock is None and not own:
                return  # the Cond's L is unknown: it may be any of the held locks
            held = [h for h in held if h not in own]
        elif ev.mode == "send" and self._buffered_enough(ev, facts):
            return
        if not held:
            return
        verdict = self._verdict(ev.mode, ev.ref, ev.node, self.file, held)
        if verdict.kind == NEEDS and self._made_under(ev, facts, held):
            return  # those that need the lock cannot have this channel yet
        if verdict.kind not in _REPORTED:
            return
        what = _describe(ev.mode, ev.ref.text if ev.ref else "", ev.node, self.file, ev.cond_lock)
        message = f"{what} while {_locks_text(held)} held"
        if verdict.because:
            message += f"; {verdict.because}"
        self.report(
            ev.node,
            message,
            related=[*(self._lock_related(h) for h in held), *verdict.evidence],
        )

    def _made_under(self, ev: Event, facts: LockFacts, held: list[Held]) -> bool:
        """The channel was made here, with the lock held, just before the wait (`s.ch =
        make(...); register(s.ch); <-s.ch`): code that needs the lock to reach the channel
        can only find the new one after this function lets go of the lock."""
        taken = [h.acquire.start_byte for h in held if not h.chain and h.file is facts.file]
        if not taken:
            return False
        if ev.mode == "send" and _remade_element(ev.node, facts.func, max(taken), self.file, self):
            return True
        ch = self.channels.channel(ev.ref) if ev.mode in ("send", "recv", "range") else None
        if ch is None:
            return False
        func = facts.func
        return any(
            enclosing_function(m.node) == func
            and max(taken) < m.node.start_byte < ev.node.start_byte
            and innermost_loop(ev.node, func) is None
            for m in ch.makes
        )

    def _buffered_enough(self, ev: Event, facts: LockFacts) -> bool:
        """A send on a channel made here with a constant capacity that covers every send made
        while the same acquisition is held (none in a loop around the send but not the Lock)."""
        ch = self.channels.channel(ev.ref)
        if ch is None or ev.ref is None or ev.ref.path or ev.ref.root.startswith("pkg:"):
            return False
        capacity = ch.capacity()
        here = facts.func
        if capacity is None or not any(
            here.start_byte <= m.node.start_byte < here.end_byte for m in ch.makes
        ):
            return False
        acquisitions = {h.acquire.id for h in ev.state.held.values()}
        starts = [h.acquire.start_byte for h in ev.state.held.values()]
        count = 0
        for other in facts.events:
            if other.kind != "block" or other.mode != "send" or other.ref is None:
                continue
            if obj_key(other.ref) != obj_key(ev.ref):
                continue
            if not any(h.acquire.id in acquisitions for h in other.state.held.values()):
                continue
            if _in_loop_without(other.node, facts.func, starts):
                return False
            count += 1
        return count <= capacity

    # -- a call of a package function that blocks ---------------------------------------------
    def _through_call(self, ev: Event, facts: LockFacts, held_here: list[Held]) -> None:
        assert ev.call is not None
        reach = self.locks.call_reach(ev.call)
        for b in reach.blocks:
            held = _still_held(held_here, b)
            if not held:
                continue
            inner = b.site
            self._flags_set(facts, held, ev.node, inner.node, inner.file)
            verdict = self._verdict(b.mode, b.ref, inner.node, inner.file, held)
            if verdict.kind not in _REPORTED:
                continue
            what = _describe(
                b.mode, b.ref.text if b.ref else "", inner.node, inner.file, b.cond_lock
            )
            chain = [
                Related(self.span(s.node, s.file), f"which calls {s.text}") for s in b.chain[1:]
            ]
            chain.append(Related(self.span(inner.node, inner.file), f"{what} blocks here"))
            chain.extend(verdict.evidence)
            key = (inner.file.path, inner.node.start_byte, self.channels.key_of(b.ref), self._flags)
            root = self._roots.get(key)
            if root is None:
                root = self._roots[key] = _Root(inner.node, inner.file, what, verdict)
            root.paths.append(_Path(ev.node, self.file, ev.call.name, tuple(held), tuple(chain)))
            return  # one blocking operation per call: the nearest that may need the lock

    def end_package(self) -> None:
        for root in sorted(self._roots.values(), key=lambda r: (r.file.path, r.node.start_byte)):
            self._report_root(root)

    def _report_root(self, root: _Root) -> None:
        paths = root.paths
        because = f"; {root.verdict.because}" if root.verdict.because else ""
        if len(paths) == 1:
            # One place holds a lock across it: the finding is at that call.
            p = paths[0]
            self.report(
                p.call,
                f"call of {p.callee} can block ({root.what}) while "
                f"{_locks_text(list(p.held))} held{because}",
                related=[*(self._lock_related(h) for h in p.held), *p.chain],
                file=p.file,
            )
            return
        # Several places hold a lock across it: one finding at the operation, their root.
        shown = sorted(paths, key=lambda p: (p.file.path, p.call.start_byte))[:_MAX_PATHS]
        related = [
            Related(
                self.span(p.call, p.file),
                f"{_locks_text(list(p.held))} held across the call of {p.callee}",
            )
            for p in shown
        ]
        related.extend(root.verdict.evidence)
        more = len(paths) - len(shown)
        locks = sorted({h.ref.text for p in paths for h in p.held})
        message = (
            f"{root.what} can block while a caller holds {_names_text(locks)}: "
            f"{len(paths)} call paths hold a lock here"
        )
        if more:
            message += f" ({more} not listed)"
        self.report(root.node, message + because, related=related, file=root.file)

    def _lock_related(self, h: Held) -> Related:
        verb = "read-locked" if h.mode == "read" else "locked"
        if h.chain:
            return Related(self.span(h.acquire, h.file), f"{h.ref.text} is {verb} by this call")
        return Related(self.span(h.acquire, h.file), f"{h.ref.text} is {verb} here")

    def _handed_to_goroutines(
        self, func: Node, file: SourceFile
    ) -> set[tuple[str, tuple[str, ...]]]:
        """Locks that a goroutine started in ``func`` unlocks without having locked them:
        whoever holds them, it is not this function (`mu.Lock(); go func(){ ...; mu.Unlock()
        }()`)."""
        out: set[tuple[str, tuple[str, ...]]] = set()
        body = func.child_by_field_name("body")
        if body is None or b"go " not in file.data[body.start_byte : body.end_byte]:
            return out
        for stmt in file.tokens.anchored_in(b"go", "go_statement", body.start_byte, body.end_byte):
            call = stmt.named_children[0] if stmt.named_children else None
            fn = call.child_by_field_name("function") if call is not None else None
            if fn is not None and unparen(fn).type == "func_literal":
                out.update(obj_key(r) for r in self.locks.effect(unparen(fn), file).releases)
        return out

    # -- can the wait end without the held lock? -----------------------------------------------
    def _verdict(
        self, mode: str, ref: Ref | None, node: Node, file: SourceFile, held: list[Held]
    ) -> _Verdict:
        classes = frozenset(_lock_class(h.ref) for h in held)
        entry = self._entry.id if self._entry is not None else -1
        holder = self._holder.id if self._holder is not None else -1
        # The operation waits on what the holder passes it: one callee's `done <- x` is a
        # different wait for each channel its callers give it.
        what = self.channels.key_of(ref)
        key = (
            node.id,
            what,
            classes,
            _is_test(self.file),
            entry,
            holder,
            self._wait_at,
            self._flags,
            tuple(c.key for c in self._sent),
        )
        found = self._verdicts.get(key)
        if found is None:
            self._visits = 0
            found = self._verdicts[key] = self._judge(mode, ref, node, file, classes)
        return found

    def _judge(
        self, mode: str, ref: Ref | None, node: Node, file: SourceFile, classes: frozenset[str]
    ) -> _Verdict:
        if mode == "sleep":
            return _Verdict(BOUNDED)
        if mode == "cond":
            return _Verdict(REPORT)
        if mode == "select":
            return self._select(node, file, classes)
        if mode == "recv" and _is_timer(node.child_by_field_name("operand"), file, self):
            return _Verdict(BOUNDED)
        # ``ref`` is in the terms of the function holding the lock; the operation's own
        # expression is in those of the function performing it.
        own = self._own_ref(mode, node, file)
        if mode == "wait":
            wg = self.channels.waitgroup(ref) or self.channels.waitgroup(own)
            if wg is None:
                return _Verdict(UNSEEN)
            # Wait waits for the goroutines counted by an Add: for those, only what they do
            # after the Add can delay their Done.
            verdict = self._wakers(wg.of_kind("done"), "Done", classes, (wg, frozenset({"add"})))
            if verdict.kind != NEEDS and not wg.complete:
                return _Verdict(UNSEEN)
            return verdict
        if mode in ("recv", "range") and _closed_before(node, own, file, self):
            return _Verdict(NEVER)
        ch = self.channels.channel(ref)
        if ch is None:
            operand = {"send": "channel", "recv": "operand", "range": "right"}[mode]
            ch = self.channels.channel_of(node.child_by_field_name(operand), file)
        return self._channel_op(mode, ch, node, file, classes)

    def _own_ref(self, mode: str, node: Node, file: SourceFile) -> Ref | None:
        r = self.pkg.resolver
        if mode == "wait":
            fn = node.child_by_field_name("function")
            target = r.method_target(fn, file) if fn is not None else None
            return target[1] if target is not None else None
        operand = {"send": "channel", "recv": "operand", "range": "right"}.get(mode)
        return r.ref_of(node.child_by_field_name(operand), file) if operand else None

    def _channel_op(
        self,
        mode: str,
        ch: Channel | None,
        node: Node,
        file: SourceFile,
        classes: frozenset[str],
    ) -> _Verdict:
        if ch is None:
            if mode == "send" and self._buffered_by_element(node, file):
                return _Verdict(NEVER)
            return _Verdict(UNSEEN)
        semaphore = self._semaphore(ch)
        if semaphore is not None:
            if mode not in semaphore:
                return _Verdict(NEVER)  # giving back a token never waits
            fills = {op.node.id for op in ch.fills()}
            gives = [op for op in ch.ops if op.kind not in semaphore and op.node.id not in fills]
            return self._holders(gives, ch, semaphore, classes)
        queue = False
        if mode == "send" and (
            _a_fill(node, ch, file)
            or self._drained_before(node, file, ch, classes)
            or _armed_once(node, file, ch)
        ):
            return _Verdict(NEVER)
        if mode == "send":
            room = _room(ch)
            if room == "enough":
                return _Verdict(NEVER)
            queue = room == "queue"
            wakers = ch.of_kind("recv", "range")
            verb = "receives from"
            seen = ch.sees("recv")
        else:
            wakers = ch.of_kind("send", "close")
            verb = "sends on or closes"
            seen = ch.sees("send")
        # A buffer fills only when its receivers stop: a receiver that takes the lock in the
        # loop that receives stops there; one that takes it once before receiving does not.
        self._loop_only = queue
        try:
            verdict = self._wakers(wakers, verb, classes, ch=ch)
        finally:
            self._loop_only = False
        if verdict.kind == NEEDS:
            return verdict  # one counterpart that needs the lock is enough, seen or not all
        if queue:
            return _Verdict(FREE)  # a buffer fills only when its receiver stops
        if not seen:
            return _Verdict(UNSEEN)
        return verdict

    def _semaphore(self, ch: Channel) -> frozenset[str] | None:
        """The take operations of a channel used as a semaphore or a mutex (see
        `_semaphore_takes`), when every take is given back by its holder: later in the same
        function, or, for a helper that only takes (`acquire()`), after each call of it."""
        found = self._semaphores.get(ch.key, _UNSET)
        if found is _UNSET:
            found = self._semaphores[ch.key] = None
            takes = _semaphore_takes(ch)
            if takes is not None and all(
                self._returned_by_holder(op, ch, takes) for op in ch.ops if op.kind in takes
            ):
                found = self._semaphores[ch.key] = takes
        return found  # type: ignore[return-value]

    def _returned_by_holder(self, take: ChanOp, ch: Channel, takes: frozenset[str]) -> bool:
        fills = {op.node.id for op in ch.fills()}
        gives = [op for op in ch.ops if op.kind not in takes and op.node.id not in fills]
        if self._gives_after(take.func, take.node.end_byte, gives):
            return True
        func = take.func
        if func.type == "func_literal" or any(
            op.func.id == func.id and op.kind not in takes for op in ch.ops
        ):
            return False
        giving = {op.func.id for op in gives}
        sites = self._call_sites(func, take.file)
        name = func.child_by_field_name("name")
        if not sites or (name is not None and take.file.text(name)[:1].isupper()):
            return False  # called from elsewhere, or not at all: no pairs to see
        for site in sites:
            if site.how != "call":
                return False
            if self._gives_after(site.caller, site.node.end_byte, gives):
                continue
            facts = self.locks.facts(site.caller, site.file)
            if not any(
                ev.call is not None
                and ev.call.func.id in giving
                and ev.node.start_byte >= site.node.end_byte
                for ev in facts.events
            ) and not _defers_call_of(site.caller, giving, self, site.file):
                return False
        return True

    def _gives_after(self, func: Node, after: int, gives: list[ChanOp]) -> bool:
        """A give in ``func`` after byte ``after``: in its body, or in a literal that runs
        from there, deferred, started or called (`defer func() { sem <- tok }()`, `go func()
        { defer func() { <-sem }() ... }()`, `refill := func() {...}; defer refill()`)."""
        for op in gives:
            f, at = op.func, op.node.start_byte
            for _ in range(_MAX_CALLER_DEPTH):
                if f.id == func.id or f.type != "func_literal":
                    break
                site = next((x for x in self._call_sites(f, op.file) if x.how != "unknown"), None)
                if site is None:
                    break
                f, at = site.caller, site.node.start_byte
            if f.id == func.id and at >= after:
                return True
        return False

    def _wakers(
        self,
        wakers: Iterable[ChanOp],
        verb: str,
        classes: frozenset[str],
        bracket: tuple[Channel, frozenset[str]] | None = None,
        ch: Channel | None = None,
    ) -> _Verdict:
        """NEEDS when some counterpart needs a held lock; FREE when there are some and none
        does; NONE when there is none (nothing ends the wait), UNSEEN when the answer is
        out of reach."""
        wakers = [op for op in wakers if self._same_program(op)]
        if not wakers:
            return _Verdict(NONE)
        unknown = False
        for op in wakers:
            site = op.node if op.node.id != op.func.id else None
            # A counterpart that makes the channel itself (make; lock; publish; unlock;
            # receive) took the locks before publishing it for a channel nobody had yet.
            made = max(
                (
                    m.published
                    for m in (ch.makes if ch is not None else ())
                    if op.func.start_byte <= m.node.start_byte < op.node.start_byte
                    and enclosing_function(m.node) == op.func
                ),
                default=0,
            )
            need = self._needs(op.func, site, op.file, classes, 0, bracket, made)
            if need is _UNKNOWN:
                unknown = True
            elif need is not None:
                doing = "calls Done on it" if verb == "Done" else f"{verb} it"
                return _Verdict(
                    NEEDS,
                    f"{need.func}, which {doing}, needs {need.lock}",
                    (
                        Related(self.span(op.node, op.file), f"{need.func} {doing} here"),
                        Related(self.span(need.site, need.file), f"{need.lock} is locked here"),
                    ),
                )
        return _Verdict(UNSEEN) if unknown else _Verdict(FREE)

    def _holders(
        self, gives: list[ChanOp], ch: Channel, takes: frozenset[str], classes: frozenset[str]
    ) -> _Verdict:
        """A semaphore take waits for a holder to give back: NEEDS when a holder takes a held
        lock before giving back, else BOUNDED."""
        for op in gives:
            if not self._same_program(op):
                continue
            need = self._needs(op.func, op.node, op.file, classes, 0, (ch, takes))
            if need is not None and need is not _UNKNOWN:
                return _Verdict(
                    NEEDS,
                    f"{need.func} holds it while it takes {need.lock}",
                    (Related(self.span(need.site, need.file), f"{need.lock} is taken here"),),
                )
        return _Verdict(BOUNDED)

    def _same_program(self, op: ChanOp) -> bool:
        """Whether ``op`` can run while the lock is held. Tests run with production code, not
        the other way round; and one test function does not run with another."""
        return self._runs_with(op.node, op.file)

    def _runs_with(self, node: Node, file: SourceFile) -> bool:
        if not _is_test(file):
            return True
        if not _is_test(self.file):
            return False
        entry = _test_entry(node, file)
        if entry is None or self._entry is None or entry.id == self._entry.id:
            return True
        return _parallel(entry, file) and _parallel(self._entry, self.file)

    def _select(self, node: Node, file: SourceFile, classes: frozenset[str]) -> _Verdict:
        """A select waits for its first ready case: it ends without the lock when one case
        does (a timer, a counterpart that needs no lock); a case whose counterpart needs the
        lock is not enough to flag it while another can still proceed without it."""
        select = node.parent
        if select is None:
            return _Verdict(UNSEEN)
        r = self.pkg.resolver
        if _sends_and_receives(select, file, self):
            return _Verdict(NEVER)
        verdicts: list[_Verdict] = []
        for case in select.named_children:
            if case.type != "communication_case":
                continue
            comm = case.child_by_field_name("communication")
            if comm is None:
                continue
            if comm.type == "send_statement":
                channel = comm.child_by_field_name("channel")
                verdicts.append(
                    self._channel_op(
                        "send", self.channels.channel_of(channel, file), comm, file, classes
                    )
                )
                continue
            recv = comm.child_by_field_name("right") if comm.type == "receive_statement" else comm
            recv = unparen(recv) if recv is not None else None
            operand = recv.child_by_field_name("operand") if recv is not None else None
            if recv is None or operand is None:
                verdicts.append(_Verdict(UNSEEN))
            elif _is_timer(operand, file, self):
                return _Verdict(BOUNDED)
            else:
                ref = r.ref_of(operand, file)
                if _closed_before(recv, ref, file, self):
                    return _Verdict(NEVER)
                ch = self.channels.channel_of(operand, file)
                verdicts.append(self._channel_op("recv", ch, recv, file, classes))
        kinds = {v.kind for v in verdicts}
        for kind in (NEVER, BOUNDED, FREE):
            if kind in kinds:
                return _Verdict(kind)
        needs = next((v for v in verdicts if v.kind == NEEDS), None)
        if needs is not None:
            return needs
        if verdicts and all(v.kind == NONE for v in verdicts):
            return _Verdict(NONE)
        return _Verdict(UNSEEN)

    def _drained_before(
        self, send: Node, file: SourceFile, ch: Channel, classes: frozenset[str]
    ) -> bool:
        """A send on a buffered channel right after taking a value out of it (in the select
        case that received it, or after a `select { case <-ch: default: }`), where every send
        on it holds one of the held locks: no other sender can fill the room made."""
        if not ch.makes or any(m.capacity == 0 for m in ch.makes) or not ch.sees("send"):
            return False
        key = ch.key
        keys = self.channels
        drained = False
        case = send.parent.parent if send.parent is not None else None
        if case is not None and case.type == "communication_case":
            comm = case.child_by_field_name("communication")
            drained = (
                comm is not None and comm.id != send.id and _receives_from(comm, key, keys, file)
            )
        prev = send.prev_named_sibling
        while prev is not None and prev.is_extra:
            prev = prev.prev_named_sibling
        if not drained and prev is not None and prev.type == "select_statement":
            cases = [
                c for c in prev.named_children if c.type in ("communication_case", "default_case")
            ]
            drained = any(c.type == "default_case" for c in cases) and any(
                c.type == "communication_case"
                and _receives_from(c.child_by_field_name("communication"), key, keys, file)
                for c in cases
            )
        if not drained:
            return False
        for op in ch.of_kind("send"):
            held = self.locks.facts(op.func, op.file).held_at(op.node).locks()
            if not any(_lock_class(h.ref) in classes for h in held):
                return False
        return True

    def _buffered_by_element(self, send: Node, file: SourceFile) -> bool:
        """A channel kept in a map or slice, known only by its element type: buffered when
        every make of that element type in the package has a constant capacity."""
        t = self.pkg.resolver.type_of(send.child_by_field_name("channel"), file)
        if t is None or t.kind != "chan" or t.elem is None:
            return False
        return self.channels.buffered_by_element(t.elem, file.path.endswith("_test.go"))

    # -- does a counterpart need the lock? ----------------------------------------------------
    def _needs(
        self,
        func: Node,
        site: Node | None,
        file: SourceFile,
        classes: frozenset[str],
        depth: int,
        bracket: tuple[Channel, frozenset[str]] | None = None,
        after: int = 0,
    ) -> _Need | None:
        """Whether the goroutine that reaches ``site`` in ``func`` (None: the end of ``func``,
        where its deferred calls run) may need one of the locks of ``classes`` before it gets
        there, or instead: it holds one there, or takes one on a path that can run before
        ``site`` or bypass it (directly or through calls), or ``func`` is called with one held
        or from code that takes one so (callers followed up to the goroutine's start). With
        ``bracket`` (a semaphore and its take operations), a function that took a token
        before ``site`` is looked at only from that take on: the locks its holder took before
        cannot be waited for by someone waiting for the token."""
        key = (
            func.id,
            site.id if site is not None else -1,
            classes,
            bracket[0].key if bracket is not None else "",
            self._entry.id if self._entry is not None else -1,
            self._loop_only,
            self._holder.id if self._holder is not None else -1,
            self._wait_at,
            after,
            self._flags,
            tuple(c.key for c in self._sent),
        )
        if key in self._need_memo:
            return self._need_memo[key]
        self._need_memo[key] = None  # recursion: contributes nothing
        self._visits += 1
        if self._visits > _MAX_VISITS:
            found: _Need | None = _UNKNOWN
        else:
            found = self._compute_needs(func, site, file, classes, depth, bracket, after)
        self._need_memo[key] = found
        return found

    def _compute_needs(
        self,
        func: Node,
        site: Node | None,
        file: SourceFile,
        classes: frozenset[str],
        depth: int,
        bracket: tuple[Channel, frozenset[str]] | None,
        after: int,
    ) -> _Need | None:
        facts = self.locks.facts(func, file)
        name = _func_name(func, file)
        if site is not None and _deferred_in(site, func):
            site = None  # a deferred operation runs when the function returns
        end = site.start_byte if site is not None else func.end_byte
        if bracket is not None:
            taken = self._take_before(facts, end, bracket)
            if taken is not None:
                return self._acquires(facts, name, classes, lambda n: taken <= n.start_byte < end)
        if site is not None:
            for h in facts.held_at(site).locks():
                if _lock_class(h.ref) in classes and (h.chain or h.acquire.start_byte >= after):
                    return _Need(h.acquire, h.file, h.ref.text, name)
            order = _Order(facts.cfg, site)
            loop = innermost_loop(site, func) if self._loop_only else None
            found = self._acquires(
                facts,
                name,
                classes,
                lambda n: (
                    (n.id != site.id or not _per_iteration(site, self.pkg.resolver, file))
                    # In a caller, only the call itself, again in a loop: what else the
                    # caller does before is another goroutine's business when it holds none.
                    and (depth == 0 or n.id == site.id)
                    and n.start_byte >= after
                    and (
                        loop is not None
                        and loop.start_byte <= n.start_byte < loop.end_byte
                        and not _returns_after(n, loop)
                        if self._loop_only
                        else order.may_precede(n)
                    )
                ),
            )
        else:
            found = self._acquires(facts, name, classes, lambda n: True)
        if found is not None:
            return found
        if self._loop_only and site is not None and innermost_loop(site, func) is not None:
            return None  # it receives in a loop of its own: the callers' loops do not drain it
        return self._callers_need(func, file, classes, depth, bracket)

    def _acquires(
        self, facts: LockFacts, name: str, classes: frozenset[str], where: Callable[[Node], bool]
    ) -> _Need | None:
        """A lock of ``classes`` that ``facts.func`` takes at a node ``where`` accepts: itself,
        or through the calls it makes (static, or dynamic where the package says what runs)."""
        for ev in facts.events:
            if self._flags and self._switched_off(ev.node, facts):
                continue
            if ev.kind == "acquire" and ev.ref is not None and _lock_class(ev.ref) in classes:
                if where(ev.node):
                    return _Need(ev.node, facts.file, ev.ref.text, name)
            elif ev.kind == "call" and ev.call is not None:
                for a in self.locks.call_reach(ev.call).acquires:
                    if a.ref is not None and _lock_class(a.ref) in classes and where(ev.node):
                        return _Need(ev.node, facts.file, a.ref.text, name)
        return None

    # -- flags the holder set before it waits ------------------------------------------------
    def _flags_set(
        self, facts: LockFacts, held: list[Held], at: Node, wait: Node, wait_file: SourceFile
    ) -> None:
        """The unexported package `bool` variables that the holder set to a constant after
        taking a held lock and before ``at`` (the wait, or the call that reaches it), in a
        block around it with no other write between, and that are written nowhere without a
        lock of the held classes; with the channels it then sent on before the wait (here,
        and in the function that waits). A counterpart that received from one of those
        channels reads the flag after the write and before the lock is let go: a branch the
        value rules out does not run (`mu.Lock(); closing = true; s.stop <- x; s.wg.Wait()`
        against `<-s.stop; ...; if !closing { mu.Lock() }`)."""
        self._flags, self._sent = frozenset(), ()
        func, file = facts.func, facts.file
        taken = [h.acquire.start_byte for h in held if not h.chain and h.file is file]
        body = func.child_by_field_name("body")
        if not taken or body is None or b"=" not in file.data[min(taken) : at.start_byte]:
            return
        last: dict[str, Node] = {}
        again: set[str] = set()  # written after the wait in a loop around it
        loops = [n for n in _ancestors(at, func) if n.type == "for_statement"]
        for stmt in descendants(body, frozenset({"assignment_statement"}), into_funcs=False):
            left = stmt.child_by_field_name("left")
            if left is None or left.named_child_count != 1:
                continue
            ident = unparen(left.named_children[0])
            ref = self.pkg.resolver.ref_of(ident, file) if ident.type == "identifier" else None
            if ref is None or not ref.root.startswith("pkg:") or ref.path:
                continue
            if stmt.start_byte >= at.end_byte:
                if any(_encloses(loop, stmt) for loop in loops):
                    again.add(ref.root)
            elif min(taken) < stmt.start_byte:
                last[ref.root] = stmt  # the latest write before the wait decides
        flags: list[tuple[str, bool]] = []
        first = at.start_byte
        for root, stmt in last.items():
            right = stmt.child_by_field_name("right")
            value = None
            if right is not None and right.named_child_count == 1:
                value = self.pkg.consts.truth(right.named_children[0], file)
            name = root.removeprefix("pkg:")
            # The locks taken before the write and still held at the wait.
            classes = frozenset(
                _lock_class(h.ref)
                for h in held
                if not h.chain and h.file is file and h.acquire.start_byte < stmt.start_byte
            )
            if (
                value is None
                or root in again
                or file.text(stmt.children[1]) != "="
                or not name[:1].islower()
                or not _encloses(stmt.parent, at)
                or not self._locked_writes(name, classes)
            ):
                continue
            flags.append((root, value))
            first = min(first, stmt.end_byte)
        if not flags:
            return
        sends = self._sends(func, file, first, at.start_byte)
        inner = enclosing_function(wait)
        if inner is not None and inner.id != func.id:  # the function the call reaches
            sends += self._sends(inner, wait_file, 0, wait.start_byte)
        sent = [c for c in sends if c is not None]
        if sent:
            self._flags, self._sent = frozenset(flags), tuple(sent)

    def _sends(
        self, func: Node | None, file: SourceFile, start: int, end: int
    ) -> list[Channel | None]:
        body = func.child_by_field_name("body") if func is not None else None
        if body is None:
            return []
        return [
            self.channels.channel_of(s.child_by_field_name("channel"), file)
            for s in descendants(body, frozenset({"send_statement"}), into_funcs=False)
            if start <= s.start_byte and s.end_byte <= end
        ]

    def _locked_writes(self, name: str, classes: frozenset[str]) -> bool:
        """Whether every write of the package variable ``name`` holds a lock of ``classes``
        (and nothing takes its address)."""
        if name not in self._writes:
            self._writes[name] = self._package_writes(name)
        writes = self._writes[name]
        if writes is None:
            return False
        for node, file in writes:
            func = enclosing_function(node)
            if func is None:
                return False
            state = self.locks.facts(func, file).held_at(node)
            if not any(_lock_class(h.ref) in classes for h in state.locks()):
                return False
        return True

    def _package_writes(self, name: str) -> list[tuple[Node, SourceFile]] | None:
        """The statements that write the package variable ``name``; None when its address is
        taken or it is written otherwise than by `=`."""
        r = self.pkg.resolver
        found: list[tuple[Node, SourceFile]] = []
        for f in self.pkg.files:
            if not f.tokens.may_occur(name.encode()):
                continue
            for ident in f.tokens.token_nodes(name.encode()):
                ref = r.ref_of(ident, f)
                if ref is None or ref.root != "pkg:" + name:
                    continue
                parent = ident.parent
                if parent is not None and parent.type == "unary_expression":
                    op = parent.child_by_field_name("operator")
                    if op is not None and op.type == "&":
                        return None  # &name: written through a pointer
                if parent is not None and parent.type == "expression_list":
                    stmt = parent.parent
                    if stmt is not None and parent == stmt.child_by_field_name("left"):
                        if stmt.type != "assignment_statement":
                            return None
                        found.append((stmt, f))
                elif parent is not None and parent.type in ("inc_statement", "dec_statement"):
                    return None
        return found

    def _switched_off(self, node: Node, facts: LockFacts) -> bool:
        """Whether ``node`` runs only in a branch that a flag set by the holder rules out
        (see `_flags_set`), behind a receive from a channel the holder sent on after it."""
        env = dict(self._flags)
        n = node
        while n.parent is not None and n.id != facts.func.id:
            stmt, n = n.parent, n.parent
            if stmt.type != "if_statement" or stmt.start_byte >= node.start_byte:
                continue
            cond = stmt.child_by_field_name("condition")
            value = self.pkg.consts.truth(cond, facts.file, env)
            if _encloses(stmt.child_by_field_name("consequence"), node):
                off = value is False
            else:
                off = value is True and _encloses(stmt.child_by_field_name("alternative"), node)
            if not off:
                continue
            if any(
                op.kind in ("recv", "range")
                and op.func.id == facts.func.id
                and op.node.start_byte < stmt.start_byte
                for ch in self._sent
                for op in ch.ops
            ):
                return True
        return False

    def _take_before(
        self, facts: LockFacts, end: int, bracket: tuple[Channel, frozenset[str]]
    ) -> int | None:
        """Where the latest take before ``end`` in this function ends: its own (a select
        case too), or a call of a package function that takes one."""
        ch, takes = bracket
        taking = {op.func.id for op in ch.ops if op.kind in takes}
        best: int | None = None
        for op in ch.ops:
            if op.kind in takes and op.func.id == facts.func.id and op.node.end_byte <= end:
                best = max(best or 0, op.node.end_byte)
        for ev in facts.events:
            call = ev.call
            if call is not None and call.func.id in taking and ev.node.end_byte <= end:
                best = max(best or 0, ev.node.end_byte)
        return best

    def _callers_need(
        self,
        func: Node,
        file: SourceFile,
        classes: frozenset[str],
        depth: int,
        bracket: tuple[Channel, frozenset[str]] | None,
    ) -> _Need | None:
        """Whether some caller of ``func`` needs a lock of ``classes`` before the call. Tests
        are not callers of production code: they do not run with it in a program."""
        sites = [
            site
            for site in self._call_sites(func, file)
            if (_is_test(file) or not _is_test(site.file)) and self._runs_with(site.node, site.file)
        ]
        if sites and depth >= _MAX_CALLER_DEPTH:
            return _UNKNOWN
        unknown = False
        for site in sites:
            if site.how == "go":
                continue  # a goroutine of its own: it starts with nothing held
            if (
                self._holder is not None
                and site.caller.id == self._holder.id
                and site.node.end_byte <= self._wait_at
                and innermost_loop(site.node, self._holder) is None
            ):
                continue  # what the waiting goroutine did itself before it waits
            if site.how == "unknown":
                unknown = True
                continue
            at = None if site.how == "defer" else site.node
            found = self._needs(site.caller, at, site.file, classes, depth + 1, bracket)
            if found is _UNKNOWN:
                unknown = True
            elif found is not None:
                return found
        return _UNKNOWN if unknown else None

    def _call_sites(self, func: Node, file: SourceFile) -> list[_CallSite]:
        """Where ``func`` runs from. A literal runs where it is written: called in place,
        deferred, started by `go`, or handed to a call (which runs it in this goroutine unless
        it is a `Go` method or `time.AfterFunc`); stored, at the place it is written."""
        found = self._callers.get(func.id)
        if found is not None:
            return found
        found = self._callers[func.id] = []
        if func.type == "func_literal":
            outer = enclosing_function(func)
            if outer is not None:
                found.extend(_literal_sites(func, file, outer, self))
            return found
        name_node = func.child_by_field_name("name")
        if name_node is None:
            return found
        name = file.text(name_node)
        r = self.pkg.resolver
        for f in self.pkg.files:
            if not f.tokens.may_occur(name.encode()):
                continue
            for tok in f.tokens.token_nodes(name.encode()):
                call = _call_of_name(tok)
                if call is None:
                    continue
                target = callee(call, f, r)
                if target is None or target.decl.node.id != func.id:
                    continue
                caller = enclosing_function(call)
                if caller is not None:
                    found.append(_CallSite(call, f, caller, _how(call)))
        return found


class _Order:
    """Which nodes of a function can run before ``site`` or instead of it: those on a path
    from the entry that avoids it, or from which it can be reached (a loop back to it)."""

    def __init__(self, cfg: CFG, site: Node) -> None:
        self.cfg = cfg
        self.at = _position(cfg, site)
        self._bypass: set[int] | None = None
        self._reaching: set[int] | None = None

    def may_precede(self, node: Node) -> bool:
        if self.at is None:
            return True
        where = _position(self.cfg, node)
        if where is None:
            return True
        block, index = where
        site_block, site_index = self.at
        if block is site_block and index < site_index:
            return True
        if self._bypass is None:
            self._bypass = _reach([self.cfg.entry], lambda b: b.succs, avoid=site_block)
            self._reaching = _reach(site_block.preds, lambda b: b.preds)
        assert self._reaching is not None
        return block.index in self._bypass or block.index in self._reaching


def _position(cfg: CFG, node: Node) -> tuple[Block, int] | None:
    """The CFG block holding ``node`` (or the statement around it), and its index there."""
    n: Node | None = node
    while n is not None and n.id != cfg.func.id:
        block = cfg.block_of(n)
        if block is not None:
            return block, next(i for i, x in enumerate(block.nodes) if x.id == n.id)
        n = n.parent
    return None


def _reach(
    start: list[Block], step: Callable[[Block], list[Block]], avoid: Block | None = None
) -> set[int]:
    seen: set[int] = set()
    work = [b for b in start if b is not avoid]
    while work:
        b = work.pop()
        if b.index in seen:
            continue
        seen.add(b.index)
        work.extend(x for x in step(b) if x is not avoid and x.index not in seen)
    return seen


def _is_test(file: SourceFile) -> bool:
    return file.path.endswith("_test.go")


_TEST_ENTRIES = ("Test", "Benchmark", "Fuzz", "Example")


def _parallel(entry: Node, file: SourceFile) -> bool:
    """The test may run alongside others: it calls `t.Parallel()` (read from its bytes)."""
    return file.data.find(b".Parallel()", entry.start_byte, entry.end_byte) >= 0


def _test_entry(node: Node, file: SourceFile) -> Node | None:
    """The test function (`func TestX(t *testing.T)`, a benchmark, fuzz test or example)
    whose body holds ``node``: the go tool runs each alone, unless it calls t.Parallel."""
    if not _is_test(file):
        return None
    top = node
    while top.parent is not None and top.parent.parent is not None:
        top = top.parent
    if top.type != "function_declaration":
        return None
    name = top.child_by_field_name("name")
    text = file.text(name) if name is not None else ""
    return top if text.startswith(_TEST_ENTRIES) else None


@attrs.frozen(eq=False)
class _CallSite:
    node: Node  # the call (or the literal itself)
    file: SourceFile
    caller: Node  # the function it is in
    how: str  # call | defer | go | unknown (a func literal stored where it cannot be followed)


def _how(call: Node) -> str:
    parent = call.parent
    if parent is not None and parent.type in ("go_statement", "defer_statement"):
        return "go" if parent.type == "go_statement" else "defer"
    return "call"


def _literal_sites(
    lit: Node, file: SourceFile, outer: Node, rule: LockHeldAcrossChannelOp
) -> list[_CallSite]:
    """Where a func literal runs: where it is called, deferred or started, or handed to a
    call; kept in a local (`f := func() {...}`), wherever the local is so used; sent on a
    channel, by the goroutine that receives it."""
    node = lit
    parent = lit.parent
    while parent is not None and parent.type == "parenthesized_expression":
        node, parent = parent, parent.parent
    if parent is not None and parent.type == "call_expression":
        return [_CallSite(parent, file, outer, _how(parent))]
    if parent is not None and parent.type == "argument_list" and parent.parent is not None:
        call = parent.parent
        how = "go" if _starts_goroutine(call, file, rule) else "call"
        return [_CallSite(call, file, outer, how)]
    if parent is not None and parent.type == "send_statement":
        return [_CallSite(parent, file, outer, "go")]
    field = _stored_in_field(node, parent, rule, file)
    if field is not None:
        return _field_calls(field, rule) or [_CallSite(lit, file, outer, "unknown")]
    held = _kept_in(node, parent, rule, file)
    if held is None:
        return [_CallSite(lit, file, outer, "unknown")]  # stored: run from anywhere
    sites: list[_CallSite] = []
    for use in rule.pkg.resolver.uses(held):
        found = _literal_sites(use, file, enclosing_function(use) or outer, rule)
        sites.extend(s for s in found if s.node.id != use.id)
    return sites or [_CallSite(lit, file, outer, "unknown")]


def _stored_in_field(
    node: Node, parent: Node | None, rule: LockHeldAcrossChannelOp, file: SourceFile
) -> str | None:
    """The function-typed field class (or package variable) a value is assigned to, as the
    dispatch of dynamic calls knows it: `rc.release = func() {...}`, `T{release: ...}`."""
    if parent is None:
        return None
    if parent.type == "expression_list":
        stmt = parent.parent
        if stmt is None or stmt.type != "assignment_statement":
            return None
        left, right = stmt.child_by_field_name("left"), stmt.child_by_field_name("right")
        if left is None or right is None or right.id != parent.id:
            return None
        lefts = [c for c in left.named_children if not c.is_extra]
        values = [c for c in parent.named_children if not c.is_extra]
        index = next((i for i, v in enumerate(values) if v.id == node.id), -1)
        if len(lefts) != len(values) or index < 0:
            return None
        return shared_key(lefts[index], file, rule.pkg)
    if parent.type == "literal_element":
        key = rule.channels.stored_field(parent, file)
        return key if key is not None and not key.endswith("[]") else None
    return None


def _field_calls(key: str, rule: LockHeldAcrossChannelOp) -> list[_CallSite]:
    """The calls through a function-typed field or package variable: `rc.release()`."""
    sites: list[_CallSite] = []
    for use, file in shared_uses(rule.pkg, key):
        call = use.parent
        if (
            call is None
            or call.type != "call_expression"
            or call.child_by_field_name("function") != use
        ):
            continue
        caller = enclosing_function(call)
        if caller is not None:
            sites.append(_CallSite(call, file, caller, _how(call)))
    return sites


def _kept_in(
    node: Node, parent: Node | None, rule: LockHeldAcrossChannelOp, file: SourceFile
) -> Binding | None:
    """The local a value is assigned to when it is declared: `f := func() {...}`."""
    if parent is None or parent.type != "expression_list":
        return None
    stmt = parent.parent
    if stmt is None or stmt.type not in ("short_var_declaration", "var_spec"):
        return None
    values = [c for c in parent.named_children if not c.is_extra]
    if stmt.type == "var_spec":
        names = [c for c in stmt.children_by_field_name("name") if c.is_named]
    else:
        left = stmt.child_by_field_name("left")
        names = [c for c in left.named_children if not c.is_extra] if left else []
    index = next((i for i, v in enumerate(values) if v.id == node.id), -1)
    if len(names) != len(values) or index < 0:
        return None
    return rule.pkg.resolver.binding(names[index], file)


# -- helpers -----------------------------------------------------------------------------------


def _kept_locked(facts: LockFacts) -> set[tuple[str, tuple[str, ...]]]:
    """Locks that a goroutine's body takes and never releases (`go func() { mu.Lock(); ...
    }()`): the lock is a signal that another goroutine unlocks, not held across anything."""
    func = facts.func
    call = func.parent
    if func.type != "func_literal" or call is None or call.parent is None:
        return set()
    if call.parent.type != "go_statement":
        return set()
    taken = {obj_key(ev.ref) for ev in facts.events if ev.kind == "acquire" and ev.ref}
    for ev in facts.events:
        if ev.kind == "release" and ev.ref is not None:
            taken.discard(obj_key(ev.ref))
        elif ev.kind == "defer":
            taken.difference_update(obj_key(r) for r, _ in ev.deferred)
        elif ev.kind == "call" and ev.call is not None:
            taken.difference_update(obj_key(r) for r in ev.call.releases)
    return taken


def _armed_once(send: Node, file: SourceFile, ch: Channel) -> bool:
    """A send on a buffered channel guarded by a flag it sets (`if !s.kicked { s.kicked =
    true; s.kick <- x }`): one send until the receiver resets the flag, one value at most."""
    if not ch.makes or any(m.capacity == 0 for m in ch.makes):
        return False
    node: Node | None = send.parent
    while node is not None and node.type not in FUNC_KINDS:
        if node.type == "if_statement" and _sets_its_flag(node, send, file):
            return True
        node = node.parent
    return False


def _sets_its_flag(stmt: Node, before: Node, file: SourceFile) -> bool:
    """`if !flag { ...; flag = true; ... }` with the assignment before ``before``."""
    cond = stmt.child_by_field_name("condition")
    cond = unparen(cond) if cond is not None else None
    if cond is None or cond.type != "unary_expression" or file.text(cond)[:1] != "!":
        return False
    flag = cond.child_by_field_name("operand")
    body = stmt.child_by_field_name("consequence")
    if flag is None or body is None:
        return False
    for assign in body.named_children[0].named_children if body.named_children else []:
        if assign.start_byte >= before.start_byte:
            break
        left = assign.child_by_field_name("left")
        right = assign.child_by_field_name("right")
        if (
            assign.type == "assignment_statement"
            and left is not None
            and right is not None
            and file.text(left) == file.text(unparen(flag))
            and file.text(right) == "true"
        ):
            return True
    return False


def _receives_from(comm: Node | None, key: str, keys: Counterparts, file: SourceFile) -> bool:
    """``comm`` (a select case's communication) receives from the channel ``key``."""
    if comm is None:
        return False
    recv = comm.child_by_field_name("right") if comm.type == "receive_statement" else comm
    recv = unparen(recv) if recv is not None else None
    if recv is None or recv.type != "unary_expression":
        return False
    operand = recv.child_by_field_name("operand")
    ch = keys.channel_of(operand, file) if operand is not None else None
    return ch is not None and ch.key == key


def _sends_and_receives(select: Node, file: SourceFile, rule: LockHeldAcrossChannelOp) -> bool:
    """A select that sends on a buffered channel in one case and receives from it in
    another: one of the two is always ready (the buffer is either not full or not empty)."""
    keys = rule.channels
    sent: dict[str, Channel] = {}
    received: set[str] = set()
    for case in select.named_children:
        comm = (
            case.child_by_field_name("communication") if case.type == "communication_case" else None
        )
        if comm is None:
            continue
        if comm.type == "send_statement":
            ch = keys.channel_of(comm.child_by_field_name("channel"), file)
            if ch is not None:
                sent[ch.key] = ch
            continue
        recv = comm.child_by_field_name("right") if comm.type == "receive_statement" else comm
        recv = unparen(recv) if recv is not None else None
        ch = keys.channel_of(recv.child_by_field_name("operand"), file) if recv else None
        if ch is not None:
            received.add(ch.key)
    return any(
        ch.makes and all(m.capacity != 0 for m in ch.makes)
        for key, ch in sent.items()
        if key in received
    )


def _per_iteration(call: Node, r: Resolver, file: SourceFile) -> bool:
    """A method call on the value of a `range` loop around it (`for _, s := range subs {
    s.stop() }`): each iteration calls it on another value, so what one call locks is not
    what the next waits for."""
    fn = call.child_by_field_name("function") if call.type == "call_expression" else None
    operand = fn.child_by_field_name("operand") if fn is not None else None
    if fn is None or fn.type != "selector_expression" or operand is None:
        return False
    b = r.binding(operand, file) if operand.type == "identifier" else None
    return b is not None and b.kind == "range"


def _remade_element(
    send: Node, func: Node, locked: int, file: SourceFile, rule: LockHeldAcrossChannelOp
) -> bool:
    """A send on an element of a map or slice (`chans[k] <- v`) that this function replaced
    with a new channel after it took the lock, in a block around the send (`chans[k] =
    make(...)`, the same key): the receivers that look the element up under the lock find the
    new channel only after this function lets go of it."""
    operand = send.child_by_field_name("channel")
    operand = unparen(operand) if operand is not None else None
    if operand is None or operand.type != "index_expression":
        return False
    base, key = operand.child_by_field_name("operand"), operand.child_by_field_name("index")
    if base is None or key is None:
        return False
    r = rule.pkg.resolver
    block = send.parent
    while block is not None and block.id != func.id:
        for stmt in block.named_children if block.type == "statement_list" else ():
            if not locked < stmt.start_byte < send.start_byte or stmt.end_byte > send.start_byte:
                continue
            left, right = stmt.child_by_field_name("left"), stmt.child_by_field_name("right")
            if stmt.type != "assignment_statement" or left is None or right is None:
                continue
            lefts, rights = left.named_children, right.named_children
            if len(lefts) != 1 or len(rights) != 1 or lefts[0].type != "index_expression":
                continue
            made = unparen(rights[0])
            fn = made.child_by_field_name("function") if made.type == "call_expression" else None
            if fn is None or not r.is_builtin(fn, file, "make"):
                continue
            other_base = lefts[0].child_by_field_name("operand")
            other_key = lefts[0].child_by_field_name("index")
            if other_base is None or other_key is None or file.text(other_base) != file.text(base):
                continue
            if _same_key(key, other_key, file, r):
                return True
        block = block.parent
    return False


def _same_key(a: Node, b: Node, file: SourceFile, r: Resolver) -> bool:
    """Two index expressions that denote the same key: the same text, or a local declared
    once as the other's text (`name := t.Name()`; `m[name]`, `m[t.Name()]`)."""
    texts = {file.text(a), file.text(b)}
    if len(texts) == 1:
        return True
    for x, y in ((a, b), (b, a)):
        bind = r.binding(x, file) if x.type == "identifier" else None
        if (
            bind is not None
            and bind.kind == "short"
            and bind.value is not None
            and bind.index == 0
            and not any(_assigned(use) for use in r.uses(bind))
            and file.text(bind.value) == file.text(y)
        ):
            return True
    return False


def _assigned(use: Node) -> bool:
    """The identifier is on the left of an assignment (`x = ...`, `x, y = ...`)."""
    parent = use.parent
    stmt = parent.parent if parent is not None else None
    return (
        parent is not None
        and parent.type == "expression_list"
        and stmt is not None
        and stmt.type == "assignment_statement"
        and stmt.child_by_field_name("left") == parent
    )


def _ancestors(node: Node, func: Node) -> list[Node]:
    out: list[Node] = []
    n = node.parent
    while n is not None and n.id != func.id:
        out.append(n)
        n = n.parent
    return out


def _encloses(outer: Node | None, node: Node) -> bool:
    return outer is not None and outer.start_byte <= node.start_byte < outer.end_byte


def _returns_after(node: Node, loop: Node) -> bool:
    """A `return` follows ``node`` in a block around it, inside ``loop``: the lock taken
    there is on the receiver's way out, where it stops receiving whatever it takes."""
    n = node
    while n.parent is not None and n.id != loop.id:
        sibling = n.next_named_sibling
        while sibling is not None:
            if sibling.type == "return_statement":
                return True
            sibling = sibling.next_named_sibling
        n = n.parent
    return False


def _deferred_in(node: Node, func: Node) -> bool:
    """``node`` is part of a `defer` statement of ``func``'s own body."""
    n = node.parent
    while n is not None and n.id != func.id:
        if n.type == "defer_statement":
            return True
        if n.type in FUNC_KINDS:
            return False
        n = n.parent
    return False


def _lock_class(ref: Ref) -> str:
    """Locks are matched by class: the same field of any instance is one lock."""
    return ref.cls or f"{ref.root}:{'.'.join(ref.path)}"


def _still_held(held: list[Held], b: Access) -> list[Held]:
    """Locks of the caller still held when the callee's operation runs."""
    released = {obj_key(r) for r in b.released}
    out = [h for h in held if obj_key(h.ref) not in released]
    if b.mode == "cond":
        out = [h for h in out if not cond_releases(b.ref, b.cond_lock, h)]
    return out


def _semaphore_takes(ch: Channel) -> frozenset[str] | None:
    """For a channel used as a counting semaphore or a mutex, the operations that take a
    token: receives when it is filled where it is made, else sends. A semaphore is buffered,
    never closed or ranged over, and each holder gives its token back: every received value
    is dropped (`<-sem`, behind helpers such as `acquire()`), or sent back on it later in the
    same function (`st := <-c.state; defer func() { c.state <- st }()`). None for any other
    channel."""
    if not ch.complete or not ch.makes or any(m.capacity == 0 for m in ch.makes):
        return None
    if any(op.kind in ("close", "range") for op in ch.ops):
        return None
    fills = {op.node.id for op in ch.fills()}
    recvs = ch.of_kind("recv")
    sends = [op for op in ch.of_kind("send") if op.node.id not in fills]
    if not recvs or not sends:
        return None
    if not all(op.discards or _given_back(op, sends) for op in recvs):
        return None
    return frozenset({"recv"}) if _full_at_birth(ch) else frozenset({"send"})


_UNSET = object()


def _defers_call_of(
    func: Node, giving: set[int], rule: LockHeldAcrossChannelOp, file: SourceFile
) -> bool:
    """``func`` defers a call of one of the functions ``giving`` (`defer sem.release()`)."""
    r = rule.pkg.resolver
    for stmt in file.tokens.anchored_in(
        b"defer", "defer_statement", func.start_byte, func.end_byte
    ):
        call = stmt.named_children[0] if stmt.named_children else None
        if call is None or call.type != "call_expression":
            continue
        target = callee(call, file, r)
        if target is not None and target.decl.node.id in giving:
            return True
    return False


def _given_back(recv: ChanOp, sends: list[ChanOp]) -> bool:
    """A send on the same channel follows ``recv`` in its function, or in a literal it defers."""
    for op in sends:
        if op.node.start_byte <= recv.node.end_byte:
            continue
        if op.func.id == recv.func.id:
            return True
        lit = op.func
        call = lit.parent
        stmt = call.parent if call is not None else None
        outer = enclosing_function(lit)
        if (
            lit.type == "func_literal"
            and stmt is not None
            and stmt.type == "defer_statement"
            and outer is not None
            and outer.id == recv.func.id
        ):
            return True
    return False


def _room(ch: Channel) -> str:
    """Whether a send on ``ch`` can find its buffer full: "enough" (never: a known constant
    capacity covers every send, none repeated), "queue" (a constant capacity, but the sends
    cannot be counted) or "rendezvous" (unbuffered, a capacity that is not a constant, or
    filled where it is made: each send waits for a receiver)."""
    if not ch.buffered() or _full_at_birth(ch):
        return "rendezvous"
    capacity = ch.capacity()
    sends = ch.of_kind("send")
    if (
        capacity is not None
        and ch.sees("send")
        and len(sends) <= capacity
        and not any(_repeated(op) for op in sends)
    ):
        return "enough"
    return "queue"


def _full_at_birth(ch: Channel) -> bool:
    """The function that makes it fills it: in a loop (tokens of a semaphore), or with as
    many sends, one after the other, as its capacity."""
    fills = ch.fills()
    if any(innermost_loop(op.node, op.func) is not None for op in fills):
        return True
    capacity = ch.capacity()
    return any(len(_fills_up_to(op, fills)) >= (capacity or 1) for op in fills)


def _fills_up_to(send: ChanOp, fills: list[ChanOp]) -> list[ChanOp]:
    """The fills made on the way to ``send``, itself included: those before it in a block
    around it (one branch of an `if` does not run with the other)."""
    blocks = set()
    n = send.node.parent
    while n is not None and n.id != send.func.id:
        if n.type == "statement_list":
            blocks.add(n.id)
        n = n.parent
    out = []
    for op in fills:
        if op.node.start_byte > send.node.start_byte:
            continue
        stmt = op.node
        while stmt.parent is not None and stmt.parent.type != "statement_list":
            stmt = stmt.parent
        if op.node.id == send.node.id or (stmt.parent is not None and stmt.parent.id in blocks):
            out.append(op)
    return out


def _a_fill(send: Node, ch: Channel, file: SourceFile) -> bool:
    """``send`` fills the buffer where it is made, and the capacity covers it: the sends made
    on the way to it are no more than a constant capacity, or it is in a loop that runs as
    many times as the capacity (`make(chan T, n)`, then `for range n`)."""
    fills = ch.fills()
    mine = next((op for op in fills if op.node.id == send.id), None)
    if mine is None:
        return False
    loop = innermost_loop(send, mine.func)
    if loop is not None:
        return any(_counts_to(loop, m, file) for m in ch.makes)
    capacity = ch.capacity()
    return capacity is not None and len(_fills_up_to(mine, fills)) <= capacity


def _counts_to(loop: Node, make: Make, file: SourceFile) -> bool:
    """The loop runs as many times as ``make``'s capacity: `for range n`, `for i := 0; i <
    n; i++` with n the capacity expression as written."""
    args = call_args(make.node)
    if len(args) < 2 or make.file.path != file.path:
        return False
    capacity = file.text(args[1])
    header = loop.named_children[0] if loop.named_children else None
    if header is None:
        return False
    if header.type == "range_clause":
        right = header.child_by_field_name("right")
        return right is not None and file.text(right) == capacity
    if header.type == "for_clause":
        cond = header.child_by_field_name("condition")
        right = cond.child_by_field_name("right") if cond is not None else None
        op = cond.child_by_field_name("operator") if cond is not None else None
        return (
            right is not None
            and op is not None
            and file.text(op) == "<"
            and file.text(right) == capacity
        )
    return False


def _repeated(op: ChanOp) -> bool:
    """The operation may run more than once: in a loop, or in a function other than one
    literal run once (a declared function can be called any number of times)."""
    node: Node | None = op.node
    while node is not None:
        if innermost_loop(node) is not None:
            return True
        func = enclosing_function(node)
        if func is None or func.type != "func_literal":
            return True
        node = func
        parent = func.parent
        if parent is not None and parent.type == "call_expression":
            node = parent
        else:
            return True
    return False


def _closed_before(
    node: Node, ref: Ref | None, file: SourceFile, rule: LockHeldAcrossChannelOp
) -> bool:
    """A `close(ch)` of the same channel runs before ``node`` on every path: a statement
    before it in a block around it, in the same function."""
    if ref is None:
        return False
    r = rule.pkg.resolver
    child = node
    parent = node.parent
    while parent is not None and parent.type not in FUNC_KINDS:
        if parent.type == "statement_list":
            for stmt in parent.named_children:
                if stmt.start_byte >= child.start_byte:
                    break
                call = stmt.named_children[0] if stmt.type == "expression_statement" else None
                if call is None or call.type != "call_expression":
                    continue
                fn = call.child_by_field_name("function")
                args = call_args(call)
                if fn is None or len(args) != 1 or not r.is_builtin(fn, file, "close"):
                    continue
                closed = r.ref_of(args[0], file)
                if closed is not None and closed.same_object(ref):
                    return True
        child = parent
        parent = parent.parent
    return False


def _is_timer(operand: Node | None, file: SourceFile, rule: LockHeldAcrossChannelOp) -> bool:
    """A channel that delivers by itself: a `time.Time` channel (`time.After`, a Timer's or
    Ticker's C), or the Done of a context made with a timeout in the same function."""
    if operand is None:
        return False
    r = rule.pkg.resolver
    t = r.type_of(operand, file)
    if (
        t is not None
        and t.kind == "chan"
        and t.elem is not None
        and t.elem.is_named("time", "Time")
    ):
        return True
    operand = unparen(operand)
    if operand.type != "call_expression":
        return False
    fn = operand.child_by_field_name("function")
    if fn is None or fn.type != "selector_expression":
        return False
    field = fn.child_by_field_name("field")
    ctx = fn.child_by_field_name("operand")
    if field is None or file.text(field) != "Done" or ctx is None or ctx.type != "identifier":
        return False
    b = r.binding(ctx, file)
    if b is None or b.value is None or b.kind != "short" or b.index != 0:
        return False
    value = unparen(b.value)
    made = r.pkg_func(value, file) if value.type == "call_expression" else None
    return made is not None and made[0] == "context" and made[1] in _TIMEOUT_CONTEXTS


def _starts_goroutine(call: Node, file: SourceFile, rule: LockHeldAcrossChannelOp) -> bool:
    """A call that runs the function it is given in a goroutine of its own: a `Go` method
    (`sync.WaitGroup`, `errgroup.Group`) or `time.AfterFunc`."""
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "selector_expression":
        return False
    field = fn.child_by_field_name("field")
    if field is not None and file.text(field) == "Go":
        return True
    return rule.pkg.resolver.pkg_func(call, file) == ("time", "AfterFunc")


def _call_of_name(tok: Node) -> Node | None:
    """The call whose callee is named by ``tok`` (`f(...)`, `x.f(...)`)."""
    parent = tok.parent
    if parent is None:
        return None
    if parent.type == "selector_expression":
        if parent.child_by_field_name("field") != tok:
            return None
        fn = parent
    elif tok.type == "identifier":
        fn = tok
    else:
        return None
    call = fn.parent
    if call is None or call.type != "call_expression" or call.child_by_field_name("function") != fn:
        return None
    return call


def _func_name(func: Node, file: SourceFile) -> str:
    if func.type == "func_literal":
        outer = enclosing_function(func)
        return f"a func literal in {_func_name(outer, file)}" if outer else "a func literal"
    name = func.child_by_field_name("name")
    if name is None:
        return "a function"
    if func.type == "method_declaration":
        recv = func.child_by_field_name("receiver")
        ident = None
        if recv is not None:
            for param in recv.named_children:
                if param.type == "parameter_declaration":
                    ident = param.child_by_field_name("name")
        if ident is not None:
            return f"{file.text(ident)}.{file.text(name)}"
    return file.text(name)


def _locks_text(held: list[Held]) -> str:
    names = sorted({h.ref.text for h in held})
    if len(names) == 1:
        return f"{names[0]} is"
    return f"{', '.join(names[:-1])} and {names[-1]} are"


def _names_text(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} or {names[-1]}"


def _describe(mode: str, ref: str, node: Node, file: SourceFile, lock: object) -> str:
    if mode == "send":
        channel = node.child_by_field_name("channel")
        return f"send on {ref or (file.text(channel) if channel is not None else 'a channel')}"
    if mode == "recv":
        operand = node.child_by_field_name("operand")
        return f"receive from {ref or (file.text(operand) if operand is not None else 'a channel')}"
    if mode == "range":
        right = node.child_by_field_name("right")
        return f"range over {ref or (file.text(right) if right is not None else 'a channel')}"
    if mode == "select":
        return "select without default"
    if mode == "sleep":
        return "time.Sleep"
    if mode == "wait":
        return f"{ref or 'wg'}.Wait()"
    return f"{ref or 'cond'}.Wait() (it releases only the Cond's L)"


def _in_loop_without(node: Node, func: Node, starts: list[int]) -> bool:
    """``node`` is inside a loop (of ``func``) that contains none of the lock acquisitions."""
    p = node.parent
    while p is not None and p.id != func.id:
        if p.type in FUNC_KINDS:
            return True  # defensive: a nested function runs any number of times
        if p.type == "for_statement" and not any(p.start_byte <= s < p.end_byte for s in starts):
            return True
        p = p.parent
    return False
