package rlock

import "sync"

type Index struct {
	mu   sync.RWMutex
	keys []string
}

type Table struct {
	mu   sync.RWMutex
	rows map[string]int
}

// Read locks only: a cycle that needs a queued writer to deadlock (a warning).
func Lookup(ix *Index, t *Table) int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(ix.keys) + len(t.rows)
}

func Scan(ix *Index, t *Table) int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	ix.mu.RLock() // want "MU002: ix.mu .Index.mu. is locked while holding t.mu .Table.mu."
	defer ix.mu.RUnlock()
	return len(ix.keys) + len(t.rows)
}

// Writers of both locks: one queued on each makes the two readers above wait for each other.
func (ix *Index) Add(k string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.keys = append(ix.keys, k)
}

func (t *Table) Put(k string, v int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rows[k] = v
}
