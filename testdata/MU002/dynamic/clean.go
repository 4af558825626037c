package dynamic

import "sync"

// The callback takes no lock of its caller's order: no cycle.
type bus struct {
	mu       sync.Mutex
	handlers []func()
	onPost   func()
}

type stats struct {
	mu    sync.Mutex
	posts int
}

func (s *stats) count() {
	s.mu.Lock()
	s.posts++
	s.mu.Unlock()
}

func newBus(s *stats) *bus {
	return &bus{onPost: s.count}
}

func (b *bus) post() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.onPost()
}
