// Package counterparts: what ends a wait, and whether it needs the lock held across it.
package counterparts

import (
	"context"
	"sync"
)

// Subscribers kept in a map: the subscriber, told to stop, leaves its select and takes the
// registry's lock to unsubscribe, while a publisher holds that lock and sends to it.
type Registry struct {
	mu   sync.Mutex
	subs map[int]chan string
	next int
}

func (r *Registry) Subscribe(ctx context.Context, handle func(string)) {
	ch := make(chan string)
	r.mu.Lock()
	id := r.next
	r.next++
	r.subs[id] = ch
	r.mu.Unlock()
	for {
		select {
		case msg := <-ch:
			handle(msg)
		case <-ctx.Done():
			r.mu.Lock()
			delete(r.subs, id)
			r.mu.Unlock()
			return
		}
	}
}

func (r *Registry) Publish(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ch := range r.subs {
		ch <- msg // want "MU001: send on ch while r.mu is held; r.Subscribe, which receives from it, needs r.mu"
	}
}

// A channel handed out by a getter: whoever calls the getter receives from it.
type Source struct {
	mu      sync.Mutex
	changes chan int
	version int
}

func newSource() *Source { return &Source{changes: make(chan int)} }

func (s *Source) changed() <-chan int { return s.changes }

func (s *Source) Bump() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version++
	s.changes <- s.version // want "MU001: send on s.changes while s.mu is held; follow, which receives from it, needs s.mu"
}

func follow(s *Source) {
	for v := range s.changed() {
		s.mu.Lock()
		if v < s.version {
			v = s.version
		}
		s.mu.Unlock()
	}
}

// A channel passed to the goroutine that receives from it.
type Batcher struct {
	mu      sync.Mutex
	pending []int
	flushes chan []int
}

func NewBatcher() *Batcher {
	b := &Batcher{flushes: make(chan []int)}
	go b.drain(b.flushes)
	return b
}

func (b *Batcher) drain(in chan []int) {
	for batch := range in {
		b.mu.Lock()
		b.pending = append(b.pending[:0], batch...)
		b.mu.Unlock()
	}
}

func (b *Batcher) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushes <- b.pending // want "MU001: send on b.flushes while b.mu is held; b.drain, which receives from it, needs b.mu"
}

// A callback kept in a field: the receiver calls it, and it takes the lock.
type Watcher struct {
	mu       sync.Mutex
	events   chan string
	onChange func(string)
	last     string
}

func NewWatcher() *Watcher {
	w := &Watcher{events: make(chan string)}
	w.onChange = w.record
	go w.run()
	return w
}

func (w *Watcher) record(ev string) {
	w.mu.Lock()
	w.last = ev
	w.mu.Unlock()
}

func (w *Watcher) run() {
	for ev := range w.events {
		w.onChange(ev)
	}
}

func (w *Watcher) Emit(ev string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.events <- ev // want "MU001: send on w.events while w.mu is held; w.run, which receives from it, needs w.mu"
}

// The receiver takes the lock after it receives, once: the send has been taken by then.
type Mailbox struct {
	mu    sync.Mutex
	mail  chan string
	count int
}

func NewMailbox() *Mailbox {
	m := &Mailbox{mail: make(chan string)}
	go m.read()
	return m
}

func (m *Mailbox) read() {
	msg := <-m.mail
	m.mu.Lock()
	m.count += len(msg)
	m.mu.Unlock()
}

func (m *Mailbox) Deliver(msg string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mail <- msg
}

// The waiter registers under the lock, then waits without it: the lock it took came before
// the channel existed, so no sender holding the lock waits for it.
type Waiters struct {
	mu      sync.Mutex
	waiting []chan error
}

func (w *Waiters) Wait() error {
	ch := make(chan error)
	w.mu.Lock()
	w.waiting = append(w.waiting, ch)
	w.mu.Unlock()
	return <-ch
}

func (w *Waiters) WakeAll(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, ch := range w.waiting {
		ch <- err
	}
	w.waiting = nil
}

// Stop, then wait for a worker that never takes the lock.
type Worker struct {
	mu   sync.Mutex
	quit chan struct{}
	done chan struct{}
	jobs int
}

func NewWorker() *Worker {
	w := &Worker{quit: make(chan struct{}), done: make(chan struct{})}
	go w.loop()
	return w
}

func (w *Worker) loop() {
	defer close(w.done)
	<-w.quit
}

func (w *Worker) Stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	close(w.quit)
	<-w.done
}

// The workers counted by the WaitGroup take the lock only before they are counted.
type Conn struct {
	mu       sync.Mutex
	handlers sync.WaitGroup
	open     bool
}

func (c *Conn) start(serve func()) {
	c.mu.Lock()
	c.open = true
	c.handlers.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.handlers.Done()
		serve()
	}()
}

func (c *Conn) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.open = false
	c.handlers.Wait()
}

// A channel given by the caller: its other side is out of sight (another package may
// call Collect), so nothing is said about it by default.
type Stats struct {
	mu     sync.Mutex
	values []float64
}

func (s *Stats) Collect(out chan<- float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.values {
		out <- v
	}
}

// Stopping each subscription in turn: each iteration locks another subscription.
type Sub struct {
	mu      sync.RWMutex
	closing chan struct{}
	posts   chan string
}

func (s *Sub) deliver(msg string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	select {
	case s.posts <- msg:
	case <-s.closing:
	}
}

func (s *Sub) close() {
	close(s.closing)
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.posts)
}

type Mux struct {
	mu   sync.Mutex
	subs []*Sub
}

func (m *Mux) Stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.subs {
		s.close()
	}
}

// A channel made under the lock and handed to a registration that answers at once: anyone
// else who needs the lock to find the channel finds only the next one.
type Interest struct {
	mu     sync.Mutex
	notify chan bool
	active bool
	subs   []chan bool
}

func (i *Interest) register(ch chan bool) {
	i.subs = append(i.subs, ch)
	ch <- len(i.subs) > 1
}

func (i *Interest) Reset() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.notify = make(chan bool, 1)
	i.register(i.notify)
	i.active = <-i.notify
}

func (i *Interest) Renew() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.register(i.notify)
}

// A local declared empty, then given the shared channel: it is that channel, and its
// receiver takes no lock.
type Resetter struct {
	mu    sync.Mutex
	reset chan struct{}
	quit  chan struct{}
	count int
}

func NewResetter() *Resetter {
	r := &Resetter{reset: make(chan struct{}), quit: make(chan struct{})}
	go r.loop()
	return r
}

func (r *Resetter) loop() {
	for {
		select {
		case <-r.reset:
		case <-r.quit:
			return
		}
	}
}

func (r *Resetter) Reload() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.count++
	var reset chan struct{}
	if r.count > 1 {
		reset = r.reset
	}
	if reset != nil {
		select {
		case reset <- struct{}{}:
		case <-r.quit:
		}
	}
}

func (r *Resetter) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	close(r.quit)
}

// The receiver runs a callback that a method reached through an interface returned, and the
// callback takes the sender's lock.
type picker interface {
	up() func()
	updates() <-chan int
}

type roundRobin struct {
	mu    sync.Mutex
	addrs chan int
	live  int
}

func (r *roundRobin) up() func() {
	return func() {
		r.mu.Lock()
		r.live--
		r.mu.Unlock()
	}
}

func (r *roundRobin) updates() <-chan int { return r.addrs }

func (r *roundRobin) watch(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.live = n
	r.addrs <- n // want "MU001: send on r.addrs while r.mu is held; cc.balance, which receives from it, needs r.mu"
}

type subConn struct{ down func() }

type clientConn struct {
	p     picker
	conns []*subConn
}

func newClientConn(p picker) *clientConn {
	c := &subConn{down: p.up()}
	return &clientConn{p: p, conns: []*subConn{c}}
}

func (cc *clientConn) balance() {
	for range cc.p.updates() {
		for _, c := range cc.conns {
			c.down()
		}
	}
}

// Queues kept by name in a map that its readers look up under the lock. Growing a queue
// replaces it with a larger one and copies what is pending: the readers that need the lock
// to find the new queue cannot have it yet, so the copy waits for nobody.
type Router struct {
	mu     sync.Mutex
	queues map[string]chan string
}

func (r *Router) Grow(name string, size int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.queues[name]
	r.queues[name] = make(chan string, size+len(old))
	for {
		select {
		case msg := <-old:
			r.queues[name] <- msg
		default:
			return
		}
	}
}

func (r *Router) GrowKeyed(q interface{ Name() string }, size int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	name := q.Name()
	old := r.queues[name]
	r.queues[name] = make(chan string, size+len(old))
	for len(old) > 0 {
		r.queues[q.Name()] <- <-old
	}
}

// Sending to another name's queue, which its reader may already hold, waits for that
// reader, and the reader needs the lock to look up its next message.
func (r *Router) Forward(from, to string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.queues[from] = make(chan string, 1)
	r.queues[to] <- from // want "MU001: send on r.queues.to. while r.mu is held; r.Read, which receives from it, needs r.mu"
}

func (r *Router) Read(name string) string {
	r.mu.Lock()
	q := r.queues[name]
	r.mu.Unlock()
	return <-q
}
