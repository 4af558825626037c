package fixes

import "sync"

type Counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *Counter) Inc(k string) int {
	c.mu.Lock() // want "MU003"
	if k == "" {
		return 0
	}
	c.n[k]++
	v := c.n[k]
	c.mu.Unlock()
	return v
}

func (c *Counter) Reset(k string) {
	c.mu.Lock() // want "MU003"
	if _, ok := c.n[k]; !ok {
		return
	}
	delete(c.n, k)
	c.mu.Unlock()
}
