"""## What it does
Builds the package's lock-order graph and flags every cycle in it. There is an edge A → B when
a lock of class B is acquired while a lock of class A is held: in the same function, or through
a call of a package function or method that acquires B (directly or further down its calls).
A lock's class is `Type.field` for a struct field (through receivers, typed variables and
embedding), `pkg.var` for a package variable and `func.name` for a local.

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

Not flagged: two locks of the same class on different instances (`a.mu` then `b.mu`, both
`Account.mu`; ordering instances needs another key, such as an ID); a lock taken after the
other was released; acquisitions inside a goroutine started while a lock is held (the goroutine
holds nothing).

## Limitations
Only cycles within one package are found, through static calls and through the function
values and interfaces whose targets the package shows (see MU001). Locks whose identity
cannot be resolved are left out. Classes merge instances, so a cycle can be reported for
instances that are in fact always distinct (a tree locked parent-then-child of two different
types): suppress it with a reason. Cycles longer than four locks, and acquisitions more than
three calls deep, are not considered.

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
from goconc.analyzer.lockorder import TRIGGERS, LockEdge, LockOrder, adjacency, find_cycles
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
        precision="high",
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
        for cycle in find_cycles(adjacency(self._edges)):
            edges = [
                min(self._edges[(cycle[i], cycle[(i + 1) % len(cycle)])], key=LockEdge.order)
                for i in range(len(cycle))
            ]
            self._report(edges)

    def _report(self, edges: list[LockEdge]) -> None:
        # Report at the acquisition that closes the cycle: the last one in file order.
        closing = max(edges, key=lambda e: (e.file.path, e.at.start_byte))
        start = edges.index(closing)
        ordered = edges[start:] + edges[:start]  # the closing edge first, then around the cycle
        others = ordered[1:]
        severity = Severity.ERROR if any(e.write for e in edges) else Severity.WARNING
        loop = " -> ".join([*(e.src for e in ordered), ordered[0].src])
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
        related: list[Related] = []
        for e in others:
            related.append(
                Related(
                    self.span(e.held.acquire, e.held.file), f"{e.src} is locked here in {e.func}"
                )
            )
            related.append(Related(self.span(e.at, e.file), f"then {e.dst} is locked here"))
            for step in e.chain:
                if step.node.id == e.at.id:
                    continue  # the call itself, already the "then" location
                related.append(Related(self.span(step.node, step.file), f"via {step.text}"))
        self.report(
            closing.at,
            message,
            related=related,
            flows=[self._flow(e) for e in ordered],
            severity=severity,
            file=closing.file,
        )

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
