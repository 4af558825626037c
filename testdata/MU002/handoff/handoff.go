package handoff

import "sync"

type Log struct {
	mu    sync.Mutex
	lines []string
}

type Segment struct {
	mu   sync.Mutex
	data []byte
}

// The log's lock, then the segment's.
func (l *Log) Append(s *Segment, line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s.mu.Lock()
	s.data = append(s.data, line...)
	s.mu.Unlock()
	l.lines = append(l.lines, line)
}

// The segment's lock is handed to the goroutine that releases it: once it is started, this
// function holds nothing, and taking the log's lock orders nothing.
func (l *Log) Seal(s *Segment) {
	s.mu.Lock()
	go func() {
		defer s.mu.Unlock()
		s.data = nil
	}()
	l.mu.Lock()
	l.lines = nil
	l.mu.Unlock()
}
