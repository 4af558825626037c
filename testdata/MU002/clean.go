package mu002

import "sync"

type Account struct {
	mu      sync.Mutex
	balance int
}

// Two instances of one class: not an edge (ordering instances needs an ID).
func Transfer(from, to *Account, n int) {
	from.mu.Lock()
	defer from.mu.Unlock()
	to.mu.Lock()
	defer to.mu.Unlock()
	from.balance -= n
	to.balance += n
}

type Registry struct {
	mu    sync.Mutex
	items map[string]*Item
}

type Item struct {
	mu   sync.Mutex
	name string
}

// Consistent order everywhere: Registry.mu before Item.mu.
func (r *Registry) Rename(old, name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	it := r.items[old]
	it.mu.Lock()
	it.name = name
	it.mu.Unlock()
}

func (r *Registry) Touch(it *Item) {
	r.mu.Lock()
	it.lockName()
	r.mu.Unlock()
}

func (it *Item) lockName() {
	it.mu.Lock()
	defer it.mu.Unlock()
	it.name += "!"
}

// Released before taking the other: no edge Item.mu -> Registry.mu.
func (it *Item) Register(r *Registry) {
	it.mu.Lock()
	name := it.name
	it.mu.Unlock()
	r.mu.Lock()
	r.items[name] = it
	r.mu.Unlock()
}

// A goroutine started while holding Item.mu holds nothing itself.
func (it *Item) Async(r *Registry) {
	it.mu.Lock()
	defer it.mu.Unlock()
	go func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.items[""] = nil
	}()
}

// A helper that releases the caller's lock before taking the other one.
func (it *Item) handOff(r *Registry) {
	it.mu.Unlock()
	r.mu.Lock()
	r.items["h"] = it
	r.mu.Unlock()
	it.mu.Lock()
}

func (it *Item) HandOff(r *Registry) {
	it.mu.Lock()
	defer it.mu.Unlock()
	it.handOff(r)
}

// A closure that is only defined under the lock.
func (it *Item) Later(r *Registry) func() {
	it.mu.Lock()
	defer it.mu.Unlock()
	return func() {
		r.mu.Lock()
		r.mu.Unlock()
	}
}
