package main

import "time"

// time.Tick in main is fine.
func main() {
	t := time.NewTicker(time.Second)
	if len(t.C) > 0 {
		return
	}
	for range time.Tick(time.Second) {
		if time.Now().Unix() > 0 {
			break
		}
	}
	for i := 0; i < 3; i++ {
		helper() // once per iteration: each call leaks a ticker
	}
	startOnce()
	watch(false)
}

func helper() {
	for now := range time.Tick(time.Second) { // want "CX002: time.Tick"
		if now.Unix() > 0 {
			return
		}
	}
}


// Called once, from main: its ticker lives as long as the process, as intended.
func startOnce() {
	t := time.NewTicker(time.Minute)
	go func() {
		for range t.C {
			println("tick")
		}
	}()
	for range time.Tick(time.Hour) {
		if time.Now().IsZero() {
			return
		}
	}
}

// Returns only before it ticks; once it ticks it never returns, so its ticker is never
// abandoned.
func watch(disabled bool) {
	go func() {
		if disabled {
			return
		}
		for range time.Tick(time.Second) {
			println("tick")
		}
	}()
}
