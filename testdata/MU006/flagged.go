package mu006

import "sync"

type Config struct {
	mu   sync.RWMutex
	lk   sync.Mutex
	vals map[string]string
}

func (c *Config) Get(k string) string {
	c.mu.RLock()
	defer c.mu.RLock() // want "MU006: defer c.mu.RLock\(\) while c.mu is read-locked"
	return c.vals[k]
}

func (c *Config) Put(k, v string) {
	c.lk.Lock()
	defer c.lk.Lock() // want "MU006: defer c.lk.Lock\(\) while c.lk is locked"
	c.vals[k] = v
}

func (c *Config) Set(k, v string) {
	c.mu.Lock()
	defer c.mu.RUnlock() // want "MU006: c.mu.RUnlock\(\) releases a lock held for writing"
	c.vals[k] = v
}

func (c *Config) Read(k string) string {
	c.mu.RLock()
	v := c.vals[k]
	c.mu.Unlock() // want "MU006: c.mu.Unlock\(\) releases a lock held for reading"
	return v
}

func (c *Config) Twice(k string) {
	c.lk.Lock()
	delete(c.vals, k)
	c.lk.Unlock()
	if k == "" {
		return
	}
	c.lk.Unlock() // want "MU006: c.lk.Unlock\(\) of a mutex that is not locked: it was already unlocked"
}

func (c *Config) Branches(k string) {
	c.lk.Lock()
	if k == "" {
		c.lk.Unlock()
	} else {
		delete(c.vals, k)
		c.lk.Unlock()
	}
	c.lk.Unlock() // want "MU006: c.lk.Unlock\(\) of a mutex that is not locked"
}

func (c *Config) Deferred(k string) string {
	c.lk.Lock()
	defer c.lk.Unlock()
	v := c.vals[k]
	c.lk.Unlock() // want "MU006: .*a deferred unlock registered earlier unlocks it again"
	return v
}

// A deferred closure with the wrong mode: reported at the defer.
func (c *Config) Closure() {
	c.mu.RLock()
	defer func() { // want "MU006: c.mu.Unlock\(\) releases a lock held for reading"
		c.mu.Unlock()
	}()
	_ = len(c.vals)
}
