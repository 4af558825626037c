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
	helper()
}

func helper() {
	for now := range time.Tick(time.Second) { // want "CX002: time.Tick"
		if now.Unix() > 0 {
			return
		}
	}
}

