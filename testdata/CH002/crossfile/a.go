package crossfile

import (
	"context"
	"errors"
)

func Query(ctx context.Context, q string) (Result, error) {
	ch := make(chan Result)
	go func() {
		ch <- run(q) // want "CH002"
	}()
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		return Result{}, errors.New("cancelled")
	}
}
