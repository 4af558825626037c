package summaries

import "sync"

type Server struct {
	mu      sync.Mutex
	names   []string
	pending int
	resolve func(string) string
}

// loadLocked is called with s.mu held; it drops the lock while resolving and takes it back
// when it returns.
func (s *Server) loadLocked() {
	s.mu.Unlock()
	defer s.mu.Lock()
	for i, n := range s.names {
		s.names[i] = s.resolve(n)
	}
}

// refreshLocked is called with s.mu held and drops it once per name.
func (s *Server) refreshLocked() {
	for i := range s.names {
		name := s.names[i]
		s.mu.Unlock()
		name = s.resolve(name)
		s.mu.Lock()
		s.names[i] = name
	}
}

// Clean: both helpers return with s.mu held again.
func (s *Server) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loadLocked()
	s.refreshLocked()
	s.mu.Unlock()
	s.pending = 0
	s.mu.Lock()
}

// doneLocked releases the caller's lock when it returns.
func (s *Server) doneLocked() {
	defer s.mu.Unlock()
	s.pending--
}

// unlockAll releases the caller's lock on every path.
func (s *Server) unlockAll() {
	if s.pending > 0 {
		s.pending = 0
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
}

// Flagged: doneLocked has already released s.mu.
func (s *Server) Finish() {
	s.mu.Lock()
	s.doneLocked()
	s.mu.Unlock() // want "MU006: s.mu.Unlock\(\) of a mutex that is not locked"
}

// Flagged: unlockAll released it on both of its paths.
func (s *Server) Stop() {
	s.mu.Lock()
	s.names = nil
	s.unlockAll()
	s.mu.Unlock() // want "MU006: s.mu.Unlock\(\) of a mutex that is not locked"
}

// Clean: called with s.mu held, it drops the lock, takes it back, and returns with it released
// (its callers know): each Unlock releases a lock that is held.
func (s *Server) closeLocked() {
	s.mu.Unlock()
	s.names = append(s.names, s.resolve("bye"))
	s.mu.Lock()
	s.pending = 0
	s.mu.Unlock()
}

// Clean: a read lock held on entry, dropped for a write and taken back.
type Table struct {
	mu   sync.RWMutex
	rows map[string]int
}

func (t *Table) bumpRLocked(k string) int {
	n := t.rows[k]
	t.mu.RUnlock()
	t.mu.Lock()
	t.rows[k] = n + 1
	t.mu.Unlock()
	t.mu.RLock()
	return n
}

// Clean: bumpRLocked gives the read lock back.
func (t *Table) Bump(k string) int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.bumpRLocked(k)
}

// Flagged: closeLocked has released s.mu.
func (s *Server) Close() {
	s.mu.Lock()
	s.closeLocked()
	s.mu.Unlock() // want "MU006: s.mu.Unlock\(\) of a mutex that is not locked"
}
