package containers

import "sync"

// Buckets live in the manager's map; only new buckets are ever put in it.
type Manager struct {
	mu      sync.Mutex
	buckets map[string]*Bucket
	trash   map[string]int
}

type Bucket struct {
	mu    sync.Mutex
	items map[string]int
}

func NewManager() *Manager {
	return &Manager{buckets: make(map[string]*Bucket), trash: map[string]int{}}
}

func (m *Manager) Get(name string) *Bucket {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.buckets[name]
	if !ok {
		b = &Bucket{items: map[string]int{}}
		m.buckets[name] = b
	}
	return b
}

// The manager's lock, then each listed bucket's.
func (m *Manager) Sweep() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range m.buckets {
		b.mu.Lock()
		b.items = map[string]int{}
		b.mu.Unlock()
	}
}

// The opposite order, on a bucket already taken out of the map under the manager's lock:
// Sweep can never find it again, so it never waits for this bucket.
func (m *Manager) Drop(name string) {
	m.mu.Lock()
	b, ok := m.buckets[name]
	if !ok {
		m.mu.Unlock()
		return
	}
	delete(m.buckets, name)
	m.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	for k, n := range b.items {
		m.mu.Lock()
		m.trash[k] = n
		m.mu.Unlock()
	}
}

// The same, but a bucket from elsewhere can be put back in the map: a dropped bucket may be
// listed again while it is still locked.
type Shelf struct {
	mu    sync.Mutex
	boxes map[string]*Box
	count int
}

type Box struct {
	mu    sync.Mutex
	items int
}

func (s *Shelf) Put(name string, b *Box) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.boxes[name] = b
}

func (s *Shelf) Sweep() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.boxes {
		b.mu.Lock()
		b.items = 0
		b.mu.Unlock()
	}
}

func (s *Shelf) Drop(name string) {
	s.mu.Lock()
	b, ok := s.boxes[name]
	if !ok {
		s.mu.Unlock()
		return
	}
	delete(s.boxes, name)
	s.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	s.mu.Lock() // want "MU002: s.mu .Shelf.mu. is locked while holding b.mu .Box.mu."
	s.count += b.items
	s.mu.Unlock()
}

// Locked while it is still in the map: Sweep can wait for it.
type Rack struct {
	mu    sync.Mutex
	slots map[string]*Slot
}

type Slot struct {
	mu   sync.Mutex
	used bool
}

func (r *Rack) Sweep() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.slots {
		s.mu.Lock()
		s.used = false
		s.mu.Unlock()
	}
}

func (r *Rack) Take(name string) {
	r.mu.Lock()
	s := r.slots[name]
	r.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	r.mu.Lock() // want "MU002: r.mu .Rack.mu. is locked while holding s.mu .Slot.mu."
	delete(r.slots, name)
	r.mu.Unlock()
}
