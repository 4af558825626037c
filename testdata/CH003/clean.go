package ch003

import "time"

// A nil channel in a select case disables the case: a deliberate idiom.
func merge(a, b chan int, out chan<- int) {
	var timeout chan time.Time
	for a != nil || b != nil {
		select {
		case v, ok := <-a:
			if !ok {
				a = nil
				continue
			}
			out <- v
		case v, ok := <-b:
			if !ok {
				b = nil
				continue
			}
			out <- v
		case <-timeout:
			return
		}
	}
}

func sendCaseNil(v int) {
	var out chan int
	select {
	case out <- v:
	default:
	}
}

// Assigned on some path: possibly non-nil.
func maybeMade(buffered bool) {
	var ch chan int
	if buffered {
		ch = make(chan int, 1)
	}
	select {
	case ch <- 1:
	default:
	}
	if buffered {
		<-ch
	}
}

// Assigned on every path.
func made() int {
	var ch chan int
	ch = make(chan int, 1)
	ch <- 1
	return <-ch
}

// Assigned in a loop before the next iteration's receive.
func loopAssigned(n int) {
	var ch chan int
	for i := 0; i < n; i++ {
		if ch != nil {
			<-ch
		}
		ch = make(chan int, 1)
		ch <- i
	}
}

// Assigned in a closure, through a pointer, passed by address.
func closureAssigned() {
	var ch chan int
	setup := func() { ch = make(chan int, 1) }
	setup()
	ch <- 1
}

func pointerAssigned() {
	var ch chan int
	p := &ch
	*p = make(chan int, 1)
	ch <- 1
}

func initChan(c *chan int) { *c = make(chan int, 1) }

func addressPassed() {
	var ch chan int
	initChan(&ch)
	ch <- 1
}

// Assigned by a receive and by a range.
func receivedChan(src chan chan int) {
	var ch chan int
	ch = <-src
	ch <- 1
	var inner chan int
	for inner = range src {
		inner <- 2
	}
}

// Fields assigned in a constructor (another file), a literal, through &, positionally.
type server struct {
	reqs  chan int
	quit  chan struct{}
	acks  chan bool
	other chan int
}

func (s *server) loop() {
	for r := range s.reqs {
		_ = r
	}
	<-s.quit
	s.acks <- true
	close(s.other)
}

type pair struct {
	in  chan int
	out chan int
}

func newPair() pair {
	return pair{make(chan int), make(chan int)}
}

func (p pair) pump() {
	p.out <- <-p.in
}

// Exported fields and variables may be set by other packages.
type Public struct {
	Events chan string
}

var Ready chan bool

func (p *Public) next() string {
	<-Ready
	return <-p.Events
}

// Parameters and results are given values by their callers.
func param(ch chan int) int {
	return <-ch
}

func result() (ch chan int) {
	go func() { ch <- 1 }()
	return make(chan int)
}

// A package variable set in init.
var ticks chan int

func init() {
	ticks = make(chan int, 1)
}

func tick() {
	ticks <- 1
}
