package mu002

import "sync"

var (
	configMu sync.Mutex
	statsMu  sync.RWMutex
	config   map[string]string
	stats    map[string]int
)

func ReadBoth() int {
	configMu.Lock()
	defer configMu.Unlock()
	statsMu.RLock()
	defer statsMu.RUnlock()
	return len(config) + len(stats)
}

func WriteBoth() {
	statsMu.Lock()
	defer statsMu.Unlock()
	configMu.Lock() // want "MU002: configMu .mu002.configMu. is locked while holding statsMu"
	config = map[string]string{}
	configMu.Unlock()
	stats = map[string]int{}
}

// Three classes: A -> B in one place, B -> C in another, C -> A through a call.
type A struct{ mu sync.Mutex }
type B struct{ mu sync.Mutex }
type C struct{ mu sync.Mutex }

func ab(a *A, b *B) {
	a.mu.Lock()
	b.mu.Lock()
	b.mu.Unlock()
	a.mu.Unlock()
}

func bc(b *B, c *C) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
}

func (a *A) touch() {
	a.mu.Lock()
	a.mu.Unlock()
}

func ca(c *C, a *A) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a.touch() // want "MU002: a.mu .A.mu. is locked while holding c.mu .C.mu.: lock-order cycle"
}
