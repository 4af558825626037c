"""Counterparts: a channel's makes, capacities and operations across the package."""

from __future__ import annotations

import textwrap

from goconc.analyzer.counterparts import Channel, Counterparts
from goconc.analyzer.facts import Package
from goconc.analyzer.parse import parse
from goconc.analyzer.source import SourceFile


def _package(*sources: str) -> Counterparts:
    files = []
    for i, src in enumerate(sources):
        data = ("package p\n" + textwrap.dedent(src)).encode()
        files.append(SourceFile(f"/virtual/f{i}.go", data, parse(data)))
    return Package("p", "/virtual", files, None).fact(Counterparts)


def _ops(ch: Channel | None) -> list[tuple[str, int]]:
    assert ch is not None
    return sorted((op.kind, op.file.line_of(op.node.start_byte)) for op in ch.ops)


FIELD = """
type S struct {
    ch   chan int
    done chan struct{}
}

func New(n int) *S {
    s := &S{ch: make(chan int, 4), done: make(chan struct{})}
    go s.loop()
    return s
}

func (s *S) loop() {
    for v := range s.ch {
        _ = v
    }
    close(s.done)
}

func (s *S) Put(v int) { s.ch <- v }

func (s *S) Done() <-chan struct{} { return s.done }
"""


def test_field_makes_and_operations() -> None:
    ca = _package(FIELD)
    ch = ca.by_key("S.ch", "chan")
    assert ch is not None and ch.complete
    assert [m.capacity for m in ch.makes] == [4] and ch.buffered()
    assert _ops(ch) == [("range", 15), ("send", 21)]


def test_exported_getter_hides_receivers_only() -> None:
    done = _package(FIELD).by_key("S.done", "chan")
    assert done is not None and [m.capacity for m in done.makes] == [0]
    assert _ops(done) == [("close", 18)]
    assert done.sees("send") and not done.sees("recv")


def test_capacity_from_a_parameter_is_unknown_and_constants_are_read() -> None:
    ca = _package(
        """
        const depth = 8

        type Q struct{ a, b chan int }

        func NewQ(n int) *Q { return &Q{a: make(chan int, n), b: make(chan int, depth)} }
        """
    )
    a, b = ca.by_key("Q.a", "chan"), ca.by_key("Q.b", "chan")
    assert a is not None and a.capacity() is None and not a.buffered()
    assert b is not None and b.capacity() == 8 and b.buffered()


def test_local_made_filled_and_stored_in_a_field() -> None:
    ca = _package(
        """
        type L struct{ state chan int }

        func NewL() *L {
            st := make(chan int, 1)
            st <- 0
            return &L{state: st}
        }

        func (l *L) With(f func(int) int) {
            v := <-l.state
            defer func() { l.state <- f(v) }()
        }
        """
    )
    ch = ca.by_key("L.state", "chan")
    assert ch is not None and ch.complete and [m.capacity for m in ch.makes] == [1]
    assert [op.file.line_of(op.node.start_byte) for op in ch.fills()] == [7]


def test_containers_parameters_and_reply_channels() -> None:
    ca = _package(
        """
        type R struct {
            subs map[int]chan string
            reqs chan chan error
        }

        func (r *R) add(id int) {
            ch := make(chan string, 1)
            r.subs[id] = ch
            go consume(ch)
        }

        func consume(in chan string) {
            for range in {
            }
        }

        func (r *R) publish(msg string) {
            for _, ch := range r.subs {
                ch <- msg
            }
        }

        func (r *R) stop() error {
            errc := make(chan error)
            r.reqs <- errc
            return <-errc
        }

        func (r *R) serve() {
            errc := <-r.reqs
            errc <- nil
        }
        """
    )
    subs = ca.by_key("R.subs[]", "chan")
    assert subs is not None and subs.complete
    assert _ops(subs) == [("range", 15), ("send", 21)]
    # `errc` in stop: received by serve through r.reqs, and answered there.
    stop = ca.pkg.index.method("R", "stop")
    assert stop is not None
    ident = next(n for n in stop.file.tokens.named("errc", "identifier"))
    local = ca.channel(ca.pkg.resolver.ref_of(ident, stop.file))
    assert local is not None and local.complete
    assert _ops(local) == [("recv", 28), ("send", 33)]


def test_escapes_make_it_incomplete() -> None:
    ca = _package(
        """
        import "fmt"

        type E struct{ ch chan int }

        func (e *E) Leak() chan int { return e.ch }

        func (e *E) Print() { fmt.Println(e.ch) }
        """
    )
    ch = ca.by_key("E.ch", "chan")
    assert ch is not None and not ch.sees("send") and not ch.sees("recv")


def test_waitgroup_adds_and_dones() -> None:
    ca = _package(
        """
        import "sync"

        type W struct{ wg sync.WaitGroup }

        func (w *W) run(jobs []func()) {
            for _, j := range jobs {
                w.wg.Add(1)
                go func() {
                    defer w.wg.Done()
                    j()
                }()
            }
            w.wg.Wait()
        }
        """
    )
    wg = ca.by_key("W.wg", "wg")
    assert wg is not None and wg.complete
    assert _ops(wg) == [("add", 9), ("done", 11)]


def test_an_operation_outside_functions_is_out_of_sight() -> None:
    # A package variable's initialiser receives: no function runs it, so receivers are not
    # all seen (and nothing crashes on an operation without an enclosing function).
    ch = _package(
        """
        var ready = make(chan int, 1)

        var first = <-ready

        func put() { ready <- 1 }
        """
    ).by_key("pkg:ready", "chan")
    assert ch is not None and not ch.complete
    assert _ops(ch) == [("send", 7)]
