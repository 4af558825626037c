package ch007

import (
	"context"
	"time"
)

// The batcher stops after a fixed number of batches; Add after that never returns.
type batcher struct {
	items chan int
	limit int
}

func (b *batcher) run(flush func([]int)) {
	var batch []int
	done := 0
loop:
	for {
		it := <-b.items
		batch = append(batch, it)
		if len(batch) == 8 {
			flush(batch)
			batch, done = nil, done+1
			if done == b.limit {
				break loop
			}
		}
	}
}

func (b *batcher) Add(it int) {
	b.items <- it // want "CH007: send on unbuffered batcher.items"
}

func startBatcher(flush func([]int)) *batcher {
	b := &batcher{items: make(chan int), limit: 4}
	go b.run(flush)
	return b
}

// The dispatcher leaves when its context ends; Submit after that blocks.
type dispatcher struct {
	requests chan string
}

func (d *dispatcher) serve(ctx context.Context, handle func(string)) {
	for {
		select {
		case r := <-d.requests:
			handle(r)
		case <-ctx.Done():
			return
		}
	}
}

func (d *dispatcher) Submit(r string) {
	d.requests <- r // want "CH007: send on unbuffered dispatcher.requests"
}

func newDispatcher(ctx context.Context, handle func(string)) *dispatcher {
	d := &dispatcher{requests: make(chan string)}
	go d.serve(ctx, handle)
	return d
}

// A watcher that gives up after a quiet period.
var heartbeats = make(chan time.Time)

func watch(quiet time.Duration, seen func(time.Time)) {
	for {
		select {
		case t := <-heartbeats:
			seen(t)
		case <-time.After(quiet):
			return
		}
	}
}

func beat() {
	heartbeats <- time.Now() // want "CH007: send on unbuffered heartbeats"
}

// The loop returns once its owner is closed; ticks after that are never received.
type poller struct {
	closed func() bool
	ticks  chan int
}

func (p *poller) loop(use func(int)) {
	for {
		n := <-p.ticks
		if p.closed() {
			return
		}
		use(n)
	}
}

func (p *poller) tick(n int) {
	p.ticks <- n // want "CH007: send on unbuffered poller.ticks"
}

func newPoller(use func(int)) *poller {
	p := &poller{closed: func() bool { return false }, ticks: make(chan int)}
	go p.loop(use)
	return p
}

// The receiving loop is in a helper the channel is handed to; it returns with its context.
type uploader struct {
	parts chan []byte
}

func consume(ctx context.Context, parts chan []byte, put func([]byte)) {
	for {
		select {
		case b := <-parts:
			put(b)
		case <-ctx.Done():
			return
		}
	}
}

func newUploader(ctx context.Context, put func([]byte)) *uploader {
	u := &uploader{parts: make(chan []byte)}
	go consume(ctx, u.parts, put)
	return u
}

func (u *uploader) send(p []byte) {
	u.parts <- p // want "CH007: send on unbuffered uploader.parts"
}

// A struct value sent to a loop that stops on a quit channel.
type update struct {
	key   string
	value int
}

type table struct {
	updates chan update
	quit    chan struct{}
	data    map[string]int
}

func (t *table) apply() {
	for {
		select {
		case u := <-t.updates:
			t.data[u.key] = u.value
		case <-t.quit:
			return
		}
	}
}

func (t *table) Set(key string, value int) {
	t.updates <- update{key: key, value: value} // want "CH007: send on unbuffered table.updates"
}

func newTable() *table {
	t := &table{updates: make(chan update), quit: make(chan struct{}), data: map[string]int{}}
	go t.apply()
	return t
}
