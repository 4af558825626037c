"""Held-lock dataflow over a function's CFG, and per-function lock summaries.

`LockAnalysis` (one per package, `pkg.fact(LockAnalysis)`) answers three questions:

* `facts(func, file)`: for one function (declaration or func_literal), the locks *definitely*
  held before every CFG node (a forward must-analysis: intersection at joins), and the list of
  lock-relevant `Event`s in execution order, each with the `State` just before it: acquisitions
  (`Lock`/`RLock`), releases (`Unlock`/`RUnlock`), deferred unlocks, blocking operations (send,
  receive, range over a channel, select without default, `wg.Wait()`, `time.Sleep`,
  `cond.Wait()`) and calls of package functions (with their net effect mapped onto the caller's
  objects). `TryLock` is not an acquisition. Nested func literals are other functions, except a
  literal called in place (`func(){...}()`), whose effect is applied at the call, and a deferred
  one (`defer func(){ mu.Unlock() }()`), whose unlocks mark the lock as released at exit.
* `effect(func, file)`: the net effect of calling a function: locks still held at every return
  (`lockAll()`), and locks it releases without having taken them (`unlockAndNotify()`).
* `reach(func, file)`: every lock the function acquires and every blocking operation it performs
  while holding nothing relevant, directly or through static calls, each with its call chain and
  with refs expressed relative to the function's receiver, parameters and package variables.
  `map_access` turns them into the caller's terms (`s.B()` where B locks `s.mu`: the caller's
  `s.mu`).

Calls to other packages are unknown: no effect. Calls through function values and interfaces
run what `dispatch.Dispatch` says they may run: one target applies its effect, several only
add to the reach (which of them runs is not known). Recursion
is cut by an in-progress guard (a recursive call contributes nothing), so summaries
under-approximate, which keeps rules silent rather than wrong.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Generic, TypeVar

import attrs
from tree_sitter import Node, Query, QueryCursor

from goconc.analyzer.calls import binding_key, callee, param_idents, receiver_ident
from goconc.analyzer.cfg import CFG, Block
from goconc.analyzer.consts import NO_ENV, Env
from goconc.analyzer.dataflow import fixpoint
from goconc.analyzer.dispatch import Dispatch, Target
from goconc.analyzer.facts import Fact, Package
from goconc.analyzer.matchers import FUNC_KINDS, assigned_target, call_args, descendants
from goconc.analyzer.parse import go_language
from goconc.analyzer.source import SourceFile
from goconc.analyzer.types import Ref, unparen

#: (root, path): one lock object, whatever the mode.
ObjKey = tuple[str, tuple[str, ...]]
#: (root, path, mode): one held entry; a RWMutex can be held for reading and for writing.
LockKey = tuple[str, tuple[str, ...], str]

WRITE = "write"
READ = "read"
_LOCKERS = frozenset({"Mutex", "RWMutex", "Locker"})
_ACQUIRE = {"Lock": WRITE, "RLock": READ}
_RELEASE = {"Unlock": WRITE, "RUnlock": READ}
_SYNC_OPS = frozenset({*_ACQUIRE, *_RELEASE, "Wait"})
# A function that locks or unlocks calls something named like this (`Lock(`, `RUnlock(`,
# `lockAll(`, `unlockAndNotify(`); without such a call its summary has no lock effect.
# ("block(", "clock(" must not match: SSA-style code is full of them.)
# A call that may lock or unlock something, directly or through a helper (`lockAll(`).
LOCK_CALL = re.compile(rb"(?<![A-Za-z0-9_])R?(?:[Ll]ock|[Uu]nlock)\w*\(")
_MAX_ACQUIRES = 48
_MAX_BLOCKS = 24
_MAX_DEPTH = 12
# An access reached through a call of a function value or interface (code written elsewhere,
# found by what the package stores or implements) counts only this many calls down.
MAX_DYNAMIC_CHAIN = 4
_MAX_MAPPED = 8192  # see LockAnalysis._mapped
_NO_LOW = 1 << 30  # no busy function met (see LockAnalysis._low)

_T = TypeVar("_T")


@attrs.frozen
class _Cut(Generic[_T]):
    """A summary cut short by the depth bound, kept for the depth it was asked at."""

    value: _T
    gen: int  # LockAnalysis._gen when it was computed
    # The functions whose summaries it computed (or met being computed): asked again, it is
    # the same while none of them is being computed and none got a settled summary since.
    support: frozenset[int]


def lock_call_in(data: bytes, start: int, end: int) -> bool:
    """``LOCK_CALL.search(data, start, end) is not None``, many times faster: the regex has no
    literal prefix, so it is tried at every byte, but each match has `ock` one to four bytes
    after its start (`Lock`, `RLock`, `Unlock`, `RUnlock`), so only those starts are tried."""
    match = LOCK_CALL.match
    i = data.find(b"ock", start, end)
    while i >= 0:
        for s in (i - 1, i - 2, i - 3, i - 4):
            if s >= start and match(data, s, end) is not None:
                return True
        i = data.find(b"ock", i + 1, end)
    return False


def mentions_locks(func: Node, file: SourceFile) -> bool:
    """Cheap prefilter: the function's body may lock or unlock something (no copy made)."""
    body = func.child_by_field_name("body")
    return body is not None and lock_call_in(file.data, body.start_byte, body.end_byte)


def obj_key(ref: Ref) -> ObjKey:
    return (ref.root, ref.path)


@attrs.frozen(eq=False)
class Site:
    """A place in some file of the package: a Lock call, a blocking operation, a call."""

    node: Node
    file: SourceFile
    text: str  # short source text for messages: "s.mu.Lock()", "s.flush()"


@attrs.frozen(eq=False)
class Held:
    """A lock definitely held at some point of a function."""

    ref: Ref
    mode: str  # WRITE | READ
    acquire: Node  # the Lock/RLock call, or the call of a helper that returns holding it
    file: SourceFile
    deferred: bool = False  # a deferred unlock is registered: released only at function exit
    chain: tuple[Site, ...] = ()  # through a helper: the calls down to the Lock, then the Lock
    relock: bool = False  # re-takes a caller's lock that this function released first

    @property
    def key(self) -> LockKey:
        return (self.ref.root, self.ref.path, self.mode)


@attrs.frozen(eq=False)
class State:
    """Locks definitely held, and locks of the caller (held on entry) released, at one point.

    A function starts with nothing held: a lock it releases without having taken it is one its
    caller holds on entry (`released`, on some path; `dropped`, on every path and not re-taken
    since). Re-taking it then restores the entry state (`Held.relock`), which is what a
    "called with mu held" helper does when it drops the lock around slow work."""

    held: Mapping[LockKey, Held] = attrs.field(factory=dict)
    released: Mapping[ObjKey, Ref] = attrs.field(factory=dict)
    # Locks with a deferred unlock registered on every path: re-taken, they stay `deferred`
    # (`defer mu.Unlock(); ...; mu.Unlock(); work(); mu.Lock()` still unlocks at exit).
    defers: frozenset[ObjKey] = frozenset()
    # The caller's locks released on every path here and not re-taken (a subset of released).
    dropped: frozenset[ObjKey] = frozenset()
    # Locks this function took itself on some path (not re-taking a dropped one): releasing
    # one of them when it is not definitely held is no release of the caller's lock.
    owned: frozenset[ObjKey] = frozenset()

    def locks(self) -> list[Held]:
        """Held locks in a stable order (by acquisition position)."""
        return sorted(self.held.values(), key=lambda h: (h.file.path, h.acquire.start_byte, h.mode))

    def holds(self, ref: Ref) -> Held | None:
        """The held entry for this lock object (write mode first), if any."""
        return self.held.get((ref.root, ref.path, WRITE)) or self.held.get(
            (ref.root, ref.path, READ)
        )

    def same(self, other: State) -> bool:
        if self.held.keys() != other.held.keys() or self.released.keys() != other.released.keys():
            return False
        if (
            self.defers != other.defers
            or self.dropped != other.dropped
            or self.owned != other.owned
        ):
            return False
        return all(h.deferred == other.held[k].deferred for k, h in self.held.items())


EMPTY = State()


@attrs.frozen(eq=False)
class Access:
    """A lock acquisition or blocking operation performed by a function or its callees."""

    kind: str  # "acquire" | "block"
    ref: Ref | None  # acquire: the lock; block: the channel / WaitGroup / Cond, when known
    mode: str  # acquire: WRITE | READ; block: send | recv | range | select | wait | sleep | cond
    site: Site  # the operation itself, in the function that performs it
    chain: tuple[Site, ...] = ()  # calls from the summarised function down to that function
    released: tuple[Ref, ...] = ()  # caller locks released before it (relative refs)
    cond_lock: Ref | None = None  # cond.Wait: the Cond's L
    dynamic: bool = False  # reached through a call of a function value or interface


@attrs.frozen(eq=False)
class Effect:
    """Net effect of a call on the locks its caller holds (refs relative to the callee):
    `holds`, locks it returns holding on every path (`lockAll()`); `releases`, locks held on
    entry that it releases on every path (`unlockAndNotify()`); `may_release`, those it may
    release on some path (a superset of `releases`: not definitely held after the call). A
    lock released and re-taken (`mu.Unlock(); work(); mu.Lock()`) is no effect at all."""

    holds: tuple[Held, ...] = ()
    releases: tuple[Ref, ...] = ()
    may_release: tuple[Ref, ...] = ()


@attrs.frozen(eq=False)
class Reach:
    acquires: tuple[Access, ...] = ()
    blocks: tuple[Access, ...] = ()


NO_EFFECT = Effect()
NO_REACH = Reach()


@attrs.frozen(eq=False)
class Call:
    """A static call of a package function (or an in-place func literal) at some event."""

    func: Node  # the callee: function_declaration, method_declaration or func_literal
    file: SourceFile  # the callee's file
    name: str  # "s.flush" for messages
    site: Site  # the call expression in the caller
    # callee root key -> (callee root name, caller expression, extra path); None: identity
    # (an in-place literal sees the caller's variables).
    roots: dict[str, tuple[str, Node, tuple[str, ...]]] | None
    caller_file: SourceFile
    holds: tuple[Held, ...] = ()  # mapped onto the caller
    releases: tuple[Ref, ...] = ()  # mapped onto the caller (see Effect)
    may_release: tuple[Ref, ...] = ()  # mapped onto the caller
    # The callee's parameters bound to constants at this call: its summary is specialised.
    env: Env = NO_ENV
    # The other functions a dynamic call may run (see dispatch.py): their reach counts too;
    # with several, none has an effect on the caller's locks (it is not known which runs).
    others: tuple[Call, ...] = ()
    # Through a function value or interface, to code written elsewhere (not a local closure):
    # what it reaches counts only within MAX_DYNAMIC_CHAIN calls of the function that asks.
    dynamic: bool = False
    # Through a parameter of the calling function: what runs is what each caller passes, so
    # it counts for the function itself, not in the summary its callers use.
    by_caller: bool = False


@attrs.frozen(eq=False)
class Event:
    kind: str  # acquire | release | defer | block | call
    node: Node  # Lock call, Unlock call, defer statement, blocking node, call expression
    stmt: Node  # the CFG node that contains it
    state: State  # just before the event
    ref: Ref | None = None  # lock (acquire/release/defer), channel / WaitGroup / Cond (block)
    mode: str = ""  # WRITE/READ, or the blocking kind (see Access.mode)
    cond_lock: Ref | None = None  # block "cond": the Cond's L when resolved
    call: Call | None = None
    deferred: tuple[tuple[Ref, str], ...] = ()  # defer: the locks it unlocks at exit


@attrs.define(eq=False)
class LockFacts:
    func: Node
    file: SourceFile
    cfg: CFG
    events: list[Event]
    before: dict[int, State]  # CFG node id -> state before it
    exits: list[tuple[Node | None, State]]  # each way to the normal exit: (return | None, state)
    deferred_releases: list[Ref]  # deferred unlocks of locks not held when deferred

    def held_at(self, node: Node) -> State:
        """The state before the CFG node that contains ``node`` (EMPTY if unreachable)."""
        n: Node | None = node
        while n is not None:
            found = self.before.get(n.id)
            if found is not None:
                return found
            if n.id == self.func.id:
                break
            n = n.parent
        return EMPTY

    def exit_state(self) -> State:
        return _meet([s for _, s in self.exits]) if self.exits else EMPTY


# -- the transfer functions ----------------------------------------------------------------------


def _meet(states: list[State]) -> State:
    if len(states) == 1:
        return states[0]
    first = states[0]
    held: dict[LockKey, Held] = {}
    for key, h in first.held.items():
        others = [s.held.get(key) for s in states[1:]]
        if any(o is None for o in others):
            continue
        candidates = [h, *(o for o in others if o is not None)]
        best = min(candidates, key=lambda c: (c.file.path, c.acquire.start_byte))
        deferred = all(c.deferred for c in candidates)
        relock = any(c.relock for c in candidates)
        if best.deferred != deferred or best.relock != relock:
            best = attrs.evolve(best, deferred=deferred, relock=relock)
        held[key] = best
    released: dict[ObjKey, Ref] = {}
    for s in states:
        for k, r in s.released.items():
            released.setdefault(k, r)
    rest = states[1:]
    defers = first.defers.intersection(*(s.defers for s in rest))
    dropped = first.dropped.intersection(*(s.dropped for s in rest))
    owned = first.owned.union(*(s.owned for s in rest))
    return State(held, released, defers, dropped, owned)


def _acquire(state: State, h: Held) -> State:
    if h.key in state.held:
        return state  # already held: keep the first acquisition (double lock is MU004's)
    held = dict(state.held)
    released = state.released
    obj = obj_key(h.ref)
    if obj in released:
        # The caller's lock, taken again: held from here, released again by its next unlock.
        released = {k: v for k, v in released.items() if k != obj}
        h = attrs.evolve(h, relock=True)
    if obj in state.defers and not h.deferred:
        h = attrs.evolve(h, deferred=True)  # the unlock deferred earlier releases it at exit
    held[h.key] = h
    dropped, owned = state.dropped, state.owned
    if obj in dropped:
        dropped = dropped - {obj}  # restores the entry state
    else:
        owned = owned | {obj}
    return State(held, released, state.defers, dropped, owned)


def _release(state: State, ref: Ref, mode: str, must: bool = True) -> State:
    """An unlock (``must``), or a call that may unlock on some path only."""
    other = READ if mode == WRITE else WRITE
    obj = obj_key(ref)
    for m in (mode, other):
        key = (ref.root, ref.path, m)
        h = state.held.get(key)
        if h is not None:
            held = {k: v for k, v in state.held.items() if k != key}
            if not h.relock:
                return attrs.evolve(state, held=held)
            dropped = state.dropped | {obj} if must else state.dropped
            return attrs.evolve(
                state, held=held, released={**state.released, obj: ref}, dropped=dropped
            )
    released = dict(state.released)
    released.setdefault(obj, ref)
    # Not held here, nor taken by this function on any path: the caller's lock.
    entry = must and obj not in state.owned
    dropped = state.dropped | {obj} if entry else state.dropped
    return attrs.evolve(state, released=released, dropped=dropped)


def _defer(state: State, ref: Ref, mode: str, plain: bool) -> State:
    """A deferred unlock: of a held lock, it is released at exit; of one not held (``plain``
    `defer mu.Unlock()` only, not a closure that may test something), the caller's lock is."""
    other = READ if mode == WRITE else WRITE
    for m in (mode, other):
        key = (ref.root, ref.path, m)
        h = state.held.get(key)
        if h is not None:
            if h.deferred:
                return state
            held = dict(state.held)
            held[key] = attrs.evolve(h, deferred=True)
            return attrs.evolve(state, held=held, defers=state.defers | {obj_key(ref)})
    if plain and obj_key(ref) not in state.owned:
        return attrs.evolve(state, defers=state.defers | {obj_key(ref)})
    return state


def _defer_relock(state: State, ref: Ref) -> State:
    """`mu.Unlock(); defer mu.Lock()`: the caller's lock is taken back at exit."""
    obj = obj_key(ref)
    if obj not in state.dropped:
        return state
    return attrs.evolve(state, dropped=state.dropped - {obj})


def _hand_off(state: State, ref: Ref) -> State:
    """A goroutine started here unlocks ``ref``: this function no longer holds it."""
    held = {k: v for k, v in state.held.items() if (k[0], k[1]) != obj_key(ref)}
    return state if len(held) == len(state.held) else attrs.evolve(state, held=held)


# -- operations inside one CFG node ----------------------------------------------------------------


@attrs.frozen(eq=False)
class _Op:
    kind: str
    node: Node
    ref: Ref | None = None
    mode: str = ""
    cond_lock: Ref | None = None
    call: Call | None = None
    deferred: tuple[tuple[Ref, str], ...] = ()
    plain: bool = False  # defer: `defer mu.Unlock()` itself, not a closure or a helper
    relocks: tuple[Ref, ...] = ()  # defer: `defer mu.Lock()`; go: locks the goroutine releases


def _apply(state: State, op: _Op, file: SourceFile) -> State:
    kind = op.kind
    if kind == "acquire":
        assert op.ref is not None
        return _acquire(state, Held(op.ref, op.mode, op.node, file))
    if kind == "release":
        assert op.ref is not None
        return _release(state, op.ref, op.mode)
    if kind == "defer":
        for ref, mode in op.deferred:
            state = _defer(state, ref, mode, op.plain)
        for ref in op.relocks:
            state = _defer_relock(state, ref)
        return state
    if kind == "handoff":
        for ref in op.relocks:
            state = _hand_off(state, ref)
        return state
    if kind == "call" and op.call is not None:
        must = {obj_key(r) for r in op.call.releases}
        for ref in op.call.may_release:
            state = _release(state, ref, WRITE, obj_key(ref) in must)
        for h in op.call.holds:
            state = _acquire(state, h)
    return state


class LockAnalysis(Fact):
    """Held-lock facts and lock summaries for one package, computed on demand and cached."""

    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg
        # By (function, constant arguments): a summary specialised to the calls that bind them.
        self._facts: dict[tuple[int, Env], LockFacts] = {}
        self._effects: dict[tuple[int, Env], Effect] = {}
        self._reach: dict[tuple[int, Env], Reach] = {}
        # A callee's reach seen from one call site, for the last calls asked: the rules of a
        # function, and MU001's questions about its callers, ask for the same calls again.
        # Bounded, as each holds a copy (8192: about 10 MB on nats-server's server/).
        self._mapped: dict[int, tuple[Call, Reach, Reach]] = {}
        # The functions being computed, with the depth each was entered at.
        self._busy: dict[int, int] = {}
        self._busy_reach: dict[int, int] = {}
        self._conds: tuple[dict[ObjKey, Ref], dict[str, tuple[str, ...] | None]] | None = None
        self._depth = 0
        # Set when a summary was cut short by the depth bound: results computed meanwhile
        # depend on how deep they were asked for, and are cached by that depth too (asked
        # again from a shallower call, they are complete).
        self._cut = False
        self._cut_facts: dict[tuple[int, Env, int], _Cut[LockFacts]] = {}
        self._cut_reach: dict[tuple[int, Env, int], _Cut[Reach]] = {}
        # The lowest entry depth of a busy function met as recursion while computing: a cut
        # result that met one entered before it depends on its callers, and is not cached.
        self._low = _NO_LOW
        # The functions the summary being computed asked about (see _Cut.support), and when
        # each last got a settled summary (a counter of settled summaries, _gen).
        self._support: set[int] = set()
        self._gen = 0
        self._born: dict[int, int] = {}
        self._mentions: dict[int, bool] = {}
        self._decl_locks: dict[int, bool] = {}
        self._file_locks: dict[str, bool] = {}
        self._params: dict[int, list[Node | None]] = {}  # a callee's parameters, by its id
        self._flags: dict[int, frozenset[str]] = {}  # see _flag_params

    # -- public API --------------------------------------------------------------------------
    def mentions_locks(self, func: Node, file: SourceFile) -> bool:
        """``mentions_locks(func, file)``, computed once per function for every rule."""
        found = self._mentions.get(func.id)
        if found is None:
            found = self._mentions[func.id] = mentions_locks(func, file)
        return found

    def file_may_lock(self, file: SourceFile) -> bool:
        """Whether some function of ``file`` may lock or unlock, from its bytes (no parse)."""
        found = self._file_locks.get(file.path)
        if found is None:
            found = self._file_locks[file.path] = lock_call_in(file.data, 0, len(file.data))
        return found

    def declaration_may_lock(self, decl: Node, file: SourceFile) -> bool:
        """Whether some function in the top-level declaration ``decl`` may lock or unlock
        (its range holds every body that ``mentions_locks`` looks at), once per declaration."""
        found = self._decl_locks.get(decl.id)
        if found is None:
            found = self._decl_locks[decl.id] = lock_call_in(
                file.data, decl.start_byte, decl.end_byte
            )
        return found

    def facts(self, func: Node, file: SourceFile, env: Env = NO_ENV) -> LockFacts:
        """Held-lock facts of ``func``; with ``env``, as a call binding those parameters to
        constants runs it (the branches they rule out are dead)."""
        found = self._facts.get((func.id, env))
        if found is not None:
            return found
        return self._summary(
            func,
            env,
            self._facts,
            self._cut_facts,
            self._busy,
            lambda: self._compute(func, file, env),
        )

    def _summary(
        self,
        func: Node,
        env: Env,
        settled: dict[tuple[int, Env], _T],
        cut_short: dict[tuple[int, Env, int], _Cut[_T]],
        busy: dict[int, int],
        compute: Callable[[], _T],
    ) -> _T:
        """Compute a summary not settled yet. One cut short by the depth bound depends on
        the depth it is asked at, and is kept by that depth: computed again in the same
        circumstances, it would be the same (see _Cut)."""
        depth = self._depth
        deep = (func.id, env, depth)
        self._support.add(func.id)
        kept = cut_short.get(deep)
        if kept is not None and all(
            self._born.get(f, -1) <= kept.gen and f not in self._busy and f not in self._busy_reach
            for f in kept.support
        ):
            self._cut = True
            self._support |= kept.support
            return kept.value
        busy[func.id] = depth
        self._depth += 1
        outer = (self._cut, self._low, self._support)
        self._cut, self._low, self._support = False, _NO_LOW, {func.id}
        try:
            found = compute()
        finally:
            self._depth -= 1
            busy.pop(func.id, None)
            cut, low, support = self._cut, self._low, self._support
            self._cut, self._low, self._support = cut or outer[0], min(low, outer[1]), outer[2]
            self._support |= support
        if not cut:
            settled[(func.id, env)] = found
            self._settled(func)
        elif low >= depth:  # it met no function being computed before it was asked
            cut_short[deep] = _Cut(found, self._gen, frozenset(support))
        return found

    def _settled(self, func: Node) -> None:
        self._gen += 1
        self._born[func.id] = self._gen

    def effect(self, func: Node, file: SourceFile, env: Env = NO_ENV) -> Effect:
        """Net effect of calling ``func`` on locks (relative to its receiver and parameters)."""
        key = (func.id, env)
        found = self._effects.get(key)
        if found is not None:
            return found
        body = func.child_by_field_name("body")
        if body is None or not self.mentions_locks(func, file):
            self._effects[key] = NO_EFFECT
            return NO_EFFECT
        self._support.add(func.id)
        entered = self._busy.get(func.id)
        if entered is not None:
            self._low = min(self._low, entered)
            return NO_EFFECT  # recursion: no effect (not cached)
        if self._depth > _MAX_DEPTH:
            self._cut = True  # too deep here: what uses this is not cached either
            return NO_EFFECT
        facts = self.facts(func, file, env)
        exit_state = facts.exit_state()
        # (A lock the caller held on entry, released and re-taken, is held after the call.)
        holds = tuple(h for h in exit_state.locks() if not h.deferred)
        if holds:
            handed = self.handed_off(func, file)
            holds = tuple(h for h in holds if obj_key(h.ref) not in handed)
        # What it may release: a lock of the caller released on some path, or unlocked by a
        # deferred call; what it releases for sure: released on every path (`dropped`), or by
        # a `defer mu.Unlock()` registered on every path while it was not this function's.
        may: dict[ObjKey, Ref] = dict(exit_state.released)
        for r in facts.deferred_releases:
            may.setdefault(obj_key(r), r)
        must = {k: may[k] for k in exit_state.dropped if k in may}
        for k in exit_state.defers:
            h = exit_state.held.get((*k, WRITE)) or exit_state.held.get((*k, READ))
            ref = may.get(k) if h is None else h.ref if h.relock else None
            if ref is not None:
                must.setdefault(k, ref)
                may.setdefault(k, ref)
        found = (
            Effect(holds, tuple(must.values()), tuple(may.values())) if holds or may else NO_EFFECT
        )
        self._effects[key] = found
        self._settled(func)
        return found

    def handed_off(self, func: Node, file: SourceFile) -> set[ObjKey]:
        """Locks unlocked inside a func literal nested in ``func`` (a goroutine, a callback,
        `defer n.RUnlock()` in a `go func`): whoever runs it releases them, so a lock still
        held when ``func`` returns is handed off, not held for its caller."""
        out: set[ObjKey] = set()
        body = func.child_by_field_name("body")
        if body is None:
            return out
        for lit in descendants(body, frozenset({"func_literal"})):
            lit_body = lit.child_by_field_name("body")
            if (
                lit_body is None
                or b"nlock" not in file.data[lit_body.start_byte : lit_body.end_byte]
            ):
                continue
            for call in descendants(lit_body, frozenset({"call_expression"})):
                fn = call.child_by_field_name("function")
                if fn is None or fn.type != "selector_expression":
                    continue
                field = fn.child_by_field_name("field")
                if field is None or file.text(field) not in _RELEASE:
                    continue
                target = self.pkg.resolver.method_target(fn, file)
                if target is not None and target[0] in _LOCKERS and target[1] is not None:
                    out.add(obj_key(target[1]))
        return out

    def reach(self, func: Node, file: SourceFile, env: Env = NO_ENV) -> Reach:
        """Acquisitions and lock-free blocking operations of ``func``, through static calls."""
        key = (func.id, env)
        found = self._reach.get(key)
        if found is not None:
            return found
        self._support.add(func.id)
        entered = self._busy_reach.get(func.id)
        if entered is not None:
            self._low = min(self._low, entered)
            return NO_REACH
        if self._depth > _MAX_DEPTH:
            self._cut = True  # too deep here: what uses this is not settled either
            return NO_REACH
        return self._summary(
            func,
            env,
            self._reach,
            self._cut_reach,
            self._busy_reach,
            lambda: self._compute_reach(func, file, env),
        )

    def call_reach(self, call: Call) -> Reach:
        """The callee's reach, in the caller's terms (chains start at the call); for a
        dynamic call, what any of the functions it may run reaches."""
        if not call.others:
            return self._one_reach(call)
        parts = [self._one_reach(c) for c in (call, *call.others)]
        return Reach(
            tuple(a for p in parts for a in p.acquires), tuple(b for p in parts for b in p.blocks)
        )

    def _one_reach(self, call: Call) -> Reach:
        sub = self.reach(call.func, call.file, call.env)
        if sub is NO_REACH:
            return sub
        # The mapping depends only on the call and the callee's reach (which is cached).
        mapped = self._mapped.get(id(call))
        if mapped is not None and mapped[0] is call and mapped[1] is sub:
            return mapped[2]
        acquires = [a for a in (self.map_access(a, call) for a in sub.acquires) if a is not None]
        blocks = [b for b in (self.map_access(b, call) for b in sub.blocks) if b is not None]
        found = Reach(tuple(acquires), tuple(blocks))
        if len(self._mapped) >= _MAX_MAPPED:
            self._mapped.clear()
        self._mapped[id(call)] = (call, sub, found)
        return found

    def map_access(self, access: Access, call: Call) -> Access | None:
        """``access`` of the callee seen from the caller; None when its meaning is lost (a
        cond.Wait whose L cannot be mapped)."""
        if access.kind == "block" and access.ref is not None and _passed_nil(access.ref, call):
            return (
                None  # an operation on a channel the caller passes as nil: guarded by a nil check
            )
        ref = self.map_ref(access.ref, call) if access.ref is not None else None
        if ref is None and access.kind == "acquire" and access.ref is not None:
            # Keep the class, but the instance is the callee's own: never one the caller
            # holds, even when the callee is the caller itself (recursion).
            ref = _own(access.ref)
        cond_lock = None
        if access.cond_lock is not None:
            cond_lock = self.map_ref(access.cond_lock, call)
            if cond_lock is None:
                return None
        released = tuple(r for r in (self.map_ref(r, call) for r in access.released) if r)
        chain = (call.site, *access.chain)
        dynamic = access.dynamic or call.dynamic
        if dynamic and len(chain) > MAX_DYNAMIC_CHAIN:
            return None  # a guess about what a function value runs, far down: no evidence
        return Access(
            access.kind, ref, access.mode, access.site, chain, released, cond_lock, dynamic
        )

    def map_ref(self, ref: Ref, call: Call) -> Ref | None:
        """A callee ref in the caller's terms, or None when it is the callee's own object."""
        if call.roots is None or ref.root.startswith(("pkg:", "ext:")):
            return ref
        found = call.roots.get(ref.root)
        if found is None:
            return None
        name, expr, extra = found
        base = self.pkg.resolver.ref_of(expr, call.caller_file)
        if base is None:
            return None
        path = (*base.path, *extra, *ref.path)
        suffix = ref.text[len(name) :] if ref.text.startswith(name) else ""
        text = base.text + "".join(f".{p}" for p in extra) + suffix
        cls = base.cls if not extra and not ref.path else ref.cls
        return Ref(base.root, path, text, cls)

    def cond_lock(self, cond: Ref) -> Ref | None:
        """The L of a sync.Cond: from `sync.NewCond(&x)` / `&sync.Cond{L: &x}` in the package."""
        exact, rel = self._cond_table()
        found = exact.get(obj_key(cond))
        if found is not None:
            return found
        if cond.cls and cond.path:
            suffix = rel.get(cond.cls)
            if suffix is not None:
                path = (*cond.path[:-1], *suffix)
                prefix = cond.text.rsplit(".", 1)[0] if "." in cond.text else cond.text
                return Ref(cond.root, path, ".".join([prefix, *suffix]), "")
        return None

    # -- per-function dataflow ----------------------------------------------------------------
    def _compute(self, func: Node, file: SourceFile, env: Env) -> LockFacts:
        cfg = self.pkg.cfg(func, file, env)
        rpo = cfg.reachable()
        ops = self._ops_by_node(func, file, env, rpo)
        ins = self._settle(cfg, rpo, ops, file) if _has_effects(ops) else {}
        return self._record(func, file, cfg, rpo, ops, ins)

    def _ops_by_node(
        self, func: Node, file: SourceFile, env: Env, rpo: list[Block]
    ) -> dict[int, list[_Op]]:
        """The lock-relevant operations of every reachable CFG node that has some, by node id."""
        ops: dict[int, list[_Op]] = {}
        hits = _candidates(func)
        starts = [h.start_byte for h in hits]
        for block in rpo:
            for n in block.nodes:
                lo = bisect_left(starts, n.start_byte)
                hi = bisect_left(starts, n.end_byte, lo)
                found = self._ops(n, file, hits[lo:hi], env)
                if found:
                    ops[n.id] = found
        return ops

    def _settle(
        self, cfg: CFG, rpo: list[Block], ops: dict[int, list[_Op]], file: SourceFile
    ) -> dict[int, State]:
        """The held locks at the start of every block reached, by block index: the fixpoint of
        the forward dataflow (meet of the predecessors' out-states)."""
        outs: dict[int, State] = {}
        ins: dict[int, State] = {}

        def step(block: Block) -> bool:
            state = self._in_state(block, cfg, outs)
            if state is None:
                return False
            ins[block.index] = state
            for n in block.nodes:
                for op in ops.get(n.id, ()):
                    state = _apply(state, op, file)
            old = outs.get(block.index)
            if old is None or not old.same(state):
                outs[block.index] = state
                return True
            return False

        fixpoint(rpo, step)
        return ins

    def _record(
        self,
        func: Node,
        file: SourceFile,
        cfg: CFG,
        rpo: list[Block],
        ops: dict[int, list[_Op]],
        ins: dict[int, State],
    ) -> LockFacts:
        """One last pass from the settled in-states: the state before every node and event, and
        the state at every way out."""
        outs: dict[int, State] = {}
        events: list[Event] = []
        before: dict[int, State] = {}
        deferred_releases: list[Ref] = []
        for block in rpo:
            state = ins.get(block.index, EMPTY)
            for n in block.nodes:
                before[n.id] = state
                for op in ops.get(n.id, ()):
                    events.append(
                        Event(
                            op.kind,
                            op.node,
                            n,
                            state,
                            op.ref,
                            op.mode,
                            op.cond_lock,
                            op.call,
                            op.deferred,
                        )
                    )
                    if op.kind == "defer":
                        deferred_releases.extend(
                            r for r, _ in op.deferred if state.holds(r) is None
                        )
                    state = _apply(state, op, file)
            outs[block.index] = state
        exits: list[tuple[Node | None, State]] = []
        for pred in cfg.exit.preds:
            if not pred.live:
                continue
            last = pred.nodes[-1] if pred.nodes else None
            ret = last if last is not None and last.type == "return_statement" else None
            exits.append((ret, outs.get(pred.index, EMPTY)))
        return LockFacts(func, file, cfg, events, before, exits, deferred_releases)

    @staticmethod
    def _in_state(block: Block, cfg: CFG, outs: dict[int, State]) -> State | None:
        if block is cfg.entry:
            return EMPTY
        preds = [outs[p.index] for p in block.preds if p.index in outs]
        return _meet(preds) if preds else None

    def _ops(self, stmt: Node, file: SourceFile, hits: list[Node], env: Env) -> list[_Op]:
        """Lock-relevant operations of one CFG node, in evaluation order (operands first).
        ``hits``: the candidate nodes inside it, outside nested func literals, in that order;
        ``env``: the function's parameters bound to constants."""
        out: list[_Op] = []
        parent = stmt.parent
        if parent is not None and parent.type == "communication_case":
            # A select case's communication: the select as a whole is the blocking operation.
            self._select_op(parent, out)
            return out
        kind = stmt.type
        if kind == "defer_statement":
            self._defer_op(stmt, file, out, env)
            return out
        if kind == "go_statement":
            # The goroutine runs elsewhere, its body starts with nothing held; but a lock it
            # unlocks is handed to it (`mu.Lock(); go func() { defer mu.Unlock() }()`).
            self._go_op(stmt, file, out, env)
            return out
        # Children before parents: by end, then the later start (the inner node) first.
        for node in sorted(hits, key=lambda n: (n.end_byte, -n.start_byte)):
            self._op_of(node, file, out, env)
        return out

    def _go_op(self, stmt: Node, file: SourceFile, out: list[_Op], env: Env) -> None:
        call = stmt.named_children[0] if stmt.named_children else None
        if call is None or call.type != "call_expression":
            return
        fn = call.child_by_field_name("function")
        if fn is None:
            return
        fn = unparen(fn)
        found = (
            self._literal_call(call, fn, file, env)
            if fn.type == "func_literal"
            else self._static_call(call, file, env)
        )
        if found is not None and found.may_release:
            out.append(_Op("handoff", stmt, relocks=found.may_release))

    def _select_op(self, case: Node, out: list[_Op]) -> None:
        select = case.parent
        if select is None:
            return
        cases = [
            c for c in select.named_children if c.type in ("communication_case", "default_case")
        ]
        if any(c.type == "default_case" for c in cases) or not cases or cases[0].id != case.id:
            return
        keyword = select.children[0] if select.children else select
        out.append(_Op("block", keyword, None, "select"))

    def _op_of(self, node: Node, file: SourceFile, out: list[_Op], env: Env) -> None:
        t = node.type
        r = self.pkg.resolver
        if t == "call_expression":
            fn = node.child_by_field_name("function")
            if fn is None:
                return
            fn = unparen(fn)
            if fn.type == "func_literal":
                call = self._literal_call(node, fn, file, env)
                if call is not None:
                    out.append(_Op("call", node, call=call))
                return
            if fn.type == "selector_expression":
                field = fn.child_by_field_name("field")
                method = file.text(field) if field is not None else ""
                # Only these sync methods are operations; any other call is followed as a call
                # (a sync method outside the package has no callee to follow).
                target = r.method_target(fn, file) if method in _SYNC_OPS else None
                if target is not None:
                    skind, ref = target
                    if skind in _LOCKERS:
                        if ref is not None and method in _ACQUIRE:
                            out.append(_Op("acquire", node, ref, _ACQUIRE[method]))
                        elif ref is not None and method in _RELEASE:
                            out.append(_Op("release", node, ref, _RELEASE[method]))
                    elif skind == "WaitGroup" and method == "Wait":
                        out.append(_Op("block", node, ref, "wait"))
                    elif skind == "Cond" and method == "Wait":
                        lock = self._cond_L(ref)
                        out.append(_Op("block", node, ref, "cond", cond_lock=lock))
                    return
                if method == "Sleep" and r.pkg_func(node, file) == ("time", "Sleep"):
                    out.append(_Op("block", node, None, "sleep"))
                    return
            call = self._static_call(node, file, env)
            if call is not None:
                out.append(_Op("call", node, call=call))
        elif t == "send_statement":
            out.append(
                _Op("block", node, r.ref_of(node.child_by_field_name("channel"), file), "send")
            )
        elif t == "unary_expression":
            op = node.child_by_field_name("operator")
            if op is not None and op.type == "<-":
                operand = node.child_by_field_name("operand")
                if operand is not None and self._cancelled_before(node, operand, file):
                    return  # `cancel(); <-ctx.Done()`: closed already, it does not wait
                out.append(_Op("block", node, r.ref_of(operand, file), "recv"))
        elif t == "range_clause":
            right = node.child_by_field_name("right")
            rt = r.type_of(right, file) if right is not None else None
            if rt is not None and rt.kind == "chan":
                out.append(_Op("block", node, r.ref_of(right, file), "range"))

    def _cancelled_before(self, receive: Node, operand: Node, file: SourceFile) -> bool:
        """`<-ctx.Done()` right after `cancel()` in the same block, where `ctx, cancel` were
        made together by a context.With* call."""
        operand = unparen(operand)
        fn = operand.child_by_field_name("function") if operand.type == "call_expression" else None
        if fn is None or fn.type != "selector_expression":
            return False
        field = fn.child_by_field_name("field")
        ctx = fn.child_by_field_name("operand")
        if field is None or ctx is None or file.text(field) != "Done" or ctx.type != "identifier":
            return False
        r = self.pkg.resolver
        b = r.binding(ctx, file)
        if b is None or b.index != 0 or b.value is None or b.value.type != "call_expression":
            return False
        made = r.pkg_func(b.value, file)
        if made is None or made[0] != "context" or not made[1].startswith("With"):
            return False
        stmt = receive
        while stmt.parent is not None and stmt.parent.type not in ("block", "statement_list"):
            stmt = stmt.parent
        sibling = stmt.prev_named_sibling
        while sibling is not None:
            call = sibling.named_children[0] if sibling.type == "expression_statement" else None
            callee_fn = call.child_by_field_name("function") if call is not None else None
            if callee_fn is not None and callee_fn.type == "identifier":
                cancel = r.binding(callee_fn, file)
                if (
                    cancel is not None
                    and cancel.value is not None
                    and cancel.value.id == b.value.id
                    and cancel.index == 1
                ):
                    return True
            sibling = sibling.prev_named_sibling
        return False

    def _cond_L(self, cond: Ref | None) -> Ref | None:
        if cond is None:
            return None
        return self.cond_lock(cond)

    def _defer_op(self, stmt: Node, file: SourceFile, out: list[_Op], env: Env) -> None:
        call = stmt.named_children[0] if stmt.named_children else None
        if call is None or call.type != "call_expression":
            return
        fn = call.child_by_field_name("function")
        if fn is None:
            return
        fn = unparen(fn)
        unlocks: list[tuple[Ref, str]] = []
        relocks: list[Ref] = []
        if fn.type == "func_literal":
            body = fn.child_by_field_name("body")
            if body is not None:
                for inner in descendants(body, frozenset({"call_expression"}), into_funcs=False):
                    unlocks.extend(self._unlocks_of(inner, file, env, relocks))
        else:
            unlocks.extend(self._unlocks_of(call, file, env, relocks))
        if unlocks or relocks:
            plain = fn.type == "selector_expression" and bool(unlocks)
            out.append(
                _Op("defer", stmt, deferred=tuple(unlocks), plain=plain, relocks=tuple(relocks))
            )

    def _unlocks_of(
        self, call: Node, file: SourceFile, env: Env, relocks: list[Ref]
    ) -> list[tuple[Ref, str]]:
        """The locks a deferred call releases; a deferred `mu.Lock()` goes to ``relocks``."""
        fn = call.child_by_field_name("function")
        if fn is None:
            return []
        fn = unparen(fn)
        if fn.type == "selector_expression":
            target = self.pkg.resolver.method_target(fn, file)
            if target is not None:
                field = fn.child_by_field_name("field")
                method = file.text(field) if field is not None else ""
                if target[0] in _LOCKERS and target[1] is not None:
                    if method in _RELEASE:
                        return [(target[1], _RELEASE[method])]
                    if method in _ACQUIRE:
                        relocks.append(target[1])
                return []
        found = self._static_call(call, file, env)
        return [(r, WRITE) for r in found.may_release] if found is not None else []

    # -- calls ---------------------------------------------------------------------------------
    def _static_call(self, call: Node, file: SourceFile, env: Env) -> Call | None:
        """The call of a package function or method, with its summary specialised by the
        arguments that are constants here (``env``: the caller's own constant parameters)."""
        found = callee(call, file, self.pkg.resolver)
        if found is None:
            return self._dynamic_call(call, file, env)
        decl = found.decl
        extra = None
        if found.receiver is not None:
            extra = self._embed_path(found.receiver, file, decl.receiver_type)
        return self._bound_call(call, file, env, decl.node, decl.file, found.receiver, extra)

    def _dynamic_call(self, call: Node, file: SourceFile, env: Env) -> Call | None:
        """A call through a function value or an interface (see dispatch.py)."""
        targets = self.pkg.fact(Dispatch).targets(call, file)
        if not targets:
            return None
        fn = call.child_by_field_name("function")
        name = file.text(fn) if fn is not None else "func"
        holder = fn.child_by_field_name("operand") if fn is not None else None
        calls: list[Call] = []
        for t in targets:
            if t.local:  # the caller's own variables, and its constant arguments
                c = self._literal_call(call, t.func, file, env | self._constant_args(call, t, env))
            elif t.receiver is not None:  # an interface: its value is the method's receiver
                c = self._bound_call(call, file, env, t.func, t.file, t.receiver, ())
            else:
                # A value stored in the field of `holder` may capture that very object.
                owner: dict[str, tuple[str, Node, tuple[str, ...]]] = {}
                if holder is not None:
                    owner = {k: (n, holder, ()) for k, n in t.owner}
                c = self._bound_call(call, file, env, t.func, t.file, None, None, owner)
            if c is not None:
                shown = name
                if t.via == "format" and t.receiver is not None and t.decl is not None:
                    shown = f"{name} (which calls {file.text(t.receiver)}.{t.decl.name})"
                calls.append(
                    attrs.evolve(c, name=shown, dynamic=not t.local, by_caller=t.via == "param")
                )
        if len(calls) <= 1:
            return calls[0] if calls else None
        return attrs.evolve(
            calls[0],
            holds=(),
            releases=(),
            may_release=(),
            others=tuple(calls[1:]),
            dynamic=any(c.dynamic for c in calls),
            by_caller=any(c.by_caller for c in calls),
        )

    def _constant_args(self, call: Node, t: Target, env: Env) -> Env:
        """The flag parameters of a local closure bound to constants by ``call``."""
        params = param_idents(t.func)
        args = call_args(call)
        if not params or (len(args) == 1 and len(params) > 1):
            return NO_ENV
        flags = self._flag_params(t.func, t.file)
        bound: list[tuple[str, bool]] = []
        for ident, arg in zip(params, args, strict=False):
            if ident is not None and binding_key(t.file, ident) in flags:
                value = self.pkg.consts.argument(binding_key(t.file, ident), arg, t.file, dict(env))
                if value is not None:
                    bound.append((binding_key(t.file, ident), value))
        return frozenset(bound)

    def _bound_call(
        self,
        call: Node,
        file: SourceFile,
        env: Env,
        func: Node,
        func_file: SourceFile,
        receiver: Node | None,
        extra: tuple[str, ...] | None,
        owner: dict[str, tuple[str, Node, tuple[str, ...]]] | None = None,
    ) -> Call:
        """The call of ``func`` with its receiver (at ``extra``, the embedded path to the
        declaring type) and parameters bound to the caller's expressions; ``owner``: other
        roots of the callee known in the caller's terms."""
        roots: dict[str, tuple[str, Node, tuple[str, ...]]] = dict(owner or {})
        if receiver is not None and extra is not None:
            recv = receiver_ident(func)
            if recv is not None:
                roots[binding_key(func_file, recv)] = (func_file.text(recv), receiver, extra)
        params = self._params.get(func.id)
        if params is None:
            params = self._params[func.id] = param_idents(func)
        args = call_args(call)
        bound: list[tuple[str, bool]] = []
        if not (len(args) == 1 and len(params) > 1):
            flags = self._flag_params(func, func_file)
            values = dict(env)
            for ident, arg in zip(params, args, strict=False):
                if ident is not None:
                    key = binding_key(func_file, ident)
                    roots[key] = (func_file.text(ident), arg, ())
                    if key in flags:
                        value = self.pkg.consts.argument(key, arg, file, values)
                        if value is not None:
                            bound.append((key, value))
        fn = call.child_by_field_name("function")
        name = file.text(fn) if fn is not None else "func"
        callee_env: Env = frozenset(bound)
        c = Call(
            func, func_file, name, Site(call, file, file.text(call)), roots, file, env=callee_env
        )
        eff = self.effect(func, func_file, callee_env)
        if eff is NO_EFFECT:
            return c
        holds = []
        for h in eff.holds:
            ref = self.map_ref(h.ref, c)
            if ref is not None:
                inner = Site(h.acquire, h.file, h.file.text(h.acquire))
                # A helper that drops and re-takes its caller's lock hands it back as the
                # caller's caller's (relock), not as a lock the caller took itself.
                chain = (c.site, *h.chain, inner)
                holds.append(Held(ref, h.mode, call, file, False, chain, relock=h.relock))
        releases = [x for x in (self.map_ref(ref, c) for ref in eff.releases) if x is not None]
        may = [x for x in (self.map_ref(ref, c) for ref in eff.may_release) if x is not None]
        return attrs.evolve(c, holds=tuple(holds), releases=tuple(releases), may_release=tuple(may))

    def _flag_params(self, func: Node, file: SourceFile) -> frozenset[str]:
        """Keys of the parameters of ``func`` that a constant argument can specialise (see
        `Consts.flag`)."""
        found = self._flags.get(func.id)
        if found is not None:
            return found
        params = self._params.get(func.id)
        if params is None:
            params = self._params[func.id] = param_idents(func)
        keys: set[str] = set()
        for ident in params:
            b = self.pkg.resolver.binding(ident, file) if ident is not None else None
            if b is not None and b.kind == "param" and self.pkg.consts.flag(b):
                keys.add(b.key)
        found = self._flags[func.id] = frozenset(keys)
        return found

    def _literal_call(self, call: Node, lit: Node, file: SourceFile, env: Env) -> Call | None:
        """`func(){...}()` runs in place, on the caller's own variables (and constants)."""
        c = Call(lit, file, "func literal", Site(call, file, "func(){...}()"), None, file, env=env)
        eff = self.effect(lit, file, env)
        if eff is NO_EFFECT:
            return c
        holds = tuple(
            Held(
                h.ref,
                h.mode,
                call,
                file,
                False,
                (c.site, Site(h.acquire, h.file, h.file.text(h.acquire))),
            )
            for h in eff.holds
        )
        return attrs.evolve(c, holds=holds, releases=eff.releases, may_release=eff.may_release)

    def _embed_path(
        self, operand: Node, file: SourceFile, recv_type: str | None
    ) -> tuple[str, ...] | None:
        """Field path from the operand's type to the embedded type that declares the method."""
        t = self.pkg.resolver.type_of(operand, file)
        if t is None or recv_type is None:
            return None
        t = t.deref()
        if t.kind != "named" or t.pkg:
            return None
        path: tuple[str, ...] = ()
        name = t.name
        for _ in range(5):
            if name == recv_type:
                return path
            decl = self.pkg.index.types.get(name)
            if decl is None:
                return None
            for f in decl.fields.values():
                if not f.embedded:
                    continue
                ft = self.pkg.resolver.type_from_node(f.type_node, decl.file)
                ft = ft.deref() if ft is not None else None
                if (
                    ft is not None
                    and ft.kind == "named"
                    and not ft.pkg
                    and self._declares(ft.name, recv_type)
                ):
                    path, name = (*path, f.name), ft.name
                    break
            else:
                return None
        return None

    def _declares(self, name: str, recv_type: str, depth: int = 0) -> bool:
        """``name`` is ``recv_type`` or embeds it."""
        if name == recv_type:
            return True
        decl = self.pkg.index.types.get(name)
        if decl is None or depth > 4:
            return False
        for f in decl.fields.values():
            if f.embedded:
                ft = self.pkg.resolver.type_from_node(f.type_node, decl.file)
                ft = ft.deref() if ft is not None else None
                if (
                    ft is not None
                    and ft.kind == "named"
                    and not ft.pkg
                    and self._declares(ft.name, recv_type, depth + 1)
                ):
                    return True
        return False

    # -- reach -------------------------------------------------------------------------------
    def _compute_reach(self, func: Node, file: SourceFile, env: Env) -> Reach:
        facts = self.facts(func, file, env)
        acquires: list[Access] = []
        blocks: list[Access] = []
        for ev in facts.events:
            released = tuple(ev.state.released.values())
            if ev.kind == "acquire" and ev.ref is not None:
                acquires.append(
                    Access(
                        "acquire",
                        ev.ref,
                        ev.mode,
                        Site(ev.node, file, file.text(ev.node)),
                        (),
                        released,
                    )
                )
            elif ev.kind == "block" and _lock_free(ev.state, ev):
                cond_lock = ev.cond_lock
                if ev.mode == "cond" and cond_lock is None:
                    if not ev.state.held or ev.ref is None:
                        continue  # its L is unknown: nothing can be said about it
                    # Only `c.L` is held (lock-free says so): that is the L it releases.
                    cond_lock = Ref(ev.ref.root, (*ev.ref.path, "L"), f"{ev.ref.text}.L", "")
                site = Site(ev.node, file, _op_text(ev.node, file))
                blocks.append(Access("block", ev.ref, ev.mode, site, (), released, cond_lock))
            elif ev.kind == "call" and ev.call is not None and not ev.call.by_caller:
                sub = self.call_reach(ev.call)
                if not released:  # nothing to add (the common case: evolve is slow)
                    acquires.extend(sub.acquires)
                    if not ev.state.held:
                        blocks.extend(sub.blocks)
                    continue
                for a in sub.acquires:
                    acquires.append(attrs.evolve(a, released=_union(a.released, released)))
                if not ev.state.held:
                    for b in sub.blocks:
                        blocks.append(attrs.evolve(b, released=_union(b.released, released)))
        return Reach(_dedupe_acquires(acquires), _dedupe_blocks(blocks))

    # -- sync.Cond ---------------------------------------------------------------------------
    def _cond_table(self) -> tuple[dict[ObjKey, Ref], dict[str, tuple[str, ...] | None]]:
        if self._conds is not None:
            return self._conds
        exact: dict[ObjKey, Ref] = {}
        rel: dict[str, tuple[str, ...] | None] = {}
        r = self.pkg.resolver
        for file in self.pkg.files:
            if b"NewCond" not in file.data and b"Cond{" not in file.data:
                continue
            for node in descendants(file.root, frozenset({"call_expression", "composite_literal"})):
                lock_expr = _cond_arg(node, file, r)
                if lock_expr is None:
                    continue
                target = _assigned_to(node)
                if target is None:
                    continue
                t_ref = r.ref_of(target, file)
                l_ref = r.ref_of(lock_expr, file)
                if t_ref is None or l_ref is None:
                    continue
                exact[obj_key(t_ref)] = l_ref
                if t_ref.path and t_ref.cls and l_ref.root == t_ref.root:
                    base = t_ref.path[:-1]
                    if l_ref.path[: len(base)] == base:
                        suffix = l_ref.path[len(base) :]
                        if rel.get(t_ref.cls, suffix) != suffix:
                            rel[t_ref.cls] = None  # made with different locks: unknown
                        elif t_ref.cls not in rel:
                            rel[t_ref.cls] = suffix
        self._conds = (exact, rel)
        return self._conds


# -- helpers -------------------------------------------------------------------------------------


_CANDIDATES = (
    "[(call_expression) (send_statement) (unary_expression) (range_clause) (func_literal)] @n"
)


@cache
def _candidate_query() -> Query:
    return Query(go_language(), _CANDIDATES)


def _candidates(func: Node) -> list[Node]:
    """Nodes that may be lock operations in ``func``'s own body, by start (nested func literals
    left out: they are other functions)."""
    body = func.child_by_field_name("body")
    if body is None:
        return []
    found = QueryCursor(_candidate_query()).captures(body).get("n", [])
    found.sort(key=lambda n: (n.start_byte, -n.end_byte))  # `func(){}()`: the call first
    out: list[Node] = []
    skip_until = -1
    for n in found:
        if n.start_byte < skip_until:
            continue  # inside a nested func literal
        if n.type == "func_literal":
            skip_until = n.end_byte
            continue
        out.append(n)
    return out


def cond_releases(cond: Ref | None, lock: Ref | None, held: Held) -> bool:
    """Whether cond.Wait() releases ``held``: it is the Cond's L (or `c.L` itself)."""
    r = held.ref
    if cond is not None and r.root == cond.root and r.path == (*cond.path, "L"):
        return True
    if lock is None or r.root != lock.root:
        return False
    n = len(lock.path)
    rest = r.path[n:]
    return r.path[:n] == lock.path and (not rest or rest in (("Mutex",), ("RWMutex",)))


def _own(ref: Ref) -> Ref:
    """``ref``, a callee's own variable, made unlike any of its caller's."""
    if ref.root.startswith("own:"):
        return ref
    return attrs.evolve(ref, root=f"own:{ref.root}")


def _passed_nil(ref: Ref, call: Call) -> bool:
    if call.roots is None or ref.path:
        return False
    found = call.roots.get(ref.root)
    return found is not None and unparen(found[1]).type == "nil"


def _lock_free(state: State, ev: Event) -> bool:
    """Nothing held that the op could block: empty, or only the Cond's own L for cond.Wait."""
    if not state.held:
        return True
    if ev.mode != "cond":
        return False
    return all(cond_releases(ev.ref, ev.cond_lock, h) for h in state.held.values())


def _union(a: tuple[Ref, ...], b: Iterable[Ref]) -> tuple[Ref, ...]:
    seen = {obj_key(r) for r in a}
    out = list(a)
    for r in b:
        if obj_key(r) not in seen:
            seen.add(obj_key(r))
            out.append(r)
    return tuple(out)


def _dedupe_acquires(items: list[Access]) -> tuple[Access, ...]:
    best: dict[tuple[str, tuple[str, ...], str, str], Access] = {}
    for a in items:
        assert a.ref is not None
        key = (a.ref.root, a.ref.path, a.mode, a.ref.cls)
        old = best.get(key)
        if old is None or len(a.chain) < len(old.chain):
            best[key] = a
    return tuple(list(best.values())[:_MAX_ACQUIRES])


def _dedupe_blocks(items: list[Access]) -> tuple[Access, ...]:
    best: dict[int, Access] = {}
    for a in items:
        old = best.get(a.site.node.id)
        if old is None or len(a.chain) < len(old.chain):
            best[a.site.node.id] = a
    return tuple(sorted(best.values(), key=lambda a: len(a.chain))[:_MAX_BLOCKS])


def _op_text(node: Node, file: SourceFile) -> str:
    if node.type == "select":
        return "select"
    text = file.text(node)
    return text.split("\n", 1)[0]


def _cond_arg(node: Node, file: SourceFile, r: object) -> Node | None:
    """The lock expression of `sync.NewCond(x)` or `sync.Cond{L: x}`."""
    from goconc.analyzer.types import Resolver

    assert isinstance(r, Resolver)
    if node.type == "call_expression":
        if r.pkg_func(node, file) != ("sync", "NewCond"):
            return None
        args = call_args(node)
        return args[0] if len(args) == 1 else None
    t = r.type_from_node(node.child_by_field_name("type"), file)
    if t is None or not t.is_named("sync", "Cond"):
        return None
    body = node.child_by_field_name("body")
    if body is None:
        return None
    for el in body.named_children:
        if el.type != "keyed_element" or len(el.named_children) != 2:
            continue
        key, value = el.named_children
        if file.text(key) == "L":
            inner = (
                value.named_children[0]
                if value.type == "literal_element" and value.named_children
                else value
            )
            return inner
    return None


def _has_effects(ops: dict[int, list[_Op]]) -> bool:
    """Whether any operation may change the held locks: without one, nothing needs settling."""
    return any(
        o.kind != "block"
        and (o.kind != "call" or o.call is None or o.call.holds or o.call.may_release)
        for lst in ops.values()
        for o in lst
    )


def _assigned_to(node: Node) -> Node | None:
    """The variable or field an expression is assigned to: `x = e`, `x := e`, `var x = e`,
    `&e` included (a keyed element `cond: e` is not: the field of the literal's type is unknown
    here)."""
    parent = node.parent
    if parent is not None and parent.type == "unary_expression":
        node = parent
    return assigned_target(node)


def function_bodies(node: Node) -> Iterable[Node]:
    """Every function and func literal below ``node`` (for tests and tools)."""
    return descendants(node, FUNC_KINDS)
