"""## What it does
Flags an operation that can block while a mutex is held on every path to it: a send on a
channel not known to be buffered, a receive, a `range` over a channel, a `select` without
`default`, `wg.Wait()`, `time.Sleep`, `cond.Wait()` on a Cond whose `L` is another lock, and a
call of a package function or method that performs one of these while the caller holds the
lock. `defer mu.Unlock()` keeps the lock held until the function returns, so an operation after
it is flagged; `mu.Unlock()` before the operation is not.

## Why is this bad?
A goroutine that blocks while holding a lock makes every other user of the lock wait for the
channel, the WaitGroup or the timer. If the goroutine that would unblock it (the receiver, the
worker calling `Done`) needs the same lock first, neither can proceed: a deadlock that the Go
runtime detects only when every goroutine is stuck, and in a server never. This is the most
common blocking bug in studies of real Go programs (Tu et al., ASPLOS 2019; the GoBench/GoKer
kernels of etcd, grpc, kubernetes and moby).

## Example
```go
package example

import "sync"

type Hub struct {
        mu      sync.Mutex
        clients map[string]chan string
        events  chan string
}

func (h *Hub) Publish(msg string) {
        h.mu.Lock()
        defer h.mu.Unlock()
        h.events <- msg
}
```

Use instead:
```go
package example

import "sync"

type Hub struct {
        mu      sync.Mutex
        clients map[string]chan string
        events  chan string
}

func (h *Hub) Publish(msg string) {
        h.mu.Lock()
        n := len(h.clients)
        h.mu.Unlock()
        if n > 0 {
                h.events <- msg
        }
}
```

Not flagged: a `select` with a `default` case; `cond.Wait()` on a Cond made with the held lock
(`sync.NewCond(&s.mu)`) or whose `L` cannot be resolved; operations after the lock was released
on every path; a send on a channel made in the same function with a constant capacity at least
the number of sends before the lock is released; the body of a goroutine started while the lock
is held (it starts with nothing held).

No fix is offered: moving the operation out of the critical section, or turning it into a
`select` with `default` or `ctx.Done()`, changes what the code guarantees, and only its author
knows which is right.

## Limitations
Locks are followed only when goconc can tell which mutex is meant (a field of a known struct
type, a package variable, a local, a parameter, an alias `m := &s.mu`, an embedded mutex).
Calls into other packages are not followed; calls through function values and interfaces are
followed as far as the package says what they run (see `analyzer/dispatch.py`: local closures,
function-typed fields and parameters, `sync.Once.Do`, an interface with one implementation),
and code in test files counts only for calls made in test files. A helper
that takes a lock is seen only if it calls something named `Lock`/`lock...`/`Unlock`. A channel
made elsewhere counts as buffered when every `make` of that field (or, for channels kept in
maps and slices, of that element type) in the package has a capacity, even a capacity of one
that a second send fills; a channel that comes from another package is not known to be
buffered, and a send on it is flagged. Recursive calls contribute nothing.

## References
- go vet and staticcheck have no equivalent check.
- https://go.dev/ref/mem: channel communication and mutexes are the synchronisation points
  that the memory model orders; holding one across the other couples them.
- https://pkg.go.dev/sync#Cond.Wait: Wait unlocks only `c.L`.
- T. Tu, X. Liu, L. Song, Y. Zhang, "Understanding Real-World Concurrency Bugs in Go",
  ASPLOS 2019; GoBench (CGO 2021), GoKer blocking kernels.
"""

from __future__ import annotations

from tree_sitter import Node

from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.lockrule import LockFactsRule
from goconc.analyzer.locks import (
    Access,
    Event,
    Held,
    LockAnalysis,
    LockFacts,
    State,
    cond_releases,
    obj_key,
)
from goconc.analyzer.source import SourceFile
from goconc.analyzer.types import unparen

_FUNCS = frozenset({"function_declaration", "method_declaration", "func_literal"})


class LockHeldAcrossChannelOp(LockFactsRule):
    meta = RuleMeta(
        code="MU001",
        name="lock-held-across-channel-op",
        summary="A mutex is held across an operation that can block (channel, Wait, Sleep).",
        severity=Severity.WARNING,
        tags=("concurrency", "mutex", "deadlock", "external/cwe/cwe-833"),
        precision="high",
    )

    def check_function(self, func: Node, facts: LockFacts) -> None:
        for ev in facts.events:
            if not ev.state.held:
                continue
            if ev.kind == "block":
                self._direct(ev, facts)
            elif ev.kind == "call" and ev.call is not None:
                self._through_call(ev)

    # -- a blocking operation in this function ----------------------------------------------
    def _direct(self, ev: Event, facts: LockFacts) -> None:
        held = ev.state.locks()
        if ev.mode == "cond":
            own = [h for h in held if cond_releases(ev.ref, ev.cond_lock, h)]
            if ev.cond_lock is None and not own:
                return  # the Cond's L is unknown: it may be any of the held locks
            held = [h for h in held if h not in own]
        elif ev.mode == "send" and (
            self._buffered_enough(ev, facts)
            or self.pkg.fact(LockAnalysis).known_buffered(ev.node, self.file, ev.ref)
        ):
            return
        if not held:
            return
        what = _describe(ev.mode, ev.ref.text if ev.ref else "", ev.node, self.file, ev.cond_lock)
        self.report(
            ev.node,
            f"{what} while {_locks_text(held)} held",
            related=[self._lock_related(h) for h in held],
        )

    def _buffered_enough(self, ev: Event, facts: LockFacts) -> bool:
        """A send on a channel made here with a constant capacity that covers every send made
        while the same acquisition is held (none in a loop around the send but not the Lock)."""
        channel = ev.node.child_by_field_name("channel")
        if channel is None or ev.ref is None:
            return False
        channel = unparen(channel)
        if channel.type != "identifier":
            return False
        b = self.pkg.resolver.binding(channel, self.file)
        if (
            b is None
            or b.value is None
            or not (facts.func.start_byte <= b.ident.start_byte < facts.func.end_byte)
        ):
            return False
        capacity = _make_capacity(b.value, b.file)
        if capacity is None:
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
    def _through_call(self, ev: Event) -> None:
        assert ev.call is not None
        reach = self.pkg.fact(LockAnalysis).call_reach(ev.call)
        for b in reach.blocks:
            held = _still_held(ev.state, b)
            if not held:
                continue
            inner = b.site
            what = _describe(
                b.mode, b.ref.text if b.ref else "", inner.node, inner.file, b.cond_lock
            )
            related = [self._lock_related(h) for h in held]
            for step in b.chain[1:]:
                related.append(Related(self.span(step.node, step.file), f"which calls {step.text}"))
            related.append(Related(self.span(inner.node, inner.file), f"{what} blocks here"))
            self.report(
                ev.node,
                f"call of {ev.call.name} can block ({what}) while {_locks_text(held)} held",
                related=related,
            )
            return  # one finding per call

    def _lock_related(self, h: Held) -> Related:
        verb = "read-locked" if h.mode == "read" else "locked"
        if h.chain:
            return Related(self.span(h.acquire, h.file), f"{h.ref.text} is {verb} by this call")
        return Related(self.span(h.acquire, h.file), f"{h.ref.text} is {verb} here")


def _still_held(state: State, b: Access) -> list[Held]:
    """Locks of the caller still held when the callee's operation runs."""
    released = {obj_key(r) for r in b.released}
    held = [h for h in state.locks() if obj_key(h.ref) not in released]
    if b.mode == "cond":
        held = [h for h in held if not cond_releases(b.ref, b.cond_lock, h)]
    return held


def _locks_text(held: list[Held]) -> str:
    names = sorted({h.ref.text for h in held})
    if len(names) == 1:
        return f"{names[0]} is"
    return f"{', '.join(names[:-1])} and {names[-1]} are"


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


def _make_capacity(value: Node, file: SourceFile) -> int | None:
    """N for `make(chan T, N)` with an integer literal N."""
    value = unparen(value)
    if value.type != "call_expression":
        return None
    fn = value.child_by_field_name("function")
    args = value.child_by_field_name("arguments")
    if fn is None or args is None or file.text(fn) != "make":
        return None
    items = [c for c in args.named_children if not c.is_extra]
    if len(items) != 2 or items[0].type != "channel_type" or items[1].type != "int_literal":
        return None
    try:
        return int(file.text(items[1]).replace("_", ""), 0)
    except ValueError:
        return None


def _in_loop_without(node: Node, func: Node, starts: list[int]) -> bool:
    """``node`` is inside a loop (of ``func``) that contains none of the lock acquisitions."""
    p = node.parent
    while p is not None and p.id != func.id:
        if p.type in _FUNCS:
            return True  # defensive: a nested function runs any number of times
        if p.type == "for_statement" and not any(p.start_byte <= s < p.end_byte for s in starts):
            return True
        p = p.parent
    return False
