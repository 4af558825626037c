package gr003

import (
	"sync"
	"time"
)

// The goroutine writes fields of the value a pointer points to. After the sleep, reading
// the pointer itself (to hand it on) does not read those fields.

type pool struct {
	mu      sync.Mutex
	entries map[int]string
	adds    int
}

func (p *pool) add(k int, v string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.entries[k] = v
	p.adds++
}

func (p *pool) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.entries)
}

type harness struct {
	pool *pool
	name string
}

func serve(p *pool) int { return p.size() }

func handOnPointer(h *harness) int {
	go h.pool.add(1, "one")
	time.Sleep(10 * time.Millisecond)
	return serve(h.pool)
}

func handOnLocal() int {
	p := &pool{entries: map[int]string{}}
	go p.add(2, "two")
	time.Sleep(10 * time.Millisecond)
	return serve(p)
}

// A struct held by value is copied whole when it is read: its written field is read too.
type tally struct {
	hits int
	last string
}

func copyAfterSleep() tally {
	var t tally
	go func() {
		t.hits++
	}()
	time.Sleep(10 * time.Millisecond) // want "GR003: .*writes t, read after the sleep"
	return t
}

// Reading the written field through the pointer is still a read of it.
func readThroughPointer(h *harness) int {
	go func() {
		h.pool.adds = 7
	}()
	time.Sleep(10 * time.Millisecond) // want "GR003: .*writes h.pool.adds"
	return h.pool.adds
}

// The goroutine runs the same function with its flag off: the write that flag guards
// never runs there, so what the starter reads after the sleep is its own write.
type worker struct {
	started int
	queue   chan int
}

func (w *worker) process(main bool) int {
	if main {
		w.started++
		go w.process(false)
		time.Sleep(10 * time.Millisecond)
		return w.started
	}
	for range w.queue {
	}
	return 0
}

// With the flag on, the goroutine does write: flagged.
func (w *worker) kick() int {
	go w.process(true)
	time.Sleep(10 * time.Millisecond) // want "GR003: .*writes w.started"
	return w.started
}
