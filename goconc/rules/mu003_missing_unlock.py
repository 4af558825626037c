"""## What it does
Flags a `Lock` or `RLock` with no deferred unlock where some path leaves the function, or goes
round its loop to the same `Lock` again, without unlocking: an early `return` in an error
branch, a `continue` or `break` out of the locked part of a loop iteration, or falling off the
end. A path counts as unlocking when it runs `Unlock`/`RUnlock` on the same mutex, defers it,
hands the unlock to a closure or a method value, or calls a package function whose summary
releases that mutex.

## Why is this bad?
The mutex stays locked after the function returns. The next `Lock` of it, in this goroutine or
any other, blocks forever; the program hangs on the first error instead of reporting it. A
loop iteration that `continue`s with the lock held deadlocks on its own next `Lock`. These are
among the commonest blocking bugs found in real Go programs (the "missing unlock" class of Tu
et al., ASPLOS 2019).

## Example
```go
package example

import (
        "errors"
        "sync"
)

type Registry struct {
        mu    sync.Mutex
        names map[string]int
}

func (r *Registry) Add(name string, id int) error {
        r.mu.Lock()
        if _, ok := r.names[name]; ok {
                return errors.New("duplicate name")
        }
        r.names[name] = id
        r.mu.Unlock()
        return nil
}
```

Use instead:
```go
package example

import (
        "errors"
        "sync"
)

type Registry struct {
        mu    sync.Mutex
        names map[string]int
}

func (r *Registry) Add(name string, id int) error {
        r.mu.Lock()
        defer r.mu.Unlock()
        if _, ok := r.names[name]; ok {
                return errors.New("duplicate name")
        }
        r.names[name] = id
        return nil
}
```

Not flagged: functions whose purpose is to return holding the lock — the lock is still held at
every exit and the function returns a result or is named like a lock helper (a `lockAll()`
helper, a `Lock()` method on the type itself, `waitReadyLocked()`), or the last exit reachable
from the `Lock` returns holding it while an earlier one unlocks (a conditional acquire such as
`lockIfOpen() bool`) — unless it returns an error while holding it; a function that never
unlocks that mutex itself (an acquire helper whose callers unlock, or a mutex used as a signal
that a goroutine unlocks); a lock that is stored or passed on (`locked[r.mu] = true`,
`f(&s.mu)`); a lock of a variable declared inside the loop (each iteration locks another
instance); paths that end the process (`os.Exit`, `log.Fatal`) or panic; an acquisition paired
with an unlock under the same condition (`if x { mu.Lock() }` ... `if x { mu.Unlock() }`, or a
flag set next to the `Lock` that guards the `Unlock`); locks taken n times in one loop and
released n times in another; an acquisition of a lock already held (MU004 reports it); a `Lock`
that takes back a lock the function's caller holds, released on every path to it (a helper
called with `mu` held that drops it around slow work: `mu.Unlock(); err := dial(); mu.Lock();
if err != nil { return err }` returns holding it, as its caller expects); paths under a
condition that is constant (`if false {`, a `const debug = false` of the package or the
function, combined with `!`, `&&`, `||`, `==`).

## Fix safety
When the function's only `Unlock` of that mutex is a statement at the end of the same block as
the `Lock` (followed by nothing, or by a `return`), the fix inserts `defer mu.Unlock()` after
the `Lock` and removes that `Unlock`. It is safe: the normal path still unlocks when the
function returns (the `return` expressions are evaluated before deferred calls, still under the
lock), and every early path now unlocks too. Otherwise no fix is offered: moving the unlock to
a `defer` would extend the critical section over code that runs after the `Unlock`.

## Limitations
Only mutexes goconc can identify are followed (see MU001). An unlock reached only through an
interface call or a function value is not seen, so any call whose name contains `unlock` counts
as unlocking. Paths are not pruned by conditions other than constants and the `if x { Lock }`
... `if x { Unlock }` shape, so a lock released under a different but equivalent condition can
be reported. A constant declared differently for different builds (`//go:build` variants) is
not folded.

## References
- go vet and staticcheck have no equivalent check (staticcheck SA2001 flags only an empty
  critical section; gocritic's `badLock` and `deferUnlock` look at adjacent statements only).
- https://pkg.go.dev/sync#Mutex.Lock: "If the lock is already in use, the calling goroutine
  blocks until the mutex is available."
- T. Tu, X. Liu, L. Song, Y. Zhang, "Understanding Real-World Concurrency Bugs in Go",
  ASPLOS 2019 (missing unlock in error paths); GoBench/GoKer blocking kernels.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from goconc.analyzer.dataflow import Exit, cfg_statement, contains, escape_exits, reaches
from goconc.analyzer.diagnostics import Applicability, Edit, Fix, Related, RuleMeta, Severity
from goconc.analyzer.lockrule import LockFactsRule
from goconc.analyzer.locks import Event, LockFacts, ObjKey, obj_key
from goconc.analyzer.matchers import descendants, in_function, innermost_loop, line_indent
from goconc.analyzer.source import SourceFile
from goconc.analyzer.types import Ref, unparen

_RELEASES = frozenset({"Unlock", "RUnlock"})
# A call that may unlock through something goconc cannot follow (an interface, a func value).
_UNLOCKISH = re.compile(r"(?i)unlock")
_SELECTORS = frozenset({"selector_expression", "call_expression"})
_LOOPS = frozenset({"for_statement"})
_IDENTS = frozenset({"identifier"})
_VALUES = frozenset({"identifier", "selector_expression"})
# Names of functions meant to return holding a lock.
_HELPER_NAME = re.compile(r"(?i)lock|acquire|hold|wait|enter|begin|start|grab|take")
# A returned value that is an error: `err`, `ErrClosed`, `pkg.ErrX`, `errors.New(...)`.
_ERRORISH = re.compile(r"^(?:\w+\.)?(?:[Ee]rr\w*)$|^(?:errors\.New|fmt\.Errorf)\(")
_FUNC_KINDS = frozenset({"function_declaration", "method_declaration", "func_literal"})


class MissingUnlock(LockFactsRule):
    meta = RuleMeta(
        code="MU003",
        name="missing-unlock",
        summary="A mutex is locked and some path leaves the function without unlocking it.",
        severity=Severity.ERROR,
        tags=("concurrency", "mutex", "deadlock", "external/cwe/cwe-667"),
        precision="high",
        fix=Applicability.SAFE,
    )
    triggers = (b"Lock",)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._nodes: dict[tuple[int, frozenset[str]], list[Node]] = {}

    def check_function(self, func: Node, facts: LockFacts) -> None:
        acquires = [e for e in facts.events if e.kind == "acquire" and e.ref is not None]
        if not acquires:
            return
        held_at_exit = {obj_key(h.ref) for h in facts.exit_state().held.values()}
        for ev in acquires:
            assert ev.ref is not None
            key = obj_key(ev.ref)
            if key in held_at_exit and self._holding_helper(facts):
                continue  # held at every exit: the function's job is to return holding it
            if ev.state.holds(ev.ref) is not None:
                continue  # already held: a double lock (MU004)
            if key in ev.state.dropped:
                # Every path here released the caller's lock (held on entry): this re-takes it,
                # and returning with it held restores what the caller had.
                continue
            self._check_acquire(ev, key, facts)

    def _check_acquire(self, ev: Event, key: ObjKey, facts: LockFacts) -> None:
        assert ev.ref is not None
        direct = self._direct_releasers(ev, key, facts)
        if not direct:
            # Never unlocked by this function itself: an acquire helper whose callers unlock,
            # or a mutex used as a signal that another goroutine unlocks.
            return
        releasers = direct + self._indirect_releasers(key, facts)
        if any(_deferred_unlock(e, key) for e in facts.events):
            return  # a deferred unlock covers every exit
        if self._same_condition(ev.node, releasers):
            return
        if any(_loop_without(r, ev.node, facts.func) for r in direct):
            return  # locked n times in one loop, unlocked n times in another
        cfg = facts.cfg
        # Another acquisition of the same lock ends the path too: what follows is its story.
        again = [
            e.stmt
            for e in facts.events
            if e.kind == "acquire"
            and e.ref is not None
            and obj_key(e.ref) == key
            and e.stmt.id != ev.stmt.id
        ]
        ids = {n.id for n in releasers} | {n.id for n in again}

        def handled(stmt: Node) -> bool:
            return stmt.id in ids

        name = ev.ref.text
        verb = "RLock" if ev.mode == "read" else "Lock"
        unlock = "RUnlock" if ev.mode == "read" else "Unlock"
        if self._escapes(ev.ref, facts):
            return  # stored or passed on (`locked[cr.mu] = ...`, `f(&s.mu)`): unlocked elsewhere
        loop = innermost_loop(ev.node, facts.func)
        if (
            loop is not None
            and not _declared_in(ev.ref.root, loop, self.file.path)
            and reaches(cfg, ev.stmt, ev.stmt, avoid=handled)
        ):
            jumps = self._jumps(ev.stmt, loop, handled, facts)
            related = [
                Related(self.span(j), f"this {j.type.split('_')[0]} keeps {name} locked")
                for j in jumps
            ]
            self.report(
                ev.node,
                f"{name}.{verb}() is not released on every path through the loop: the next "
                f"iteration locks {name} again while it is still held",
                related=related,
            )
            return
        leaks = escape_exits(cfg, ev.stmt, handled)
        if not leaks or self._conditional_acquire(ev, leaks, releasers, facts):
            return
        first = min(leaks, key=_exit_pos)
        related = [self._exit_related(x, name, facts) for x in sorted(leaks, key=_exit_pos)]
        self.report(
            ev.node,
            f"{name}.{verb}() is not released on every path: "
            f"{self._exit_text(first)} leaves {name} locked; "
            f"defer {name}.{unlock}() or unlock before returning",
            related=related,
            fixes=self._fixes(ev, key, facts, name, unlock),
        )

    def _conditional_acquire(
        self, ev: Event, leaks: list[Exit], releasers: list[Node], facts: LockFacts
    ) -> bool:
        """A `lockIfOpen() bool` helper: it returns a result, its last exit reachable from the
        Lock returns holding the lock, and no path that unlocked reaches that exit."""
        if _results(facts.func) is None:
            return False
        reachable = escape_exits(facts.cfg, ev.stmt, lambda _n: False)
        last = _exit_pos(max(reachable, key=_exit_pos))
        if all(_exit_pos(x) != last for x in leaks):
            return False
        if any(_exit_pos(x) == last and self._returns_error(x) for x in leaks):
            return False  # it returns an error holding the lock: an error path, not a helper
        for stmt in releasers:
            after = escape_exits(facts.cfg, stmt, lambda n: n.id == ev.stmt.id)
            if any(_exit_pos(x) == last for x in after):
                return False
        return True

    def _holding_helper(self, facts: LockFacts) -> bool:
        """A function that returns holding the lock on every path is a helper (`lockAll`,
        `Lock`, `waitReadyLocked() bool`) unless it returns an error while holding it, or
        returns nothing and is not named like one (`bootstrap()` whose loop `break`s out
        with the lock held)."""
        for ret, _state in facts.exits:
            if ret is not None and self._returns_error(Exit("return", ret)):
                return False
        if _results(facts.func) is not None:
            return True
        name = facts.func.child_by_field_name("name")
        return name is None or _HELPER_NAME.search(self.file.text(name)) is not None

    def _escapes(self, ref: Ref, facts: LockFacts) -> bool:
        """The lock is used as a value in this function: its address taken, or it is stored,
        passed or used as a map key (anything but a method call on it)."""
        body = facts.func.child_by_field_name("body")
        if body is None:
            return False
        want = ref.text.encode()
        data = self.file.data
        if data.count(want, body.start_byte, body.end_byte) == 0:
            return False
        r = self.pkg.resolver
        for node in self._below(body, _VALUES):
            if data[node.start_byte : node.end_byte] != want:
                continue
            parent = node.parent
            if parent is not None and parent.type == "selector_expression":
                operand = parent.child_by_field_name("operand")
                if operand is not None and operand.id == node.id:
                    continue  # mu.Lock(), s.mu.field
            if _local_alias(node) or _declaration(node):
                continue  # m := &s.mu: an alias, which ref_of follows; `var mu sync.Mutex`
            found = r.ref_of(node, self.file)
            if found is not None and obj_key(found) == obj_key(ref):
                return True
        return False

    def _below(self, body: Node, kinds: frozenset[str]) -> list[Node]:
        """``descendants(body, kinds)``, once per body: a function with several locks asks
        again for each."""
        key = (body.id, kinds)
        found = self._nodes.get(key)
        if found is None:
            found = self._nodes[key] = descendants(body, kinds)
        return found

    def _returns_error(self, x: Exit) -> bool:
        if x.node is None:
            return False
        values = next((c for c in x.node.named_children if c.type == "expression_list"), None)
        if values is None:
            return False
        return any(_ERRORISH.match(self.file.text(v)) for v in values.named_children)

    # -- what releases the lock ------------------------------------------------------------
    def _direct_releasers(self, ev: Event, key: ObjKey, facts: LockFacts) -> list[Node]:
        """CFG nodes of this function that release ``key`` in the acquisition's mode: an
        Unlock (RUnlock for an RLock), a deferred one, or a call whose summary releases it."""
        found: dict[int, Node] = {}
        for other in facts.events:
            if other.kind == "release" and other.ref is not None:
                if obj_key(other.ref) == key and other.mode == ev.mode:
                    found[other.stmt.id] = other.stmt
            elif other.kind == "call" and other.call is not None:
                if any(obj_key(x) == key for x in other.call.releases):
                    found[other.stmt.id] = other.stmt
            elif _deferred_unlock(other, key):
                found[other.stmt.id] = other.stmt
        return list(found.values())

    def _indirect_releasers(self, key: ObjKey, facts: LockFacts) -> list[Node]:
        """CFG nodes that may release ``key`` some other way: an Unlock inside a closure or a
        goroutine, a method value `mu.Unlock`, a call named like an unlock that goconc cannot
        follow (an interface method, a func value)."""
        r = self.pkg.resolver
        found: dict[int, Node] = {}
        body = facts.func.child_by_field_name("body")
        if body is None:
            return list(found.values())
        for node in self._below(body, _SELECTORS):
            if node.type == "call_expression":
                fn = node.child_by_field_name("function")
                if fn is None:
                    continue
                fn = unparen(fn)
                name = self.file.text(fn.child_by_field_name("field") or fn)
                if not _UNLOCKISH.search(name) or name in _RELEASES:
                    continue
                if fn.type == "selector_expression" and r.method_target(fn, self.file):
                    continue  # a sync method: an event already when it is ours
            else:
                field = node.child_by_field_name("field")
                if field is None or self.file.text(field) not in _RELEASES:
                    continue
                parent = node.parent
                if (
                    parent is not None
                    and parent.type == "call_expression"
                    and in_function(node, facts.func)
                ):
                    continue  # a direct call: an event
                target = r.method_target(node, self.file)
                if target is None or target[1] is None or obj_key(target[1]) != key:
                    continue
            stmt = cfg_statement(facts.cfg, node)
            if stmt is None:
                stmt = _outer_statement(node, facts)
            if stmt is not None:
                found[stmt.id] = stmt
        return list(found.values())

    def _same_condition(self, lock: Node, releasers: list[Node]) -> bool:
        """Correlated branches: `if c { mu.Lock() }` ... `if c { mu.Unlock() }`, or a flag set
        next to the Lock (`mu.Lock(); locked = true`) that guards an unlock (`if locked`)."""
        cond = _guard(lock)
        text = self.file.text(cond) if cond is not None else None
        flags = _assigned_near(lock, self.file)
        for g in _guards(lock):
            flags.update(self.file.text(i) for i in _idents(g))
        flags.discard("err")
        for stmt in releasers:
            for other in _guards(stmt):
                if self.file.text(other) == text:
                    return True
                if flags and any(self.file.text(i) in flags for i in _idents(other)):
                    return True
        return False

    # -- messages -------------------------------------------------------------------------
    def _exit_text(self, x: Exit) -> str:
        if x.node is None:
            return "falling off the end of the function"
        return f"the return on line {self.file.line_of(x.node.start_byte)}"

    def _exit_related(self, x: Exit, name: str, facts: LockFacts) -> Related:
        if x.node is not None:
            return Related(self.span(x.node), f"this return leaves {name} locked")
        body = facts.func.child_by_field_name("body") or facts.func
        return Related(
            self.file.span(body.end_byte - 1, body.end_byte), f"{name} is still locked here"
        )

    def _jumps(self, start: Node, loop: Node, handled: object, facts: LockFacts) -> list[Node]:
        """`continue`/`break`/`goto` in the loop that a path from the Lock reaches unlocked."""
        out = []
        for j in descendants(
            loop, frozenset({"continue_statement", "goto_statement"}), into_funcs=False
        ):
            if start.start_byte < j.start_byte and reaches(
                facts.cfg,
                start,
                j,
                avoid=handled,  # type: ignore[arg-type]
            ):
                out.append(j)
        return out[:3]

    # -- the fix --------------------------------------------------------------------------
    def _fixes(self, ev: Event, key: ObjKey, facts: LockFacts, name: str, unlock: str) -> list[Fix]:
        stmt = ev.stmt
        if stmt.type != "expression_statement" or stmt.parent is None:
            return []
        if innermost_loop(stmt, facts.func) is not None:
            return []
        acquires = [
            e
            for e in facts.events
            if e.kind == "acquire" and e.ref is not None and obj_key(e.ref) == key
        ]
        releases = [
            e
            for e in facts.events
            if e.kind == "release" and e.ref is not None and obj_key(e.ref) == key
        ]
        if len(acquires) != 1 or len(releases) != 1:
            return []
        rel = releases[0]
        if rel.stmt.type != "expression_statement" or rel.stmt.parent is None:
            return []
        if rel.stmt.parent.id != stmt.parent.id:
            return []
        siblings = [c for c in rel.stmt.parent.named_children if not c.is_extra]
        ids = [c.id for c in siblings]
        if rel.stmt.id not in ids:
            return []
        after = siblings[ids.index(rel.stmt.id) + 1 :]
        if after and (len(after) > 1 or after[0].type != "return_statement"):
            return []
        f = self.file
        start, _ = f.line_bounds(f.line_of(rel.stmt.start_byte))
        end = rel.stmt.end_byte
        # The release's whole line goes, its line end too (LF, or CRLF in a Windows checkout).
        newline = 2 if f.data.startswith(b"\r\n", end) else 1
        if f.data[start : rel.stmt.start_byte].strip() or not f.data.startswith(
            b"\n", end + newline - 1
        ):
            return []
        indent = line_indent(f, stmt)
        eol = f.data.find(b"\n", stmt.end_byte)
        if eol > 0 and f.data[eol - 1] == 0x0D:
            eol -= 1  # before the CR of a CRLF
        if eol < 0 or eol >= start:
            return []
        edits = (
            Edit(f.span(eol, eol, clamp=False), f"\n{indent}defer {name}.{unlock}()"),
            Edit(f.span(start, end + newline, clamp=False), ""),
        )
        return [Fix(f"Defer {name}.{unlock}() right after the lock", edits, Applicability.SAFE)]


def _deferred_unlock(ev: Event, key: ObjKey) -> bool:
    return ev.kind == "defer" and any(obj_key(r) == key for r, _ in ev.deferred)


def _exit_pos(x: Exit) -> int:
    return x.node.start_byte if x.node is not None else 1 << 62


def _results(func: Node) -> Node | None:
    return func.child_by_field_name("result")


def _outer_statement(node: Node, facts: LockFacts) -> Node | None:
    """The CFG node holding the func literal that contains ``node``."""
    p = node.parent
    while p is not None and p.id != facts.func.id:
        if p.type == "func_literal":
            return cfg_statement(facts.cfg, p)
        p = p.parent
    return None


def _declaration(node: Node) -> bool:
    parent = node.parent
    if parent is None:
        return False
    if parent.type in ("var_spec", "parameter_declaration", "field_declaration", "const_spec"):
        return True
    stmt = parent.parent
    return (
        parent.type == "expression_list"
        and stmt is not None
        and stmt.type in ("short_var_declaration", "range_clause", "assignment_statement")
        and (left := stmt.child_by_field_name("left")) is not None
        and left.id == parent.id
    )


def _local_alias(node: Node) -> bool:
    """`m := &x` / `var m = &x`: the address taken only to name the same lock locally."""
    parent = node.parent
    if parent is None or parent.type != "unary_expression":
        return False
    values = parent.parent
    stmt = values.parent if values is not None else None
    if values is None or stmt is None or values.type != "expression_list":
        return False
    if stmt.type == "var_spec":
        return True
    if stmt.type in ("short_var_declaration", "assignment_statement"):
        left = stmt.child_by_field_name("left")
        return left is not None and all(c.type == "identifier" for c in left.named_children)
    return False


def _declared_in(root: str, loop: Node, path: str) -> bool:
    """The lock's root variable is declared inside ``loop`` (a range variable, a variable of
    the body): each iteration locks another instance."""
    prefix, _, offset = root.rpartition(":")
    if prefix != path or not offset.isdigit():
        return False
    return loop.start_byte <= int(offset) < loop.end_byte


def _idents(node: Node) -> list[Node]:
    return [node] if node.type == "identifier" else list(descendants(node, _IDENTS))


def _loop_without(node: Node, lock: Node, func: Node) -> bool:
    """``node`` is in a loop of ``func`` that does not contain ``lock``."""
    p = node.parent
    while p is not None and p.id != func.id:
        if p.type in _LOOPS and not contains(p, lock):
            return True
        if p.type in _FUNC_KINDS:
            return False
        p = p.parent
    return False


def _guards(node: Node) -> list[Node]:
    """Conditions of every `if` (in the function) whose consequence or alternative holds
    ``node``."""
    out = []
    p = node.parent
    while p is not None and p.type not in _FUNC_KINDS:
        if p.type == "if_statement":
            cond = p.child_by_field_name("condition")
            if cond is not None and not contains(cond, node):
                out.append(cond)
        p = p.parent
    return out


def _assigned_near(lock: Node, file: SourceFile) -> set[str]:
    """Names assigned by statements of the block that holds the Lock statement (`held =
    true` next to `mu.Lock()`): candidate flags that track whether the lock is held."""
    stmt = lock.parent
    block = stmt.parent if stmt is not None else None
    if block is None:
        return set()
    names: set[str] = set()
    for sib in block.named_children:
        if sib.type not in ("assignment_statement", "short_var_declaration"):
            continue
        left = sib.child_by_field_name("left")
        right = sib.child_by_field_name("right")
        if left is None or right is None:
            continue
        if file.text(right).strip() not in ("true", "false"):
            continue
        names.update(file.text(c) for c in left.named_children if c.type == "identifier")
    return names


def _guard(node: Node) -> Node | None:
    """The condition of the innermost `if` whose consequence holds ``node``."""
    p = node.parent
    child = node
    while p is not None and p.type not in (
        "function_declaration",
        "method_declaration",
        "func_literal",
    ):
        if p.type == "if_statement":
            cons = p.child_by_field_name("consequence")
            if cons is not None and cons.id == child.id:
                return p.child_by_field_name("condition")
            return None
        child, p = p, p.parent
    return None
