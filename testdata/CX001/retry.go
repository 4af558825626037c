package cx001

import (
	"context"
	"errors"
	"time"
)

func attempt(ctx context.Context) error { return errors.New("busy") }

// Each retry overwrites the previous cancel func before calling it.
func retryOverwrites(parent context.Context) error {
	var cancel context.CancelFunc
	var err error
	for i := 0; i < 3; i++ {
		var ctx context.Context
		ctx, cancel = context.WithTimeout(parent, time.Second) // want "CX001: the cancel func cancel returned by context.WithTimeout is overwritten by the next iteration"
		if err = attempt(ctx); err == nil {
			break
		}
	}
	cancel()
	return err
}

// Declared in the loop: a retry that continues before calling it loses it (and the loop
// can end on that path).
func retryContinues(parent context.Context, tries int) error {
	var last error
	for i := 0; i < tries; i++ {
		ctx, cancel := context.WithTimeout(parent, time.Second) // want "CX001: the cancel func cancel returned by context.WithTimeout is not called on all paths"
		if err := attempt(ctx); err != nil {
			last = err
			continue
		}
		cancel()
		return nil
	}
	return last
}

// `_ = cancel` only silences the compiler.
func silenced(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent) // want "CX001: the cancel func cancel returned by context.WithCancel is not called on all paths"
	_ = cancel
	return attempt(ctx)
}

// Not flagged: each attempt cancels its own context before the next.
func retryCancelsEach(parent context.Context) error {
	var err error
	for i := 0; i < 3; i++ {
		ctx, cancel := context.WithTimeout(parent, time.Second)
		err = attempt(ctx)
		cancel()
		if err == nil {
			return nil
		}
	}
	return err
}

// Not flagged: the previous cancel func is called before it is replaced.
func retryCancelsPrevious(parent context.Context) error {
	cancel := func() {}
	var err error
	for i := 0; i < 3; i++ {
		cancel()
		var ctx context.Context
		ctx, cancel = context.WithTimeout(parent, time.Second)
		if err = attempt(ctx); err == nil {
			break
		}
	}
	cancel()
	return err
}

// Not flagged: silenced, but deferred too.
func silencedAndDeferred(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent)
	_ = cancel
	defer cancel()
	return attempt(ctx)
}

// Declared in the loop, retried until it succeeds: each failed pass loses one.
func retryForever(parent context.Context) {
	for {
		ctx, cancel := context.WithTimeout(parent, time.Second) // want "CX001: .*overwritten by the next iteration"
		if attempt(ctx) != nil {
			continue
		}
		cancel()
		return
	}
}

// Not flagged: a pass loops only after its context has ended.
func retryUntilReply(parent context.Context, replies chan int) int {
	for {
		ctx, cancel := context.WithTimeout(parent, time.Second)
		_ = attempt(ctx)
		select {
		case <-ctx.Done():
		case v := <-replies:
			cancel()
			return v
		}
	}
}

// Not flagged: made again only once the previous one was stopped (state the loop tracks).
func repl(parent context.Context, cmds <-chan string) {
	var cur context.Context
	var stop context.CancelFunc
	for cmd := range cmds {
		switch cmd {
		case "start":
			if cur != nil {
				continue
			}
			cur, stop = context.WithCancel(parent)
		case "stop":
			if cur == nil {
				continue
			}
			stop()
			cur = nil
		}
	}
	if stop != nil {
		stop()
	}
}
