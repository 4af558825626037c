package ch005

import (
	"context"
	"fmt"
	"time"
)

func worker(done chan bool) {
	defer close(done)
}

func signalledByCallee() {
	done := make(chan bool)
	go worker(done)
	<-done
}

func sender(out chan<- int) {
	out <- 1
}

func sentByCallee() int {
	ch := make(chan int)
	go sender(ch)
	return <-ch
}

func sentByClosure() int {
	ch := make(chan int)
	go func() { ch <- 42 }()
	return <-ch
}

// Another case can wake the select.
func selectWithTimeout(ctx context.Context) {
	never := make(chan struct{})
	select {
	case <-never:
	case <-ctx.Done():
	}
}

func selectWithDefault() {
	c := make(chan int)
	select {
	case <-c:
	default:
	}
}

// Handed to code outside the package: it may send or close there.
func handedToUnknown() {
	ch := make(chan string)
	go fmt.Println(ch)
	<-ch
}

// Handed to a function value: unknown.
func handedToFuncValue(f func(chan int)) {
	ch := make(chan int)
	go f(ch)
	<-ch
}

// A parameter: the caller owns it.
func fromParameter(ch chan int) int {
	return <-ch
}

// Stored into a field: someone else may close it.
type holder struct{ c chan int }

func stored(h *holder) {
	ch := make(chan int)
	h.c = ch
	<-ch
}

// Exported fields may be sent on by other packages.
type Public struct {
	Events chan string
}

func NewPublic() *Public { return &Public{Events: make(chan string)} }

func (p *Public) Next() string { return <-p.Events }

// A field closed in a method.
type server struct {
	stopped chan struct{}
}

func newServer() *server { return &server{stopped: make(chan struct{})} }

func (s *server) Shutdown() { close(s.stopped) }

func (s *server) Wait() { <-s.stopped }

// A field that a method sends on.
type mailbox struct {
	in chan string
}

func newMailbox() *mailbox { return &mailbox{in: make(chan string)} }

func (m *mailbox) post(s string) { m.in <- s }

func (m *mailbox) take() string { return <-m.in }

// An exported getter returning the channel both ways: other packages may close it.
type source struct{ out chan int }

func newSource() *source { return &source{out: make(chan int)} }

func (s *source) Out() chan int { return s.out }

func (s *source) first() int { return <-s.Out() }

// A field assigned from a parameter: the caller owns it.
type client struct{ resp chan string }

func newClient(resp chan string) *client { return &client{resp: resp} }

func (c *client) await() string { return <-c.resp }

// A channel from another package.
func fromTime() {
	<-time.After(time.Second)
}

// A field channel sent on through an alias.
type relay struct{ out chan int }

func newRelay() *relay { return &relay{out: make(chan int)} }

func (r *relay) push(v int) {
	o := r.out
	o <- v
}

func (r *relay) pull() int { return <-r.out }

// A getter that returns the channel both ways, and a caller that closes what it returns.
type gate struct{ open chan struct{} }

func newGate() *gate { return &gate{open: make(chan struct{})} }

func (g *gate) ch() chan struct{} { return g.open }

func (g *gate) release() { close(g.ch()) }

func (g *gate) wait() { <-g.open }

// A local reassigned from elsewhere.
func reassigned(other chan int) {
	ch := make(chan int)
	ch = other
	<-ch
}

// A channel sent over another channel: the receiver may close it.
func sentOver(reqs chan chan int) int {
	reply := make(chan int)
	reqs <- reply
	return <-reply
}
