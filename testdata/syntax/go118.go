package syntax

import "sync"

// Go 1.18: type parameters, constraints as type sets, instantiation and inference.

type Number interface {
	~int | ~int32 | ~int64 | ~float64
}

type Stringish interface {
	~string
	Len() int
}

func Sum[T Number](xs ...T) T {
	var total T
	for _, x := range xs {
		total += x
	}
	return total
}

func Keys[K comparable, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

type Pair[K comparable, V any] struct {
	Key K
	Val V
}

type Cache[K comparable, V any] struct {
	mu    sync.Mutex
	items map[K]V
}

func NewCache[K comparable, V any]() *Cache[K, V] {
	return &Cache[K, V]{items: map[K]V{}}
}

func (c *Cache[K, V]) Put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items[k] = v
}

func (c *Cache[K, V]) Get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.items[k]
	return v, ok
}

type List[T any] struct {
	head *node[T]
}

type node[T any] struct {
	val  T
	next *node[T]
}

func (l *List[T]) Push(v T) { l.head = &node[T]{v, l.head} }

func Use118() (int, float64, []string, Pair[string, int]) {
	c := NewCache[string, int]()
	c.Put("a", 1)
	n, _ := c.Get("a")
	var l List[int]
	l.Push(n)
	explicit := Sum[float64](1.5, 2.5)
	return Sum(1, 2, 3), explicit, Keys(map[string]bool{"x": true}), Pair[string, int]{"k", n}
}
