package mu001

import (
	"sync"
	snc "sync"
)

// Hub delivers events to one goroutine, which counts them under the same mutex.
type Hub struct {
	mu     sync.Mutex
	rw     sync.RWMutex
	events chan string
	done   chan struct{}
	wg     sync.WaitGroup
	cond   *sync.Cond
	ready  bool
	seen   int
}

func NewHub() *Hub {
	h := &Hub{events: make(chan string), done: make(chan struct{})}
	h.cond = sync.NewCond(&h.mu)
	go h.loop()
	return h
}

func (h *Hub) loop() {
	for ev := range h.events {
		h.mu.Lock()
		h.seen += len(ev)
		h.mu.Unlock()
	}
	h.rw.Lock()
	close(h.done)
	h.rw.Unlock()
}

func (h *Hub) SendLocked(msg string) {
	h.mu.Lock()
	h.events <- msg // want "MU001: send on h.events while h.mu is held; h.loop, which receives from it, needs h.mu"
	h.mu.Unlock()
}

func (h *Hub) DeferThenSend(msg string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events <- msg // want "MU001: send on h.events while h.mu is held"
}

// A deferred closure unlocks only when the function returns.
func (h *Hub) DeferClosure(msg string) {
	h.mu.Lock()
	defer func() {
		h.mu.Unlock()
	}()
	h.events <- msg // want "MU001: send on h.events while h.mu is held"
}

// done is closed only after the loop takes h.rw: waiting for it under h.rw never ends.
func (h *Hub) WaitClosed() {
	h.rw.RLock()
	defer h.rw.RUnlock()
	<-h.done // want "MU001: receive from h.done while h.rw is held; h.loop, which sends on or closes it, needs h.rw"
}

func (h *Hub) SelectLocked(msg string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	select { // want "MU001: select without default while h.mu is held; h.loop, which receives from it, needs h.mu"
	case h.events <- msg:
	case <-h.done:
	}
}

// The worker counted by h.wg takes h.mu before it is done.
func (h *Hub) Flush() {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		h.mu.Lock()
		h.ready = true
		h.mu.Unlock()
	}()
	h.mu.Lock()
	h.wg.Wait() // want "MU001: h.wg.Wait.. while h.mu is held; a func literal in h.Flush, which calls Done on it, needs h.mu"
	h.mu.Unlock()
}

var (
	gmu    snc.Mutex
	other  sync.Mutex
	queue  = make(chan int)
	drains int
)

func drain() {
	for v := range queue {
		gmu.Lock()
		drains += v
		gmu.Unlock()
	}
}

func PackageVar(v int) {
	gmu.Lock()
	queue <- v // want "MU001: send on queue while gmu is held; drain, which receives from it, needs gmu"
	gmu.Unlock()
}

func Alias(h *Hub, msg string) {
	m := &h.mu
	m.Lock()
	h.events <- msg // want "MU001: send on h.events while m is held"
	m.Unlock()
}

// cond.Wait releases only its own L: holding another lock across it blocks that lock.
func (h *Hub) CondOtherLock() {
	other.Lock()
	defer other.Unlock()
	h.mu.Lock()
	for !h.ready {
		h.cond.Wait() // want "MU001: h.cond.Wait.. .*while other is held"
	}
	h.mu.Unlock()
}

// The blocking operation is in a helper called with the lock held.
func (h *Hub) notify() {
	h.events <- "changed"
}

func (h *Hub) Update() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ready = true
	h.notify() // want "MU001: call of h.notify can block .send on h.events. while h.mu is held; h.loop, which receives from it, needs h.mu"
}

// A lock taken by a helper that returns holding it.
func (h *Hub) lock() { h.mu.Lock() }

func (h *Hub) unlock() { h.mu.Unlock() }

func (h *Hub) ThroughHelpers(msg string) {
	h.lock()
	defer h.unlock()
	h.events <- msg // want "MU001: send on h.events while h.mu is held"
}

// An in-place func literal runs with the lock held.
func (h *Hub) InPlace(msg string) {
	h.mu.Lock()
	func() { // want "MU001: call of func literal can block"
		h.events <- msg
	}()
	h.mu.Unlock()
}

type Embedded struct {
	sync.Mutex
	ch    chan int
	total int
}

func (e *Embedded) consume() {
	for v := range e.ch {
		e.Lock()
		e.total += v
		e.Unlock()
	}
}

func (e *Embedded) Push(v int) {
	e.Lock()
	defer e.Unlock()
	e.ch <- v // want "MU001: send on e.ch while e is held; e.consume, which receives from it, needs e"
}

// Nothing in the package ever sends on or closes stop: the receive waits for ever.
type Stopper struct {
	mu   sync.Mutex
	stop chan struct{}
}

func NewStopper() *Stopper { return &Stopper{stop: make(chan struct{})} }

func (s *Stopper) Wait() {
	s.mu.Lock()
	defer s.mu.Unlock()
	<-s.stop // want "MU001: receive from s.stop while s.mu is held"
}
