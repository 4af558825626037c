package mu005

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// Registry guards its entries with a mutex held by value.
type Registry struct {
	mu      sync.Mutex
	entries map[string]int
}

// Gauge embeds an RWMutex.
type Gauge struct {
	sync.RWMutex
	value float64
}

// Outer reaches a mutex through two levels of struct fields.
type Outer struct {
	Middle
}

type Middle struct {
	inner Inner
}

type Inner struct {
	sync.Mutex
}

// Starter holds a Once.
type Starter struct {
	once sync.Once
}

// noCopy is the marker idiom: pointer Lock/Unlock methods, no state.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

type Buffer struct {
	_    noCopy
	data []byte
}

// Stats holds an atomic counter.
type Stats struct {
	hits atomic.Int64
}

// Shards is an array of locks.
type Shards [4]sync.Mutex

func (r Registry) Len() int { // want "MU005: value receiver r of Registry.Len copies the Registry: Registry contains sync.Mutex via field mu"
	return len(r.entries)
}

func (Gauge) Kind() string { // want "MU005: value receiver of Gauge.Kind copies the Gauge: Gauge contains sync.RWMutex via field RWMutex"
	return "gauge"
}

func (o Outer) Name() string { // want "MU005: Outer contains sync.Mutex via field Middle.inner.Mutex"
	return "outer"
}

func (b Buffer) Size() int { // want "MU005: Buffer contains noCopy \(a type with Lock/Unlock methods\) via field _"
	return len(b.data)
}

func (s Stats) Hits() int64 { // want "MU005: Stats contains atomic.Int64 via field hits"
	return s.hits.Load()
}

func takesMutex(mu sync.Mutex) { // want "MU005: parameter mu of takesMutex is passed by value: sync.Mutex"
	_ = &mu
}

func takesUnnamed(sync.Map) {} // want "MU005: a parameter of takesUnnamed is passed by value: sync.Map"

func takesStarter(s Starter, n int) { // want "MU005: parameter s of takesStarter is passed by value: Starter contains sync.Once via field once"
	_, _ = &s, n
}

func takesAnonymous(v struct{ mu sync.Mutex }) { // want "MU005: contains sync.Mutex via field mu"
	_ = &v
}

var byValueClosure = func(c sync.Cond) {} // want "MU005: parameter c of func literal is passed by value: sync.Cond"

func assignments(p *Registry, g *Gauge) {
	var r Registry
	r = *p     // want "MU005: assignment copies \*p to r: Registry contains sync.Mutex via field mu"
	c := r     // want "MU005: assignment copies r to c"
	var d = *p // want "MU005: variable declaration copies \*p to d"
	*p = c     // want "MU005: assignment copies c to \*p"
	gv := *g   // want "MU005: Gauge contains sync.RWMutex"
	var mu sync.Mutex
	mu2 := mu     // want "MU005: assignment copies mu to mu2: sync.Mutex"
	inner := p.mu // want "MU005: assignment copies p.mu to inner"
	_, _, _, _, _ = &c, &d, &gv, &mu2, &inner
}

func arrays() {
	var locks [3]sync.Mutex
	other := locks // want "MU005: array of sync.Mutex"
	locks = other  // want "MU005: assignment copies other to locks"
	var grid [2][2]sync.RWMutex
	grid2 := grid // want "MU005: sync.RWMutex"
	var sh Shards
	sh2 := sh    // want "MU005: Shards is a sync.Mutex"
	_ = locks[:] // slicing shares
	_, _ = &grid2, &sh2
}

func maps(m map[string]Registry) {
	r := m["a"]      // want "MU005: assignment copies m\[\"a\"\] to r"
	r2, ok := m["b"] // want "MU005: assignment copies m\[\"b\"\] to r2"
	_, _, _ = &r, &r2, ok
}

func literals(p *Registry, sp *Starter) {
	s := Starter{}
	_ = sp
	list := []Registry{
		*p, // want "MU005: composite literal copies \*p"
		{},
	}
	byName := map[string]Starter{
		"a": s, // want "MU005: composite literal copies s"
		"b": {},
	}
	var mu sync.Mutex
	holder := struct{ L sync.Mutex }{
		L: mu, // want "MU005: composite literal copies mu: sync.Mutex"
	}
	_, _, _ = list, byName, &holder
}

func arguments(r *Registry, f func(int, any)) {
	var mu sync.Mutex
	fmt.Println(*r) // want "MU005: call of fmt.Println passes \*r by value"
	f(1, mu)        // want "MU005: call of f passes mu by value"
	takesMutex(mu)  // want "MU005: call of takesMutex passes mu by value"
	go takesStarter(Starter{}, 1)
	shadowedLen := func(any) {}
	shadowedLen(mu) // want "MU005: call of shadowedLen"
}

func returns(r *Registry, which int) (int, any) {
	var mu sync.Mutex
	if which == 0 {
		return 0, mu // want "MU005: return copies mu: sync.Mutex"
	}
	return 1, *r // want "MU005: return copies \*r"
}

func ranges(all []Registry, byKey map[int]Gauge, arr *[2]Starter) {
	for _, r := range all { // want "MU005: range variable r copies each element: Registry contains sync.Mutex"
		_ = r.entries
	}
	for k, g := range byKey { // want "MU005: range variable g"
		_, _ = k, g.value
	}
	var s Starter
	for _, s = range arr { // want "MU005: range variable s copies each element"
	}
	_ = &s
}

// current returns a pointer to an existing value: dereferencing its result copies it.
func (r *Registry) current() *Registry { return r }

func derefCall(r *Registry) {
	snapshot := *r.current() // want "MU005: assignment copies \*r.current\(\) to snapshot"
	_ = &snapshot
}

// LocalMutex is a named copy of sync.Mutex: go vet misses it (no Lock method), we do not.
type LocalMutex sync.Mutex

func (LocalMutex) Bad() {} // want "MU005: LocalMutex is a sync.Mutex"

type LocalOnce sync.Once

func (LocalOnce) Bad() {} // want "MU005: LocalOnce is a sync.Once"

// CustomLock has pointer Lock/Unlock methods: a lock by shape, as go vet sees it.
type CustomLock struct{ held bool }

func (c *CustomLock) Lock()   { c.held = true }
func (c *CustomLock) Unlock() { c.held = false }

func byShape(CustomLock) {} // want "MU005: CustomLock \(a type with Lock/Unlock methods\)"

// Generic container holding a lock.
type Set[T comparable] struct {
	mu    sync.Mutex
	items map[T]struct{}
}

func (s Set[T]) Size() int { // want "MU005: Set\[T\] contains sync.Mutex via field mu"
	return len(s.items)
}
