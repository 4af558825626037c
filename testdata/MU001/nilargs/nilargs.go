// Package nilargs: a wait behind a nil check of a parameter, in a function some callers
// call with nil. Those callers never reach the wait.
package nilargs

import "sync"

type Catalog struct {
	mu     sync.Mutex
	tables map[string]int
	loaded int
}

// load opens every table, through the workers of pool when one is given, else inline.
func (c *Catalog) load(names []string, pool chan<- func()) {
	open := func(name string) {
		c.mu.Lock()
		c.loaded++
		c.mu.Unlock()
	}
	if pool != nil {
		var wg sync.WaitGroup
		wg.Add(len(names))
		for _, n := range names {
			pool <- func() {
				open(n)
				wg.Done()
			}
		}
		wg.Wait() // want "MU001: wg.Wait.. can block while a caller holds c.mu: 2 call paths hold a lock here; a func literal in c.load, which calls Done on it, needs c.mu"
		return
	}
	for _, n := range names {
		open(n)
	}
}

// reload passes its own pool on: as nil as its caller's.
func (c *Catalog) reload(names []string, pool chan<- func()) {
	c.load(names, pool)
}

// Refresh holds the lock and loads inline: no worker, no wait.
func (c *Catalog) Refresh(names []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.load(names, nil)
	c.reload(names, nil)
}

// Start and Restart hold the lock and give the workers a pool: they wait for workers that
// need the lock.
func (c *Catalog) Start(names []string) {
	pool := make(chan func())
	go worker(pool)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.load(names, pool)
}

func (c *Catalog) Restart(names []string) {
	pool := make(chan func())
	go worker(pool)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reload(names, pool)
}

// Open loads without the lock: nothing is held across the wait.
func (c *Catalog) Open(names []string) {
	pool := make(chan func())
	go worker(pool)
	c.load(names, pool)
}

func worker(pool <-chan func()) {
	for f := range pool {
		f()
	}
}
