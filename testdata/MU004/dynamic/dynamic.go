// Double locks through function values and interfaces.
package dynamic

import (
	"context"
	"sync"
)

// A callback installed through a setter, which captures the object it is installed on.
type Checkpointer func(ctx context.Context)

type lessor struct {
	mu sync.RWMutex
	cp Checkpointer
}

func (le *lessor) Checkpoint() {
	le.mu.Lock()
	defer le.mu.Unlock()
}

func (le *lessor) SetCheckpointer(cp Checkpointer) {
	le.mu.Lock()
	defer le.mu.Unlock()
	le.cp = cp
}

func (le *lessor) Renew() {
	le.mu.Lock()
	unlock := func() { le.mu.Unlock() }
	defer func() { unlock() }()
	if le.cp != nil {
		le.cp(context.Background()) // want "MU004: call of le.cp locks le.mu, which is already locked"
	}
}

func newLessor() *lessor {
	le := &lessor{}
	le.SetCheckpointer(func(ctx context.Context) {
		le.Checkpoint()
	})
	return le
}

// A method value of the object itself, stored in its own field.
type cache struct {
	mu      sync.Mutex
	evict   func()
	entries map[string]int
}

func (c *cache) evictAll() {
	c.mu.Lock()
	c.entries = map[string]int{}
	c.mu.Unlock()
}

func newCache() *cache {
	c := &cache{entries: map[string]int{}}
	c.evict = c.evictAll
	return c
}

func (c *cache) put(k string, v int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) > 100 {
		c.evict() // want "MU004: call of c.evict locks c.mu, which is already locked"
	}
	c.entries[k] = v
}

// Through an interface with one implementation in the package, which takes a package lock.
var registryMu sync.Mutex

type Registry interface {
	Names() []string
}

type memRegistry struct{ names []string }

func (m *memRegistry) Names() []string {
	registryMu.Lock()
	defer registryMu.Unlock()
	return append([]string(nil), m.names...)
}

func listAll(r Registry) int {
	registryMu.Lock()
	defer registryMu.Unlock()
	return len(r.Names()) // want "MU004: call of r.Names locks registryMu, which is already locked"
}
