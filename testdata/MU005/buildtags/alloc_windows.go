package buildtags

import "sync"

type Alloc struct {
	mu   sync.Mutex
	next *int
}

func (a *Alloc) Next() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return *a.next
}
