package gate

import "sync"

// A store whose commits and compaction both run under its gate: the two orders of index and
// data can never be taken at the same time, so they cannot deadlock.
type Store struct {
	gate  sync.Mutex
	index sync.Mutex
	data  sync.RWMutex
	keys  []string
	rows  map[string]string
}

func (s *Store) Commit() {
	s.gate.Lock()
	defer s.gate.Unlock()
	s.commit()
}

// Unlock ends a batch: whoever calls it holds the gate (it releases it).
func (s *Store) Unlock() {
	s.commit()
	s.gate.Unlock()
}

// commit is only called with the gate held: index, then data.
func (s *Store) commit() {
	s.index.Lock()
	defer s.index.Unlock()
	s.data.RLock()
	s.keys = append(s.keys, "")
	s.data.RUnlock()
}

// Compaction takes the gate first, then data, then index: the opposite order, serialised.
func (s *Store) Compact() {
	s.gate.Lock()
	defer s.gate.Unlock()
	s.data.Lock()
	defer s.data.Unlock()
	s.index.Lock()
	defer s.index.Unlock()
	s.rows = map[string]string{}
}

// The same, but one caller of the helper does not hold the gate: nothing serialises them.
type Journal struct {
	gate    sync.Mutex
	index   sync.Mutex
	data    sync.RWMutex
	entries []string
}

func (j *Journal) Commit() {
	j.gate.Lock()
	defer j.gate.Unlock()
	j.commit()
}

func (j *Journal) Flush() {
	j.commit()
}

func (j *Journal) commit() {
	j.index.Lock()
	defer j.index.Unlock()
	j.data.RLock()
	j.entries = append(j.entries, "")
	j.data.RUnlock()
}

func (j *Journal) Compact() {
	j.gate.Lock()
	defer j.gate.Unlock()
	j.data.Lock()
	defer j.data.Unlock()
	j.index.Lock() // want "MU002: j.index .Journal.index. is locked while holding j.data .Journal.data."
	defer j.index.Unlock()
	j.entries = nil
}

// A gate that both sides only read-lock serialises nothing.
type Cache struct {
	gate  sync.RWMutex
	left  sync.Mutex
	right sync.Mutex
}

func (c *Cache) Left() {
	c.gate.RLock()
	defer c.gate.RUnlock()
	c.left.Lock()
	defer c.left.Unlock()
	c.right.Lock()
	defer c.right.Unlock()
}

func (c *Cache) Right() {
	c.gate.RLock()
	defer c.gate.RUnlock()
	c.right.Lock()
	defer c.right.Unlock()
	c.left.Lock() // want "MU002: c.left .Cache.left. is locked while holding c.right .Cache.right."
	defer c.left.Unlock()
}

// Three locks: registry, then account, then stream; a stream holder takes the registry for
// reading. The account -> stream step runs with the registry read-locked: the three-lock
// cycle is not reported, as the registry -> stream order under it is (with Rename's writer
// queued, Signal and Config wait for each other).
type Directory struct {
	mu       sync.RWMutex
	tenants map[string]*Tenant
}

type Tenant struct {
	mu      sync.Mutex
	feeds []*Feed
	reg     *Directory
}

type Feed struct {
	mu  sync.Mutex
	acc *Tenant
}

func (r *Directory) Rename(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a := r.tenants[name]
	a.mu.Lock()
	a.mu.Unlock()
}

func (r *Directory) Signal(name string) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	a := r.tenants[name]
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, s := range a.feeds {
		s.mu.Lock()
		s.mu.Unlock()
	}
}

func (s *Feed) Config() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.acc.reg.mu.RLock() // want "MU002: s.acc.reg.mu .Directory.mu. is locked while holding s.mu .Feed.mu., but Directory.Signal locks them in the opposite order: lock-order cycle Feed.mu -> Directory.mu -> Feed.mu$"
	s.acc.reg.mu.RUnlock()
}
