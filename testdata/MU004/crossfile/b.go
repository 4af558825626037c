package crossfile

func (s *Server) drop(id int) {
	s.mu.Lock()
	delete(s.conns, id)
	s.mu.Unlock()
}

func (s *Server) Count() int {
	s.mu.Lock()
	n := len(s.conns)
	s.mu.Unlock()
	return n
}
