package gr005

import (
	"context"
	"sync"
	"time"
)

type Server struct {
	events chan string
	seen   map[string]int
	mu     sync.Mutex
}

func startLogger(lines <-chan string, out func(string)) {
	go func() { // want "GR005: goroutine runs an endless for loop .* leaks when startLogger returns"
		for {
			line := <-lines
			out(line)
		}
	}()
}

// A plain break in a select leaves the select, not the loop.
func breakInSelect(ch <-chan int, tick <-chan time.Time) {
	go func() { // want "GR005"
		for {
			select {
			case v := <-ch:
				if v < 0 {
					break
				}
			case <-tick:
			}
		}
	}()
}

// A plain break in a switch leaves the switch.
func breakInSwitch(ch <-chan int) {
	go func() { // want "GR005"
		n := 0
		for {
			switch v := <-ch; {
			case v == 0:
				break
			default:
				n += v
			}
		}
	}()
}

func (s *Server) loop() {
	for {
		e := <-s.events
		s.mu.Lock()
		s.seen[e]++
		s.mu.Unlock()
	}
}

func NewServer() *Server {
	s := &Server{events: make(chan string), seen: map[string]int{}}
	go s.loop() // want "GR005: goroutine s.loop runs an endless for loop .* leaks when NewServer returns"
	return s
}

// A context that is never consulted does not help.
func ignoresContext(ctx context.Context, work func()) {
	go func() { // want "GR005"
		for {
			work()
			time.Sleep(time.Second)
		}
	}()
}
