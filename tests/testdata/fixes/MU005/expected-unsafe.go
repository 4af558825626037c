package demo

import "sync"

type stats struct {
	mu     sync.Mutex
	counts map[string]int
}

// add locks a copy of the mutex: the receiver is a value.
func (s *stats) add(key string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[key] += n
}

// total copies the lock on every call.
func (s *stats) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum := 0
	for _, n := range s.counts {
		sum += n
	}
	return sum
}

type session struct {
	once  sync.Once
	close func()
}

// shutdown gets a fresh Once each call, so close can run twice.
func (s *session) shutdown() {
	s.once.Do(s.close)
}

// alreadyRight must be left alone.
func (s *stats) alreadyRight(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[key]
}
