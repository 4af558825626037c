package cx003

import (
	"sync"
	s "sync"
)

type Queue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []int
}

func (q *Queue) PopIf() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		q.cond.Wait() // want "CX003: q.cond.Wait\(\) is not in a loop"
	}
	item := q.items[0]
	q.items = q.items[1:]
	return item
}

// A Cond held by value and embedded.
type Gate struct {
	sync.Mutex
	sync.Cond
	open bool
}

func (g *Gate) Pass() {
	g.Lock()
	if !g.open {
		g.Wait() // want "CX003: g.Wait\(\) is not in a loop"
	}
	g.Unlock()
}

// Renamed import, local Cond.
func waitOnce(mu *s.Mutex, ready *bool) {
	c := s.NewCond(mu)
	mu.Lock()
	if !*ready {
		c.Wait() // want "CX003: c.Wait"
	}
	mu.Unlock()
}

// A loop outside the closure does not protect the Wait inside it.
func closureInLoop(c *sync.Cond, n int) {
	for i := 0; i < n; i++ {
		func() {
			c.L.Lock()
			c.Wait() // want "CX003"
			c.L.Unlock()
		}()
	}
}

// The wrapper is also called outside any loop.
type Buf struct {
	mu   sync.Mutex
	cond sync.Cond
	n    int
}

func (b *Buf) wait() {
	b.cond.Wait() // want "CX003"
}

func (b *Buf) Get() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.n == 0 {
		b.wait()
	}
	b.n--
	return b.n
}
