package ch004

import "sync"

// Every worker closes the shared channel.
func fanOut(jobs []int) <-chan int {
	out := make(chan int, len(jobs))
	for _, j := range jobs {
		go func() {
			defer close(out) // want "CH004: every goroutine started in this loop closes out"
			out <- j * 2
		}()
	}
	return out
}

func poolExplicit(n int, done chan struct{}) {
	for i := 0; i < n; i++ {
		go func() {
			_ = i
			close(done) // want "CH004: every goroutine started in this loop closes done"
		}()
	}
}

func poolDeferredLiteral(n int) chan bool {
	finished := make(chan bool)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer func() {
				wg.Done()
				close(finished) // want "CH004: every goroutine"
			}()
		}()
	}
	return finished
}

// Closed in a loop body with nothing leaving the loop after it.
func closeInLoop(items []string, done chan struct{}) {
	for _, it := range items {
		_ = it
		close(done) // want "CH004: close\(done\) is in a loop"
	}
}

func closeInSelectLoop(quit <-chan struct{}, in <-chan int, out chan int) {
	for {
		select {
		case v := <-in:
			out <- v // want "CH004: send on out after it was closed"
		case <-quit:
			close(out) // want "CH004: close\(out\) is in a loop"
		}
	}
}

// Twice on one path.
func twice(ch chan int, fail bool) {
	if fail {
		ch <- -1
	}
	close(ch)
	close(ch) // want "CH004: ch is closed twice on this path"
}

type pipe struct {
	data chan []byte
}

func (p *pipe) shutdown(err error) {
	close(p.data)
	if err != nil {
		close(p.data) // want "CH004: p.data is closed twice"
	}
}

// A deferred close and an explicit close on the same path.
func deferAndClose(results chan int) {
	defer close(results)
	results <- 1
	close(results) // want "CH004: results is closed here and again by the deferred close"
}

// A send after close on the same path.
func sendAfterClose(ch chan int) {
	close(ch)
	ch <- 1 // want "CH004: send on ch after it was closed"
}

// The receiving goroutine closes the channel while the starter keeps sending.
func receiverCloses(vals []int) {
	ch := make(chan int)
	go func() {
		<-ch
		close(ch) // want "CH004: ch is closed by a goroutine that only receives from it"
	}()
	for _, v := range vals {
		ch <- v
	}
}

// The loop variable is bound once, outside the loop: every iteration closes the same channel.
func sameListenerEachTime(l *listener, rounds int) {
	for i := 0; i < rounds; i++ {
		close(l.ready) // want "CH004: close\(l.ready\) is in a loop"
	}
}

// Per-iteration binding does not help a value closed twice within one iteration.
func closedTwiceInOneIteration(ls []*listener) {
	for _, l := range ls {
		close(l.ready)
		close(l.ready) // want "CH004: l.ready is closed twice on this path"
	}
}

// A received value closed, then sent on in the same iteration.
func sendAfterCloseOnReceived(incoming <-chan *listener) {
	for l := range incoming {
		close(l.ready)
		l.ready <- 1 // want "CH004: send on l.ready after it was closed"
	}
}

// The loop's own step changes what the `if` tests: the next iteration sends on the closed
// channel.
func roundTripsStep(requests chan<- int) {
	for n := 0; n < 20; n++ {
		if n == 10 {
			close(requests)
			continue
		}
		requests <- n // want "CH004: send on requests after it was closed"
	}
}

// The condition reads a field, which a call may change: not followed.
type roundState struct{ n int }

func roundTripsField(s *roundState, requests chan<- int, replies <-chan int, bump func()) {
	for range replies {
		if s.n == 10 {
			close(requests)
			bump()
			continue
		}
		s.n++
		requests <- s.n // want "CH004: send on requests after it was closed"
	}
}
