package mu005

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

// Holder shares its lock through a pointer: copying it is fine.
type Holder struct {
	mu *sync.Mutex
	n  int
}

func (h Holder) N() int { return h.n }

// Guarded embeds a Locker interface: copying shares the lock.
type Guarded struct {
	sync.Locker
}

func (g Guarded) Use() {
	g.Lock()
	g.Unlock()
}

// ValueBox holds an atomic.Value, which go vet lets be copied.
type ValueBox struct {
	v atomic.Value
}

func (b ValueBox) Load() any { return b.v.Load() }

func (r *Registry) Size() int { return len(r.entries) }

func NewRegistry() Registry {
	return Registry{entries: map[string]int{}}
}

func newRegistryPtr() *Registry {
	r := &Registry{}
	return r
}

func freshValues(p *Registry) {
	var a sync.Mutex
	b := sync.Mutex{}
	b = sync.Mutex{}
	c := &a
	d := new(sync.Mutex)
	e := NewRegistry() // a constructor's result is a fresh value
	f := *newRegistryPtr()
	g := *new(Registry)
	h := make([]sync.Mutex, 4)
	i := []*Registry{p, &e}
	j := struct{ L *sync.Mutex }{L: &a}
	k := Holder{mu: &a}
	l := k
	pp := &p
	q := *pp // a pointer: shares
	_ = a    // the blank identifier stores nothing
	_, _, _, _, _, _, _, _, _, _, _ = &b, c, d, &f, &g, h, i, j, l, q, &e
}

func sizes() {
	var locks [4]sync.Mutex
	_ = len(locks)
	_ = cap(locks)
	var mu sync.Mutex
	_ = unsafe.Sizeof(mu)
}

func pointerParams(mu *sync.Mutex, r *Registry, rs []Registry, m map[string]*Registry) {
	for i := range rs {
		rs[i].mu.Lock()
		rs[i].mu.Unlock()
	}
	for _, r := range m {
		_ = r
	}
	mu.Lock()
	defer mu.Unlock()
	_ = r
}

func (r *Registry) pointerMethods() *Registry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r
}

func (r *Registry) address() *sync.Mutex { return &r.mu }

func mapOfPointers() {
	m := map[string]*Registry{"a": {}}
	x := m["a"]
	_ = x
}

func genericParam[T any](v T) T { return v }

func useGeneric() {
	_ = genericParam(1)
}

// The atomic functions take pointers.
func atomics(n *int64, s *Stats) {
	atomic.AddInt64(n, 1)
	s.hits.Add(1)
}

// Two counters share nothing; their fresh values are built in place.
func slices() []Registry {
	out := make([]Registry, 0, 2)
	out = append(out, Registry{})
	return out
}
