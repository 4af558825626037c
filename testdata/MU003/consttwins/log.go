// A constant defined differently for different builds is not folded: each build runs its own
// branch.
package consttwins

import "sync"

type Sink struct {
	mu    sync.Mutex
	lines []string
}

// Flagged: in a verbose build the return leaves s.mu locked.
func (s *Sink) Write(line string) {
	s.mu.Lock() // want "MU003: s.mu.Lock\(\) is not released on every path"
	if verbose {
		println(line)
		return
	}
	s.lines = append(s.lines, line)
	s.mu.Unlock()
}

// Clean: both branches unlock.
func (s *Sink) Flush() {
	s.mu.Lock()
	if verbose {
		println(len(s.lines))
		s.mu.Unlock()
		return
	}
	s.lines = nil
	s.mu.Unlock()
}
