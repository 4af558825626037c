package crossfile

import "sync"

type Server struct {
	mu    sync.Mutex
	conns map[int]chan []byte
	quit  chan struct{}
}

func (s *Server) Broadcast(msg []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		s.deliver(c, msg) // want "MU001: call of s.deliver can block .send on c. while s.mu is held"
	}
}

func (s *Server) Stop() {
	s.mu.Lock()
	s.shutdown() // want "MU001: call of s.shutdown can block .receive from s.quit. while s.mu is held"
	s.mu.Unlock()
}
