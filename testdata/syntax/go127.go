package syntax

import "sync"

// Go 1.27: methods with type parameters, and promoted fields in struct literals.

type Base struct{ ID int }

type Item struct {
	Base
	Name string
}

type Registry struct {
	mu    sync.Mutex
	items []Item
}

func (r *Registry) Add(it Item) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.items = append(r.items, it)
}

func (r *Registry) Collect[T any](f func(Item) T) []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]T, 0, len(r.items))
	for _, it := range r.items {
		out = append(out, f(it))
	}
	return out
}

func (r *Registry) Find[K comparable](key func(Item) K, want K) (Item, bool) {
	for _, it := range r.items {
		if key(it) == want {
			return it, true
		}
	}
	return Item{}, false
}

func Use127() ([]string, bool) {
	var r Registry
	r.Add(Item{ID: 1, Name: "one"})
	names := r.Collect[string](func(it Item) string { return it.Name })
	_, ok := r.Find(func(it Item) int { return it.ID }, 1)
	return names, ok
}
