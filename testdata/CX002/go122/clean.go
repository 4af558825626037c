package cx002

import (
	"context"
	"os"
	"time"
)

func deferred(ctx context.Context) error {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func returned() *time.Ticker {
	t := time.NewTicker(time.Second)
	return t
}

func returnedDirectly() *time.Timer {
	return time.NewTimer(time.Second)
}

type poller struct {
	ticker *time.Ticker
	timers map[string]*time.Timer
}

func (p *poller) start() {
	p.ticker = time.NewTicker(time.Second)
	t := time.NewTimer(time.Second)
	p.timers["x"] = t
}

func handedToGoroutine() {
	t := time.NewTicker(time.Second)
	go func() {
		defer t.Stop()
		for range t.C {
		}
	}()
}

func passedOn(keep func(*time.Ticker)) {
	t := time.NewTicker(time.Second)
	keep(t)
}

// A timer whose only exit is after it fired holds nothing.
func timerFired() {
	t := time.NewTimer(time.Second)
	<-t.C
}

func stoppedEverywhere(fast bool) {
	t := time.NewTimer(time.Second)
	if fast {
		t.Stop()
		return
	}
	t.Stop()
}

// Paths that end the process do not count.
func exits() {
	t := time.NewTicker(time.Second)
	if len(os.Args) > 5 {
		os.Exit(2)
	}
	t.Stop()
}

var global *time.Ticker

func stored() {
	global = time.NewTicker(time.Second)
}

// staticcheck SA1015 examples that are not leaks: endless functions.
func tickForever() {
	for range time.Tick(0) {
		println("")
	}
}

func tickGoroutine() {
	go func() {
		for range time.Tick(0) {
			println("")
		}
	}()
}

type T struct{}

func (t *T) foo() {
	for range time.Tick(0) {
		println("")
	}
}

// A ticker made in a loop that never ends lives as long as the loop.
func endlessLoop(work func()) {
	t := time.NewTicker(time.Second)
	for range t.C {
		work()
	}
}
