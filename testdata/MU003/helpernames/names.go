// A function that returns nothing and leaves its mutex locked at every exit, though it
// unlocks it on the way (to let others in), is taken for a helper meant to return holding it
// only when its name says so: lock, acquire, hold, wait, enter, begin, start, grab or take, in
// any case. Any other name is a forgotten Unlock.
package helpernames

import "sync"

type gate struct {
	mu sync.Mutex
	n  int
}

func (g *gate) lockAll(yield bool) {
	g.mu.Lock()
	if yield {
		g.mu.Unlock()
		g.mu.Lock()
	}
	g.n++
}

func (g *gate) acquireSlot(yield bool) {
	g.mu.Lock()
	if yield {
		g.mu.Unlock()
		g.mu.Lock()
	}
	g.n++
}

func (g *gate) holdWhile(yield bool) {
	g.mu.Lock()
	if yield {
		g.mu.Unlock()
		g.mu.Lock()
	}
	g.n++
}

func (g *gate) waitTurn(yield bool) {
	g.mu.Lock()
	if yield {
		g.mu.Unlock()
		g.mu.Lock()
	}
	g.n++
}

func (g *gate) enterCritical(yield bool) {
	g.mu.Lock()
	if yield {
		g.mu.Unlock()
		g.mu.Lock()
	}
	g.n++
}

func (g *gate) beginUpdate(yield bool) {
	g.mu.Lock()
	if yield {
		g.mu.Unlock()
		g.mu.Lock()
	}
	g.n++
}

func (g *gate) restart(yield bool) {
	g.mu.Lock() // "start" in its name: a helper
	if yield {
		g.mu.Unlock()
		g.mu.Lock()
	}
	g.n++
}

func (g *gate) grabToken(yield bool) {
	g.mu.Lock()
	if yield {
		g.mu.Unlock()
		g.mu.Lock()
	}
	g.n++
}

func (g *gate) TakeOwnership(yield bool) {
	g.mu.Lock()
	if yield {
		g.mu.Unlock()
		g.mu.Lock()
	}
	g.n++
}

func (g *gate) refresh(yield bool) {
	g.mu.Lock() // want "MU003: g.mu.Lock\(\) is not released on every path: falling off the end"
	if yield {
		g.mu.Unlock()
		g.mu.Lock()
	}
	g.n++
}

func (g *gate) bump(yield bool) {
	g.mu.Lock() // want "MU003"
	if yield {
		g.mu.Unlock()
		g.mu.Lock()
	}
	g.n++
}

func (g *gate) resetCounters(yield bool) {
	g.mu.Lock() // want "MU003"
	if yield {
		g.mu.Unlock()
		g.mu.Lock()
	}
	g.n++
}

// A result makes any name a helper: its caller knows it returns holding the lock.
func (g *gate) refreshed(yield bool) bool {
	g.mu.Lock()
	if yield {
		g.mu.Unlock()
		g.mu.Lock()
	}
	g.n++
	return true
}
