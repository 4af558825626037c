"""## What it does
Flags four slips in pairing a mutex's acquire and release:

- `defer mu.Lock()` (or `defer mu.RLock()`) while the lock is held and nothing releases it
  before the function returns: `Unlock` was meant, and the deferred call deadlocks on return;
- a second `Unlock` of a lock this function already released on every path: it locked the
  mutex earlier, and every path from there to the `Unlock` releases it first (also an explicit
  `Unlock` after `defer mu.Unlock()` when nothing re-locks it before the function returns);
- `RUnlock` of a mutex held for writing (`Lock` ... `RUnlock`), and `Unlock` of one held only
  for reading (`RLock` ... `Unlock`, or `defer mu.Unlock()` after `RLock`).

## Why is this bad?
`defer mu.Lock()` leaves the mutex locked on return and, when the function already holds it,
blocks forever in its own deferred call. Unlocking an unlocked `sync.Mutex` is a fatal runtime
error ("sync: unlock of unlocked mutex") that `recover` cannot catch, and a mismatched
`RUnlock`/`Unlock` on a `sync.RWMutex` is one too ("sync: RUnlock of unlocked RWMutex",
"sync: Unlock of unlocked RWMutex").

## Example
```go
package example

import "sync"

type Config struct {
        mu   sync.RWMutex
        vals map[string]string
}

func (c *Config) Get(k string) string {
        c.mu.RLock()
        defer c.mu.RLock()
        return c.vals[k]
}

func (c *Config) Set(k, v string) {
        c.mu.Lock()
        defer c.mu.RUnlock()
        c.vals[k] = v
}
```

Use instead:
```go
package example

import "sync"

type Config struct {
        mu   sync.RWMutex
        vals map[string]string
}

func (c *Config) Get(k string) string {
        c.mu.RLock()
        defer c.mu.RUnlock()
        return c.vals[k]
}

func (c *Config) Set(k, v string) {
        c.mu.Lock()
        defer c.mu.Unlock()
        c.vals[k] = v
}
```

Not flagged: `mu.Unlock(); defer mu.Lock()` in a helper that temporarily releases a lock its
caller holds (the lock is not held at the `defer`); an `Unlock` with nothing acquired in the
function (`unlockAndNotify()` helpers and methods documented "called with mu held" release
their caller's lock); an `Unlock` that some path reaches with the lock possibly held (including
paths that never touched it, paths through `TryLock`, and calls that may lock it); an `Unlock`
after a call that releases the lock only on some paths, or releases and takes it back
(`f.writeAt(b, true)` where `writeAt` does `if release { f.mu.Unlock() }` ... `if release {
f.mu.Lock() }`, or `mu.Unlock(); defer mu.Lock()` in a "called with mu held" helper): a call
counts as releasing the caller's lock only when it does so on every path, with the constant
arguments it is given; an acquisition and release of different modes that happen only on some
paths (`if w { mu.Lock() } else { mu.RLock() }`).

## Fix safety
`defer mu.Lock()` becomes `defer mu.Unlock()` (and `RLock` becomes `RUnlock`), and a mismatched
release is renamed to match the mode the lock is held in on every path. Both are safe: the
lock is held in that mode on every path to the call, so the renamed call releases exactly what
was acquired; the original code dies with a fatal error or deadlocks there. When another
release of the same mutex can follow the deferred call's registration, the `defer` fix is
marked unsafe (the result would unlock twice).

## Limitations
Only mutexes goconc can identify are followed (see MU001). A deferred release inside a
`defer func(){ ... }()` is checked for its mode but reported at the `defer`. Unlocks through
interfaces and function values are not seen; a call whose name looks like a lock call (`lock`,
`relock`, `TryLock`) is assumed to acquire.

## References
- staticcheck SA2003 flags `defer mu.Lock()` right after `mu.Lock()` (this rule also finds it
  with code in between, and for `RLock`); go vet has no equivalent.
- https://pkg.go.dev/sync#Mutex.Unlock: "It is a run-time error if m is not locked on entry
  to Unlock." https://pkg.go.dev/sync#RWMutex.RUnlock: "It is a run-time error if rw is not
  locked for reading on entry to RUnlock."
"""

from __future__ import annotations

import re

from tree_sitter import Node

from goconc.analyzer.cfg import Block
from goconc.analyzer.dataflow import fixpoint, reaches
from goconc.analyzer.diagnostics import Applicability, Edit, Fix, Related, RuleMeta, Severity
from goconc.analyzer.lockrule import LockFactsRule
from goconc.analyzer.locks import READ, WRITE, Event, LockFacts, ObjKey, obj_key
from goconc.analyzer.matchers import descendants
from goconc.analyzer.types import Ref, unparen

_LOCKERS = frozenset({"Mutex", "RWMutex", "Locker"})
_CALLS = frozenset({"call_expression"})
_SWAP = {"Lock": "Unlock", "RLock": "RUnlock"}
_RELEASE_OF = {WRITE: "Unlock", READ: "RUnlock"}
# A call that may acquire something goconc cannot follow (`relock()`, `c.TryLock()`).
_LOCKISH = re.compile(rb"(?:(?<![A-Za-z0-9_])R?[Ll]ock\w*|TryR?Lock)\(")


class DeferLock(LockFactsRule):
    meta = RuleMeta(
        code="MU006",
        name="defer-lock",
        summary="A lock and its release do not pair up: defer Lock, double Unlock, RLock/Unlock.",
        severity=Severity.ERROR,
        tags=("concurrency", "mutex", "deadlock", "external/cwe/cwe-765"),
        precision="high",
        fix=Applicability.SAFE,
    )
    triggers = (b"Lock",)

    def check_function(self, func: Node, facts: LockFacts) -> None:
        self._defer_lock(facts)
        reported: set[int] = set()
        for ev in facts.events:
            if ev.kind == "release" and ev.ref is not None:
                if self._mismatch(ev, ev.node, ev.ref, ev.mode):
                    reported.add(ev.node.id)
            elif ev.kind == "defer":
                for ref, mode in ev.deferred:
                    if self._deferred_mismatch(ev, ref, mode):
                        reported.add(ev.node.id)
                        break
        self._double_unlock(facts, reported)

    # -- defer mu.Lock() --------------------------------------------------------------------
    def _defer_lock(self, facts: LockFacts) -> None:
        r = self.pkg.resolver
        for block in facts.cfg.reachable():
            for stmt in block.nodes:
                if stmt.type != "defer_statement" or not stmt.named_children:
                    continue
                call = stmt.named_children[0]
                fn = (
                    call.child_by_field_name("function") if call.type == "call_expression" else None
                )
                if fn is None or unparen(fn).type != "selector_expression":
                    continue
                fn = unparen(fn)
                field = fn.child_by_field_name("field")
                method = self.file.text(field) if field is not None else ""
                if method not in _SWAP or field is None:
                    continue
                target = r.method_target(fn, self.file)
                if target is None or target[0] not in _LOCKERS or target[1] is None:
                    continue
                ref = target[1]
                held = facts.held_at(stmt).holds(ref)
                if held is None:
                    continue  # re-locks at exit a lock released here: a deliberate pattern
                later = self._releases_after(stmt, obj_key(ref), facts)
                if later:
                    continue  # released again before returning: the deferred Lock re-takes it
                right = _SWAP[method]
                verb = "read-locked" if held.mode == READ else "locked"
                fix = Fix(
                    f"Replace with defer {ref.text}.{right}()",
                    (Edit(self.file.span(field.start_byte, field.end_byte, clamp=False), right),),
                    Applicability.SAFE,
                )
                self.report(
                    call,
                    f"defer {ref.text}.{method}() while {ref.text} is {verb}: the deferred call "
                    f"locks it again on return and blocks forever; {right} was meant",
                    related=[self._held_related(held.acquire, ref, held.mode)],
                    fixes=[fix],
                )

    def _releases_after(self, stmt: Node, key: ObjKey, facts: LockFacts) -> bool:
        for ev in facts.events:
            direct = ev.kind == "release" and ev.ref is not None and obj_key(ev.ref) == key
            through = (
                ev.kind == "call"
                and ev.call is not None
                and any(obj_key(x) == key for x in ev.call.releases)
            )
            if (direct or through) and reaches(facts.cfg, stmt, ev.stmt):
                return True
        return False

    # -- RLock ... Unlock, Lock ... RUnlock ---------------------------------------------------
    def _mismatch(self, ev: Event, node: Node, ref: Ref, mode: str) -> bool:
        state = ev.state
        if (ref.root, ref.path, mode) in state.held:
            return False
        other = READ if mode == WRITE else WRITE
        held = state.held.get((ref.root, ref.path, other))
        if held is None:
            return False
        got = _RELEASE_OF[mode]
        want = _RELEASE_OF[other]
        fixes = []
        fn = node.child_by_field_name("function")
        field = fn.child_by_field_name("field") if fn is not None else None
        if field is not None and self.file.text(field) == got:
            span = self.file.span(field.start_byte, field.end_byte, clamp=False)
            fixes.append(
                Fix(f"Replace with {ref.text}.{want}()", (Edit(span, want),), Applicability.SAFE)
            )
        self.report(
            node,
            f"{ref.text}.{got}() releases a lock held for "
            f"{'reading' if other == READ else 'writing'}: "
            f"use {ref.text}.{want}() (a mismatched release is a fatal runtime error)",
            related=[self._held_related(held.acquire, ref, held.mode)],
            fixes=fixes,
        )
        return True

    def _deferred_mismatch(self, ev: Event, ref: Ref, mode: str) -> bool:
        """A deferred release in the wrong mode: only direct `Unlock`/`RUnlock` calls count
        (a helper's summary does not say which mode it releases)."""
        want = _RELEASE_OF[mode]
        r = self.pkg.resolver
        for call in descendants(ev.node, _CALLS):
            fn = call.child_by_field_name("function")
            fn = unparen(fn) if fn is not None else None
            if fn is None or fn.type != "selector_expression":
                continue
            field = fn.child_by_field_name("field")
            if field is None or self.file.text(field) != want:
                continue
            target = r.method_target(fn, self.file)
            if target is None or target[0] not in _LOCKERS or target[1] is None:
                continue
            if obj_key(target[1]) != obj_key(ref):
                continue
            direct = ev.node.named_children[0] if ev.node.named_children else None
            node = call if direct is not None and direct.id == call.id else ev.node
            return self._mismatch(ev, node, ref, mode)
        return False

    # -- Unlock of an unlocked mutex ------------------------------------------------------------
    def _double_unlock(self, facts: LockFacts, reported: set[int]) -> None:
        acquired = {
            obj_key(e.ref) for e in facts.events if e.kind == "acquire" and e.ref is not None
        }
        releases = [
            e
            for e in facts.events
            if e.kind == "release"
            and e.ref is not None
            and obj_key(e.ref) in acquired
            and e.node.id not in reported
        ]
        if not releases:
            return
        by_key: dict[ObjKey, list[Event]] = {}
        for e in releases:
            assert e.ref is not None
            by_key.setdefault(obj_key(e.ref), []).append(e)
        for key, evs in by_key.items():
            maybe = self._may_held(facts, key)
            for e in evs:
                assert e.ref is not None
                before = maybe.get(e.node.id)
                if before is False:
                    self._report_double(e, facts, "it was already unlocked on every path here")
                    continue
                held = e.state.holds(e.ref)
                if (
                    held is not None
                    and held.deferred
                    and _plain_defers(facts, key)
                    and not self._relocked(e, key, facts)
                ):
                    self._report_double(
                        e,
                        facts,
                        "a deferred unlock registered earlier unlocks it again on return",
                    )

    def _report_double(self, e: Event, facts: LockFacts, why: str) -> None:
        assert e.ref is not None
        name = _RELEASE_OF[e.mode]
        prior = [
            p
            for p in facts.events
            if p.kind in ("release", "defer")
            and p.node.start_byte < e.node.start_byte
            and (
                (p.ref is not None and obj_key(p.ref) == obj_key(e.ref))
                or any(obj_key(r) == obj_key(e.ref) for r, _ in p.deferred)
            )
        ]
        related = [Related(self.span(p.node), f"{e.ref.text} is unlocked here") for p in prior[-1:]]
        self.report(
            e.node,
            f"{e.ref.text}.{name}() of a mutex that is not locked: {why} "
            "(unlocking an unlocked mutex is a fatal runtime error)",
            related=related,
        )

    def _relocked(self, e: Event, key: ObjKey, facts: LockFacts) -> bool:
        """Some path from the release takes the lock again (or may, through a lock-like call)."""
        for other in facts.events:
            again = (
                other.kind == "acquire" and other.ref is not None and obj_key(other.ref) == key
            ) or (
                other.kind == "call"
                and other.call is not None
                and any(obj_key(h.ref) == key for h in other.call.holds)
            )
            if again and reaches(facts.cfg, e.stmt, other.stmt):
                return True
        for block in facts.cfg.reachable():
            for n in block.nodes:
                text = self.file.data[n.start_byte : n.end_byte]
                if n.id != e.stmt.id and _LOCKISH.search(text) and reaches(facts.cfg, e.stmt, n):
                    return True
        return False

    def _may_held(self, facts: LockFacts, key: ObjKey) -> dict[int, bool]:
        """Forward may-analysis for one lock: before each release event's node, whether the
        lock may be held. At entry it may be (the caller's); a lock-like call we cannot follow
        may take it."""
        by_stmt: dict[int, list[Event]] = {}
        for e in facts.events:
            by_stmt.setdefault(e.stmt.id, []).append(e)
        cfg = facts.cfg
        blocks = cfg.reachable()
        outs: dict[int, bool] = {}
        result: dict[int, bool] = {}

        def transfer(block_index: int, value: bool, record: bool) -> bool:
            block = next(b for b in blocks if b.index == block_index)
            for n in block.nodes:
                for e in by_stmt.get(n.id, ()):
                    if record and e.kind == "release":
                        result[e.node.id] = value
                    value = _step(e, key, value)
                if not value and _LOCKISH.search(
                    _own_text(n, self.file.data, by_stmt.get(n.id, []))
                ):
                    value = True
            return value

        def step(b: Block) -> bool:
            if b is cfg.entry:
                value = True
            else:
                ins = [outs[p.index] for p in b.preds if p.index in outs]
                if not ins:
                    return False
                value = any(ins)
            out = transfer(b.index, value, False)
            if outs.get(b.index) != out:
                outs[b.index] = out
                return True
            return False

        fixpoint(blocks, step)
        for b in blocks:
            if b is cfg.entry:
                value = True
            else:
                ins = [outs[p.index] for p in b.preds if p.index in outs]
                value = any(ins) if ins else True
            transfer(b.index, value, True)
        return result

    def _held_related(self, acquire: Node, ref: Ref, mode: str) -> Related:
        verb = "read-locked" if mode == READ else "locked"
        return Related(self.span(acquire), f"{ref.text} is {verb} here")


def _plain_defers(facts: LockFacts, key: ObjKey) -> bool:
    """Every deferred unlock of ``key`` is a plain `defer mu.Unlock()`, not a closure that may
    unlock under a condition (`defer func(){ if locked { mu.Unlock() } }()`)."""
    for e in facts.events:
        if e.kind != "defer" or not any(obj_key(r) == key for r, _ in e.deferred):
            continue
        call = e.node.named_children[0] if e.node.named_children else None
        fn = call.child_by_field_name("function") if call is not None else None
        if fn is None or unparen(fn).type != "selector_expression":
            return False
    return True


def _step(e: Event, key: ObjKey, value: bool) -> bool:
    if e.kind == "acquire" and e.ref is not None and obj_key(e.ref) == key:
        return True
    if e.kind == "release" and e.ref is not None and obj_key(e.ref) == key:
        return False
    if e.kind == "call" and e.call is not None:
        if any(obj_key(r) == key for r in e.call.releases):
            value = False
        if any(obj_key(h.ref) == key for h in e.call.holds):
            value = True
    return value


def _own_text(n: Node, data: bytes, events: list[Event]) -> bytes:
    """The node's text with its known lock operations blanked out (they are events)."""
    text = bytearray(data[n.start_byte : n.end_byte])
    for e in events:
        if e.kind in ("acquire", "release") or (e.kind == "call" and e.call is not None):
            a = e.node.start_byte - n.start_byte
            b = e.node.end_byte - n.start_byte
            if 0 <= a <= b <= len(text):
                text[a:b] = b" " * (b - a)
    return bytes(text)
