package crossfile

import "sync"

type Server struct {
	mu    sync.Mutex
	conns map[int]bool
}

func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.conns {
		s.drop(id) // want "MU004: call of s.drop locks s.mu"
	}
}
