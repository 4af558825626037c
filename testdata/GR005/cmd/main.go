package main

import (
	"net"
	"time"
)

// main's goroutines live as long as the process.
func main() {
	go func() {
		for {
			time.Sleep(time.Second)
		}
	}()
	s := openStore()
	s.work <- 1
	go startStatus(":0")
	if l, err := net.Listen("tcp", ":0"); err == nil {
		serve(l)
	}
	handlers["tick"]()
	time.Sleep(time.Minute)
}
