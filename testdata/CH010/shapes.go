package ch010

import "time"

// A package variable hand-off sent to before the function starts its only reader.
var configs = make(chan map[string]string)

func watchConfig(initial map[string]string, apply func(map[string]string)) {
	configs <- initial // want "CH010: send on configs can block forever: configs is unbuffered"
	go func() {
		for c := range configs {
			apply(c)
		}
	}()
}

// A package variable with one slot that Nudge may have filled first.
var rescan = make(chan struct{}, 1)

func Nudge() {
	select {
	case rescan <- struct{}{}:
	default:
	}
}

func startScanner(stop <-chan struct{}, scan func()) {
	rescan <- struct{}{} // want "CH010: send on rescan can block forever: rescan's one slot may already be full"
	go func() {
		for {
			select {
			case <-rescan:
				scan()
			case <-stop:
				return
			}
		}
	}()
}

// The reader is a literal handed to a helper that runs it in the background.
func background(f func()) { go f() }

type notifier struct {
	alerts chan string
}

func newNotifier() *notifier { return &notifier{alerts: make(chan string)} }

func (n *notifier) Start(welcome string, send func(string)) {
	n.alerts <- welcome // want "CH010: send on n.alerts can block forever: n.alerts is unbuffered"
	background(func() {
		for a := range n.alerts {
			send(a)
		}
	})
}

// The first send is conditional; the reader waits in a select with a ticker.
type cache struct {
	evict chan string
}

func newCache() *cache { return &cache{evict: make(chan string)} }

func (c *cache) Run(stale string, stop <-chan struct{}, drop func(string)) {
	if stale != "" {
		c.evict <- stale // want "CH010: send on c.evict can block forever: c.evict is unbuffered"
	}
	go func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case k := <-c.evict:
				drop(k)
			case <-t.C:
			case <-stop:
				return
			}
		}
	}()
}

// A constructor queues a first job on the channel it has just made, before its worker.
type executor struct {
	jobs chan func()
}

func newExecutor(warmup func()) *executor {
	e := &executor{jobs: make(chan func())}
	e.jobs <- warmup // want "CH010: send on e.jobs can block forever: e.jobs is unbuffered"
	go func() {
		for job := range e.jobs {
			job()
		}
	}()
	return e
}

// One slot, and Reset fills it with a plain send of its own.
type limiter struct {
	refill chan int
}

func newLimiter() *limiter { return &limiter{refill: make(chan int, 1)} }

func (l *limiter) Reset(n int) { l.refill <- n }

func (l *limiter) Start(burst int, stop <-chan struct{}, grant func(int)) {
	l.refill <- burst // want "CH010: send on l.refill can block forever: l.refill's one slot may already be full"
	go func() {
		for {
			select {
			case n := <-l.refill:
				grant(n)
			case <-stop:
				return
			}
		}
	}()
}

// The reader receives one value at a time in a plain loop.
type heartbeat struct {
	beats chan time.Time
}

func newHeartbeat() *heartbeat { return &heartbeat{beats: make(chan time.Time)} }

func (h *heartbeat) Begin(record func(time.Time)) {
	h.beats <- time.Now() // want "CH010: send on h.beats can block forever: h.beats is unbuffered"
	go func() {
		for {
			record(<-h.beats)
		}
	}()
}

// A value receiver: the copy still shares the channel.
type logger struct {
	lines chan string
}

func newLogger() logger { return logger{lines: make(chan string)} }

func (l logger) Open(banner string, write func(string)) {
	l.lines <- banner // want "CH010: send on l.lines can block forever: l.lines is unbuffered"
	go func() {
		for s := range l.lines {
			write(s)
		}
	}()
}

// Not flagged: the send is in a loop around the literal; an earlier pass started a reader.
type pool struct {
	tasks chan int
}

func newPool() *pool { return &pool{tasks: make(chan int)} }

func (p *pool) Spawn(n int, do func(int)) {
	for i := 0; i < n; i++ {
		p.tasks <- i
		go func() {
			for t := range p.tasks {
				do(t)
			}
		}()
	}
}

// Not flagged: two slots leave room for the first wake-up even if Poke filled one.
type syncer struct {
	poke chan struct{}
}

func newSyncer() *syncer { return &syncer{poke: make(chan struct{}, 2)} }

func (s *syncer) Poke() {
	select {
	case s.poke <- struct{}{}:
	default:
	}
}

func (s *syncer) Start(stop <-chan struct{}, sync func()) {
	s.poke <- struct{}{}
	go func() {
		for {
			select {
			case <-s.poke:
				sync()
			case <-stop:
				return
			}
		}
	}()
}

// Not flagged: the first send does not wait (it is a select case with a default).
type reporter struct {
	flush chan struct{}
}

func newReporter() *reporter { return &reporter{flush: make(chan struct{})} }

func (r *reporter) Start(stop <-chan struct{}, flush func()) {
	select {
	case r.flush <- struct{}{}:
	default:
	}
	go func() {
		for {
			select {
			case <-r.flush:
				flush()
			case <-stop:
				return
			}
		}
	}()
}
