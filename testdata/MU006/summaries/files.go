// A call's summary is its net effect on the locks its caller holds.
package summaries

import (
	"io"
	"sync"
)

type File struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
	n      int
}

// writeAt drops f.mu around the write when release is set, and takes it back.
func (f *File) writeAt(b []byte, release bool) error {
	if release {
		f.mu.Unlock()
	}
	_, err := f.w.Write(b)
	if release {
		f.mu.Lock()
	}
	return err
}

// Clean: writeAt(…, true) gives the lock back, so this Unlock is the matching one.
func (f *File) Write(b []byte) error {
	f.mu.Lock()
	err := f.writeAt(b, true)
	f.n += len(b)
	f.mu.Unlock()
	return err
}

// countLocked touches f.mu only when asked to.
func (f *File) countLocked(needLock bool) int {
	if needLock {
		f.mu.Lock()
	}
	n := f.n
	if needLock {
		f.mu.Unlock()
	}
	return n
}

// Clean: countLocked(false) neither locks nor unlocks.
func (f *File) Grow() {
	f.mu.Lock()
	if f.countLocked(false) > 100 {
		f.n = 0
	}
	f.mu.Unlock()
}

// Clean: even with an argument that is not a constant, countLocked releases only what it
// took, so it does not release the caller's lock.
func (f *File) Shrink(lock bool) {
	f.mu.Lock()
	f.n = f.countLocked(lock) / 2
	f.mu.Unlock()
}

// finish releases the caller's lock when told to.
func (f *File) finish(release bool) {
	f.closed = true
	if release {
		f.mu.Unlock()
	}
}

// Clean: finish(false) leaves the lock to this function.
func (f *File) Abort() {
	f.mu.Lock()
	f.finish(false)
	f.mu.Unlock()
}

// Flagged: finish(true) has already released f.mu.
func (f *File) Close() {
	f.mu.Lock()
	f.finish(true)
	f.mu.Unlock() // want "MU006: f.mu.Unlock\(\) of a mutex that is not locked"
}
