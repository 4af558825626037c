package cx005

import (
	"log"
	"time"
)

// The tick case resets the timer: a failed Stop means a tick is waiting.
func resetOnTick(d time.Duration, kick <-chan bool) {
	t := time.NewTimer(d)
	for {
		select {
		case <-t.C:
			log.Println("tick")
			t.Reset(d)
		case <-kick:
			if !t.Stop() {
				<-t.C
			}
			t.Reset(d)
		}
	}
}

// A non-blocking drain.
func nonBlocking(d time.Duration, kick <-chan bool) {
	t := time.NewTimer(d)
	for {
		select {
		case <-t.C:
		case <-kick:
			if !t.Stop() {
				select {
				case <-t.C:
				default:
				}
			}
			t.Reset(d)
		}
	}
}

// Nothing else receives from the timer before the drain.
func onlyDrain(d time.Duration) {
	t := time.NewTimer(d)
	if !t.Stop() {
		<-t.C
	}
}

// The tick case makes a new timer.
func newTimerOnTick(d time.Duration, kick <-chan bool) {
	t := time.NewTimer(d)
	for {
		select {
		case <-t.C:
			t = time.NewTimer(d)
		case <-kick:
			if !t.Stop() {
				<-t.C
			}
			t.Reset(d)
		}
	}
}

// The other receive is from another timer.
func twoTimers(d time.Duration, kick <-chan bool) {
	a := time.NewTimer(d)
	b := time.NewTimer(d)
	for {
		select {
		case <-a.C:
			a.Reset(d)
		case <-kick:
			if !b.Stop() {
				<-b.C
			}
			b.Reset(d)
		}
	}
}

// Tickers have no such Stop result.
func ticker(d time.Duration, kick <-chan bool) {
	t := time.NewTicker(d)
	for {
		select {
		case <-t.C:
		case <-kick:
			t.Stop()
			t.Reset(d)
		}
	}
}

// Stop's result is used the other way round.
func stopped(d time.Duration) {
	t := time.NewTimer(d)
	<-t.C
	if t.Stop() {
		log.Println("stopped before it fired")
	}
}

// The receive that takes the tick is in another goroutine: not this function's path.
func otherGoroutine(d time.Duration) {
	t := time.NewTimer(d)
	go func() {
		<-t.C
	}()
	if !t.Stop() {
		<-t.C
	}
}

// The tick case leaves the loop: no path comes back to the drain.
func tickReturns(d time.Duration, kick <-chan bool) {
	t := time.NewTimer(d)
	for {
		select {
		case <-t.C:
			return
		case <-kick:
			if !t.Stop() {
				<-t.C
			}
			t.Reset(d)
		}
	}
}

// The drain is in a helper of its own; the loop calls it after resetting.
func drain(t *time.Timer) {
	if !t.Stop() {
		<-t.C
	}
}

func helperDrain(d time.Duration, kick <-chan bool) {
	t := time.NewTimer(d)
	for {
		select {
		case <-t.C:
			t.Reset(d)
		case <-kick:
			drain(t)
			t.Reset(d)
		}
	}
}

// The drain's result is discarded instead.
func discard(d time.Duration) {
	t := time.NewTimer(d)
	<-t.C
	_ = t.Stop()
}

// The drain is guarded by what the code knows about the timer: it is armed when a
// request is pending.
func guarded(d time.Duration, requests <-chan int, done <-chan int) {
	t := time.NewTimer(d)
	pending := 0
	for {
		select {
		case <-t.C:
			pending = 0
		case <-requests:
			pending++
			t.Reset(d)
		case <-done:
			if pending > 0 {
				if !t.Stop() {
					<-t.C
				}
			}
			pending--
		}
	}
}
