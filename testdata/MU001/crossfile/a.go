package crossfile

import "sync"

type Server struct {
	mu    sync.Mutex
	conns map[int]chan []byte
	quit  chan struct{}
	acks  chan struct{}
	acked int
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

// The channel the helper sends on is passed as nil: the send is behind its nil check.
func (s *Server) Drop(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeConn(s.conns[id], nil)
	delete(s.conns, id)
}

// The same helper with the caller's channel: who receives from it is out of sight (another
// package may call DropSync), so this is not reported by default.
func (s *Server) DropSync(id int, done chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeConn(s.conns[id], done)
}

// With the server's own channel, received by a loop that takes s.mu, it deadlocks.
func (s *Server) DropAcked(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeConn(s.conns[id], s.acks) // want "MU001: call of s.closeConn can block .send on s.acks. while s.mu is held; s.countAcks, which receives from it, needs s.mu"
}

func (s *Server) countAcks() {
	for range s.acks {
		s.mu.Lock()
		s.acked++
		s.mu.Unlock()
	}
}
