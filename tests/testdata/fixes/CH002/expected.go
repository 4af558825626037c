package demo

import (
	"context"
	"errors"
	"time"
)

// fetchWithTimeout gives up after a second; the sender then blocks forever.
func fetchWithTimeout(url string, get func(string) ([]byte, error)) ([]byte, error) {
	done := make(chan []byte, 1)
	go func() {
		body, err := get(url)
		if err != nil {
			body = nil
		}
		done <- body
	}()
	select {
	case body := <-done:
		return body, nil
	case <-time.After(time.Second):
		return nil, errors.New("timed out")
	}
}

type result struct {
	n   int
	err error
}

// countWithContext stops waiting when ctx is done.
func countWithContext(ctx context.Context, count func() (int, error)) (int, error) {
	results := make(chan result, 1)
	go func() {
		n, err := count()
		results <- result{n, err}
	}()
	select {
	case r := <-results:
		return r.n, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// loadIfValid returns before the receive when the key is invalid.
func loadIfValid(key string, load func(string) error) error {
	errc := make(chan error, 1)
	go func() {
		errc <- load(key)
	}()
	if key == "" {
		return errors.New("empty key")
	}
	return <-errc
}

// alreadyRight must be left alone.
func alreadyRight(ctx context.Context, count func() int) (int, error) {
	results := make(chan int, 1)
	go func() {
		results <- count()
	}()
	select {
	case n := <-results:
		return n, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
