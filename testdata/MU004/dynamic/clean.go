package dynamic

import "sync"

// The callback is installed on another object than the one it locks.
type node struct {
	mu       sync.Mutex
	onChange func()
}

func (n *node) touch() {
	n.mu.Lock()
	n.mu.Unlock()
}

func link(a, b *node) {
	a.onChange = func() { b.touch() }
}

func (n *node) change() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.onChange != nil {
		n.onChange()
	}
}

// A local unlock closure releases the lock before the second Lock.
type gate struct {
	mu sync.Mutex
}

func (g *gate) pass() {
	g.mu.Lock()
	unlock := func() { g.mu.Unlock() }
	unlock()
	g.mu.Lock()
	g.mu.Unlock()
}

// An unlock func from a helper: what it unlocks is not known here.
func unlocker(l sync.Locker) func() {
	var once sync.Once
	return func() { once.Do(l.Unlock) }
}

func (g *gate) relock() {
	unlock := unlocker(&g.mu)
	g.mu.Lock()
	unlock()
	g.mu.Lock()
	g.mu.Unlock()
}

// A local closure told by a constant argument not to lock.
type conn struct {
	mu  sync.Mutex
	out []byte
}

func (c *conn) switchMode() {
	send := func(b byte, useLock bool) {
		if useLock {
			c.mu.Lock()
		}
		c.out = append(c.out, b)
		if useLock {
			c.mu.Unlock()
		}
	}
	c.mu.Lock()
	send(1, false)
	c.mu.Unlock()
	send(2, true)
}
