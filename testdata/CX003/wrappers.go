package cx003

import "sync"

// A wrapper named Wait: its callers are found by what they call, not by the name (a
// WaitGroup's Wait and other types' Wait calls elsewhere in the package are not its calls).
type flusher struct {
	mu    sync.Mutex
	cond  sync.Cond
	ready bool
	data  []byte
}

func (f *flusher) Wait() {
	f.cond.Wait()
}

func (f *flusher) waitReady() {
	f.mu.Lock()
	for !f.ready {
		f.Wait()
	}
	f.mu.Unlock()
}

// A wrapper of the wrapper, called in a loop: the loop is two calls up.
func (f *flusher) waitOnce() {
	f.Wait()
}

func (f *flusher) drain() {
	f.mu.Lock()
	for len(f.data) > 0 {
		f.waitOnce()
	}
	f.mu.Unlock()
}

// One caller does not loop: the wrapper's Wait is reported.
type mailbox struct {
	mu   sync.Mutex
	cond sync.Cond
	msgs []string
}

func (m *mailbox) Wait() {
	m.cond.Wait() // want "CX003: m.cond.Wait\(\) is not in a loop"
}

func (m *mailbox) next() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.msgs) == 0 {
		m.Wait()
	}
	msg := m.msgs[0]
	m.msgs = m.msgs[1:]
	return msg
}

func (m *mailbox) nextLooping() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for len(m.msgs) == 0 {
		m.Wait()
	}
	return m.msgs[0]
}

// A wrapper handed out as a function value: where it is called is unknown.
type latch struct {
	mu   sync.Mutex
	cond sync.Cond
}

func (l *latch) block() {
	l.cond.Wait() // want "CX003: l.cond.Wait"
}

func (l *latch) waiter() func() {
	return l.block
}
