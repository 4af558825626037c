package mu001

import "sync"

type Journal struct {
	mu      sync.Mutex
	pending []string
	synced  sync.WaitGroup
}

// rotate is called with j.mu held: it drops it around the slow part and takes it back, so
// its caller still holds its own caller's lock afterwards, not a lock of its own.
func (j *Journal) rotate() int {
	n := len(j.pending)
	j.mu.Unlock()
	j.synced.Wait()
	j.mu.Lock()
	return n
}

// flushLocked is called with j.mu held too; after rotate it drops the lock again around the
// wait, which therefore runs without it.
func (j *Journal) flushLocked() {
	j.rotate()
	j.mu.Unlock()
	j.synced.Wait()
	j.mu.Lock()
	j.pending = nil
}

func (j *Journal) Flush() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.flushLocked()
}

// Without the unlock, the wait runs under the lock.
func (j *Journal) Drain() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.rotate()
	j.synced.Wait() // want "MU001"
}
