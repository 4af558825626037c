package gr002

import (
	"context"
	"sync"
	"testing"
)

// The function value and the arguments of a go statement are evaluated by the goroutine
// that runs the statement, before the new goroutine exists: a Fatal there runs on the test
// goroutine. Only the called function's body runs in the new one.

type conn struct{ id int }

func dial(t *testing.T, id int) *conn {
	if id < 0 {
		t.Fatalf("cannot dial %d", id)
	}
	return &conn{id: id}
}

func ping(ctx context.Context, c *conn, done chan<- int) {
	select {
	case <-ctx.Done():
	case done <- c.id:
	}
}

type prober struct{ t *testing.T }

func (p *prober) checker(id int) *prober {
	if id == 0 {
		p.t.Fatal("no id")
	}
	return p
}

func (p *prober) run(done chan<- int) { done <- 1 }

func TestDialBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int)
	go ping(ctx, dial(t, 3), done)
	p := &prober{t: t}
	go p.checker(4).run(done)
	<-done
	<-done
}

// Deferred calls evaluate their arguments when the defer statement runs, in the same
// goroutine: a Fatal in a deferred call's argument inside the test is fine too.
func TestDeferredArgument(t *testing.T) {
	done := make(chan int, 1)
	defer ping(context.Background(), dial(t, 5), done)
}

// The new goroutine's own body still counts, even when it is reached through a call made
// in the arguments of another goroutine's literal.
func TestDialInside(t *testing.T) {
	done := make(chan int)
	go func(c *conn) {
		ping(context.Background(), dial(t, c.id+1), done) // want "GR002: dial\(...\) is called in a goroutine and calls t.Fatalf"
	}(dial(t, 1))
	<-done
}

// go helper(t) where the helper itself fails the test: the helper's body runs in the new
// goroutine.
func TestHelperBody(t *testing.T) {
	go dial(t, -1) // want "GR002: dial\(...\) runs in a new goroutine and calls t.Fatalf"
}

// sync.WaitGroup.Go: the callback runs in a new goroutine; the function value given to Go
// is made by the caller.
func callback(t *testing.T, id int) func() {
	if id < 0 {
		t.Fatal("bad id")
	}
	return func() {}
}

func TestWaitGroupGo(t *testing.T) {
	var wg sync.WaitGroup
	wg.Go(func() {
		if testing.Short() {
			t.Skip("short") // want "GR002: t.Skip is called from a goroutine"
		}
		dial(t, 2) // want "GR002: dial\(...\) is called in a goroutine and calls t.Fatalf"
	})
	wg.Go(callback(t, 1))
	wg.Wait()
}
