package demo

import "sync"

type config struct {
	mu   sync.RWMutex
	vals map[string]string
}

// get defers RLock where RUnlock was meant: it deadlocks on return.
func (c *config) get(key string) string {
	c.mu.RLock()
	defer c.mu.RLock()
	return c.vals[key]
}

// set releases a write lock with RUnlock: a fatal error at run time.
func (c *config) set(key, value string) {
	c.mu.Lock()
	c.vals[key] = value
	c.mu.RUnlock()
}

type counter struct {
	mu sync.Mutex
	n  map[string]int
}

// inc defers Lock where Unlock was meant.
func (c *counter) inc(key string) int {
	c.mu.Lock()
	defer c.mu.Lock()
	c.n[key]++
	return c.n[key]
}

// alreadyRight must be left alone.
func (c *config) alreadyRight(key string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := c.vals[key]
	return v, ok
}
