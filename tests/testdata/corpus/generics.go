package corpus

import "sync"

// Cache is a generic map guarded by a mutex, with a done hook per key.
type Cache[K comparable, V any] struct {
	mu    sync.Mutex
	items map[K]V
	wg    sync.WaitGroup
}

func (c *Cache[K, V]) Load(k K, compute func(K) V) V {
	c.mu.Lock()
	v, ok := c.items[k]
	if ok {
		c.mu.Unlock()
		return v
	}
	c.mu.Unlock()
	v = compute(k)
	c.mu.Lock()
	c.items[k] = v
	c.mu.Unlock()
	return v
}

func (c *Cache[K, V]) Refresh(keys []K, compute func(K) V) {
	for _, k := range keys {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.Load(k, compute)
		}()
	}
	c.wg.Wait()
}

type result[T any] struct {
	val T
	err error
}

func gather[T any](fs ...func() (T, error)) []result[T] {
	out := make(chan result[T], len(fs))
	for _, f := range fs {
		go func() {
			v, err := f()
			out <- result[T]{v, err}
		}()
	}
	rs := make([]result[T], 0, len(fs))
	for range fs {
		rs = append(rs, <-out)
	}
	return rs
}
