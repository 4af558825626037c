package testorder

import (
	"sync"
	"testing"
)

// A test helper peeks at a session, then the server: the opposite of Subscribe's order, but a
// test's own order against the production code's is not reported.
func peek(s *Broker, name string) int {
	topic := s.topics[name]
	topic.mu.Lock()
	defer topic.mu.Unlock()
	return topic.subs + s.Count()
}

func TestPeek(t *testing.T) {
	s := &Broker{topics: map[string]*Topic{"a": {}}}
	s.Subscribe("a")
	if peek(s, "a") != 2 {
		t.Fatal("one subscription")
	}
}

// Both orders in the test itself, on two goroutines: the test can hang.
func TestTransfer(t *testing.T) {
	var from, to sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		from.Lock()
		to.Lock()
		to.Unlock()
		from.Unlock()
	}()
	to.Lock()
	from.Lock() // want "MU002: from .TestTransfer.from. is locked while holding to .TestTransfer.to."
	from.Unlock()
	to.Unlock()
	<-done
}
