// Lock-order cycles whose edges go through function values and interfaces.
package dynamic

import "sync"

// The store is reached through an interface; the cache's callback is a method value.
type Store interface {
	Replace(items []string)
}

type watchCache struct {
	sync.RWMutex
	items   []string
	onEvent func()
}

func (w *watchCache) Replace(items []string) {
	w.Lock()
	defer w.Unlock()
	w.items = items
}

func (w *watchCache) SetOnEvent(f func()) {
	w.Lock()
	defer w.Unlock()
	w.onEvent = f
}

func (w *watchCache) processEvent() {
	w.Lock()
	defer w.Unlock()
	w.onEvent()
}

type cacher struct {
	sync.Mutex
	store Store
	count int
}

func (c *cacher) processEvent() {
	c.Lock()
	defer c.Unlock()
	c.count++
}

func (c *cacher) startCaching() {
	c.Lock()
	defer c.Unlock()
	c.store.Replace(nil) // want "MU002: .*lock-order cycle cacher.Mutex -> watchCache.RWMutex -> cacher.Mutex"
}

func newCacher() *cacher {
	w := &watchCache{}
	c := &cacher{store: w}
	w.SetOnEvent(c.processEvent)
	return c
}
