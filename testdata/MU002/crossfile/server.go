package crossfile

import "sync"

type Server struct {
	mu       sync.Mutex
	sessions map[string]*Session
}

type Session struct {
	sync.Mutex
	srv  *Server
	name string
}

// Server.mu then Session (embedded mutex), through a method.
func (s *Server) Rename(old, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess, ok := s.sessions[old]; ok {
		sess.setName(name)
	}
}

func (se *Session) setName(name string) {
	se.Lock()
	se.name = name
	se.Unlock()
}
