package mu004

import "sync"

type Cache struct {
	mu    sync.Mutex
	rw    sync.RWMutex
	items map[string]string
}

func (c *Cache) Twice() {
	c.mu.Lock()
	c.items["a"] = "b"
	c.mu.Lock() // want "MU004: c.mu.Lock\(\) while c.mu is already locked"
	c.mu.Unlock()
}

func (c *Cache) Upgrade(k string) {
	c.rw.RLock()
	defer c.rw.RUnlock()
	if _, ok := c.items[k]; !ok {
		c.rw.Lock() // want "MU004: c.rw.Lock\(\) while c.rw is already read-locked"
		c.items[k] = ""
		c.rw.Unlock()
	}
}

func (c *Cache) Size() int {
	c.rw.RLock()
	defer c.rw.RUnlock()
	return len(c.items)
}

func (c *Cache) Get(k string) (string, int) {
	c.rw.RLock()
	defer c.rw.RUnlock()
	return c.items[k], c.Size() // want "MU004: call of c.Size read-locks c.rw, which is already read-locked: a recursive RLock"
}

func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}

func (c *Cache) Put(k, v string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Len() > 10 { // want "MU004: call of c.Len locks c.mu, which is already locked"
		c.items = map[string]string{}
	}
	c.items[k] = v
}

// Two calls deep.
func (c *Cache) compact() { _ = c.Len() }

func (c *Cache) Flush() {
	c.mu.Lock()
	c.compact() // want "MU004: call of c.compact locks c.mu"
	c.mu.Unlock()
}

// A package-level mutex and a function.
var regMu sync.Mutex
var registry = map[string]int{}

func register(name string) {
	regMu.Lock()
	defer regMu.Unlock()
	registry[name] = len(registry)
}

func registerAll(names []string) {
	regMu.Lock()
	defer regMu.Unlock()
	for _, n := range names {
		register(n) // want "MU004: call of register locks regMu"
	}
}

// Through an embedded mutex.
type Counter struct {
	sync.Mutex
	n int
}

func (c *Counter) Inc() {
	c.Lock()
	c.n++
	c.Unlock()
}

func (c *Counter) Add(k int) {
	c.Lock()
	defer c.Unlock()
	for i := 0; i < k; i++ {
		c.Inc() // want "MU004: call of c.Inc locks c"
	}
}

// Through a parameter.
func bump(c *Cache) {
	c.mu.Lock()
	c.items["n"] += "x"
	c.mu.Unlock()
}

func (c *Cache) Bump() {
	c.mu.Lock()
	defer c.mu.Unlock()
	bump(c) // want "MU004"
}

// RLock after Lock.
func (c *Cache) Read() string {
	c.rw.Lock()
	defer c.rw.Unlock()
	c.rw.RLock() // want "MU004: c.rw.RLock\(\) while c.rw is already locked"
	defer c.rw.RUnlock()
	return c.items["x"]
}
