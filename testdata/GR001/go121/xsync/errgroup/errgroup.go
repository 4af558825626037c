// Package errgroup is a stand-in with the API shape of golang.org/x/sync/errgroup, so that
// the testdata builds without a module download. It is written for these tests only.
package errgroup

import (
	"context"
	"sync"
)

// Group runs functions in goroutines and keeps the first error.
type Group struct {
	wg   sync.WaitGroup
	mu   sync.Mutex
	err  error
	stop context.CancelFunc
}

// WithContext returns a Group and a context cancelled when a function fails.
func WithContext(ctx context.Context) (*Group, context.Context) {
	inner, cancel := context.WithCancel(ctx)
	return &Group{stop: cancel}, inner
}

// Go runs f in a new goroutine.
func (g *Group) Go(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			g.mu.Lock()
			if g.err == nil {
				g.err = err
				if g.stop != nil {
					g.stop()
				}
			}
			g.mu.Unlock()
		}
	}()
}

// Wait waits for every function and returns the first error.
func (g *Group) Wait() error {
	g.wg.Wait()
	if g.stop != nil {
		g.stop()
	}
	return g.err
}
