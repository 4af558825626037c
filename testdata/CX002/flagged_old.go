package cx002

import (
	"context"
	"errors"
	"time"

	tm "time"
)

func earlyReturn(ctx context.Context, check func() bool) error {
	t := time.NewTicker(time.Second)
	for range 10 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if check() {
				t.Stop()
				return nil
			}
		}
	}
	t.Stop()
	return errors.New("gave up")
}

func neverStopped(done <-chan struct{}) {
	ticker := tm.NewTicker(tm.Millisecond)
	for {
		select {
		case <-done:
			return
		case <-ticker.C:
		}
	}
}

// The timer is stopped only when it fires: the ctx path keeps it until it fires.
func timerOnOneBranch(ctx context.Context) error {
	timer := time.NewTimer(time.Minute)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

func resetOnly(work <-chan int) int {
	var t = time.NewTimer(time.Second)
	n := 0
	for {
		select {
		case <-work:
			n++
			t.Reset(time.Second)
		case <-t.C:
			return n
		default:
			if n > 100 {
				return n
			}
		}
	}
}

// staticcheck SA1015's own examples: the loop can end, so the ticker leaks.
func tickBreak() {
	for range time.Tick(0) {
		println("")
		if true {
			break
		}
	}
}

func tickReturn() {
	for range time.Tick(0) {
		println("")
		if true {
			return
		}
	}
}

func tickSelect(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.Tick(time.Second):
		}
	}
}
