package cx003

import "sync"

type watcher struct {
	mu      sync.Mutex
	cv      *sync.Cond
	pending int
	closed  bool
}

// The loop condition is a local that nothing assigns again.
func (w *watcher) remove() {
	w.mu.Lock()
	defer w.mu.Unlock()
	exists := true
	for exists {
		w.cv.Wait() // want "CX003: w.cv.Wait\(\) waits forever: the loop condition \(exists\) reads only exists"
	}
}

// A value computed once, before the loop.
func (w *watcher) waitIdle() {
	w.mu.Lock()
	defer w.mu.Unlock()
	busy := w.pending > 0
	for busy {
		w.cv.Wait() // want "CX003: w.cv.Wait\(\) waits forever"
	}
}

// A parameter: a copy that nothing in the loop changes.
func (w *watcher) waitFor(ready bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for !ready {
		w.cv.Wait() // want "CX003"
	}
}

// Two locals and a constant.
const limit = 3

func (w *watcher) waitBoth(n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	open, count := !w.closed, n
	for open && count < limit {
		w.cv.Wait() // want "CX003"
	}
}

// The local is assigned only before the loop.
func (w *watcher) assignedBefore() {
	w.mu.Lock()
	defer w.mu.Unlock()
	var waiting bool
	waiting = w.pending != 0
	for waiting {
		w.cv.Wait() // want "CX003"
	}
}

// Clean: the condition reads a field, which Signal's caller changes.
func (w *watcher) waitPending() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.pending > 0 {
		w.cv.Wait()
	}
}

// Clean: the loop assigns the local again.
func (w *watcher) recheck() {
	w.mu.Lock()
	defer w.mu.Unlock()
	busy := true
	for busy {
		w.cv.Wait()
		busy = w.pending > 0
	}
}

// Clean: the body can leave the loop.
func (w *watcher) leaves() {
	w.mu.Lock()
	defer w.mu.Unlock()
	waiting := true
	for waiting {
		w.cv.Wait()
		if w.closed {
			break
		}
	}
}

// Clean: a closure can change the local.
func (w *watcher) viaClosure(register func(func())) {
	w.mu.Lock()
	defer w.mu.Unlock()
	waiting := true
	register(func() { waiting = false })
	for waiting {
		w.cv.Wait()
	}
}

// Clean: its address is handed out.
func settle(p *bool) { *p = false }

func (w *watcher) viaPointer() {
	w.mu.Lock()
	defer w.mu.Unlock()
	waiting := true
	go settle(&waiting)
	for waiting {
		w.cv.Wait()
	}
}

// Clean: the condition calls a function.
func (w *watcher) isBusy() bool { return w.pending > 0 }

func (w *watcher) viaCall() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.isBusy() {
		w.cv.Wait()
	}
}

// Clean: a package variable.
var shuttingDown bool

func (w *watcher) viaGlobal() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for !shuttingDown {
		w.cv.Wait()
	}
}

// Clean: a counted loop re-evaluates its post statement.
func (w *watcher) counted(n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := 0; i < n; i++ {
		w.cv.Wait()
	}
}

// Clean: the body returns.
func (w *watcher) returns() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	waiting := true
	for waiting {
		w.cv.Wait()
		if w.closed {
			return false
		}
	}
	return true
}
