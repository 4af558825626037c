package ch005

import "sync"

// A done channel handed to a worker that never signals it.
type Indexer struct {
	docs chan string
}

func (ix *Indexer) drain(done chan bool) {
	for d := range ix.docs {
		_ = d
	}
}

func (ix *Indexer) Run() {
	done := make(chan bool)
	go ix.drain(done)
	<-done // want "CH005: receive from done blocks forever"
}

// The value form and the comma-ok form are receives too.
func waitResult() int {
	results := make(chan int, 1)
	go func() {
		_ = len(results)
	}()
	v, ok := <-results // want "CH005: receive from results"
	if !ok {
		return -1
	}
	return v
}

// A select with a single case waits like a plain receive.
func singleCaseSelect() {
	stop := make(chan struct{})
	select {
	case <-stop: // want "CH005: receive from stop"
	}
}

// A quit channel that a Stop method should close and does not.
type poller struct {
	quit chan struct{}
	wg   sync.WaitGroup
}

func newPoller() *poller {
	return &poller{quit: make(chan struct{})}
}

func (p *poller) loop() {
	defer p.wg.Done()
	<-p.quit // want "CH005: receive from poller.quit blocks forever: nothing sends on it or closes it in the package"
}

func (p *poller) Stop() {
	p.wg.Wait()
}

// Through a getter that hands the channel out receive-only.
type stopper struct {
	quiesce chan struct{}
}

func (s *stopper) ShouldQuiesce() <-chan struct{} {
	if s == nil {
		return nil
	}
	return s.quiesce
}

type node struct {
	stop *stopper
}

func (n *node) stopper() *stopper { return n.stop }

func (n *node) process() {
	<-n.stopper().ShouldQuiesce() // want "CH005: receive from stopper.quiesce \(returned by ShouldQuiesce\)"
}

func makeNode() *node {
	return &node{stop: &stopper{quiesce: make(chan struct{})}}
}

// An unexported getter returning the channel both ways: its callers only receive.
type feed struct {
	items chan int
}

func (f *feed) channel() chan int { return f.items }

func newFeed() *feed {
	f := &feed{}
	f.items = make(chan int)
	return f
}

func (f *feed) next() int {
	return <-f.channel() // want "CH005: receive from feed.items"
}

// A package variable nothing sends on.
var ready = make(chan struct{})

func awaitReady() {
	<-ready // want "CH005: receive from ready"
}

// An alias is the same channel.
func aliased() {
	ch := make(chan int)
	c := ch
	go func() {
		_ = cap(c)
	}()
	<-c // want "CH005: receive from c"
}

// A channel received inside a goroutine, closed by nobody.
func leakedWaiter() {
	finished := make(chan struct{})
	go func() {
		<-finished // want "CH005: receive from finished"
	}()
}

// In a loop, as the only case of a select.
type ticker struct {
	tick chan int
}

func newTicker() *ticker { return &ticker{tick: make(chan int)} }

func (t *ticker) run(n int) int {
	sum := 0
	for i := 0; i < n; i++ {
		select {
		case v := <-t.tick: // want "CH005: receive from ticker.tick"
			sum += v
		}
	}
	return sum
}
