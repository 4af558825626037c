package ch002

import (
	"context"
	"errors"
	"time"
)

func slow() string { return "x" }

// Buffered: the send always completes.
func Buffered(d time.Duration) (string, error) {
	ch := make(chan string, 1)
	go func() { ch <- slow() }()
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(d):
		return "", errors.New("timeout")
	}
}

// The sender gives up too.
func SenderSelects(ctx context.Context) (string, error) {
	ch := make(chan string)
	go func() {
		select {
		case ch <- slow():
		case <-ctx.Done():
		}
	}()
	select {
	case v := <-ch:
		return v, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Every path receives.
func Always() string {
	ch := make(chan string)
	go func() { ch <- slow() }()
	return <-ch
}

// The other case loops back to the receive.
func Patient(tick <-chan time.Time) string {
	ch := make(chan string)
	go func() { ch <- slow() }()
	for {
		select {
		case v := <-ch:
			return v
		case <-tick:
		}
	}
}

// Ranged over: ends when the sender closes.
func Ranged() int {
	ch := make(chan int)
	go func() {
		defer close(ch)
		for i := 0; i < 3; i++ {
			ch <- i
		}
	}()
	n := 0
	for v := range ch {
		n += v
	}
	return n
}

// Passed to another function: its receivers are not visible here.
func consume(ch chan string) { <-ch }

func Passed() {
	ch := make(chan string)
	go func() { ch <- slow() }()
	consume(ch)
}

// Returned to the caller.
func Returned() <-chan string {
	ch := make(chan string)
	go func() { ch <- slow() }()
	return ch
}

// Received in a loop: a count of results.
func Gather(n int) (int, error) {
	ch := make(chan int)
	for i := 0; i < n; i++ {
		go func() { ch <- i }()
	}
	total := 0
	for i := 0; i < n; i++ {
		total += <-ch
	}
	return total, nil
}

// A panic path does not count.
func Panics(ok bool) string {
	ch := make(chan string)
	go func() { ch <- slow() }()
	if !ok {
		panic("bad")
	}
	return <-ch
}

// Received by another goroutine.
func Relay(out chan<- string) {
	ch := make(chan string)
	go func() { ch <- slow() }()
	go func() { out <- <-ch }()
}
