package buildtags

import "sync"

// Pinned is declared once: its copies are still reported.
type Pinned struct {
	mu sync.Mutex
}

func (p Pinned) Name() string { return "pinned" } // want "MU005: Pinned contains sync.Mutex via field mu"

func use(a Alloc) int { return a.Next() }
