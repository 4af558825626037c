"""The held-lock dataflow and lock summaries of goconc/analyzer/locks.py."""

from __future__ import annotations

import textwrap

from tree_sitter import Node

from goconc.analyzer.facts import Package
from goconc.analyzer.locks import LockAnalysis, LockFacts, State
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
