package cx003

import (
	"sync"
	"time"
)

func (q *Queue) Pop() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 {
		q.cond.Wait()
	}
	item := q.items[0]
	q.items = q.items[1:]
	return item
}

// An infinite loop that re-checks after the Wait.
func (g *Gate) PassLoop() {
	g.Lock()
	for {
		if g.open {
			break
		}
		g.Wait()
	}
	g.Unlock()
}

// A wrapper whose every call sits in a loop.
type Stream struct {
	mu    sync.Mutex
	cond  *sync.Cond
	ready bool
}

func (st *Stream) waitLocked() {
	st.cond.Wait()
}

func (st *Stream) Read() {
	st.mu.Lock()
	defer st.mu.Unlock()
	for !st.ready {
		st.waitLocked()
	}
}

// Other Wait methods: a WaitGroup, a type's own Wait.
type Barrier struct {
	sync.Cond
}

func (b *Barrier) Wait() {}

func otherWaits(wg *sync.WaitGroup, b *Barrier) {
	wg.Wait()
	b.Wait()
	time.Sleep(time.Millisecond)
}

func (b *Buf) Put() {
	b.mu.Lock()
	b.n++
	b.cond.Signal()
	b.mu.Unlock()
}
