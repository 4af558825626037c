"""## What it does
Builds the package's lock-order graph and flags every cycle in it. There is an edge A → B when
a lock of class B is acquired while a lock of class A is held: in the same function, or through
a call of a package function or method that acquires B (directly or further down its calls).
A lock's class is `Type.field` for a struct field (through receivers, typed variables and
embedding; a mutex embedded in a struct written in place, `mu struct { sync.RWMutex; ... }`,
is `Type.mu`), `pkg.var` for a package variable and `func.name` for a local.

A cycle is reported when it can deadlock: for each of its edges there is a place in the code
that takes it such that all those threads can be waiting at once. Cycles that close at the
same acquisition, or through the same pair of locks, are one finding: the shortest is the
message, the others are listed under it and counted.

## Why is this bad?
If one goroutine takes A then B while another takes B then A, each can end up holding the lock
the other waits for: both block forever, and so does everything that needs either lock. The
schedule that triggers it is rare, so tests pass and production hangs. A cycle made only of
`RLock` acquisitions needs a writer queued on one of the locks to deadlock (a pending `Lock`
blocks new readers), which is why it is reported as a warning rather than an error.

## Example
```go
package example

import "sync"

type Cache struct {
        mu    sync.Mutex
        items map[string]int
}

type Stats struct {
        mu   sync.Mutex
        hits int
}

func hit(c *Cache, s *Stats, key string) {
        c.mu.Lock()
        defer c.mu.Unlock()
        s.mu.Lock()
        s.hits += c.items[key]
        s.mu.Unlock()
}

func reset(c *Cache, s *Stats) {
        s.mu.Lock()
        defer s.mu.Unlock()
        c.mu.Lock()
        c.items = map[string]int{}
        c.mu.Unlock()
        s.hits = 0
}
```

Use instead:
```go
package example

import "sync"

type Cache struct {
        mu    sync.Mutex
        items map[string]int
}

type Stats struct {
        mu   sync.Mutex
        hits int
}

func hit(c *Cache, s *Stats, key string) {
        c.mu.Lock()
        defer c.mu.Unlock()
        s.mu.Lock()
        s.hits += c.items[key]
        s.mu.Unlock()
}

func reset(c *Cache, s *Stats) {
        c.mu.Lock()
        defer c.mu.Unlock()
        s.mu.Lock()
        defer s.mu.Unlock()
        c.items = map[string]int{}
        s.hits = 0
}
```

Not flagged:
- two locks of the same class on different instances (`a.mu` then `b.mu`, both
  `Account.mu`; ordering instances needs another key, such as an ID); a lock taken after the
  other was released; acquisitions inside a goroutine started while a lock is held (the
  goroutine holds nothing), or after a `go` statement whose goroutine unlocks the held lock
  (it is handed over);
- the lock of an object no other goroutine can reach yet: allocated in the function
  (`&T{}`, `new(T)`, `var t T`, or a package constructor that returns a new object) and not
  yet stored, returned, sent, captured by a goroutine, passed to a call that may keep it or
  locked through a pointer field (`c := &conn{}; c.mu.Lock(); s.cfgMu.RLock()` orders
  nothing; methods of the package are followed to see whether they keep their receiver);
- a cycle whose threads cannot wait at once: two of them hold one lock class (a gate), one
  of them for writing, counting the locks every caller of an unexported function holds
  around its calls and those a function releases without taking (`Unlock`-style methods:
  their caller holds them); or a thread that holds another lock of the cycle (the shorter
  cycle through it is the one reported);
- a lock both waited for and held only with `RLock` when nothing in the package write-locks
  it (and code outside it cannot: an unexported field or variable, not an embedded mutex):
  readers never wait for readers;
- a cycle that needs a `_test.go` function's order and the production code's: a test's own
  lock order is reported only against the test code's;
- an element locked after it was deleted from a map or slice field under a lock (`b :=
  m.buckets[k]; delete(m.buckets, k); m.mu.Unlock(); b.mu.Lock(); m.mu.Lock()`), against an
  order that finds its elements in that container under the same lock, when the container
  is only ever given new objects (nothing can put the deleted one back).

## Limitations
Only cycles within one package are found, through static calls and through the function
values and interfaces whose targets the package shows (see MU001). Locks whose identity
cannot be resolved are left out. Classes merge instances, so a cycle can be reported for
instances that are in fact always distinct (a tree locked parent-then-child of two different
types, leaf and gateway connections of one type kept in different maps): suppress it with a
reason. For the same reason a gate is judged by its class: two threads that hold different
instances of the gate's class are taken to exclude each other, and such a cycle is missed.
An element taken out of a container by a helper (`old := c.swap(k, v)`) is not recognised as
removed. Whether a writer can run while the readers wait is not asked (a writer that only
runs before the goroutines start still counts). Cycles longer than four locks, and
acquisitions more than four calls deep, are not considered.

## References
- go vet and staticcheck have no equivalent check; the Linux kernel's lockdep and Java's
  ThreadSanitizer-style lock-order detectors work the same way on lock classes.
- https://pkg.go.dev/sync#Mutex and https://go.dev/ref/mem: mutexes give no protection
  against acquisition-order deadlocks.
- GoBench/GoKer blocking kernels (e.g. the double-locking and AB-BA bugs of kubernetes, moby,
  cockroach), T. Tu et al., ASPLOS 2019.
"""

from __future__ import annotations

from tree_sitter import Node

from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.lockorder import TRIGGERS, Cycle, LockEdge, LockOrder
from goconc.analyzer.locks import LockAnalysis
from goconc.analyzer.matchers import FUNC_KINDS
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile


class InconsistentLockOrder(Rule):
    meta = RuleMeta(
        code="MU002",
        name="inconsistent-lock-order",
        summary="Locks are acquired in inconsistent orders (a cycle in the lock-order graph).",
        severity=Severity.ERROR,
        tags=("concurrency", "mutex", "deadlock", "external/cwe/cwe-833"),
        precision="low",
        # Opt-in: on real code 10 of 15 cycles judged could deadlock; the rest close only through
        # instances that never meet (a fresh object, one instance per role), which lock classes
        # cannot tell apart (docs/precision.md).
        preview=True,
    )
    package_wide = True  # a cycle is reported once the whole package is walked
    triggers = TRIGGERS  # files that cannot lock have no edges
    anchors = dict.fromkeys(FUNC_KINDS, (b"func",))

    def wants_file(self, file: SourceFile) -> bool:
        return self.pkg.fact(LockAnalysis).file_may_lock(file)

    def wants_declaration(self, decl: Node) -> bool:
        # Only a function that `mentions_locks` has edges (see `function_edges`).
        return self.pkg.fact(LockAnalysis).declaration_may_lock(decl, self.file)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._edges: dict[tuple[str, str], list[LockEdge]] = {}

    def visit_function_declaration(self, node: Node) -> None:
        self._collect(node)

    def visit_method_declaration(self, node: Node) -> None:
        self._collect(node)

    def visit_func_literal(self, node: Node) -> None:
        self._collect(node)

    def _collect(self, func: Node) -> None:
        # The edges come from lockorder, which `goconc graph --locks` draws: one computation.
        for e in self.pkg.fact(LockOrder).function_edges(func, self.file):
            self._edges.setdefault((e.src, e.dst), []).append(e)

    # -- cycles ---------------------------------------------------------------------------------
    def end_package(self) -> None:
        if not self._edges:
            return
        for group in _groups(self.pkg.fact(LockOrder).cycles(self._edges)):
            self._report(group)

    def _report(self, group: list[Cycle]) -> None:
        first = group[0]
        closing = _closing(first)
        start = first.edges.index(closing)
        ordered = [*first.edges[start:], *first.edges[:start]]  # the closing edge, then around
        others = ordered[1:]
        edges = [e for c in group for e in c.edges]
        severity = Severity.ERROR if any(e.write for e in first.edges) else Severity.WARNING
        loop = _loop(ordered)
        if len(others) == 1:
            o = others[0]
            message = (
                f"{closing.dst_text} ({closing.dst}) is locked while holding "
                f"{closing.held.ref.text} ({closing.src}), but {o.func} locks them in the "
                f"opposite order: lock-order cycle {loop}"
            )
        else:
            message = (
                f"{closing.dst_text} ({closing.dst}) is locked while holding "
                f"{closing.held.ref.text} ({closing.src}): lock-order cycle {loop}"
            )
        if len(group) > 1:
            more = len(group) - 1
            message += f"; {more} more cycle{'s' if more > 1 else ''} through it, listed below"
        related = self._related(others, "")
        for cycle in group[1:_MAX_LISTED]:
            end = _closing(cycle)
            i = cycle.edges.index(end)
            around = [*cycle.edges[i:], *cycle.edges[:i]]
            related.append(
                Related(self.span(end.at, end.file), f"also lock-order cycle {_loop(around)}")
            )
            related.extend(self._related(around[1:], "  "))
        self.report(
            closing.at,
            message,
            related=related,
            flows=[self._flow(e) for e in ordered],
            severity=Severity.ERROR if any(e.write for e in edges) else severity,
            file=closing.file,
        )

    def _related(self, edges: list[LockEdge], indent: str) -> list[Related]:
        related: list[Related] = []
        for e in edges:
            related.append(
                Related(
                    self.span(e.held.acquire, e.held.file),
                    f"{indent}{e.src} is locked here in {e.func}",
                )
            )
            related.append(Related(self.span(e.at, e.file), f"{indent}then {e.dst} is locked here"))
            for step in e.chain:
                if step.node.id == e.at.id:
                    continue  # the call itself, already the "then" location
                related.append(Related(self.span(step.node, step.file), f"{indent}via {step.text}"))
        return related

    def _flow(self, e: LockEdge) -> list[Related]:
        steps = [
            Related(
                self.span(e.held.acquire, e.held.file),
                f"{e.func} locks {e.held.ref.text} ({e.src})",
            )
        ]
        if e.chain:
            steps.append(Related(self.span(e.at, e.file), f"then calls {e.chain[0].text}"))
            for step in e.chain[1:-1]:
                steps.append(Related(self.span(step.node, step.file), f"which calls {step.text}"))
            last = e.chain[-1]
            steps.append(
                Related(self.span(last.node, last.file), f"which locks {e.dst_text} ({e.dst})")
            )
        else:
            steps.append(Related(self.span(e.at, e.file), f"then locks {e.dst_text} ({e.dst})"))
        return steps


# Cycles listed in one finding beyond the one it reports (the rest are counted).
_MAX_LISTED = 4


def _closing(cycle: Cycle) -> LockEdge:
    """The acquisition that closes the cycle: the last one in file order."""
    return max(cycle.edges, key=lambda e: (e.file.path, e.at.start_byte))


def _loop(ordered: list[LockEdge]) -> str:
    return " -> ".join([*(e.src for e in ordered), ordered[0].src])


def _groups(cycles: list[Cycle]) -> list[list[Cycle]]:
    """One root cause, one finding: cycles that close at the same acquisition or through the
    same pair of locks go together, the shortest first, in the order they were found."""
    parent = list(range(len(cycles)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: dict[tuple[str, str, object], int] = {}
    for i, cycle in enumerate(cycles):
        e = _closing(cycle)
        for key in (("pair", e.src, e.dst), ("site", e.file.path, e.at.start_byte)):
            j = seen.setdefault(key, i)
            parent[find(i)] = find(j)
    groups: dict[int, list[Cycle]] = {}
    for i, cycle in enumerate(cycles):
        groups.setdefault(find(i), []).append(cycle)
    return [sorted(g, key=lambda c: len(c.classes)) for g in groups.values()]
