package go121

import (
	"context"
	"errors"

	"golang.org/x/sync/errgroup"
)

// errgroup.Group.Go runs its function in a new goroutine: before Go 1.22 a loop variable
// it captures is shared by every iteration.

func fetchAll(ctx context.Context, urls []string) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, u := range urls {
		g.Go(func() error {
			return fetch(ctx, u) // want "GR001: loop variable u captured by a goroutine closure"
		})
	}
	return g.Wait()
}

func fetchDeclared(urls []string) error {
	var g errgroup.Group
	for i := range urls {
		g.Go(func() error {
			return fetch(context.Background(), urls[i]) // want "GR001: loop variable i captured by a goroutine closure"
		})
	}
	return g.Wait()
}

// A copy per iteration, or the value handed over as an argument, is not shared.
func fetchCopied(ctx context.Context, urls []string) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, u := range urls {
		u := u
		g.Go(func() error {
			return fetch(ctx, u)
		})
	}
	return g.Wait()
}

func fetchBound(urls []string) error {
	var g errgroup.Group
	for _, u := range urls {
		g.Go(fetcher(u))
	}
	return g.Wait()
}

// A method called Go on another type does not start a goroutine.
type runner struct{ last string }

func (r *runner) Go(f func() error) { _ = f() }

func runInline(urls []string) error {
	r := &runner{}
	for _, u := range urls {
		r.Go(func() error {
			r.last = u
			return nil
		})
	}
	return nil
}

func fetcher(u string) func() error {
	return func() error { return fetch(context.Background(), u) }
}

func fetch(ctx context.Context, u string) error {
	if u == "" {
		return errors.New("empty")
	}
	return ctx.Err()
}
