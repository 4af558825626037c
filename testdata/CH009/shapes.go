package ch009

import (
	"errors"
	"sync"
)

// The loop reports a fatal error through a function-typed field that the constructor set to
// the method which waits for the loop.
type stream struct {
	chunks  chan []byte
	exited  chan struct{}
	onFatal func(error)
}

func newStream() *stream {
	s := &stream{chunks: make(chan []byte), exited: make(chan struct{})}
	s.onFatal = s.abort
	return s
}

func (s *stream) pump() {
	defer close(s.exited)
	for c := range s.chunks {
		if len(c) > 1<<20 {
			s.onFatal(errors.New("chunk too large"))
		}
	}
}

func (s *stream) abort(err error) {
	_ = err
	<-s.exited // want "CH009: receive from stream.exited waits for its own goroutine"
}

// The wait is a select with a single case.
type indexer struct {
	docs   chan string
	closed chan struct{}
}

func newIndexer() *indexer {
	return &indexer{docs: make(chan string), closed: make(chan struct{})}
}

func (x *indexer) run() {
	defer close(x.closed)
	for d := range x.docs {
		if d == "" {
			x.flushAndWait()
		}
	}
}

func (x *indexer) flushAndWait() {
	select {
	case <-x.closed: // want "CH009: receive from indexer.closed waits for its own goroutine"
	}
}

// A package variable closed when the single background worker returns, and a reload the
// worker itself triggers waits for it.
var (
	reloads    = make(chan string)
	workerGone = make(chan struct{})
)

func reloadWorker() {
	defer close(workerGone)
	for path := range reloads {
		if path == "/" {
			restartAll()
		}
	}
}

func restartAll() {
	<-workerGone // want "CH009: receive from workerGone waits for its own goroutine"
}

// A longer static chain through helpers of different types.
type registry struct {
	owner *supervisor
}

func (r *registry) evict(name string) {
	if name == "root" {
		r.owner.stop()
	}
}

type supervisor struct {
	reg     *registry
	deaths  chan string
	stopped chan struct{}
	once    sync.Once
}

func newSupervisor() *supervisor {
	s := &supervisor{deaths: make(chan string), stopped: make(chan struct{})}
	s.reg = &registry{owner: s}
	return s
}

func (s *supervisor) watch() {
	defer close(s.stopped)
	for name := range s.deaths {
		s.reg.evict(name)
	}
}

func (s *supervisor) stop() {
	s.once.Do(func() {
		<-s.stopped // want "CH009: receive from supervisor.stopped waits for its own goroutine"
	})
}

// The received value is kept: the wait is part of an assignment.
type miner struct {
	blocks chan int
	halted chan struct{}
}

func newMiner() *miner { return &miner{blocks: make(chan int), halted: make(chan struct{})} }

func (m *miner) mine() {
	defer close(m.halted)
	for b := range m.blocks {
		if b < 0 && m.reset() {
			return
		}
	}
}

func (m *miner) reset() bool {
	_, ok := <-m.halted // want "CH009: receive from miner.halted waits for its own goroutine"
	return !ok
}

// A goroutine literal closes its own channel on return and waits for it on the way.
func backgroundCopy(src []byte, dst func([]byte) bool) {
	go func() {
		finished := make(chan struct{})
		defer close(finished)
		for len(src) > 0 {
			n := min(len(src), 512)
			if !dst(src[:n]) {
				<-finished // want "CH009: receive from finished waits for its own goroutine"
				return
			}
			src = src[n:]
		}
	}()
}

// The loop's sink is an interface with one implementation, whose error path stops the
// loop's owner and waits for it.
type sink interface{ write(rec string) error }

type fileSink struct{ owner *journal }

func (f *fileSink) write(rec string) error {
	if rec == "" {
		f.owner.close()
		return errors.New("empty record")
	}
	return nil
}

type journal struct {
	out     sink
	records chan string
	flushed chan struct{}
}

func newJournal() *journal {
	j := &journal{records: make(chan string), flushed: make(chan struct{})}
	j.out = &fileSink{owner: j}
	return j
}

func (j *journal) drain() {
	defer close(j.flushed)
	for r := range j.records {
		if err := j.out.write(r); err != nil {
			return
		}
	}
}

func (j *journal) close() {
	<-j.flushed // want "CH009: receive from journal.flushed waits for its own goroutine"
}

// Not flagged: the reset is run on a goroutine of its own, so the loop can return.
type rig struct {
	blocks chan int
	halted chan struct{}
}

func newRig() *rig { return &rig{blocks: make(chan int), halted: make(chan struct{})} }

func (r *rig) mine() {
	defer close(r.halted)
	for b := range r.blocks {
		if b < 0 {
			go r.reset()
		}
	}
}

func (r *rig) reset() { <-r.halted }

// Not flagged: the channel is also sent on, so the wait may end before the close.
type relay struct {
	msgs chan string
	ack  chan struct{}
}

func newRelay() *relay { return &relay{msgs: make(chan string), ack: make(chan struct{})} }

func (r *relay) loop() {
	defer close(r.ack)
	for m := range r.msgs {
		if m == "sync" {
			r.sync()
		}
	}
}

func (r *relay) sync() { <-r.ack }

func (r *relay) Ack() { r.ack <- struct{}{} }
