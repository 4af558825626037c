package ch007

import (
	"context"
	"errors"
)

// A status request after Stop: the run loop has returned, nothing receives any more.
type tracker struct {
	queries chan chan int
	quit    chan struct{}
	count   int
}

func newTracker() *tracker {
	return &tracker{queries: make(chan chan int), quit: make(chan struct{})}
}

func (t *tracker) loop() {
	for {
		select {
		case reply := <-t.queries:
			reply <- t.count
		case <-t.quit:
			return
		}
	}
}

func (t *tracker) Count() int {
	reply := make(chan int, 1)
	t.queries <- reply // want "CH007: send on unbuffered tracker.queries can block forever: every receive of tracker.queries is in a loop that can end"
	return <-reply
}

func (t *tracker) Stop() { close(t.quit) }

// Workers report to a collector that gives up when its context ends.
type collector struct {
	results chan error
}

func (c *collector) collect(ctx context.Context) int {
	failed := 0
	for {
		select {
		case err := <-c.results:
			if err != nil {
				failed++
			}
		case <-ctx.Done():
			return failed
		}
	}
}

func (c *collector) work(job func() error) {
	c.results <- job() // want "CH007: send on unbuffered collector.results"
}

func startCollector(ctx context.Context, jobs []func() error) *collector {
	c := &collector{results: make(chan error)}
	for _, job := range jobs {
		go c.work(job)
	}
	go c.collect(ctx)
	return c
}

// A package-level channel drained by a loop that stops on the first error.
var events = make(chan string)

func drain(handle func(string) error) error {
	for {
		e := <-events
		if err := handle(e); err != nil {
			return err
		}
	}
}

func publish(e string) {
	events <- e // want "CH007: send on unbuffered events"
}

// The loop is in a function the channel is handed to; a one-case select still waits.
type relay struct {
	in   chan []byte
	done chan struct{}
}

func newRelay() *relay {
	return &relay{in: make(chan []byte), done: make(chan struct{})}
}

func pump(in chan []byte, done chan struct{}, out func([]byte)) {
	for {
		select {
		case b := <-in:
			out(b)
		case <-done:
			return
		}
	}
}

func (r *relay) start(out func([]byte)) { go pump(r.in, r.done, out) }

func (r *relay) write(b []byte) error {
	if len(b) == 0 {
		return errors.New("empty")
	}
	select {
	case r.in <- b: // want "CH007: send on unbuffered relay.in"
	}
	return nil
}

func (r *relay) close() { close(r.done) }
