package ch008

import "time"

// Package-level channels: a scanner polls the shutdown channel and then hands each result
// to the indexer on its own.
var (
	shutdown = make(chan struct{})
	results  = make(chan string)
)

func startScan(paths []string) {
	go scan(paths)
	go index()
}

func scan(paths []string) {
	for _, p := range paths {
		select {
		case <-shutdown:
			return
		default:
			results <- p // want "CH008: send on results can block forever"
		}
	}
}

func index() {
	for {
		select {
		case r := <-results:
			_ = r
		case <-shutdown:
			return
		}
	}
}

func stopScan() { close(shutdown) }

// A loop with a condition; the value is computed between the poll and the send.
type sensor struct {
	halt     chan struct{}
	readings chan float64
	read     func() float64
}

func newSensor(read func() float64) *sensor {
	s := &sensor{halt: make(chan struct{}), readings: make(chan float64), read: read}
	go s.measure(100)
	go s.record()
	return s
}

func (s *sensor) measure(n int) {
	for taken := 0; taken < n; taken++ {
		select {
		case <-s.halt:
			return
		default:
		}
		v := s.read() * 1.8
		s.readings <- v // want "CH008: send on s.readings can block forever"
	}
}

func (s *sensor) record() {
	for {
		select {
		case v := <-s.readings:
			_ = v
		case <-s.halt:
			return
		}
	}
}

func (s *sensor) Halt() { close(s.halt) }

// Locals in one function: both goroutines are literals.
func countUp(limit int, use func(int)) func() {
	stop := make(chan struct{})
	nums := make(chan int)
	go func() {
		for i := 0; i < limit; i++ {
			select {
			case <-stop:
				return
			default:
				nums <- i // want "CH008: send on nums can block forever"
			}
		}
	}()
	go func() {
		for {
			select {
			case n := <-nums:
				use(n)
			case <-stop:
				return
			}
		}
	}()
	return func() { close(stop) }
}

// The receiver also wakes on a timer; it still returns on the stop channel.
type flusher struct {
	closing chan struct{}
	batches chan []byte
}

func newFlusher() *flusher {
	f := &flusher{closing: make(chan struct{}), batches: make(chan []byte)}
	go f.fill()
	go f.flush()
	return f
}

func (f *flusher) fill() {
	buf := make([]byte, 0, 64)
	for {
		select {
		case <-f.closing:
			return
		default:
			buf = append(buf, 'x')
			if len(buf) == cap(buf) {
				f.batches <- buf // want "CH008: send on f.batches can block forever"
				buf = make([]byte, 0, 64)
			}
		}
	}
}

func (f *flusher) flush() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case b := <-f.batches:
			_ = b
		case <-t.C:
		case <-f.closing:
			return
		}
	}
}

func (f *flusher) Close() { close(f.closing) }

// The stop channel is read through a getter method of the sender's own type.
type crawler struct {
	done  chan struct{}
	links chan string
}

func (c *crawler) Done() <-chan struct{} { return c.done }

func newCrawler(seed []string) *crawler {
	c := &crawler{done: make(chan struct{}), links: make(chan string)}
	go c.walk(seed)
	go c.visit()
	return c
}

func (c *crawler) walk(seed []string) {
	queue := append([]string(nil), seed...)
	for len(queue) > 0 {
		select {
		case <-c.Done():
			return
		default:
		}
		next := queue[0]
		queue = queue[1:]
		c.links <- next // want "CH008: send on c.links can block forever"
	}
}

func (c *crawler) visit() {
	for {
		select {
		case l := <-c.links:
			_ = l
		case <-c.Done():
			return
		}
	}
}

func (c *crawler) Stop() { close(c.done) }

// Two receivers share the work; both return on the stop channel.
type splitter struct {
	quit  chan struct{}
	parts chan int
}

func newSplitter() *splitter {
	s := &splitter{quit: make(chan struct{}), parts: make(chan int)}
	go s.split(1 << 10)
	go s.left()
	go s.right()
	return s
}

func (s *splitter) split(n int) {
	for n > 0 {
		select {
		case <-s.quit:
			return
		default:
			s.parts <- n // want "CH008: send on s.parts can block forever"
			n /= 2
		}
	}
}

func (s *splitter) left() {
	for {
		select {
		case <-s.parts:
		case <-s.quit:
			return
		}
	}
}

func (s *splitter) right() {
	for {
		select {
		case p := <-s.parts:
			_ = p
		case <-s.quit:
			return
		}
	}
}

func (s *splitter) Quit() { close(s.quit) }

// The sender ranges over a ticker's channel; the hub's channels are shared by the types.
type hub struct {
	closed  chan struct{}
	updates chan time.Time
}

type clock struct{ h *hub }

type display struct{ h *hub }

func newHub() *hub {
	h := &hub{closed: make(chan struct{}), updates: make(chan time.Time)}
	c := &clock{h: h}
	d := &display{h: h}
	go c.tick(time.NewTicker(time.Second))
	go d.show()
	return h
}

func (c *clock) tick(t *time.Ticker) {
	defer t.Stop()
	for now := range t.C {
		select {
		case <-c.h.closed:
			return
		default:
			c.h.updates <- now // want "CH008: send on c.h.updates can block forever"
		}
	}
}

func (d *display) show() {
	for {
		select {
		case u := <-d.h.updates:
			_ = u
		case <-d.h.closed:
			return
		}
	}
}

func (h *hub) Close() { close(h.closed) }

// A struct value sent from a loop that reads its input from another channel.
type event struct {
	id   int
	name string
}

type bus struct {
	stop   chan struct{}
	events chan event
}

func newBus(src <-chan string) *bus {
	b := &bus{stop: make(chan struct{}), events: make(chan event)}
	go b.forward(src)
	go b.dispatch()
	return b
}

func (b *bus) forward(src <-chan string) {
	id := 0
	for name := range src {
		id++
		select {
		case <-b.stop:
			return
		default:
		}
		b.events <- event{id: id, name: name} // want "CH008: send on b.events can block forever"
	}
}

func (b *bus) dispatch() {
	for {
		select {
		case e := <-b.events:
			_ = e.name
		case <-b.stop:
			return
		}
	}
}

func (b *bus) Stop() { close(b.stop) }

// Not flagged: one of the two receivers takes a plain receive and keeps draining.
type fanout struct {
	quit chan struct{}
	jobs chan int
}

func newFanout() *fanout {
	f := &fanout{quit: make(chan struct{}), jobs: make(chan int)}
	go f.emit()
	go f.careful()
	go f.greedy()
	return f
}

func (f *fanout) emit() {
	for i := 0; ; i++ {
		select {
		case <-f.quit:
			return
		default:
			f.jobs <- i
		}
	}
}

func (f *fanout) careful() {
	for {
		select {
		case <-f.jobs:
		case <-f.quit:
			return
		}
	}
}

func (f *fanout) greedy() {
	for {
		j := <-f.jobs
		_ = j
	}
}

func (f *fanout) Quit() { close(f.quit) }
