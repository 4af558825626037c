package ch001

import "time"

// How a loop over a channel nobody closes may still end: only a jump out of that loop counts.

// `continue loop` goes on with the same loop: it never leaves.
func skipQuiet(quiet time.Duration) {
	pings := make(chan int)
	go func() {
		for i := 0; i < 3; i++ {
			pings <- i
		}
	}()
loop:
	for p := range pings { // want "CH001: range over pings"
		select {
		case <-time.After(quiet):
			continue loop
		default:
		}
		_ = p
	}
}

// `break inner` leaves the inner loop only.
func retryEach() {
	jobs := make(chan int)
	go func() { jobs <- 1 }()
	for j := range jobs { // want "CH001: range over jobs"
	inner:
		for attempt := 0; attempt < 3; attempt++ {
			if j+attempt > 2 {
				break inner
			}
		}
	}
}

// The return belongs to the function literal, not to the loop.
func callbackReturns(run func(func() error)) {
	tasks := make(chan func() error)
	go func() { tasks <- func() error { return nil } }()
	for t := range tasks { // want "CH001"
		run(func() error {
			return t()
		})
	}
}

// `break loop` from inside a select leaves the range: it does not wait for a close.
func untilQuiet(quiet time.Duration) {
	pings := make(chan int)
	go func() {
		for i := 0; i < 3; i++ {
			pings <- i
		}
	}()
loop:
	for p := range pings {
		select {
		case <-time.After(quiet):
			break loop
		default:
		}
		_ = p
	}
}

// A labelled continue to a loop around the range leaves it too.
func perBatch(batches [][]int) {
outer:
	for _, b := range batches {
		items := make(chan int)
		go func() {
			for _, x := range b {
				items <- x
			}
		}()
		for it := range items {
			if it < 0 {
				continue outer
			}
		}
	}
}

// A literal called in place is no goroutine: init waits on the range forever.
func init() {
	ready := make(chan string)
	go func() { ready <- "config" }()
	func() {
		for r := range ready { // want "CH001: range over ready"
			_ = r
		}
	}()
}
