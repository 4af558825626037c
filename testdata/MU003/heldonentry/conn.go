// Functions called with a lock held that drop it around slow work and take it back: returning
// with the lock held restores what the caller had.
package heldonentry

import (
	"errors"
	"sync"
)

type Conn struct {
	mu        sync.Mutex
	rw        sync.RWMutex
	ready     bool
	handshake func() error
	state     string
}

var errClosed = errors.New("closed")

// Clean: called with c.mu held; every Lock re-takes it before returning.
func (c *Conn) upgradeLocked() error {
	c.mu.Unlock()
	err := c.handshake()
	if err != nil {
		c.mu.Lock()
		return errClosed
	}
	c.mu.Lock()
	c.ready = true
	return nil
}

// Clean: the same with a read lock.
func (c *Conn) describeLocked() (string, error) {
	c.rw.RUnlock()
	err := c.handshake()
	c.rw.RLock()
	if err != nil {
		return "", err
	}
	return c.state, nil
}

// Clean: the caller's lock is dropped and re-taken in every iteration, and an early return
// after the re-take hands it back held.
func (c *Conn) retryLocked(tries int) error {
	for i := 0; i < tries; i++ {
		c.mu.Unlock()
		err := c.handshake()
		c.mu.Lock()
		if err == nil {
			return nil
		}
		if c.state == "closed" {
			return errClosed
		}
	}
	return errors.New("gave up")
}

// Clean: a block-by-block walk that drops the caller's lock for each block.
type Block struct {
	mu     sync.Mutex
	closed bool
	load   func() (int, error)
}

type Table struct {
	mu     sync.Mutex
	blocks []*Block
}

func (t *Table) firstLocked() (int, error) {
	for _, b := range t.blocks {
		t.mu.Unlock()
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			t.mu.Lock()
			continue
		}
		n, err := b.load()
		b.mu.Unlock()
		t.mu.Lock()
		if err != nil {
			return 0, err
		}
		if n > 0 {
			return n, nil
		}
	}
	return 0, nil
}

func (c *Conn) Upgrade() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.upgradeLocked()
}

// Flagged: this function took c.mu itself before dropping it; the second Lock is its own.
func (c *Conn) Reload() error {
	c.mu.Lock()
	fn := c.handshake
	c.mu.Unlock()
	err := fn()
	c.mu.Lock() // want "MU003: c.mu.Lock\(\) is not released on every path"
	if err != nil {
		return err
	}
	c.ready = true
	c.mu.Unlock()
	return nil
}

// Flagged: the lock taken under a flag is released under the same flag, so the Unlock in
// between does not release a lock of the caller; the last Lock is this function's own.
func (c *Conn) Probe(exclusive bool) error {
	if exclusive {
		c.mu.Lock()
	}
	c.state = "probing"
	if exclusive {
		c.mu.Unlock()
	}
	c.mu.Lock() // want "MU003: c.mu.Lock\(\) is not released on every path"
	if err := c.handshake(); err != nil {
		return err
	}
	c.mu.Unlock()
	return nil
}

// Flagged: the caller's lock is released only on one path; on the other the Lock is a new
// acquisition (a double lock if the caller held it, a leak if not).
func (c *Conn) Maybe() error {
	if c.ready {
		c.mu.Unlock()
	}
	c.mu.Lock() // want "MU003: c.mu.Lock\(\) is not released on every path"
	if c.state == "" {
		return errClosed
	}
	c.mu.Unlock()
	return nil
}
