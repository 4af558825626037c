// Calls through function values and interfaces: what they may run is followed. (The waits
// here are on channels nothing in the package ever sends on: they never end.)
package dynamic

import "sync"

// A function-typed field: every literal the package stores in it may run.
type round struct {
	release func()
	next    chan bool
}

var nextc = make(chan bool)

func setup(rs []round) {
	for i := range rs {
		rs[i].release = func() {
			<-nextc
		}
	}
}

func drive(rc *round, mu *sync.Mutex) {
	mu.Lock()
	rc.release() // want "MU001: call of rc.release can block \(receive from nextc\) while mu is held"
	mu.Unlock()
}

// An interface with one implementation in the package.
type Queue interface {
	Get() int
	Put(int)
}

type condQueue struct {
	cond  *sync.Cond
	items []int
}

func (q *condQueue) Get() int {
	q.cond.L.Lock()
	defer q.cond.L.Unlock()
	for len(q.items) == 0 {
		q.cond.Wait()
	}
	v := q.items[0]
	q.items = q.items[1:]
	return v
}

func (q *condQueue) Put(v int) {
	q.cond.L.Lock()
	q.items = append(q.items, v)
	q.cond.L.Unlock()
	q.cond.Signal()
}

type controller struct {
	workerLock sync.RWMutex
	queue      Queue
}

func (c *controller) work() int {
	c.workerLock.RLock()
	defer c.workerLock.RUnlock()
	return c.queue.Get() // want "MU001: call of c.queue.Get can block \(c.queue.cond.Wait\(\)"
}

// A function parameter: the functions its callers pass.
type subscriber struct {
	mu sync.Mutex
	c  chan int
}

func (s *subscriber) do(fn func()) {
	s.mu.Lock()
	fn() // want "MU001: call of fn can block \(send on s.c\) while s.mu is held"
	s.mu.Unlock()
}

func notify(s *subscriber, v int) {
	s.do(func() {
		s.c <- v
	})
}

// A method value stored in a field.
type ticker struct {
	mu     sync.Mutex
	onTick func()
}

type pacer struct{ gate chan struct{} }

func (p pacer) wait() { <-p.gate }

func newTicker() *ticker {
	p := pacer{gate: make(chan struct{})}
	return &ticker{onTick: p.wait}
}

func (t *ticker) tick() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.onTick() // want "MU001: call of t.onTick can block \(receive from p.gate\) while t.mu is held"
}

// A local closure.
var results = make(chan int)

func closure(mu *sync.Mutex) {
	recv := func() int { return <-results }
	mu.Lock()
	_ = recv() // want "MU001: call of recv can block \(receive from results\) while mu is held"
	mu.Unlock()
}

// sync.Once.Do runs its function in place.
type lazy struct {
	mu    sync.Mutex
	once  sync.Once
	ready chan struct{}
}

func (l *lazy) get() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.once.Do(func() { <-l.ready }) // want "MU001: call of l.once.Do can block \(receive from l.ready\) while l.mu is held"
}
