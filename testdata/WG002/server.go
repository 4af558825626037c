package wg002

import "sync"

// Server's WaitGroup is a field; its methods live in server_methods.go.
type Server struct {
	wg    sync.WaitGroup
	conns chan int
	quit  chan struct{}
}

func (s *Server) Start() {
	s.wg.Add(1)
	go s.loop()
	s.wg.Add(1)
	go s.drain()
	s.wg.Add(1)
	go func() {
		s.cleanup()
	}()
}

func (s *Server) Stop() {
	close(s.quit)
	s.wg.Wait()
}
