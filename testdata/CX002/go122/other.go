package cx002

import "time"

// The ticker crosses into another file's function, which stops it.
func crossFile() {
	t := time.NewTicker(time.Second)
	stopLater(t)
}

func stopLater(t *time.Ticker) { t.Stop() }

// The timer passed on only on one path leaks on the other.
func partlyPassed(fast bool) {
	t := time.NewTimer(time.Second) // want "CX002"
	if fast {
		stopLater2(t)
	}
}

func stopLater2(t *time.Timer) { t.Stop() }

// Returns only on a path that never ticked: nothing is abandoned.
func tickUnlessDisabled(disabled bool, work func()) {
	if disabled {
		return
	}
	for range time.Tick(time.Second) {
		work()
	}
}

// Ticks, then can return: the ticker leaks.
func tickThenMaybeReturn(work func() bool) {
	for range time.Tick(time.Second) { // want "CX002: time.Tick"
		if work() {
			return
		}
	}
}
