package mu001

import (
	"context"
	"sync"
	snc "sync"
	"time"
)

type Hub struct {
	mu     sync.Mutex
	rw     sync.RWMutex
	events chan string
	done   chan struct{}
	wg     sync.WaitGroup
	cond   *sync.Cond
	ready  bool
}

func (h *Hub) SendLocked(msg string) {
	h.mu.Lock()
	h.events <- msg // want "MU001: send on h.events while h.mu is held"
	h.mu.Unlock()
}

func (h *Hub) DeferThenSend(msg string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events <- msg // want "MU001: send on h.events while h.mu is held"
}

func (h *Hub) DeferClosure(msg string) {
	h.mu.Lock()
	defer func() {
		h.mu.Unlock()
	}()
	<-h.done // want "MU001: receive from h.done while h.mu is held"
}

func (h *Hub) ReadLockRange() int {
	h.rw.RLock()
	defer h.rw.RUnlock()
	n := 0
	for m := range h.events { // want "MU001: range over h.events while h.rw is held"
		n += len(m)
	}
	return n
}

func (h *Hub) SelectNoDefault(ctx context.Context) {
	h.mu.Lock()
	defer h.mu.Unlock()
	select { // want "MU001: select without default while h.mu is held"
	case <-ctx.Done():
	case h.events <- "x":
	}
}

func (h *Hub) WaitLocked() {
	h.mu.Lock()
	h.wg.Wait() // want "MU001: h.wg.Wait.. while h.mu is held"
	h.mu.Unlock()
}

func (h *Hub) SleepLocked() {
	h.mu.Lock()
	defer h.mu.Unlock()
	time.Sleep(time.Millisecond) // want "MU001: time.Sleep while h.mu is held"
}

// Held on every path: both branches keep the lock.
func (h *Hub) BothBranches(x bool) {
	h.mu.Lock()
	if x {
		h.ready = true
	} else {
		h.ready = false
	}
	h.done <- struct{}{} // want "MU001: send on h.done while h.mu is held"
	h.mu.Unlock()
}

var (
	gmu   snc.Mutex
	other sync.Mutex
	queue = make(chan int)
)

func PackageVar(v int) {
	gmu.Lock()
	queue <- v // want "MU001: send on queue while gmu is held"
	gmu.Unlock()
}

func Alias(h *Hub) {
	m := &h.mu
	m.Lock()
	<-h.done // want "MU001: receive from h.done while m is held"
	m.Unlock()
}

type Embedded struct {
	sync.Mutex
	ch chan int
}

func (e *Embedded) Push(v int) {
	e.Lock()
	defer e.Unlock()
	e.ch <- v // want "MU001: send on e.ch while e is held"
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

func NewHub() *Hub {
	h := &Hub{events: make(chan string), done: make(chan struct{})}
	h.cond = sync.NewCond(&h.mu)
	return h
}

// Buffered with capacity 1 but two sends before the unlock.
func TooManySends() int {
	var mu sync.Mutex
	ch := make(chan int, 1)
	mu.Lock()
	ch <- 1 // want "MU001: send on ch while mu is held"
	ch <- 2 // want "MU001: send on ch while mu is held"
	mu.Unlock()
	return <-ch + <-ch
}

// A send in a loop inside the critical section: any capacity can run out.
func LoopSends(n int) {
	var mu sync.Mutex
	ch := make(chan int, 8)
	mu.Lock()
	for i := 0; i < n; i++ {
		ch <- i // want "MU001: send on ch while mu is held"
	}
	mu.Unlock()
}

// The blocking operation is in a helper called with the lock held.
func (h *Hub) notify() {
	h.events <- "changed"
}

func (h *Hub) Update() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ready = true
	h.notify() // want "MU001: call of h.notify can block .send on h.events. while h.mu is held"
}

// A lock taken by a helper that returns holding it.
func (h *Hub) lock() { h.mu.Lock() }

func (h *Hub) unlock() { h.mu.Unlock() }

func (h *Hub) ThroughHelpers() {
	h.lock()
	defer h.unlock()
	<-h.done // want "MU001: receive from h.done while h.mu is held"
}

// An in-place func literal runs with the lock held.
func (h *Hub) InPlace() {
	h.mu.Lock()
	func() { // want "MU001: call of func literal can block"
		h.wg.Wait()
	}()
	h.mu.Unlock()
}

// A field made with room for a single value: the second send under the lock blocks. Known
// gap: every make of the field is buffered, so the send is taken as non-blocking.
type Keeper struct {
	mu    sync.Mutex
	added chan struct{}
}

func NewKeeper() *Keeper {
	return &Keeper{added: make(chan struct{}, 1)}
}

func (k *Keeper) Add() {
	k.mu.Lock()
	k.added <- struct{}{} // todo-want "MU001: send on k.added while k.mu is held"
	k.mu.Unlock()
}
