package cx004

import (
	"sync"
	s "sync"
)

// A plugin that waits for activation nobody announces.
type plugin struct {
	mu        sync.Mutex
	activated bool
	ready     *sync.Cond
}

func newPlugin() *plugin {
	p := &plugin{}
	p.ready = sync.NewCond(&p.mu)
	return p
}

func (p *plugin) activate() {
	p.mu.Lock()
	p.activated = true
	p.mu.Unlock()
}

func (p *plugin) waitActive() {
	p.mu.Lock()
	for !p.activated {
		p.ready.Wait() // want "CX004: p.ready.Wait\(\) blocks forever: nothing in the package calls Signal or Broadcast on plugin.ready"
	}
	p.mu.Unlock()
}

// Made in a composite literal, locked through its own L.
type loader struct {
	done    bool
	changed *sync.Cond
}

func newLoader() *loader {
	return &loader{changed: sync.NewCond(&sync.Mutex{})}
}

func (l *loader) await() {
	l.changed.L.Lock()
	for !l.done {
		l.changed.Wait() // want "CX004: l.changed.Wait"
	}
	l.changed.L.Unlock()
}

// A Cond held by value, its L set later; renamed import.
type pool struct {
	mu    s.Mutex
	free  int
	avail s.Cond
}

func (p *pool) init() { p.avail.L = &p.mu }

func (p *pool) get() {
	p.mu.Lock()
	for p.free == 0 {
		p.avail.Wait() // want "CX004: p.avail.Wait"
	}
	p.free--
	p.mu.Unlock()
}

func (p *pool) put() {
	p.mu.Lock()
	p.free++ // forgot p.avail.Signal()
	p.mu.Unlock()
}

// A local Cond that nothing in the function or its closures signals.
func waitLocal(ready *bool) {
	var mu sync.Mutex
	c := sync.NewCond(&mu)
	go func() {
		mu.Lock()
		*ready = true
		mu.Unlock()
	}()
	mu.Lock()
	for !*ready {
		c.Wait() // want "CX004: c.Wait\(\) blocks forever: nothing in this function"
	}
	mu.Unlock()
}

// A package variable.
var (
	configMu    sync.Mutex
	configCond  = sync.NewCond(&configMu)
	configReady bool
)

func waitConfig() {
	configMu.Lock()
	for !configReady {
		configCond.Wait() // want "CX004: configCond.Wait"
	}
	configMu.Unlock()
}

// A field reached through an embedded struct.
type waiter struct {
	cond *sync.Cond
}

type job struct {
	waiter
	finished bool
}

func newJob() *job {
	j := &job{}
	j.cond = sync.NewCond(&sync.Mutex{})
	return j
}

func (j *job) wait() {
	j.cond.L.Lock()
	for !j.finished {
		j.cond.Wait() // want "CX004: j.cond.Wait"
	}
	j.cond.L.Unlock()
}

// Two Conds on one lock: only one of them is ever signalled.
type ring struct {
	mu       sync.Mutex
	notEmpty *sync.Cond
	notFull  *sync.Cond
	n, size  int
}

func newRing(size int) *ring {
	r := &ring{size: size}
	r.notEmpty = sync.NewCond(&r.mu)
	r.notFull = sync.NewCond(&r.mu)
	return r
}

func (r *ring) put() {
	r.mu.Lock()
	for r.n == r.size {
		r.notFull.Wait()
	}
	r.n++ // forgot r.notEmpty.Signal()
	r.mu.Unlock()
}

func (r *ring) take() {
	r.mu.Lock()
	for r.n == 0 {
		r.notEmpty.Wait() // want "CX004: r.notEmpty.Wait\(\) blocks forever: nothing in the package calls Signal or Broadcast on ring.notEmpty"
	}
	r.n--
	r.notFull.Signal()
	r.mu.Unlock()
}

// Made as a composite literal with its L.
type session struct {
	mu     sync.Mutex
	closed bool
	cv     *sync.Cond
}

func newSession() *session {
	s := &session{}
	s.cv = &sync.Cond{L: &s.mu}
	return s
}

func (s *session) waitClosed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for !s.closed {
		s.cv.Wait() // want "CX004: s.cv.Wait"
	}
}

// A var declaration of a local Cond.
func waitVar(ok func() bool) {
	var mu sync.Mutex
	var c = sync.NewCond(&mu)
	mu.Lock()
	for !ok() {
		c.Wait() // want "CX004: c.Wait"
	}
	mu.Unlock()
}

// A package-level Cond held by value.
var (
	flushMu   sync.Mutex
	flushCond sync.Cond
	flushed   bool
)

func initFlush() { flushCond.L = &flushMu }

func waitFlushed() {
	flushMu.Lock()
	for !flushed {
		flushCond.Wait() // want "CX004: flushCond.Wait"
	}
	flushMu.Unlock()
}

// In a goroutine started by the constructor.
type watcher struct {
	mu      sync.Mutex
	pending []string
	cond    *sync.Cond
}

func startWatcher() *watcher {
	w := &watcher{}
	w.cond = sync.NewCond(&w.mu)
	go func() {
		w.mu.Lock()
		for len(w.pending) == 0 {
			w.cond.Wait() // want "CX004: w.cond.Wait"
		}
		w.mu.Unlock()
	}()
	return w
}

func (w *watcher) add(s string) {
	w.mu.Lock()
	w.pending = append(w.pending, s)
	w.mu.Unlock()
}
