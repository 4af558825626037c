package readonly

import "sync"

// Both orders only read-lock, and nothing in the package (nor, the fields being unexported,
// outside it) write-locks these: readers never wait for readers, so no deadlock.
type Catalog struct {
	mu    sync.RWMutex
	names []string
}

type Prices struct {
	mu     sync.RWMutex
	prices map[string]int
}

func Quote(c *Catalog, p *Prices) int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(c.names) + len(p.prices)
}

func Browse(c *Catalog, p *Prices) int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.names) + len(p.prices)
}

// A writer of one of the two is not enough: the Catalog readers still never wait.
func (p *Prices) Set(k string, v int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prices[k] = v
}

// A plain mutex on one side: waiting for it blocks, but the other lock is only read-locked
// by both, with no writer, so that side never waits.
type Ledger struct {
	mu    sync.Mutex
	lines []string
}

func Post(l *Ledger, c *Catalog) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c.mu.RLock()
	l.lines = append(l.lines, c.names...)
	c.mu.RUnlock()
}

func Audit(l *Ledger, c *Catalog) int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.lines) + len(c.names)
}

// An embedded mutex reached through a field is the class Club.roster, but Add write-locks it
// as the Roster itself: its writers may go by another name, so the readers can wait.
type Roster struct {
	sync.RWMutex
	names []string
}

type Club struct {
	mu     sync.RWMutex
	roster *Roster
	open   bool
}

func (r *Roster) Add(name string) {
	r.Lock()
	defer r.Unlock()
	r.names = append(r.names, name)
}

func (c *Club) Open() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.open = true
}

func (c *Club) Members() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	c.roster.RLock()
	defer c.roster.RUnlock()
	return len(c.roster.names)
}

func (c *Club) IsOpen() bool {
	c.roster.RLock()
	defer c.roster.RUnlock()
	c.mu.RLock() // want "MU002: c.mu .Club.mu. is locked while holding c.roster .Club.roster."
	defer c.mu.RUnlock()
	return c.open
}
