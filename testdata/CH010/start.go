package ch010

import "sync"

// A refresher whose Start wakes its worker at once, although Trigger may have filled the
// one slot already: Start blocks before the worker that would drain it exists.
type refresher struct {
	wake chan struct{}
	wg   sync.WaitGroup
}

func newRefresher() *refresher {
	return &refresher{wake: make(chan struct{}, 1)}
}

func (r *refresher) Trigger() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *refresher) Start(stop <-chan struct{}, refresh func()) {
	r.wake <- struct{}{} // want "CH010: send on r.wake can block forever: r.wake's one slot may already be full"
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			select {
			case <-r.wake:
				refresh()
			case <-stop:
				return
			}
		}
	}()
}

// An unbuffered hand-off before the receiver is started.
type greeter struct {
	names chan string
}

func newGreeter() *greeter { return &greeter{names: make(chan string)} }

func (g *greeter) Run(first string, greet func(string)) {
	g.names <- first // want "CH010: send on g.names can block forever: g.names is unbuffered"
	go func() {
		for n := range g.names {
			greet(n)
		}
	}()
}

// Not flagged: nothing else sends, so the one slot is free for the first wake-up.
type poller struct {
	kick chan struct{}
}

func newPoller() *poller { return &poller{kick: make(chan struct{}, 1)} }

func (p *poller) Start(stop <-chan struct{}, poll func()) {
	p.kick <- struct{}{}
	go func() {
		for {
			select {
			case <-p.kick:
				poll()
			case <-stop:
				return
			}
		}
	}()
}

// Not flagged: the receiver is started before the send.
type mailbox struct {
	in chan string
}

func newMailbox() *mailbox { return &mailbox{in: make(chan string)} }

func (m *mailbox) Open(first string, deliver func(string)) {
	go func() {
		for s := range m.in {
			deliver(s)
		}
	}()
	m.in <- first
}

// Not flagged: another method receives too, and may be running already.
type queue struct {
	items chan int
}

func newQueue() *queue { return &queue{items: make(chan int)} }

func (q *queue) Next() int { return <-q.items }

func (q *queue) Serve(first int, handle func(int)) {
	q.items <- first
	go func() {
		for v := range q.items {
			handle(v)
		}
	}()
}
