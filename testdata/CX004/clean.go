package cx004

import "sync"

type queue struct {
	mu    sync.Mutex
	items []int
	cond  *sync.Cond
}

func newQueue() *queue {
	q := &queue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *queue) push(v int) {
	q.mu.Lock()
	q.items = append(q.items, v)
	q.cond.Signal()
	q.mu.Unlock()
}

func (q *queue) pop() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 {
		q.cond.Wait()
	}
	v := q.items[0]
	q.items = q.items[1:]
	return v
}

// Broadcast through a method value handed to a callback.
type barrier struct {
	cond *sync.Cond
	open bool
}

func newBarrier(onOpen func(func())) *barrier {
	b := &barrier{cond: sync.NewCond(&sync.Mutex{})}
	onOpen(b.cond.Broadcast)
	return b
}

func (b *barrier) wait() {
	b.cond.L.Lock()
	for !b.open {
		b.cond.Wait()
	}
	b.cond.L.Unlock()
}

// Exported: other packages may signal it.
type Shared struct {
	Ready *sync.Cond
	Done  bool
}

func (s *Shared) Await() {
	s.Ready.L.Lock()
	for !s.Done {
		s.Ready.Wait()
	}
	s.Ready.L.Unlock()
}

// Passed to a function: it may be signalled there.
func signalLater(c *sync.Cond) {
	c.L.Lock()
	c.Broadcast()
	c.L.Unlock()
}

func handedOn(flag *bool) {
	c := sync.NewCond(&sync.Mutex{})
	go signalLater(c)
	c.L.Lock()
	for !*flag {
		c.Wait()
	}
	c.L.Unlock()
}

// Assigned from a parameter: the caller owns it.
type follower struct {
	cond *sync.Cond
	seen bool
}

func newFollower(c *sync.Cond) *follower { return &follower{cond: c} }

func (f *follower) wait() {
	f.cond.L.Lock()
	for !f.seen {
		f.cond.Wait()
	}
	f.cond.L.Unlock()
}

// Embedded Cond: its promoted methods are not followed.
type latch struct {
	sync.Cond
	set bool
}

func (l *latch) wait() {
	l.L.Lock()
	for !l.set {
		l.Wait()
	}
	l.L.Unlock()
}

// Aliased into a local, then broadcast.
type notifier struct {
	cond *sync.Cond
	gen  int
}

func newNotifier() *notifier { return &notifier{cond: sync.NewCond(&sync.Mutex{})} }

func (n *notifier) bump() {
	c := n.cond
	c.L.Lock()
	n.gen++
	c.Broadcast()
	c.L.Unlock()
}

func (n *notifier) waitFor(gen int) {
	n.cond.L.Lock()
	for n.gen < gen {
		n.cond.Wait()
	}
	n.cond.L.Unlock()
}

// A local Cond signalled by a closure.
func signalledByClosure() {
	var mu sync.Mutex
	c := sync.NewCond(&mu)
	done := false
	go func() {
		mu.Lock()
		done = true
		c.Signal()
		mu.Unlock()
	}()
	mu.Lock()
	for !done {
		c.Wait()
	}
	mu.Unlock()
}

// A WaitGroup's Wait is not a Cond's.
func waitGroup() {
	var wg sync.WaitGroup
	wg.Wait()
}

// A type's own Wait method.
type gateway struct{}

func (gateway) Wait() {}

func ownWait(g gateway) { g.Wait() }
