package ch009

import (
	"sync"
	"time"
)

// A callback run by the loop shuts the peer down, and shutting down waits for the loop.
type listener interface {
	onFrame(f []byte)
}

type peer struct {
	events   listener
	frames   chan []byte
	stop     chan struct{}
	finished chan struct{}
	once     sync.Once
}

func newPeer(l listener) *peer {
	return &peer{
		events:   l,
		frames:   make(chan []byte),
		stop:     make(chan struct{}),
		finished: make(chan struct{}),
	}
}

func (p *peer) serve() {
	defer close(p.finished)
	for {
		select {
		case f := <-p.frames:
			p.events.onFrame(f)
		case <-p.stop:
			return
		}
	}
}

func (p *peer) shutdown() {
	p.once.Do(func() {
		close(p.stop)
		<-p.finished // want "CH009: receive from peer.finished waits for its own goroutine: .*peer.serve"
	})
}

type kicker struct {
	target *peer
}

func (k *kicker) onFrame(f []byte) {
	if len(f) == 0 {
		k.target.shutdown()
	}
}

// A function that closes a channel on return and waits for it before returning.
func pollUntilIdle(check func() bool) {
	idle := make(chan struct{})
	defer close(idle)
	go func() {
		for !check() {
			time.Sleep(time.Millisecond)
		}
	}()
	<-idle // want "CH009: receive from idle waits for its own goroutine"
}

// A static chain: the loop's error path calls the method that waits for the loop.
type pump struct {
	in      chan int
	drained chan struct{}
}

func newPump() *pump { return &pump{in: make(chan int), drained: make(chan struct{})} }

func (p *pump) run() {
	defer close(p.drained)
	for v := range p.in {
		if v < 0 {
			p.fail()
		}
	}
}

func (p *pump) fail() { p.wait() }

func (p *pump) wait() {
	<-p.drained // want "CH009: .*through fail → wait"
}
