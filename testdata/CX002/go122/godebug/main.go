// A main package of a go 1.22 module that asks for the new timers: an unstopped ticker is collected.
//go:debug asynctimerchan=0

package main

import "time"

func poll(ready func() bool) {
	t := time.NewTicker(time.Millisecond)
	for range t.C {
		if ready() {
			return
		}
	}
}

// Returning from main ends the process: the ticker cannot pile up.
func main() {
	t := time.NewTicker(time.Second)
	if len(t.C) > 0 {
		return
	}
	for i := 0; i < 3; i++ {
		poll(func() bool { return true }) // once per iteration: without the directive, a leak
	}
}
