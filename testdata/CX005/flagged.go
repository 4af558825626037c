package cx005

import (
	"log"
	"time"
)

func debounce(events <-chan struct{}, quit <-chan struct{}, fire func()) {
	t := time.NewTimer(time.Second)
	for {
		select {
		case <-t.C:
			fire()
		case <-events:
			if !t.Stop() {
				<-t.C // want "CX005: receive from t.C can block forever: the receive on line 12 can take the tick first"
			}
			t.Reset(time.Second)
		case <-quit:
			return
		}
	}
}

// The timer is a field, the loop runs in a goroutine.
type strategy struct {
	timer  *time.Timer
	resets chan struct{}
	period time.Duration
}

func (s *strategy) loop(done <-chan struct{}) {
	for {
		select {
		case <-s.timer.C:
			log.Println("tick")
		case <-s.resets:
			if !s.timer.Stop() {
				<-s.timer.C // want "CX005: receive from s.timer.C can block forever"
			}
			s.timer.Reset(s.period)
		case <-done:
			s.timer.Stop()
			return
		}
	}
}

// The tick was taken by a plain receive earlier in the function.
func waitThenStop(d time.Duration) {
	t := time.NewTimer(d)
	<-t.C
	if !t.Stop() {
		<-t.C // want "CX005"
	}
}

// Parentheses change nothing.
func parenthesised(d time.Duration, kick <-chan int) {
	t := time.NewTimer(d)
	for {
		select {
		case <-t.C:
		case <-kick:
			if !(t.Stop()) {
				<-t.C // want "CX005"
			}
			t.Reset(d)
		}
	}
}

// The tick case resets only on one branch.
func sometimesReset(d time.Duration, kick <-chan bool, fire func() bool) {
	t := time.NewTimer(d)
	for {
		select {
		case <-t.C:
			if fire() {
				t.Reset(d)
			}
		case <-kick:
			if !t.Stop() {
				<-t.C // want "CX005"
			}
			t.Reset(d)
		}
	}
}

// Statements before the drain.
func logged(d time.Duration, kick <-chan bool) {
	t := time.NewTimer(d)
	for {
		select {
		case <-t.C:
			log.Println("expired")
		case <-kick:
			if !t.Stop() {
				log.Println("draining")
				<-t.C // want "CX005"
			}
			t.Reset(d)
		}
	}
}

// The tick is received with its value.
func withValue(d time.Duration, kick <-chan bool) {
	t := time.NewTimer(d)
	for {
		select {
		case now := <-t.C:
			log.Println(now)
		case <-kick:
			if !t.Stop() {
				<-t.C // want "CX005"
			}
			t.Reset(d)
		}
	}
}

// A loop that consumes ticks, then a drain after it.
func afterLoop(d time.Duration, n int) {
	t := time.NewTimer(d)
	for i := 0; i < n; i++ {
		<-t.C
		log.Println(i)
	}
	if !t.Stop() {
		<-t.C // want "CX005"
	}
}

// A labelled loop with a break.
func labelled(d time.Duration, kick, quit <-chan bool) {
	t := time.NewTimer(d)
loop:
	for {
		select {
		case <-t.C:
			log.Println("tick")
		case <-kick:
			if !t.Stop() {
				<-t.C // want "CX005"
			}
			t.Reset(d)
		case <-quit:
			break loop
		}
	}
}

// A timer declared with var.
func declared(d time.Duration, kick <-chan bool) {
	var t *time.Timer = time.NewTimer(d)
	for {
		select {
		case <-t.C:
		case <-kick:
			if !t.Stop() {
				<-t.C // want "CX005"
			}
			t.Reset(d)
		}
	}
}

// A timer value held in a struct field (not a pointer).
type waiter struct {
	t time.Timer
}

func (w *waiter) wait(kick <-chan bool, d time.Duration) {
	for {
		select {
		case <-w.t.C:
		case <-kick:
			if !w.t.Stop() {
				<-w.t.C // want "CX005"
			}
			w.t.Reset(d)
		}
	}
}
