// Package buffers: when a send on a buffered channel can find the buffer full.
package buffers

import "sync"

// A local channel with room for one value, sent on twice before anyone receives.
func TooManySends() int {
	var mu sync.Mutex
	ch := make(chan int, 1)
	mu.Lock()
	ch <- 1
	ch <- 2 // want "MU001: send on ch while mu is held"
	mu.Unlock()
	return <-ch + <-ch
}

// A send in a loop inside the critical section: any capacity can run out.
func LoopSends(n int) []int {
	var mu sync.Mutex
	ch := make(chan int, 8)
	mu.Lock()
	for i := 0; i < n; i++ {
		ch <- i // want "MU001: send on ch while mu is held"
	}
	mu.Unlock()
	close(ch)
	var out []int
	for v := range ch {
		out = append(out, v)
	}
	return out
}

// Room for two values, two sends: the buffer never fills.
func Buffered() (int, int) {
	var mu sync.Mutex
	ch := make(chan int, 2)
	mu.Lock()
	ch <- 1
	ch <- 2
	mu.Unlock()
	return <-ch, <-ch
}

// A queue: its consumer takes the lock for every item, so once the buffer is full the
// producer waits, holding the lock the consumer waits for.
type Queue struct {
	mu    sync.Mutex
	items chan int
	sum   int
}

func NewQueue() *Queue {
	q := &Queue{items: make(chan int, 16)}
	go q.consume()
	return q
}

func (q *Queue) consume() {
	for v := range q.items {
		q.mu.Lock()
		q.sum += v
		q.mu.Unlock()
	}
}

func (q *Queue) Put(v int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.items <- v // want "MU001: send on q.items while q.mu is held; q.consume, which receives from it, needs q.mu"
}

// A capacity taken from a parameter is unknown: it may be zero.
type Pool struct {
	mu    sync.Mutex
	ready chan int
	free  []int
}

func NewPool(n int) *Pool {
	p := &Pool{ready: make(chan int, n)}
	go p.recycle()
	return p
}

// The recycler resets the free list under the lock before it receives.
func (p *Pool) recycle() {
	p.mu.Lock()
	p.free = p.free[:0]
	p.mu.Unlock()
	v := <-p.ready
	_ = v
}

func (p *Pool) Put(v int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ready <- v // want "MU001: send on p.ready while p.mu is held; p.recycle, which receives from it, needs p.mu"
}

// Filled where it is made: each later send waits for a receive.
type Slot struct {
	mu    sync.Mutex
	value chan string
	last  string
}

func NewSlot() *Slot {
	s := &Slot{value: make(chan string, 1)}
	s.value <- "initial"
	return s
}

func (s *Slot) Swap(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.value <- v // want "MU001: send on s.value while s.mu is held; s.Take, which receives from it, needs s.mu"
}

func (s *Slot) Take() string {
	s.mu.Lock()
	s.last = "taken"
	s.mu.Unlock()
	return <-s.value
}

// A local error channel with room for the one send made on it, in a package where other
// channels of the same element type are unbuffered.
func FirstError(mu *sync.Mutex, work func() error) error {
	errc := make(chan error, 1)
	mu.Lock()
	errc <- work()
	mu.Unlock()
	return <-errc
}

func Unbuffered() chan error { return make(chan error) }

// A queue whose consumer takes no lock: the producer waits only for the consumer to catch up.
type Log struct {
	mu    sync.Mutex
	lines chan string
	count int
}

func NewLog(out func(string)) *Log {
	l := &Log{lines: make(chan string, 64)}
	go func() {
		for line := range l.lines {
			out(line)
		}
	}()
	return l
}

func (l *Log) Printf(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.count++
	l.lines <- line
}

// The consumer takes the lock once, to register, before it receives: registered, it never
// takes it again, and the buffer fills only if it stops receiving.
type Feed struct {
	mu      sync.Mutex
	updates chan int
	readers int
}

func NewFeed() *Feed { return &Feed{updates: make(chan int, 8)} }

func (f *Feed) Follow(apply func(int)) {
	f.mu.Lock()
	f.readers++
	f.mu.Unlock()
	for v := range f.updates {
		apply(v)
	}
}

func (f *Feed) Publish(v int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates <- v
}

// Latest-value channels: room for one, drained before each send, every send under the lock.
type Latest struct {
	mu  sync.Mutex
	out chan int
}

func NewLatest() *Latest { return &Latest{out: make(chan int, 1)} }

func (l *Latest) Set(v int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-l.out:
	default:
	}
	l.out <- v
}

func (l *Latest) Replace(v int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case l.out <- v:
	case <-l.out:
		l.out <- v
	}
}

func (l *Latest) Get() int {
	v := <-l.out
	l.mu.Lock()
	defer l.mu.Unlock()
	return v
}

// One kick at a time: the flag set before the send is reset only by the receiver.
type Cleaner struct {
	mu     sync.Mutex
	kicked bool
	kick   chan struct{}
	files  int
}

func NewCleaner() *Cleaner {
	c := &Cleaner{kick: make(chan struct{}, 1)}
	go c.run()
	return c
}

func (c *Cleaner) Kick() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.kicked {
		c.kicked = true
		c.kick <- struct{}{}
	}
}

func (c *Cleaner) run() {
	for range c.kick {
		c.mu.Lock()
		c.files = 0
		c.kicked = false
		c.mu.Unlock()
	}
}

// Channels kept in a map, all made with room for a value: known by their element type only.
type status int

type Health struct {
	mu      sync.Mutex
	watches map[string]map[int]chan status
}

func (h *Health) Watch(name string, id int) chan status {
	ch := make(chan status, 1)
	h.mu.Lock()
	h.watches[name][id] = ch
	h.mu.Unlock()
	return ch
}

func (h *Health) Set(name string, st status) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ch := range h.watches[name] {
		select {
		case <-ch:
		default:
		}
		ch <- st
	}
}

// Listeners handed out as receive-only channels, each replaced by the newest value under the
// lock: the send after taking the old value out always finds room.
type Listener struct {
	C  <-chan int
	id int
}

type Broadcaster struct {
	mu        sync.Mutex
	listeners map[int]chan int
	next      int
}

func (b *Broadcaster) Listen() *Listener {
	b.mu.Lock()
	defer b.mu.Unlock()
	ch := make(chan int, 1)
	b.next++
	b.listeners[b.next] = ch
	return &Listener{ch, b.next}
}

func (b *Broadcaster) Send(v int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, l := range b.listeners {
		select {
		case l <- v:
		case <-l:
			l <- v
		}
	}
}

func (b *Broadcaster) Stop(id int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if l, ok := b.listeners[id]; ok {
		close(l)
		delete(b.listeners, id)
	}
}

// Each job reports once on a channel of its own with room for the report. The waiter takes
// the lock only on its way out, to forget the jobs it no longer waits for: it stops
// receiving there anyway, so the lock is not what keeps a buffer from draining.
type job struct {
	done chan error
}

type Scheduler struct {
	mu      sync.Mutex
	pending []*job
}

func (s *Scheduler) Submit() *job {
	j := &job{done: make(chan error, 1)}
	s.mu.Lock()
	s.pending = append(s.pending, j)
	s.mu.Unlock()
	return j
}

func (s *Scheduler) finish(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, j := range s.pending {
		j.done <- err
	}
	s.pending = nil
}

func (s *Scheduler) Fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) > 0 {
		s.pending[0].done <- err
		s.pending = s.pending[1:]
	}
}

func (s *Scheduler) Wait(jobs []*job, stop <-chan struct{}) error {
	for _, j := range jobs {
		select {
		case <-stop:
			s.mu.Lock()
			s.pending = nil
			s.mu.Unlock()
			return nil
		case err := <-j.done:
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// The same waiter taking the lock and going on to the next job: while it waits for the
// lock it receives nothing, and a full buffer keeps the sender, which holds it, waiting.
type Batcher struct {
	mu      sync.Mutex
	results chan int
	total   int
}

func (b *Batcher) Add(v int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.results <- v // want "MU001: send on b.results while b.mu is held; b.collect, which receives from it, needs b.mu"
}

func (b *Batcher) Flush(v int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.results <- -v // want "MU001: send on b.results while b.mu is held; b.collect, which receives from it, needs b.mu"
}

func (b *Batcher) collect(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case v := <-b.results:
			b.mu.Lock()
			b.total += v
			b.mu.Unlock()
		}
	}
}

func NewBatcher(stop <-chan struct{}) *Batcher {
	b := &Batcher{results: make(chan int, 16)}
	go b.collect(stop)
	return b
}
