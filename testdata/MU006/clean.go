package mu006

import (
	"os"
	"sync"
)

type Pool struct {
	mu     sync.Mutex
	rw     sync.RWMutex
	items  []int
	closed bool
}

func (p *Pool) Get() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.items)
}

// Temporarily releases the caller's lock, re-taken on return.
func (p *Pool) waitLocked() {
	p.mu.Unlock()
	defer p.mu.Lock()
	_, _ = os.Stat("x")
}

// Defer-relock after an explicit unlock in the same function.
func (p *Pool) Slow() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mu.Unlock()
	defer p.mu.Lock()
	_, _ = os.Stat("x")
}

// Unlocks a lock its caller took.
func (p *Pool) unlockAndNotify() {
	p.items = p.items[:0]
	p.mu.Unlock()
}

// Released early on one path, by the deferred closure on the other.
func (p *Pool) Early() {
	p.mu.Lock()
	locked := true
	defer func() {
		if locked {
			p.mu.Unlock()
		}
	}()
	if p.closed {
		p.mu.Unlock()
		locked = false
		return
	}
}

// Unlock, work, relock: the deferred unlock then releases the re-taken lock.
func (p *Pool) Drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mu.Unlock()
	_, _ = os.Stat("x")
	p.mu.Lock()
}

// Paths that may hold it: TryLock, correlated modes.
func (p *Pool) Try() {
	p.mu.Lock()
	p.mu.Unlock()
	if p.mu.TryLock() {
		p.items = nil
		p.mu.Unlock()
	}
}

func (p *Pool) Mode(write bool) {
	if write {
		p.rw.Lock()
	} else {
		p.rw.RLock()
	}
	p.items = nil
	if write {
		p.rw.Unlock()
	} else {
		p.rw.RUnlock()
	}
}

// Loops that lock and unlock once per iteration.
func (p *Pool) Each(n int) {
	for i := 0; i < n; i++ {
		p.mu.Lock()
		p.items = append(p.items, i)
		p.mu.Unlock()
	}
}

// Lock taken only on one branch, unlocked after: the other path may be the caller's lock.
func (p *Pool) Cond(first bool) {
	if first {
		p.mu.Lock()
	}
	p.items = nil
	p.mu.Unlock()
}

// Matching read lock.
func (p *Pool) Len() int {
	p.rw.RLock()
	defer p.rw.RUnlock()
	return len(p.items)
}

// A helper that re-locks: may hold it again.
func (p *Pool) relock() { p.mu.Lock() }

func (p *Pool) Cycle() {
	p.mu.Lock()
	p.mu.Unlock()
	p.relock()
	p.mu.Unlock()
}

// Read-lock helpers of the type itself: the deferred helper's mode is its own business.
type View struct {
	mu   sync.RWMutex
	data []int
}

func (v *View) RLock()   { v.mu.RLock() }
func (v *View) RUnlock() { v.mu.RUnlock() }

func (v *View) Copy() []int {
	v.RLock()
	defer v.RUnlock()
	return append([]int(nil), v.data...)
}
