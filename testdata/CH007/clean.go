package ch007

import "context"

// The sender also selects on the stop signal.
type cache struct {
	gets chan chan string
	stop chan struct{}
}

func newCache() *cache { return &cache{gets: make(chan chan string), stop: make(chan struct{})} }

func (c *cache) serve() {
	for {
		select {
		case r := <-c.gets:
			r <- "v"
		case <-c.stop:
			return
		}
	}
}

func (c *cache) get() (string, bool) {
	r := make(chan string, 1)
	select {
	case c.gets <- r:
	case <-c.stop:
		return "", false
	}
	return <-r, true
}

// A buffered channel: the rule is about unbuffered sends.
type meter struct {
	ticks chan int
	quit  chan struct{}
}

func newMeter() *meter { return &meter{ticks: make(chan int, 8), quit: make(chan struct{})} }

func (m *meter) run() {
	for {
		select {
		case <-m.ticks:
		case <-m.quit:
			return
		}
	}
}

func (m *meter) tick(n int) { m.ticks <- n }

// The receiving loop cannot end.
type logger struct {
	lines chan string
}

func newLogger() *logger { return &logger{lines: make(chan string)} }

func (l *logger) run(write func(string)) {
	for line := range l.lines {
		write(line)
	}
}

func (l *logger) print(s string) { l.lines <- s }

// One receive is outside any loop: a waiter that is always there.
type handoff struct {
	slot chan int
}

func newHandoff() *handoff { return &handoff{slot: make(chan int)} }

func (h *handoff) take() int { return <-h.slot }

func (h *handoff) give(n int) { h.slot <- n }

// The loop ends only on what the channel brings: a close, or a stop request sent on it.
type mailbox struct {
	mail chan string
}

func newMailbox() *mailbox { return &mailbox{mail: make(chan string)} }

func (m *mailbox) read(handle func(string)) {
	for {
		msg, ok := <-m.mail
		if !ok {
			return
		}
		handle(msg)
	}
}

func (m *mailbox) post(s string) { m.mail <- s }

type pacer struct {
	mode chan int
}

func newPacer() *pacer { return &pacer{mode: make(chan int)} }

func (p *pacer) run(step func()) {
	mode := 0
	for {
		select {
		case m := <-p.mode:
			mode = m
		default:
		}
		switch mode {
		case 1:
			continue
		case 2:
			return
		}
		step()
	}
}

func (p *pacer) pause() { p.mode <- 1 }
func (p *pacer) halt()  { p.mode <- 2 }

// The send runs in the receiving loop's own goroutine, through a helper only it calls.
type ring struct {
	jobs chan int
	quit chan struct{}
}

func newRing() *ring { return &ring{jobs: make(chan int), quit: make(chan struct{})} }

func (r *ring) loop() {
	for {
		select {
		case j := <-r.jobs:
			if j > 0 {
				go r.requeue(j - 1)
			}
		case <-r.quit:
			return
		}
	}
}

func (r *ring) requeue(j int) { r.jobs <- j }

// The function that starts the loop sends its first request: the loop is running.
type watcher struct {
	kick chan struct{}
	done chan struct{}
}

func (w *watcher) watch(ctx context.Context, scan func()) {
	for {
		select {
		case <-w.kick:
			scan()
		case <-ctx.Done():
			return
		}
	}
}

func startWatcher(ctx context.Context, scan func()) *watcher {
	w := &watcher{kick: make(chan struct{}), done: make(chan struct{})}
	go w.watch(ctx, scan)
	w.kick <- struct{}{}
	return w
}

// An exported field: receivers in other packages are not seen.
type Pipe struct {
	Data chan []byte
	stop chan struct{}
}

func NewPipe() *Pipe { return &Pipe{Data: make(chan []byte), stop: make(chan struct{})} }

func (p *Pipe) run() {
	for {
		select {
		case <-p.Data:
		case <-p.stop:
			return
		}
	}
}

func (p *Pipe) push(b []byte) { p.Data <- b }
