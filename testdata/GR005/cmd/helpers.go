package main

import (
	"net"
	"time"
)

// Helpers of package main that only main reaches, once: their goroutines live as long as
// the process, like main's own.

type store struct{ work chan int }

func openStore() *store {
	s := &store{work: make(chan int)}
	go s.drain()
	return s
}

func (s *store) drain() {
	for {
		<-s.work
	}
}

func startStatus(addr string) {
	go reportRates(addr)
}

func reportRates(addr string) {
	go func() {
		for {
			time.Sleep(time.Second)
			_ = addr
		}
	}()
}

// A helper called for every accepted connection starts a goroutine per connection: those
// pile up.
func handle(c net.Conn) {
	go func() { // want "GR005: goroutine runs an endless for loop .* leaks when handle returns"
		buf := make([]byte, 1)
		for {
			_, _ = c.Read(buf)
		}
	}()
}

// A helper also used as a value may be called any number of times.
var handlers = map[string]func(){"tick": ticker}

func ticker() {
	go func() { // want "GR005: .* leaks when ticker returns"
		for {
			time.Sleep(time.Second)
		}
	}()
}

func serve(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		handle(c)
	}
}
