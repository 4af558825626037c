package testorder

import "sync"

type Broker struct {
	mu       sync.Mutex
	topics map[string]*Topic
}

type Topic struct {
	mu   sync.Mutex
	subs int
}

// The server's lock, then the session's.
func (s *Broker) Subscribe(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	topic := s.topics[name]
	topic.mu.Lock()
	topic.subs++
	topic.mu.Unlock()
}

func (s *Broker) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.topics)
}
