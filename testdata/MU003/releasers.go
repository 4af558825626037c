package mu003

import "sync"

// What counts as releasing the lock, and what makes each iteration's lock its own.

type inventory struct {
	mu    sync.Mutex
	stock map[string]int
}

// Released through a method value bound to the lock: every path calls it.
func (v *inventory) take(item string) int {
	v.mu.Lock()
	release := v.mu.Unlock
	if n, ok := v.stock[item]; ok {
		release()
		return n
	}
	release()
	return 0
}

// A function value named like an unlock may release it: goconc cannot follow it, so it stays
// silent.
func (v *inventory) takeWith(item string, unlockAll func()) int {
	v.mu.Lock()
	if item == "" {
		unlockAll()
		return 0
	}
	v.mu.Unlock()
	return 1
}

// Any other function value is no release.
func (v *inventory) takeThen(item string, done func()) int {
	v.mu.Lock() // want "MU003: v.mu.Lock\(\) is not released on every path: the return on line"
	if item == "" {
		done()
		return 0
	}
	v.mu.Unlock()
	return 1
}

// A local alias names the same lock: the early return leaks it.
func (v *inventory) count(item string) int {
	m := &v.mu
	m.Lock() // want "MU003: m.Lock\(\) is not released on every path"
	if n, ok := v.stock[item]; ok {
		return n
	}
	m.Unlock()
	return 0
}

// Locked and unlocked under the same condition.
func (v *inventory) peek(item string, locked bool) int {
	if locked {
		v.mu.Lock()
	}
	n := v.stock[item]
	if locked {
		v.mu.Unlock()
	}
	return n
}

type shelf struct {
	mu    sync.Mutex
	count int
}

// Each iteration locks another shelf: the one skipped stays locked after the loop, not
// the next iteration's.
func restock(shelves []*shelf) {
	for _, s := range shelves {
		s.mu.Lock() // want "MU003: s.mu.Lock\(\) is not released on every path: falling off the end"
		if s.count > 0 {
			continue
		}
		s.count = 10
		s.mu.Unlock()
	}
}

// The same lock on every iteration: the next one locks it again while it is held.
func (v *inventory) restockAll(items []string) {
	for _, it := range items {
		v.mu.Lock() // want "MU003: v.mu.Lock\(\) is not released on every path through the loop"
		if it == "" {
			continue
		}
		v.stock[it] += 10
		v.mu.Unlock()
	}
}

// The lock's Unlock handed on as a function: whoever receives it releases the lock.
func (v *inventory) takeVia(item string, later func(func())) int {
	v.mu.Lock()
	if item == "" {
		later(v.mu.Unlock)
		return 0
	}
	v.mu.Unlock()
	return 1
}

// Another lock's Unlock handed on releases nothing of this one.
func (v *inventory) takeViaOther(item string, other *inventory, later func(func())) int {
	v.mu.Lock() // want "MU003: v.mu.Lock\(\) is not released on every path"
	if item == "" {
		later(other.mu.Unlock)
		return 0
	}
	v.mu.Unlock()
	return 1
}
