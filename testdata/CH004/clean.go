package ch004

import (
	"sync"
	"sync/atomic"
)

// Mutually exclusive branches.
func branches(ch chan int, ok bool, mode int, quit chan struct{}) {
	if ok {
		close(ch)
	} else {
		close(ch)
	}
	switch mode {
	case 1:
		close(quit)
	case 2:
		close(quit)
	}
}

func selectCases(a, b chan int, ch chan int) {
	select {
	case <-a:
		close(ch)
	case <-b:
		close(ch)
	}
}

// A deferred close runs once.
func producer(n int) <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		for i := 0; i < n; i++ {
			out <- i
		}
	}()
	return out
}

// sync.Once guards the close.
type stopper struct {
	once sync.Once
	stop chan struct{}
}

func (s *stopper) Stop() {
	for i := 0; i < 3; i++ {
		s.once.Do(func() { close(s.stop) })
	}
}

func onceInPool(n int) {
	var once sync.Once
	done := make(chan struct{})
	for i := 0; i < n; i++ {
		go func() {
			once.Do(func() { close(done) })
		}()
	}
	<-done
}

// Different channels.
func closeAll(chans []chan int, byName map[string]chan int) {
	for _, c := range chans {
		close(c)
	}
	for i := range chans {
		close(chans[i])
	}
	for _, c := range byName {
		close(c)
	}
	a, b := make(chan int), make(chan int)
	close(a)
	close(b)
}

// Break or return right after the close.
func closeThenBreak(items []int, found chan int) {
	for _, it := range items {
		if it > 10 {
			found <- it
			close(found)
			break
		}
	}
}

func closeThenReturn(found chan int) {
	for {
		close(found)
		return
	}
}

// The loop makes a new channel each time, or forgets the old one.
func renew(n int) {
	var ch chan int
	for i := 0; i < n; i++ {
		ch = make(chan int)
		close(ch)
	}
	done := make(chan struct{})
	for i := 0; i < n; i++ {
		if done != nil {
			close(done)
			done = nil
		}
	}
}

// Close unless already closed.
func closeOnce(done chan struct{}, n int) {
	for i := 0; i < n; i++ {
		select {
		case <-done:
		default:
			close(done)
		}
	}
}

// A flag the loop sets guards the close.
func flagged(events []int, done chan struct{}) {
	closed := false
	for _, e := range events {
		if e < 0 && !closed {
			close(done)
			closed = true
		}
	}
}

// Last one out closes: conditional close in pool goroutines.
func lastOut(n int) chan struct{} {
	done := make(chan struct{})
	var left int32 = int32(n)
	for i := 0; i < n; i++ {
		go func() {
			if atomic.AddInt32(&left, -1) == 0 {
				close(done)
			}
		}()
	}
	return done
}

// Each goroutine closes its own channel.
func ownChannels(n int) {
	for i := 0; i < n; i++ {
		ch := make(chan int)
		go func() {
			defer close(ch)
			ch <- i
		}()
		<-ch
	}
}

// Send before close, close after the loop.
func sendThenClose(vals []int) <-chan int {
	out := make(chan int, len(vals))
	for _, v := range vals {
		out <- v
	}
	close(out)
	return out
}

// A receiver that closes after a single handshake is fine; the sender sends once.
func handshake() {
	ready := make(chan struct{})
	go func() {
		<-ready
		close(ready)
	}()
	ready <- struct{}{}
}

// Conditions are not evaluated: a close under an `if` in a loop usually fires once.
func closeOnThird(n int, trigger chan struct{}) {
	for i := 0; i < n; i++ {
		if i == 2 {
			close(trigger)
		}
	}
}

// Closes in different switch cases of a loop: the same case decides again each time.
func acceptLoop(conns []int, mode int, ready chan struct{}) {
	for range conns {
		switch mode {
		case 1:
			close(ready)
		case 2:
			close(ready)
		}
	}
}

// The `if` disables itself: the close runs once.
func snapshot(records []int, batches chan int) {
	var seen map[int]bool
	for _, r := range records {
		switch r {
		case 0:
			batches <- r
		case 1:
			if len(seen) == 0 {
				close(batches)
				seen = make(map[int]bool)
			}
		}
	}
	if len(seen) == 0 {
		close(batches)
	}
}

// A helper named Fatal... ends the path (it stops the test or the process).
func FatalStack(msg string) { panic(msg) }

func timeoutPath(donec, stopc chan struct{}, timeout <-chan int) {
	select {
	case <-donec:
	case <-timeout:
		close(stopc)
		FatalStack("timeout")
	}
	close(stopc)
}
