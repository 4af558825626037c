// A lock handed to a goroutine that unlocks it is no longer held by the function that
// started the goroutine.
package handoff

import "sync"

type Worker struct {
	mu    sync.Mutex
	other sync.Mutex
	ready chan struct{}
	n     int
}

func (w *Worker) work() { w.n++ }

// finish runs as a goroutine and releases w.mu when done.
func (w *Worker) finish() {
	defer w.mu.Unlock()
	w.work()
}

// Clean: the goroutine unlocks w.mu; the second Lock waits for it.
func (w *Worker) Handoff() {
	w.mu.Lock()
	go func() {
		defer w.mu.Unlock()
		w.work()
	}()
	w.mu.Lock()
	w.n = 0
	w.mu.Unlock()
}

// Clean: the same, the goroutine being a method that unlocks.
func (w *Worker) HandoffMethod() {
	w.mu.Lock()
	go w.finish()
	<-w.ready
	w.mu.Lock()
	w.n--
	w.mu.Unlock()
}

// Clean: the goroutine unlocks it on its last line.
func (w *Worker) HandoffLater() {
	w.mu.Lock()
	go func() {
		w.work()
		w.mu.Unlock()
	}()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.n++
}

// Flagged: the goroutine unlocks another mutex; w.mu is still held here.
func (w *Worker) WrongLock() {
	w.mu.Lock()
	w.other.Lock()
	go func() {
		defer w.other.Unlock()
		w.work()
	}()
	w.mu.Lock() // want "MU004: w.mu.Lock\(\) while w.mu is already locked"
	w.n = 0
	w.mu.Unlock()
}

// Flagged: the goroutine does not unlock anything.
func (w *Worker) NoUnlock() {
	w.mu.Lock()
	go w.work()
	w.mu.Lock() // want "MU004: w.mu.Lock\(\) while w.mu is already locked"
	w.mu.Unlock()
}
