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
Only cycles within one package are found, and only through static calls (not interfaces or
function values). Locks whose identity cannot be resolved are left out. Classes merge
instances, so a cycle can be reported for instances that are in fact always distinct (a tree
locked parent-then-child of two different types): suppress it with a reason. Cycles longer than
four locks, and acquisitions more than three calls deep, are not considered.

## References
- go vet and staticcheck have no equivalent check; the Linux kernel's lockdep and Java's
  ThreadSanitizer-style lock-order detectors work the same way on lock classes.
- https://pkg.go.dev/sync#Mutex and https://go.dev/ref/mem: mutexes give no protection
  against acquisition-order deadlocks.
- GoBench/GoKer blocking kernels (e.g. the double-locking and AB-BA bugs of kubernetes, moby,
  cockroach), T. Tu et al., ASPLOS 2019.
"""

from __future__ import annotations

import attrs
from tree_sitter import Node

from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.locks import Held, Site, mentions_locks, obj_key
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.symbols import receiver_of

_MAX_CYCLE = 4
_MAX_CYCLES = 50
# Edges through deeper call chains mostly join distinct instances of one class (a package-level
# DLL handle reached through error formatting): too weak to call an inversion.
_MAX_CALL_DEPTH = 3


@attrs.frozen(eq=False)
class _Edge:
    src: str  # class held
    dst: str  # class acquired
    held: Held  # the acquisition of the held lock
    at: Node  # where dst is acquired in this function: the Lock call or the call leading to it
    file: SourceFile
    dst_text: str  # the acquired lock, as written
    dst_mode: str
    chain: tuple[Site, ...]  # through calls: the calls, then the Lock inside the callee
    func: str  # name of the function, for messages

    @property
    def write(self) -> bool:
        return self.held.mode == "write" or self.dst_mode == "write"

    def order(self) -> tuple[bool, str, int]:
        return (not self.write, self.file.path, self.at.start_byte)


class InconsistentLockOrder(Rule):
    meta = RuleMeta(
        code="MU002",
        name="inconsistent-lock-order",
        summary="Locks are acquired in inconsistent orders (a cycle in the lock-order graph).",
        severity=Severity.ERROR,
        tags=("concurrency", "mutex", "deadlock", "external/cwe/cwe-833"),
        precision="high",
    )
    triggers = (b"Lock", b"lock")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._edges: dict[tuple[str, str], list[_Edge]] = {}

    def visit_function_declaration(self, node: Node) -> None:
        self._collect(node)

    def visit_method_declaration(self, node: Node) -> None:
        self._collect(node)

    def visit_func_literal(self, node: Node) -> None:
        self._collect(node)

    def _collect(self, func: Node) -> None:
        body = func.child_by_field_name("body")
        if body is None or not mentions_locks(self.file.data[body.start_byte : body.end_byte]):
            return
        locks = self.pkg.locks
        facts = locks.facts(func, self.file)
        name = _qualified_name(func, self.file)
        for ev in facts.events:
            if not ev.state.held:
                continue
            # A class already held here is re-acquired, not ordered: that is a double lock
            # (MU004) or an infeasible path, never evidence of an inversion.
            held_classes = {h.ref.cls for h in ev.state.held.values()}
            if ev.kind == "acquire" and ev.ref is not None:
                if ev.ref.cls in held_classes:
                    continue
                for h in ev.state.held.values():
                    self._add(h, ev.ref.cls, ev.node, ev.ref.text, ev.mode, (), name)
            elif ev.kind == "call" and ev.call is not None:
                for a in locks.call_reach(ev.call).acquires:
                    if a.ref is None or len(a.chain) > _MAX_CALL_DEPTH:
                        continue
                    released = {obj_key(r) for r in a.released}
                    still = {
                        h.ref.cls for h in ev.state.held.values() if obj_key(h.ref) not in released
                    }
                    if a.ref.cls in still:
                        continue
                    chain = (*a.chain, a.site)
                    for h in ev.state.held.values():
                        if obj_key(h.ref) not in released:
                            self._add(h, a.ref.cls, ev.node, a.ref.text, a.mode, chain, name)

    def _add(
        self,
        h: Held,
        dst: str,
        at: Node,
        text: str,
        mode: str,
        chain: tuple[Site, ...],
        func: str,
    ) -> None:
        src = h.ref.cls
        if not src or not dst or src == dst:
            return  # unknown class, or the same class (other instance, or a double lock)
        edge = _Edge(src, dst, h, at, self.file, text, mode, chain, func)
        self._edges.setdefault((src, dst), []).append(edge)

    # -- cycles ---------------------------------------------------------------------------------
    def end_package(self) -> None:
        if not self._edges:
            return
        graph: dict[str, list[str]] = {}
        for src, dst in sorted(self._edges):
            graph.setdefault(src, []).append(dst)
        for cycle in _cycles(graph):
            edges = [
                min(self._edges[(cycle[i], cycle[(i + 1) % len(cycle)])], key=_Edge.order)
                for i in range(len(cycle))
            ]
            self._report(edges)

    def _report(self, edges: list[_Edge]) -> None:
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

    def _flow(self, e: _Edge) -> list[Related]:
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


def _qualified_name(func: Node, file: SourceFile) -> str:
    """`Type.Method`, `func`, or `f.func literal` for a closure in f."""
    if func.type == "func_literal":
        p = func.parent
        while p is not None and p.type not in ("function_declaration", "method_declaration"):
            p = p.parent
        return (
            f"a func literal in {_qualified_name(p, file)}" if p is not None else "a func literal"
        )
    name = func.child_by_field_name("name")
    text = file.text(name) if name is not None else "?"
    if func.type == "method_declaration":
        recv, _, _ = receiver_of(func, file)
        if recv:
            return f"{recv}.{text}"
    return text


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Elementary cycles of at most _MAX_CYCLE nodes, each once, starting at its least node."""
    found: list[list[str]] = []
    for start in sorted(graph):
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        while stack and len(found) < _MAX_CYCLES:
            node, path = stack.pop()
            for nxt in reversed(graph.get(node, [])):
                if nxt == start:
                    found.append(path)
                elif nxt > start and nxt not in path and len(path) < _MAX_CYCLE:
                    stack.append((nxt, [*path, nxt]))
    return found
