package ch008

import "sync"

// A worker pool whose feeder polls for shutdown and then sends on its own, while the
// workers return on the same shutdown.
type Lifecycle struct {
	quit chan struct{}
	wg   sync.WaitGroup
}

func NewLifecycle() *Lifecycle {
	return &Lifecycle{quit: make(chan struct{})}
}

func (l *Lifecycle) Quitting() <-chan struct{} { return l.quit }

func (l *Lifecycle) Go(f func()) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		f()
	}()
}

func (l *Lifecycle) Shutdown() {
	close(l.quit)
	l.wg.Wait()
}

type feeder struct {
	life  *Lifecycle
	tasks chan string
	next  func() string
}

func newFeeder(life *Lifecycle, next func() string) *feeder {
	f := &feeder{life: life, tasks: make(chan string), next: next}
	life.Go(f.feed)
	life.Go(func() { work(f.tasks, life) })
	return f
}

func (f *feeder) feed() {
	for {
		select {
		case <-f.life.Quitting():
			return
		default:
			f.tasks <- f.next() // want "CH008: send on f.tasks can block forever: it waits alone after the poll of f.life.Quitting\(\)"
		}
	}
}

func work(tasks <-chan string, life *Lifecycle) {
	for {
		select {
		case t := <-tasks:
			_ = t
		case <-life.Quitting():
			return
		}
	}
}

// The poll as its own statement, then the send.
type ticker struct {
	stop  chan struct{}
	beats chan int
}

func newTicker() *ticker {
	t := &ticker{stop: make(chan struct{}), beats: make(chan int)}
	go t.listen()
	go t.beat()
	return t
}

func (t *ticker) beat() {
	for i := 0; ; i++ {
		select {
		case <-t.stop:
			return
		default:
		}
		t.beats <- i // want "CH008: send on t.beats can block forever"
	}
}

func (t *ticker) listen() {
	for {
		select {
		case <-t.beats:
		case <-t.stop:
			return
		}
	}
}

func (t *ticker) Stop() { close(t.stop) }

// Not flagged: the send waits for the stop channel too.
type pump struct {
	stop chan struct{}
	out  chan int
}

func newPump() *pump {
	p := &pump{stop: make(chan struct{}), out: make(chan int)}
	go p.run()
	go p.drain()
	return p
}

func (p *pump) run() {
	for i := 0; ; i++ {
		select {
		case <-p.stop:
			return
		case p.out <- i:
		}
	}
}

func (p *pump) drain() {
	for {
		select {
		case <-p.out:
		case <-p.stop:
			return
		}
	}
}

func (p *pump) Stop() { close(p.stop) }

// Not flagged: the consumer ranges until the channel is closed, so it keeps draining after
// the stop.
type batcher struct {
	stop  chan struct{}
	items chan int
}

func newBatcher() *batcher {
	b := &batcher{stop: make(chan struct{}), items: make(chan int)}
	go b.produce()
	go b.consume()
	return b
}

func (b *batcher) produce() {
	defer close(b.items)
	for i := 0; ; i++ {
		select {
		case <-b.stop:
			return
		default:
			b.items <- i
		}
	}
}

func (b *batcher) consume() {
	for it := range b.items {
		_ = it
	}
}

func (b *batcher) Stop() { close(b.stop) }

// Not flagged: the receiver returns on another channel than the one the sender polls.
type relay struct {
	stop  chan struct{}
	done  chan struct{}
	moves chan int
}

func newRelay() *relay {
	r := &relay{stop: make(chan struct{}), done: make(chan struct{}), moves: make(chan int)}
	go r.send()
	go r.take()
	return r
}

func (r *relay) send() {
	for i := 0; ; i++ {
		select {
		case <-r.stop:
			return
		default:
			r.moves <- i
		}
	}
}

func (r *relay) take() {
	for {
		select {
		case <-r.moves:
		case <-r.done:
			return
		}
	}
}

func (r *relay) Stop() { close(r.stop) }

// Not flagged: a buffered channel.
type sampler struct {
	stop    chan struct{}
	samples chan int
}

func newSampler() *sampler {
	s := &sampler{stop: make(chan struct{}), samples: make(chan int, 16)}
	go s.sample()
	go s.collect()
	return s
}

func (s *sampler) sample() {
	for i := 0; ; i++ {
		select {
		case <-s.stop:
			return
		default:
			s.samples <- i
		}
	}
}

func (s *sampler) collect() {
	for {
		select {
		case <-s.samples:
		case <-s.stop:
			return
		}
	}
}

func (s *sampler) Stop() { close(s.stop) }
