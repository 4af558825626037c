package handoff

import "sync"

type Dir struct {
	mu       sync.Mutex
	children []*Dir
	visited  bool
}

// Clean: the recursive call locks the child's own mutex, another instance.
func (d *Dir) walkLocked() {
	for _, c := range d.children {
		child := c
		child.mu.Lock()
		child.visit()
		child.mu.Unlock()
	}
}

func (d *Dir) visit() {
	d.visited = true
	d.walkLocked()
}

// Flagged: the callee locks the receiver's own mutex, which is held.
func (d *Dir) Mark() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.markAll() // want "MU004: call of d.markAll locks d.mu"
}

func (d *Dir) markAll() {
	d.mu.Lock()
	d.visited = true
	d.mu.Unlock()
}
