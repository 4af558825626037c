package main

import "time"

// main's goroutines live as long as the process.
func main() {
	go func() {
		for {
			time.Sleep(time.Second)
		}
	}()
	time.Sleep(time.Minute)
}
