package demo

import (
	"errors"
	"sync"
)

type registry struct {
	mu    sync.Mutex
	names map[string]int
}

// add returns early on a duplicate with the lock held.
func (r *registry) add(name string, id int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.names[name]; ok {
		return errors.New("duplicate name")
	}
	r.names[name] = id
	return nil
}

// remove unlocks only when it falls off the end.
func (r *registry) remove(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.names[name]; !ok {
		return
	}
	delete(r.names, name)
}

type cache struct {
	mu      sync.RWMutex
	entries map[string][]byte
}

// get returns the hit with the read lock still held.
func (c *cache) get(key string) ([]byte, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if v, ok := c.entries[key]; ok {
		return v, true
	}
	return nil, false
}

// rename does work after the Unlock: deferring it would hold the lock over save, so it
// is reported but not fixed.
func (r *registry) rename(from, to string, save func(map[string]int)) error {
	r.mu.Lock()
	id, ok := r.names[from]
	if !ok {
		return errors.New("unknown name")
	}
	delete(r.names, from)
	r.names[to] = id
	r.mu.Unlock()
	save(r.names)
	return nil
}

// alreadyRight must be left alone.
func (r *registry) alreadyRight(name string) (int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id, ok := r.names[name]
	return id, ok
}

// addAll locks in a loop: a deferred Unlock would run only at the function's end, so it is
// reported but not fixed.
func (r *registry) addAll(names []string) error {
	for i, n := range names {
		r.mu.Lock()
		if _, ok := r.names[n]; ok {
			return errors.New("duplicate name")
		}
		r.names[n] = i
		r.mu.Unlock()
	}
	return nil
}

// drop unlocks inside a branch, not next to the Lock: no fix.
func (r *registry) drop(name string, force bool) error {
	r.mu.Lock()
	if force {
		delete(r.names, name)
		r.mu.Unlock()
		return nil
	}
	return errors.New("not forced")
}

// swap takes the lock twice: which Unlock a defer would replace is not clear, no fix.
func (r *registry) swap(a, b string) error {
	r.mu.Lock()
	ia, ok := r.names[a]
	r.mu.Unlock()
	if !ok {
		return errors.New("unknown name")
	}
	r.mu.Lock()
	if _, ok := r.names[b]; !ok {
		return errors.New("unknown name")
	}
	r.names[a], r.names[b] = r.names[b], ia
	r.mu.Unlock()
	return nil
}

// lookup has a comment on the Unlock's line: removing the line would lose it, so no fix.
func (r *registry) lookup(name string) int {
	r.mu.Lock()
	id, ok := r.names[name]
	if !ok {
		return -1
	}
	r.mu.Unlock() // names is not read below
	return id
}
