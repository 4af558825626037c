package cx001

import (
	"context"
	"errors"
	ctxpkg "context"
	"os"
	"os/signal"
	"time"
)

func earlyReturn(parent context.Context, id string) error {
	ctx, cancel := context.WithTimeout(parent, time.Second) // want "CX001: the cancel func cancel returned by context.WithTimeout is not called on all paths"
	if id == "" {
		return errors.New("empty id")
	}
	defer cancel()
	return ctx.Err()
}

func discarded(parent context.Context) context.Context {
	ctx, _ := context.WithCancel(parent) // want "CX001: the cancel func returned by context.WithCancel is discarded"
	return ctx
}

func neverCalled(parent context.Context) error {
	ctx, cancel := context.WithDeadline(parent, time.Now().Add(time.Minute)) // want "CX001"
	_ = ctx
	if ctx.Err() != nil {
		cancel()
	}
	return nil
}

func renamedImport(parent ctxpkg.Context) {
	ctx, stop := ctxpkg.WithCancel(parent) // want "CX001: .*stop"
	<-ctx.Done()
	if ctx.Err() == nil {
		stop()
	}
}

func notifyStop() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt) // want "CX001: the stop func stop"
	select {
	case <-ctx.Done():
		return
	case <-time.After(time.Second):
	}
	stop()
}

func onlyOneBranch(parent context.Context, fast bool) {
	ctx, cancel := context.WithCancelCause(parent) // want "CX001"
	if fast {
		cancel(nil)
		return
	}
	<-ctx.Done()
}

func inClosure(parent context.Context) func() {
	return func() {
		ctx, cancel := context.WithCancel(parent) // want "CX001"
		for ctx.Err() == nil {
			if time.Now().IsZero() {
				return
			}
			cancel()
		}
	}
}

func varForm(parent context.Context) {
	var ctx, cancel = context.WithTimeout(parent, time.Second) // want "CX001"
	if ctx == nil {
		return
	}
	cancel()
}
