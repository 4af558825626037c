package mu001

import (
	"context"
	"sync"
	"time"
)

type Store struct {
	mu      sync.Mutex
	rw      sync.RWMutex
	data    map[string]int
	updates chan string
	cond    *sync.Cond
	l       sync.Locker
	lc      *sync.Cond
	ready   bool
}

func NewStore() *Store {
	s := &Store{data: map[string]int{}, updates: make(chan string)}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// Released before the operation.
func (s *Store) Set(k string, v int) {
	s.mu.Lock()
	s.data[k] = v
	s.mu.Unlock()
	s.updates <- k
}

// select with a default case never blocks.
func (s *Store) TryNotify(k string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case s.updates <- k:
	default:
	}
}

// cond.Wait on a Cond made with the held lock releases it.
func (s *Store) WaitReady() {
	s.mu.Lock()
	for !s.ready {
		s.cond.Wait()
	}
	s.mu.Unlock()
}

// The Cond's L is taken explicitly.
func (s *Store) WaitL(c *sync.Cond) {
	c.L.Lock()
	for !s.ready {
		c.Wait()
	}
	c.L.Unlock()
}

// A Cond whose L cannot be resolved (a parameter): silent.
func (s *Store) WaitUnknown(c *sync.Cond) {
	s.mu.Lock()
	for !s.ready {
		c.Wait()
	}
	s.mu.Unlock()
}

// Released on every path before the operation.
func (s *Store) Branches(x bool) {
	s.mu.Lock()
	if x {
		s.mu.Unlock()
	} else {
		s.data["x"] = 1
		s.mu.Unlock()
	}
	<-s.updates
}

// An early return releases; the rest unlocks before blocking.
func (s *Store) Early(x bool) {
	s.mu.Lock()
	if x {
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	time.Sleep(time.Millisecond)
}

// Buffered enough in the same function.
func Buffered() (int, int) {
	var mu sync.Mutex
	ch := make(chan int, 2)
	mu.Lock()
	ch <- 1
	ch <- 2
	mu.Unlock()
	return <-ch, <-ch
}

// A goroutine started while the lock is held starts with nothing held.
func (s *Store) Spawn() {
	s.mu.Lock()
	defer s.mu.Unlock()
	go func() {
		s.updates <- "x"
	}()
}

// A goroutine body that locks and unlocks, then blocks.
func (s *Store) Worker(ctx context.Context) {
	for {
		s.mu.Lock()
		s.data["tick"]++
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-s.updates:
		}
	}
}

// TryLock is not an acquisition on every path.
func (s *Store) Try() {
	if s.mu.TryLock() {
		s.data["t"] = 1
		s.mu.Unlock()
	}
	<-s.updates
}

// A helper that releases the caller's lock before blocking.
func (s *Store) waitUnlocked() {
	s.mu.Unlock()
	<-s.updates
	s.mu.Lock()
}

func (s *Store) Poll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waitUnlocked()
}

// A helper that blocks, called after the unlock.
func (s *Store) drain() {
	for range s.updates {
	}
}

func (s *Store) Close() {
	s.mu.Lock()
	s.data = nil
	s.mu.Unlock()
	s.drain()
}

// A variable called mu of unknown type is not a mutex.
type fake struct{}

func (fake) Lock()   {}
func (fake) Unlock() {}

func Fake(ch chan int) {
	var mu fake
	mu.Lock()
	ch <- 1
	mu.Unlock()
}

// The read lock is released before the receive.
func (s *Store) Read() string {
	s.rw.RLock()
	n := len(s.data)
	s.rw.RUnlock()
	if n == 0 {
		return <-s.updates
	}
	return ""
}

// A closure defined under the lock but called later: not run with the lock held.
func (s *Store) Later() func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	return func() { <-s.updates }
}

// A field that every make in the package creates buffered: a send blocks only when full.
type Pool struct {
	mu    sync.Mutex
	ready chan int
	free  []int
}

func NewPool(n int) *Pool {
	return &Pool{ready: make(chan int, n)}
}

func (p *Pool) Put(v int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.free = append(p.free, v)
	p.ready <- v
}

func (p *Pool) put(v int) { p.ready <- v }

func (p *Pool) PutVia(v int) {
	p.mu.Lock()
	p.put(v)
	p.mu.Unlock()
}

// Channels kept in a map, all made with a capacity: known buffered by element type.
type status int

type Health struct {
	mu      sync.Mutex
	watches map[string]map[int]chan status
}

func (h *Health) Watch(name string, id int) chan status {
	ch := make(chan status, 1)
	h.mu.Lock()
	h.watches[name][id] = ch
	h.mu.Unlock()
	return ch
}

func (h *Health) Set(name string, st status) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ch := range h.watches[name] {
		select {
		case <-ch:
		default:
		}
		ch <- st
	}
}
