package ch006

import "errors"

// A worker reports on a result channel that no code reads any more.
type prober struct {
	results chan bool
	stop    chan struct{}
}

func newProber() *prober {
	return &prober{results: make(chan bool), stop: make(chan struct{})}
}

func (p *prober) probe(ok bool) {
	p.results <- ok // want "CH006: send on unbuffered prober.results blocks forever: nothing in the package receives"
}

func (p *prober) close() { close(p.stop) }

// A buffered field: the sends block once the buffer is full.
type auditLog struct {
	entries chan string
}

func newAuditLog() *auditLog { return &auditLog{entries: make(chan string, 16)} }

func (a *auditLog) record(s string) {
	a.entries <- s // want "CH006: send on auditLog.entries blocks forever once its buffer \(16\) is full"
}

func (a *auditLog) recordAll(xs []string) {
	for _, x := range xs {
		a.record(x)
	}
}

// The capacity comes from a parameter that the only caller binds to a constant.
type queue struct {
	items chan int
}

func (q *queue) init(size int) { q.items = make(chan int, size) }

func (q *queue) push(v int) {
	q.items <- v // want "CH006: send on unbuffered queue.items"
}

func newQueue() *queue {
	q := &queue{}
	q.init(0)
	return q
}

// A goroutine signals completion that its starter never waits for.
func fireAndForget(work func()) {
	done := make(chan struct{})
	go func() {
		work()
		done <- struct{}{} // want "CH006: send on unbuffered done blocks forever: nothing in this function"
	}()
}

// A buffered local sent on in a loop that nothing drains.
func collect(xs []int) int {
	sums := make(chan int, 4)
	total := 0
	for _, x := range xs {
		total += x
		sums <- total // want "CH006: send on sums blocks forever once its buffer \(4\) is full"
	}
	return total
}

// The error is sent before anyone can hold the channel.
func startService(fail bool) <-chan error {
	errc := make(chan error)
	if fail {
		errc <- errors.New("cannot start") // want "CH006: send on unbuffered errc blocks forever: nothing else can receive"
		return errc
	}
	go func() { errc <- nil }()
	return errc
}

func consume(ch chan int) {
	for range ch {
	}
}

// The first value is sent before the consumer is started.
func feedTooEarly() {
	ch := make(chan int)
	ch <- 1 // want "CH006: send on unbuffered ch blocks forever: nothing else can receive"
	go consume(ch)
	ch <- 2
	close(ch)
}

// A helper starts a goroutine that sends its result on the channel it returns.
func async(f func() error) chan error {
	ch := make(chan error)
	go func() {
		ch <- f()
	}()
	return ch
}

func fireTwo(f func() error) {
	async(f) // want "CH006: the channel returned by async is discarded"
	_ = async(f) // want "CH006: the channel returned by async is discarded"
	if err := <-async(f); err != nil {
		return
	}
}

// An unexported package channel that only ever receives sends.
var shutdownRequests = make(chan string)

func requestShutdown(reason string) {
	shutdownRequests <- reason // want "CH006: send on unbuffered shutdownRequests blocks forever: nothing in the package"
}

// A single-case select is a plain send.
type ticker struct {
	ticks chan int
}

func newTicker() *ticker { return &ticker{ticks: make(chan int)} }

func (t *ticker) tick(n int) {
	select {
	case t.ticks <- n: // want "CH006: send on unbuffered ticker.ticks"
	}
}

// An unexported getter's callers only send on what it returns.
type pipe struct {
	out chan []byte
}

func newPipe() *pipe { return &pipe{out: make(chan []byte)} }

func (p *pipe) sink() chan []byte { return p.out }

func (p *pipe) write(b []byte) {
	p.sink() <- b // want "CH006: send on unbuffered pipe.out"
}
