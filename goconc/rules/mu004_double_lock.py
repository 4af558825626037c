"""## What it does
Flags the acquisition of a mutex that is already held on every path to it: `mu.Lock()` twice,
`Lock` after `RLock` on the same `RWMutex` (or `RLock` after `Lock`), a recursive `RLock`, and
— the commonest real form — a call, while holding the lock, of a package function or method
that locks the same mutex of the same instance (a locked method calling another locked method
of its receiver), directly or further down its calls.

## Why is this bad?
Go mutexes are not re-entrant. A second `Lock` by the goroutine that holds the mutex blocks
forever, and so does everything else that needs it. A recursive `RLock` works until a writer
calls `Lock` between the two: the pending writer blocks new readers, the second `RLock` waits
for the writer, the writer waits for the first `RLock` — a deadlock that shows only under
load. The `sync.RWMutex` documentation forbids it for that reason.

## Example
```go
package example

import "sync"

type Cache struct {
        mu    sync.Mutex
        items map[string]string
}

func (c *Cache) Len() int {
        c.mu.Lock()
        defer c.mu.Unlock()
        return len(c.items)
}

func (c *Cache) Put(k, v string) {
        c.mu.Lock()
        defer c.mu.Unlock()
        if c.Len() > 100 {
                c.items = map[string]string{}
        }
        c.items[k] = v
}
```

Use instead:
```go
package example

import "sync"

type Cache struct {
        mu    sync.Mutex
        items map[string]string
}

func (c *Cache) Len() int {
        c.mu.Lock()
        defer c.mu.Unlock()
        return c.lenLocked()
}

// lenLocked must be called with c.mu held.
func (c *Cache) lenLocked() int { return len(c.items) }

func (c *Cache) Put(k, v string) {
        c.mu.Lock()
        defer c.mu.Unlock()
        if c.lenLocked() > 100 {
                c.items = map[string]string{}
        }
        c.items[k] = v
}
```

Not flagged: the same lock class on another instance (`a.mu` then `b.mu`); a lock released on
every path before it is taken again; a callee that unlocks the caller's lock before re-locking
it (`mu.Unlock(); ...; mu.Lock()` in a "called with mu held" helper); `TryLock`; a goroutine
started while the lock is held (it holds nothing); paths where the lock is held only
sometimes (`if x { mu.Lock() }`); a local mutex that a goroutine or closure unlocks (a mutex
used as a signal); a lock handed to a goroutine that releases it (`go func() { defer
mu.Unlock() ... }()`); a second acquisition after a call that may unlock in a way goconc
cannot follow (an `unlock()` func value, a call given `&mu`); a callee that locks only when a
`bool` parameter says so, called with the constant that rules the lock out (`s.sizeOf(true)`
where `sizeOf(held bool)` does `if !held { s.mu.Lock() }`, also through calls that pass the
constant on, and `if !create { return }` before the call that locks); code under a constant
condition (`const debug = false`).

No fix is offered. The usual repair is an unexported `...Locked` variant that does the work and
assumes the lock is held; the exported method locks and calls it, and so do other methods that
already hold the lock.

## Limitations
Only mutexes goconc can identify are followed (see MU001), and only static calls of functions
and methods of the same package, at most three calls deep. A callee is flagged when it locks
the mutex on some path, even if that path cannot run when the caller holds the lock, unless
the caller passes a constant that rules the path out: a flag passed as a variable, a flag
the callee reassigns, or a guard on other state (a version check, a map lookup) is not
evaluated. Calls through function values and interfaces are followed as in MU001; a stored
callback locks the caller's object only when it captures the very object whose field holds
it (`le.SetCheckpointer(func(...) { le.Checkpoint() })`, `c.evict = c.evictAll`). A `fmt` or
`log` printer is a call of the `Error` or `String` method of each operand it formats with
`%v`, `%s`, `%q`, `%x` or `%w` (every operand for the non-f printers), when the operand's
static type is a package type whose method set has it: `log.Printf("%s", r)` under `r.mu`
runs `r.String()`, which locks `r.mu` again. Values nested inside the operands (struct fields,
slice elements) and formats that are not literals are not followed. The same
object reached through two different expressions (`s` and `r.store`) is not recognised.
Recursive calls contribute nothing.

## References
- go vet and staticcheck have no equivalent check.
- https://pkg.go.dev/sync#RWMutex: "If any goroutine calls Lock while the lock is already held
  by one or more readers, concurrent calls to RLock will block until the writer has acquired
  (and released) the lock ... This ... prohibits recursive read-locking."
- T. Tu et al., ASPLOS 2019 ("double locking"); GoBench/GoKer blocking kernels (moby, etcd,
  kubernetes, cockroach double-lock bugs).
"""

from __future__ import annotations

import re

from tree_sitter import Node

from goconc.analyzer.calls import callee
from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.dispatch import Dispatch
from goconc.analyzer.lockrule import LockFactsRule
from goconc.analyzer.locks import Event, Held, LockAnalysis, LockFacts, State, obj_key
from goconc.analyzer.matchers import FUNC_KINDS, call_args, descendants, in_function
from goconc.analyzer.rule import Rule
from goconc.analyzer.types import Ref, unparen

_CALLS = frozenset({"call_expression"})
_UNLOCKISH = re.compile(r"(?i)unlock")
# Acquisitions deeper down the calls than this are weak evidence: the paths that reach them
# are often guarded by a flag the caller passes (`lockGetProp bool`) or by state the caller
# has just checked (MU002 uses the same bound).
_MAX_CALL_DEPTH = 3


def _between(op: Node, at: Node, held: Held) -> bool:
    """``op`` lies between the acquisition of ``held`` and ``at`` in the same file's text."""
    return held.acquire.start_byte < op.start_byte < at.start_byte


class DoubleLock(LockFactsRule):
    meta = RuleMeta(
        code="MU004",
        name="double-lock",
        summary="A mutex is acquired while it is already held (Go mutexes are not re-entrant).",
        severity=Severity.ERROR,
        tags=("concurrency", "mutex", "deadlock", "external/cwe/cwe-764"),
        precision="high",
    )

    def check_function(self, func: Node, facts: LockFacts) -> None:
        opaque = self._opaque_unlocks(func)
        for ev in facts.events:
            if not ev.state.held:
                continue
            if any(_between(o, ev.node, h) for o in opaque for h in ev.state.held.values()):
                continue  # something goconc cannot follow may have unlocked it in between
            if ev.kind == "acquire" and ev.ref is not None:
                held = ev.state.holds(ev.ref)
                if held is not None and not self._unlocked_elsewhere(ev.ref, func):
                    self._direct(ev, held)
            elif ev.kind == "call" and ev.call is not None:
                self._through_call(ev, ev.state)

    def _opaque_unlocks(self, func: Node, seen: frozenset[int] = frozenset()) -> list[Node]:
        """Calls in ``func`` that may unlock without goconc knowing which lock: a call named
        like an unlock that is not a sync method nor a resolved package function (`unlock()`
        from `unlockOnce(&mu)`), and calls that are handed a lock's address (`f(&s.mu)`).
        ``seen``: the function literals being followed, so that one calling itself (through
        the variable that holds it) adds nothing instead of recursing forever."""
        body = func.child_by_field_name("body")
        if body is None or func.id in seen:
            return []
        seen = seen | {func.id}
        out = []
        r = self.pkg.resolver
        for call in descendants(body, _CALLS, into_funcs=False):
            fn = call.child_by_field_name("function")
            if fn is None:
                continue
            fn = unparen(fn)
            if fn.type == "func_literal":
                # `go func(){...}()`: a lock it unlocks is handed to the goroutine (no longer
                # held here); `defer func(){...}()`, `func(){...}()`: the held-lock analysis
                # follows it. Opaque only through what it calls itself.
                if self._opaque_unlocks(fn, seen):
                    out.append(call)
                continue
            name_node = fn.child_by_field_name("field") if fn.type == "selector_expression" else fn
            name = self.file.text(name_node) if name_node is not None else ""
            if _UNLOCKISH.search(name):
                if fn.type == "selector_expression" and r.method_target(fn, self.file):
                    continue
                if callee(call, self.file, r) is not None:
                    continue
                targets = self.pkg.fact(Dispatch).targets(call, self.file)
                if targets and all(
                    t.local and not self._opaque_unlocks(t.func, seen) for t in targets
                ):
                    continue  # `unlock := func() { mu.Unlock() }`: followed as a call
                out.append(call)
                continue
            found = r.pkg_func(call, self.file)
            if found is not None and found[0] == "sync":
                continue  # sync.NewCond(&mu) and friends
            for arg in call_args(call):
                if arg.type == "unary_expression" and self.file.text(arg).startswith("&"):
                    t = r.type_of(arg.child_by_field_name("operand"), self.file)
                    if t is not None and t.sync_kind() in ("Mutex", "RWMutex"):
                        out.append(call)
                        break
        return out

    def _unlocked_elsewhere(self, ref: Ref, func: Node) -> bool:
        """A local mutex that another function of its scope (a goroutine, a closure, the
        function around this literal) unlocks: it is used as a signal, and the second Lock
        waits for that Unlock (`mu.Lock(); go func(){ ...; mu.Unlock() }(); mu.Lock()`)."""
        if ref.root.startswith(("pkg:", "ext:")) or ref.path:
            return False
        outer = func
        p = func.parent
        while p is not None:
            if p.type in FUNC_KINDS:
                outer = p
            p = p.parent
        r = self.pkg.resolver
        for call in descendants(outer, _CALLS):
            fn = call.child_by_field_name("function")
            if fn is None or fn.type != "selector_expression":
                continue
            field = fn.child_by_field_name("field")
            if field is None or self.file.text(field) not in ("Unlock", "RUnlock"):
                continue
            target = r.method_target(fn, self.file)
            if target is None or target[1] is None or obj_key(target[1]) != obj_key(ref):
                continue
            if not in_function(call, func):
                return True
        return False

    def _direct(self, ev: Event, held: Held) -> None:
        assert ev.ref is not None
        name = ev.ref.text
        verb = "RLock" if ev.mode == "read" else "Lock"
        self.report(
            ev.node,
            f"{name}.{verb}() while {name} is already {_held_text(held)}: "
            f"{_consequence(held.mode, ev.mode)}",
            related=[_related(self, held)],
        )

    def _through_call(self, ev: Event, state: State) -> None:
        assert ev.call is not None
        reach = self.pkg.fact(LockAnalysis).call_reach(ev.call)
        for a in reach.acquires:
            if a.ref is None or len(a.chain) > _MAX_CALL_DEPTH:
                continue
            if any(obj_key(r) == obj_key(a.ref) for r in a.released):
                continue  # the callee releases the caller's lock before taking it again
            held = state.holds(a.ref)
            if held is None:
                continue
            name = held.ref.text
            verb = "RLock" if a.mode == "read" else "Lock"
            related = [_related(self, held)]
            for step in a.chain[1:]:
                related.append(Related(self.span(step.node, step.file), f"which calls {step.text}"))
            related.append(
                Related(self.span(a.site.node, a.site.file), f"{a.site.text} acquires it again")
            )
            self.report(
                ev.node,
                f"call of {ev.call.name} {verb.lower().replace('rlock', 'read-lock')}s "
                f"{name}, which is already {_held_text(held)}: "
                f"{_consequence(held.mode, a.mode)}",
                related=related,
            )
            return  # one finding per call


def _held_text(h: Held) -> str:
    return "read-locked" if h.mode == "read" else "locked"


def _consequence(held_mode: str, mode: str) -> str:
    if held_mode == "read" and mode == "read":
        return "a recursive RLock deadlocks when a writer is waiting between the two"
    return "Go mutexes are not re-entrant, so this blocks forever"


def _related(rule: Rule, h: Held) -> Related:
    verb = "read-locked" if h.mode == "read" else "locked"
    if h.chain:
        return Related(rule.span(h.acquire, h.file), f"{h.ref.text} is {verb} by this call")
    return Related(rule.span(h.acquire, h.file), f"{h.ref.text} is {verb} here")
