package dynamic

import (
	"context"
	"sync"
)

// A field whose stored functions never block.
type counter struct {
	mu    sync.Mutex
	n     int
	onInc func(int)
}

func newCounter(log *[]int) *counter {
	return &counter{onInc: func(n int) { *log = append(*log, n) }}
}

func (c *counter) inc() {
	c.mu.Lock()
	c.n++
	c.onInc(c.n)
	c.mu.Unlock()
}

// An interface with two implementations: which one runs is not known.
type Sink interface{ Write(int) }

type chanSink struct{ c chan int }

func (s chanSink) Write(v int) { s.c <- v }

type sliceSink struct{ items []int }

func (s *sliceSink) Write(v int) { s.items = append(s.items, v) }

func emit(mu *sync.Mutex, s Sink, v int) {
	mu.Lock()
	s.Write(v)
	mu.Unlock()
}

// The closure runs after the lock is released.
func afterUnlock(mu *sync.Mutex, ch chan int) int {
	recv := func() int { return <-ch }
	mu.Lock()
	mu.Unlock()
	return recv()
}

// A parameter whose callers pass only non-blocking functions.
type registry struct {
	mu    sync.Mutex
	names []string
}

func (r *registry) with(fn func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn()
}

func (r *registry) add(name string) {
	r.with(func() { r.names = append(r.names, name) })
}

// A function value from another package: unknown, silent.
func external(mu *sync.Mutex, f func()) {
	mu.Lock()
	defer mu.Unlock()
	f()
}

// A goroutine started under the lock runs without it.
type hooks struct {
	mu   sync.Mutex
	wait func()
	done chan struct{}
}

func newHooks() *hooks {
	h := &hooks{done: make(chan struct{})}
	h.wait = func() { <-h.done }
	return h
}

func (h *hooks) fire() {
	h.mu.Lock()
	go h.wait()
	h.mu.Unlock()
}

// A stop func that cancels and then waits for the cancellation: Done is closed already.
type job struct {
	mu   sync.Mutex
	stop func()
}

func newJob(parent context.Context) *job {
	ctx, cancel := context.WithCancel(parent)
	stop := func() {
		cancel()
		<-ctx.Done()
	}
	return &job{stop: stop}
}

func (j *job) halt() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.stop()
}
