package crossfile

import "sync"

// Cache is declared here; its copies happen in use.go, a file that never names sync.
type Cache struct {
	mu    sync.RWMutex
	items map[string]string
}

func (c *Cache) Get(k string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.items[k]
}
