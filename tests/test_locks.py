"""The held-lock dataflow and lock summaries of goconc/analyzer/locks.py."""

from __future__ import annotations

import textwrap

from tree_sitter import Node

from goconc.analyzer.facts import Package
from goconc.analyzer.locks import Call, LockAnalysis, LockFacts, State
from goconc.analyzer.matchers import descendants
from goconc.analyzer.parse import parse
from goconc.analyzer.source import SourceFile

_HEADER = """package p

import (
\t"sync"
\t"time"
)

var _ = time.Sleep

type S struct {
\tmu  sync.Mutex
\trw  sync.RWMutex
\tch  chan int
\twg  sync.WaitGroup
\tc   *sync.Cond
}

type E struct {
\tsync.Mutex
\tn int
}

var gmu sync.Mutex
"""


def _package(*sources: str) -> Package:
    files = []
    for i, src in enumerate(sources):
        data = (_HEADER if i == 0 else "package p\n") + textwrap.dedent(src)
        files.append(SourceFile(f"/virtual/f{i}.go", data.encode(), parse(data.encode())))
    return Package("p", "/virtual", files, None)


def _func(pkg: Package, name: str) -> tuple[Node, SourceFile]:
    for f in pkg.files:
        for node in descendants(f.root, frozenset({"function_declaration", "method_declaration"})):
            n = node.child_by_field_name("name")
            if n is not None and f.text(n) == name:
                return node, f
    raise LookupError(name)


def _facts(pkg: Package, name: str) -> LockFacts:
    func, file = _func(pkg, name)
    return pkg.fact(LockAnalysis).facts(func, file)


def _at(facts: LockFacts, marker: str) -> State:
    """The state before the statement whose text contains ``marker``."""
    for node in descendants(
        facts.func,
        frozenset(
            {"expression_statement", "send_statement", "return_statement", "short_var_declaration"}
        ),
    ):
        if marker in facts.file.text(node):
            return facts.held_at(node)
    raise LookupError(marker)


def _names(state: State) -> list[str]:
    return sorted(f"{h.ref.text}:{h.mode}{'+defer' if h.deferred else ''}" for h in state.locks())


def test_straight_line_and_defer() -> None:
    pkg = _package("""
    func (s *S) a() {
    \ts.mu.Lock()
    \tprintln("in")
    \ts.mu.Unlock()
    \tprintln("out")
    }

    func (s *S) b() {
    \ts.rw.RLock()
    \tdefer s.rw.RUnlock()
    \tprintln("held")
    }

    func (s *S) c() {
    \ts.mu.Lock()
    \tdefer func() {
    \t\ts.mu.Unlock()
    \t}()
    \tprintln("held")
    }
    """)
    a = _facts(pkg, "a")
    assert _names(_at(a, '"in"')) == ["s.mu:write"]
    assert _names(_at(a, '"out"')) == []
    assert _names(_at(_facts(pkg, "b"), '"held"')) == ["s.rw:read+defer"]
    c = _facts(pkg, "c")
    assert _names(_at(c, '"held"')) == ["s.mu:write+defer"]
    assert [h.deferred for h in c.exit_state().locks()] == [True]


def test_branches_loops_and_early_return() -> None:
    pkg = _package("""
    func (s *S) branch(x bool) {
    \ts.mu.Lock()
    \tif x {
    \t\ts.mu.Unlock()
    \t\tprintln("then")
    \t} else {
    \t\tprintln("else")
    \t}
    \tprintln("join")
    }

    func (s *S) early(x bool) int {
    \ts.mu.Lock()
    \tif x {
    \t\ts.mu.Unlock()
    \t\treturn 1
    \t}
    \tprintln("still")
    \ts.mu.Unlock()
    \treturn 0
    }

    func (s *S) loop(xs []int) {
    \tfor range xs {
    \t\tprintln("top")
    \t\ts.mu.Lock()
    \t\tprintln("body")
    \t\ts.mu.Unlock()
    \t}
    \tprintln("after")
    }

    func (s *S) try() {
    \tif s.mu.TryLock() {
    \t\tprintln("try")
    \t\ts.mu.Unlock()
    \t}
    }
    """)
    b = _facts(pkg, "branch")
    assert _names(_at(b, '"then"')) == []
    assert _names(_at(b, '"else"')) == ["s.mu:write"]
    assert _names(_at(b, '"join"')) == []
    e = _facts(pkg, "early")
    assert _names(_at(e, '"still"')) == ["s.mu:write"]
    assert _names(_at(e, "return 1")) == []
    assert [(r is not None, _names(st)) for r, st in e.exits] == [(True, []), (True, [])]
    lp = _facts(pkg, "loop")
    assert _names(_at(lp, '"top"')) == []
    assert _names(_at(lp, '"body"')) == ["s.mu:write"]
    assert _names(_at(lp, '"after"')) == []
    assert _names(_at(_facts(pkg, "try"), '"try"')) == []


def test_a_loop_body_sees_what_the_back_edge_brings() -> None:
    """Held on entry, released at the end of the body: at the loop's top the lock is held only
    on the first iteration, which a single pass in block order (before the back edge is
    known) gets wrong; the fixpoint takes it to rounds."""
    pkg = _package("""
    func (s *S) drain(xs []int) {
    \ts.mu.Lock()
    \tfor range xs {
    \t\tprintln("top")
    \t\ts.mu.Unlock()
    \t}
    \tprintln("after")
    }

    func (s *S) retake(xs []int) {
    \tfor range xs {
    \t\tprintln("top")
    \t\ts.mu.Lock()
    \t}
    \tprintln("after")
    }
    """)
    drain = _facts(pkg, "drain")
    assert _names(_at(drain, '"top"')) == []
    assert _names(_at(drain, '"after"')) == []
    retake = _facts(pkg, "retake")
    assert _names(_at(retake, '"top"')) == []
    assert _names(_at(retake, '"after"')) == []


def test_embedded_alias_and_nested_literals() -> None:
    pkg = _package("""
    func (e *E) inc() {
    \te.Lock()
    \tm := &gmu
    \tm.Lock()
    \tgo func() {
    \t\tprintln("goroutine")
    \t}()
    \tprintln("both")
    \tgmu.Unlock()
    \te.Unlock()
    }
    """)
    f = _facts(pkg, "inc")
    assert _names(_at(f, '"both"')) == ["e:write", "m:write"]
    lit = descendants(f.func, frozenset({"func_literal"}))[0]
    inner = pkg.fact(LockAnalysis).facts(lit, f.file)
    assert all(not ev.state.held for ev in inner.events)
    assert _names(_at(inner, '"goroutine"')) == []


def test_summaries_map_receivers_and_params() -> None:
    pkg = _package(
        """
    func (s *S) lockAll() {
    \ts.mu.Lock()
    \ts.rw.Lock()
    }

    func (s *S) unlockAll() {
    \ts.rw.Unlock()
    \ts.mu.Unlock()
    }

    func (s *S) user(t *S) {
    \tt.lockAll()
    \tprintln("locked")
    \tt.unlockAll()
    \tprintln("unlocked")
    }

    func helper(m *sync.Mutex, ch chan int) {
    \tm.Lock()
    \tch <- 1
    \tm.Unlock()
    }
    """,
        """
    func (s *S) waits() {
    \t<-s.ch
    }

    func (s *S) caller() {
    \ts.mu.Lock()
    \ts.waits()
    \thelper(&gmu, s.ch)
    \ts.mu.Unlock()
    }
    """,
    )
    u = _facts(pkg, "user")
    assert _names(_at(u, '"locked"')) == ["t.mu:write", "t.rw:write"]
    assert _names(_at(u, '"unlocked"')) == []
    c = _facts(pkg, "caller")
    calls = [ev for ev in c.events if ev.kind == "call"]
    assert [ev.call.name for ev in calls if ev.call] == ["s.waits", "helper"]
    waits = pkg.fact(LockAnalysis).call_reach(calls[0].call)  # type: ignore[arg-type]
    assert [(b.mode, len(b.chain)) for b in waits.blocks] == [("recv", 1)]
    helper = pkg.fact(LockAnalysis).call_reach(calls[1].call)  # type: ignore[arg-type]
    assert [(a.ref.text, a.ref.cls) for a in helper.acquires if a.ref] == [("gmu", "p.gmu")]
    assert helper.blocks == ()  # helper holds m while it sends: reported in helper itself


def test_unlock_of_callers_lock_and_cond() -> None:
    pkg = _package("""
    func (s *S) waitLocked() {
    \ts.mu.Unlock()
    \t<-s.ch
    \ts.mu.Lock()
    }

    func (s *S) init2() {
    \ts.c = sync.NewCond(&s.mu)
    }

    func (s *S) condWait() {
    \ts.mu.Lock()
    \ts.c.Wait()
    \ts.mu.Unlock()
    }
    """)
    f, file = _func(pkg, "waitLocked")
    eff = pkg.fact(LockAnalysis).effect(f, file)
    # Released, then taken again: the caller's lock is held again after the call.
    assert eff.releases == ()
    assert [h.ref.text for h in eff.holds] == ["s.mu"]
    blocks = pkg.fact(LockAnalysis).reach(f, file).blocks
    assert [[r.text for r in b.released] for b in blocks] == [["s.mu"]]
    cw = _facts(pkg, "condWait")
    ev = next(e for e in cw.events if e.kind == "block")
    assert ev.mode == "cond" and ev.cond_lock is not None and ev.cond_lock.path == ("mu",)


def test_recursion_is_cut() -> None:
    pkg = _package("""
    func (s *S) r(n int) {
    \ts.mu.Lock()
    \ts.mu.Unlock()
    \tif n > 0 {
    \t\ts.r(n - 1)
    \t}
    }
    """)
    f, file = _func(pkg, "r")
    assert pkg.fact(LockAnalysis).reach(f, file).acquires


def test_relock_of_callers_lock() -> None:
    pkg = _package("""
    func (s *S) pause() {
    \ts.rw.Unlock()
    \ts.rw.RLock()
    \ts.rw.RUnlock()
    \ttime.Sleep(1)
    \ts.rw.Lock()
    }
    """)
    f, file = _func(pkg, "pause")
    blocks = pkg.fact(LockAnalysis).reach(f, file).blocks
    assert [(b.mode, [r.text for r in b.released]) for b in blocks] == [("sleep", ["s.rw"])]


# -- summaries specialised by constant arguments -----------------------------------------------


_FLAGS = """
func (s *S) size(held bool) int {
\tif !held {
\t\ts.mu.Lock()
\t\tdefer s.mu.Unlock()
\t}
\treturn 1
}

func (s *S) touch(needLock bool) {
\tif needLock {
\t\ts.mu.Lock()
\t}
\tprintln("touched")
\tif needLock {
\t\ts.mu.Unlock()
\t}
}

func (s *S) pass(locked bool) int {
\ts.touch(!locked)
\treturn s.size(locked)
}

func (s *S) heldCaller() {
\ts.mu.Lock()
\t_ = s.size(true)
\ts.touch(false)
\t_ = s.pass(true)
\tprintln("end")
\ts.mu.Unlock()
}

func (s *S) freeCaller(x bool) {
\ts.mu.Lock()
\t_ = s.size(false)
\t_ = s.size(x)
\ts.mu.Unlock()
}
"""


def _calls(facts: LockFacts) -> list[Call]:
    return [ev.call for ev in facts.events if ev.kind == "call" and ev.call is not None]


def test_constant_arguments_bind_the_callee_env() -> None:
    pkg = _package(_FLAGS)
    held = _calls(_facts(pkg, "heldCaller"))
    assert [c.name for c in held] == ["s.size", "s.touch", "s.pass"]
    size, touch, passes = held
    assert [v for _, v in size.env] == [True]
    assert [v for _, v in touch.env] == [False]
    assert [v for _, v in passes.env] == [True]
    free = _calls(_facts(pkg, "freeCaller"))
    assert [list(c.env) != [] for c in free] == [True, False]  # x is not a constant


def test_specialised_reach_drops_the_guarded_lock() -> None:
    pkg = _package(_FLAGS)
    locks = pkg.fact(LockAnalysis)
    size, touch, passes = _calls(_facts(pkg, "heldCaller"))
    for call in (size, touch, passes):
        assert locks.call_reach(call).acquires == (), call.name  # `held == true`: no Lock
    free_size, unknown = _calls(_facts(pkg, "freeCaller"))
    assert [a.ref.text for a in locks.call_reach(free_size).acquires if a.ref] == ["s.mu"]
    assert [a.ref.text for a in locks.call_reach(unknown).acquires if a.ref] == ["s.mu"]
    # The caller holds s.mu throughout: nothing it calls with `true` released it.
    assert _names(_at(_facts(pkg, "heldCaller"), '"end"')) == ["s.mu:write"]


def test_summaries_are_cached_per_env() -> None:
    pkg = _package(_FLAGS)
    f, file = _func(pkg, "size")
    size, _, _ = _calls(_facts(pkg, "heldCaller"))
    general = pkg.fact(LockAnalysis).facts(f, file)
    special = pkg.fact(LockAnalysis).facts(f, file, size.env)
    assert general is not special
    assert special is pkg.fact(LockAnalysis).facts(f, file, size.env)
    assert [e.kind for e in general.events] == ["acquire", "defer"]
    assert special.events == []


def test_unspecialised_flag_helper_releases_nothing_for_sure() -> None:
    pkg = _package(_FLAGS)
    f, file = _func(pkg, "touch")
    eff = pkg.fact(LockAnalysis).effect(f, file)
    # It may unlock (on the path that locked), but it releases no lock of its caller.
    assert eff.releases == ()
    assert [r.text for r in eff.may_release] == ["s.mu"]


# -- net effect on the caller's locks ------------------------------------------------------------


def test_net_effect_of_release_and_retake() -> None:
    pkg = _package("""
    func (s *S) dropLocked() {
    \ts.mu.Unlock()
    \tdefer s.mu.Lock()
    \tprintln("work")
    }

    func (s *S) loopLocked(n int) {
    \tfor i := 0; i < n; i++ {
    \t\ts.mu.Unlock()
    \t\tprintln("work")
    \t\ts.mu.Lock()
    \t\tif i > 3 {
    \t\t\treturn
    \t\t}
    \t}
    }

    func (s *S) releaseLocked() {
    \tdefer s.mu.Unlock()
    \tprintln("work")
    }

    func (s *S) maybeRelease(x bool) {
    \tif x {
    \t\ts.mu.Unlock()
    \t}
    }
    """)

    def effect(name: str) -> tuple[list[str], list[str], list[str]]:
        f, file = _func(pkg, name)
        eff = pkg.fact(LockAnalysis).effect(f, file)
        return (
            [h.ref.text for h in eff.holds],
            [r.text for r in eff.releases],
            [r.text for r in eff.may_release],
        )

    assert effect("dropLocked") == ([], [], ["s.mu"])  # re-taken at exit by the deferred Lock
    assert effect("loopLocked") == ([], [], [])  # every path that drops it takes it back
    assert effect("releaseLocked") == ([], ["s.mu"], ["s.mu"])
    assert effect("maybeRelease") == ([], [], ["s.mu"])


def test_retaking_the_callers_lock_is_a_restore() -> None:
    pkg = _package("""
    func (s *S) retake() error {
    \ts.mu.Unlock()
    \tprintln("slow")
    \ts.mu.Lock()
    \treturn nil
    }

    func (s *S) own() {
    \ts.mu.Lock()
    \ts.mu.Unlock()
    \tprintln("slow")
    \ts.mu.Lock()
    \ts.mu.Unlock()
    }
    """)
    retake = _facts(pkg, "retake")
    lock = next(e for e in retake.events if e.kind == "acquire")
    assert lock.ref is not None and lock.state.dropped == {(lock.ref.root, lock.ref.path)}
    own = _facts(pkg, "own")
    assert all(not e.state.dropped for e in own.events)


def test_goroutine_that_unlocks_takes_the_lock() -> None:
    pkg = _package("""
    func (s *S) handoff() {
    \ts.mu.Lock()
    \ts.rw.Lock()
    \tgo func() {
    \t\tdefer s.mu.Unlock()
    \t}()
    \tprintln("after")
    \ts.rw.Unlock()
    }

    func (s *S) finish() {
    \ts.mu.Unlock()
    }

    func (s *S) handoffMethod() {
    \ts.mu.Lock()
    \tgo s.finish()
    \tprintln("after")
    }
    """)
    assert _names(_at(_facts(pkg, "handoff"), '"after"')) == ["s.rw:write"]
    assert _names(_at(_facts(pkg, "handoffMethod"), '"after"')) == []


def test_a_callees_own_lock_is_never_the_callers() -> None:
    pkg = _package("""
    type Node struct {
    \tmu   sync.Mutex
    \tkids []*Node
    }

    func (n *Node) walk() {
    \tfor _, k := range n.kids {
    \t\tkid := k
    \t\tkid.mu.Lock()
    \t\tkid.visit()
    \t\tkid.mu.Unlock()
    \t}
    }

    func (n *Node) visit() { n.walk() }
    """)
    walk = _facts(pkg, "walk")
    call = next(c for c in _calls(walk) if c.name == "kid.visit")
    [acq] = pkg.fact(LockAnalysis).call_reach(call).acquires
    assert acq.ref is not None and acq.ref.cls == "Node.mu"
    lock = next(e for e in walk.events if e.kind == "acquire")
    assert lock.ref is not None and acq.ref.root != lock.ref.root
