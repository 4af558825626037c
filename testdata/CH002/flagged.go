package ch002

import (
	"context"
	"errors"
	"time"
)

func compute() int { return 42 }

func WithTimeout(d time.Duration) (int, error) {
	ch := make(chan int)
	go func() {
		ch <- compute() // want "CH002: send on unbuffered ch can block forever"
	}()
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(d):
		return 0, errors.New("timeout")
	}
}

func WithContext(ctx context.Context) (int, error) {
	res := make(chan int, 0)
	go func() {
		v := compute()
		if v < 0 {
			res <- -1 // want "CH002: send on unbuffered res"
			return
		}
		res <- v
	}()
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case v := <-res:
		return v, nil
	}
}

// An early return skips the receive.
func Early(check func() error) (int, error) {
	var done = make(chan int)
	go func() {
		done <- compute() // want "CH002: send on unbuffered done can block forever: the return on line 49"
	}()
	if err := check(); err != nil {
		return 0, err
	}
	return <-done, nil
}

// Another channel competes with the result.
func Either(quit chan struct{}) int {
	out := make(chan int)
	go func() {
		for i := 0; i < 3; i++ {
			out <- i // want "CH002"
		}
	}()
	select {
	case v := <-out:
		return v
	case <-quit:
		return -1
	}
}

// Two result channels, one goroutine: one finding.
func Both(d time.Duration, get func() (string, error)) (string, error) {
	errs := make(chan error)
	results := make(chan string)
	go func() {
		v, err := get()
		if err != nil {
			errs <- err // want "CH002: send on unbuffered errs"
			return
		}
		results <- v
	}()
	select {
	case err := <-errs:
		return "", err
	case v := <-results:
		return v, nil
	case <-time.After(d):
		return "", errors.New("timeout")
	}
}
