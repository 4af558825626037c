package corpus

import (
	"context"
	"time"
)

func fetch(ctx context.Context, get func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return get(ctx)
}

func forgotten(parent context.Context) context.Context {
	ctx, _ := context.WithCancel(parent)
	return ctx
}

func poll(ctx context.Context, tick <-chan time.Time, work func()) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			work()
		}
	}
}
