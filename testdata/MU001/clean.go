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
	ready   bool
}

func NewStore() *Store {
	s := &Store{data: map[string]int{}, updates: make(chan string)}
	s.cond = sync.NewCond(&s.mu)
	go s.watch()
	return s
}

// The only receiver takes s.rw, never s.mu.
func (s *Store) watch() {
	for k := range s.updates {
		s.rw.Lock()
		delete(s.data, k)
		s.rw.Unlock()
	}
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
	s.rw.Lock()
	defer s.rw.Unlock()
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
	s.rw.Lock()
	if x {
		s.rw.Unlock()
	} else {
		s.data["x"] = 1
		s.rw.Unlock()
	}
	s.updates <- "x"
}

// A goroutine started while the lock is held starts with nothing held.
func (s *Store) Spawn() {
	s.rw.Lock()
	defer s.rw.Unlock()
	go func() {
		s.updates <- "x"
	}()
}

// TryLock is not an acquisition on every path.
func (s *Store) Try() {
	if s.rw.TryLock() {
		s.data["t"] = 1
		s.rw.Unlock()
	}
	s.updates <- "t"
}

// A helper that releases the caller's lock before blocking.
func (s *Store) sendUnlocked(k string) {
	s.rw.Unlock()
	s.updates <- k
	s.rw.Lock()
}

func (s *Store) Poll(k string) {
	s.rw.Lock()
	defer s.rw.Unlock()
	s.sendUnlocked(k)
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

// A closure defined under the lock but called later: not run with the lock held.
func (s *Store) Later() func() {
	s.rw.Lock()
	defer s.rw.Unlock()
	return func() { s.updates <- "later" }
}

// The receiver of s.updates takes s.rw, not s.mu: the hand-off ends without s.mu (an opt-in
// finding at most: it holds s.mu for as long as the receiver takes).
func (s *Store) Handoff(k string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updates <- k
}

// Bounded waits: a sleep, a timer case, a context with a timeout made here.
func (s *Store) Throttle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	time.Sleep(10 * time.Millisecond)
}

func (s *Store) NotifyOrGiveUp(k string) bool {
	s.rw.Lock()
	defer s.rw.Unlock()
	select {
	case s.updates <- k:
		return true
	case <-time.After(50 * time.Millisecond):
		return false
	}
}

func (s *Store) NotifyWithin(parent context.Context, k string) error {
	ctx, cancel := context.WithTimeout(parent, time.Second)
	defer cancel()
	s.rw.Lock()
	defer s.rw.Unlock()
	select {
	case s.updates <- k:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Fork-join under the lock: the workers never take it.
func (s *Store) Recount(parts [][]int) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	sums := make([]int, len(parts))
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, v := range p {
				sums[i] += v
			}
		}()
	}
	wg.Wait()
	return sums
}

// A range over a channel closed just before: it only drains the buffer.
func (s *Store) Collect(n int) []error {
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- nil
		}()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	wg.Wait()
	close(errs)
	var out []error
	for err := range errs {
		out = append(out, err)
	}
	return out
}

// A lock handed to a goroutine that unlocks it: this function does not hold it after.
func (s *Store) Stall(d time.Duration, resume chan struct{}) {
	s.mu.Lock()
	go func() {
		time.Sleep(d)
		s.mu.Unlock()
	}()
	<-resume
}

// A goroutine that locks and never unlocks: the lock is a signal for another goroutine.
func (s *Store) Block(started chan struct{}) {
	go func() {
		s.mu.Lock()
		started <- struct{}{}
	}()
}
