package mu003

import (
	"errors"
	"sync"
)

type Store struct {
	mu    sync.Mutex
	rw    sync.RWMutex
	items map[string]int
	order []string
}

var errMissing = errors.New("missing")

func (s *Store) Get(k string) (int, error) {
	s.mu.Lock() // want "MU003: s.mu.Lock\(\) is not released on every path"
	v, ok := s.items[k]
	if !ok {
		return 0, errMissing
	}
	s.mu.Unlock()
	return v, nil
}

func (s *Store) Peek(k string) int {
	s.rw.RLock() // want "MU003: s.rw.RLock\(\) is not released"
	v, ok := s.items[k]
	if !ok {
		return -1
	}
	s.rw.RUnlock()
	return v
}

// Falls off the end on one branch.
func (s *Store) Touch(k string, force bool) {
	s.mu.Lock() // want "MU003"
	if force {
		s.items[k]++
		s.mu.Unlock()
		return
	}
	if _, ok := s.items[k]; ok {
		s.mu.Unlock()
		return
	}
	s.items[k] = 0
}

// A continue leaves the lock held; the next iteration locks it again.
func (s *Store) Sweep(keys []string) {
	for _, k := range keys {
		s.mu.Lock() // want "MU003: .*through the loop"
		if s.items[k] == 0 {
			continue
		}
		delete(s.items, k)
		s.mu.Unlock()
	}
}

// Through an alias and a local mutex.
func Count(xs []int) (int, error) {
	var mu sync.Mutex
	m := &mu
	n := 0
	for _, x := range xs {
		m.Lock() // want "MU003"
		if x < 0 {
			return 0, errMissing
		}
		n += x
		m.Unlock()
	}
	return n, nil
}

// A break out of the loop leaves it locked, and the function returns.
func (s *Store) First(prefix string) string {
	for _, k := range s.order {
		s.mu.Lock() // want "MU003"
		if len(k) > 0 && k[0] == prefix[0] {
			break
		}
		s.mu.Unlock()
	}
	return prefix
}

// In a goroutine literal.
func (s *Store) Async(k string, done chan<- bool) {
	go func() {
		s.mu.Lock() // want "MU003"
		if _, ok := s.items[k]; !ok {
			done <- false
			return
		}
		s.mu.Unlock()
		done <- true
	}()
}

// The only way out of the loop breaks with the lock held.
func (s *Store) Drain() {
	for {
		s.mu.Lock() // want "MU003: .*falling off the end"
		if len(s.items) == 0 {
			break
		}
		s.items = map[string]int{}
		s.mu.Unlock()
	}
}

// Returns an error while holding the read lock.
func (s *Store) Acquire(closed func() bool) error {
	for {
		s.rw.RLock() // want "MU003: s.rw.RLock\(\) is not released on every path: the return"
		if closed() {
			return errMissing
		}
		s.rw.RUnlock()
	}
}

// A continue goes back to the Lock; the unlock is after the loop.
func (s *Store) Retry(try func() error) {
	for i := 0; i < 3; i++ {
		s.mu.Lock() // want "MU003: .*through the loop"
		if err := try(); err != nil {
			continue
		}
		break
	}
	s.mu.Unlock()
}
