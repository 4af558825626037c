package ch006

import (
	"context"
	"fmt"
	"time"
)

// The run loop receives from the field.
type server struct {
	requests chan string
	quit     chan struct{}
}

func newServer() *server {
	return &server{requests: make(chan string), quit: make(chan struct{})}
}

func (s *server) submit(r string) { s.requests <- r }

func (s *server) run() {
	for {
		select {
		case r := <-s.requests:
			_ = r
		case <-s.quit:
			return
		}
	}
}

// An exported getter hands the channel to other packages, which may receive.
type watcher struct {
	events chan int
}

func newWatcher() *watcher { return &watcher{events: make(chan int)} }

func (w *watcher) Events() <-chan int { return w.events }

func (w *watcher) fire(n int) { w.events <- n }

// An exported field: other packages may receive from it.
type Broker struct {
	Out chan string
}

func NewBroker() *Broker { return &Broker{Out: make(chan string)} }

func (b *Broker) send(s string) { b.Out <- s }

// Sends that can give up.
type stats struct {
	updates chan int
}

func newStats() *stats { return &stats{updates: make(chan int)} }

func (s *stats) tryReport(n int) {
	select {
	case s.updates <- n:
	default:
	}
}

func (s *stats) report(ctx context.Context, n int) {
	select {
	case s.updates <- n:
	case <-ctx.Done():
	}
}

// A buffered local sent on once: its buffer holds the value.
func remember(v int) {
	last := make(chan int, 1)
	last <- v
}

// The goroutine that receives is started before the send.
func handOff(v int) {
	ch := make(chan int)
	go func() {
		fmt.Println(<-ch)
	}()
	ch <- v
}

// Started later in the loop, but the loop comes back: the second send has a receiver.
func relay(vs []int) {
	ch := make(chan int)
	started := false
	for _, v := range vs {
		if started {
			ch <- v
		}
		if !started {
			go consume(ch)
			started = true
		}
	}
	close(ch)
}

// Handed to code outside the package before the send.
func viaTimer(v int) {
	ch := make(chan int)
	time.AfterFunc(time.Second, func() { <-ch })
	ch <- v
}

// The caller keeps the returned channel and receives from it.
func waitTwo(f func() error) error {
	if err := <-async(f); err != nil {
		return err
	}
	errc := async(f)
	return <-errc
}

// Callers of an unexported receive-only getter receive from it.
type feed struct {
	items chan string
}

func newFeed() *feed { return &feed{items: make(chan string)} }

func (f *feed) updates() <-chan string { return f.items }

func (f *feed) add(s string) { f.items <- s }

func (f *feed) drain() {
	for s := range f.updates() {
		_ = s
	}
}

// A package function receives from the field it is handed.
type mailbox struct {
	inbox chan string
}

func newMailbox() *mailbox { return &mailbox{inbox: make(chan string)} }

func (m *mailbox) deliver(s string) { m.inbox <- s }

func readAll(ch chan string) {
	for s := range ch {
		_ = s
	}
}

func (m *mailbox) serve() { readAll(m.inbox) }

// Stored in a map: whoever looks it up may receive.
type registry struct {
	waiters map[string]chan int
}

func (r *registry) wait(key string, v int) {
	ch := make(chan int)
	r.waiters[key] = ch
	ch <- v
}

// The receive of the returned channel happens in the caller's goroutine.
func produce() <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		out <- 1
	}()
	return out
}

func sumProduced() int {
	total := 0
	for v := range produce() {
		total += v
	}
	return total
}

// A buffered field sent on once per call, by code that runs once: the buffer holds it.
type syncer struct {
	listed chan error
}

func newSyncer() *syncer { return &syncer{listed: make(chan error, 1)} }

func (s *syncer) listDone() { s.listed <- nil }

func (s *syncer) run() { s.listDone() }

// A buffered local sent on at most once from a loop: the return follows the send.
func firstFailure(checks []func() error) {
	failed := make(chan error, 1)
	go func() {
		for _, check := range checks {
			if err := check(); err != nil {
				failed <- err
				return
			}
		}
	}()
}

// The channel leaves through a named result and a bare return.
func subscribe(ready bool) (errs <-chan error) {
	errq := make(chan error, 1)
	errs = errq
	if !ready {
		errq <- nil
		return
	}
	go func() { errq <- nil }()
	return
}

// A buffered local in a function that its callers run in a loop: each call makes its own.
func attempt() {
	result := make(chan int, 1)
	go func() { result <- 1 }()
}

func retry(n int) {
	for i := 0; i < n; i++ {
		attempt()
	}
}
