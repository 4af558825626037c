package wg002

func (s *Server) loop() {
	defer s.wg.Done()
	for {
		select {
		case c := <-s.conns:
			_ = c
		case <-s.quit:
			return
		}
	}
}

func (s *Server) drain() {
	for c := range s.conns {
		if c < 0 {
			return // want "WG002: this return skips s.wg.Done"
		}
	}
	s.wg.Done()
}

func (s *Server) cleanup() {
	defer s.wg.Done()
}
