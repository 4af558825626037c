package crossfile

import "sync"

// Tracker is declared here; use.go copies it without naming sync.
type Tracker struct {
	pending sync.WaitGroup
	name    string
}

func (t *Tracker) Track(f func()) {
	t.pending.Add(1)
	go func() {
		defer t.pending.Done()
		f()
	}()
}
