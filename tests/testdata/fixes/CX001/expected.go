package demo

import (
	"context"
	"errors"
	"time"
)

func fetch(parent context.Context, id string, get func(context.Context, string) error) error {
	ctx, cancel := context.WithTimeout(parent, 2*time.Second)
	defer cancel()
	if id == "" {
		return errors.New("empty id")
	}
	err := get(ctx, id)
	cancel()
	return err
}

func watch(parent context.Context, events <-chan string, log func(string)) {
	ctx, stop := context.WithCancel(parent)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-events:
			if e == "quit" {
				stop()
				return
			}
			log(e)
		}
	}
}

// alreadyRight must be left alone.
func alreadyRight(parent context.Context, get func(context.Context, string) error) error {
	ctx, cancel := context.WithTimeout(parent, time.Second)
	defer cancel()
	return get(ctx, "x")
}
