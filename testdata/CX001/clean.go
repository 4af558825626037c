package cx001

import (
	"context"
	"log"
	"os"
	"testing"
	"time"
)

func deferred(parent context.Context) error {
	ctx, cancel := context.WithTimeout(parent, time.Second)
	defer cancel()
	return ctx.Err()
}

func returned(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	return ctx, cancel
}

func returnedDirectly(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithCancel(parent)
}

type Server struct {
	cancel context.CancelFunc
	stops  []context.CancelFunc
	byName map[string]context.CancelFunc
}

func (s *Server) Start(parent context.Context) context.Context {
	ctx, cancel := context.WithCancel(parent)
	s.cancel = cancel
	return ctx
}

// Stop is what makes the stored cancel funcs callable.
func (s *Server) Stop() { s.cancel() }

func (s *Server) StartDirect(parent context.Context) context.Context {
	var ctx context.Context
	ctx, s.cancel = context.WithCancel(parent)
	return ctx
}

func (s *Server) Many(parent context.Context, name string) {
	ctx, cancel := context.WithCancel(parent)
	s.stops = append(s.stops, cancel)
	ctx2, cancel2 := context.WithCancel(ctx)
	s.byName[name] = cancel2
	_ = ctx2
}

var globalCancel context.CancelFunc

func storedGlobally(parent context.Context) context.Context {
	ctx, cancel := context.WithCancel(parent)
	globalCancel = cancel
	return ctx
}

func handedToCleanup(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx
}

func handedToAfterFunc(parent, other context.Context) {
	ctx, cancel := context.WithCancel(parent)
	stop := context.AfterFunc(other, cancel)
	defer stop()
	<-ctx.Done()
}

func handedToGoroutine(parent context.Context) context.Context {
	ctx, cancel := context.WithTimeout(parent, time.Second)
	go func() {
		defer cancel()
		<-ctx.Done()
	}()
	return ctx
}

func calledOnAllPaths(parent context.Context, fast bool) {
	ctx, cancel := context.WithCancel(parent)
	if fast {
		cancel()
		return
	}
	<-ctx.Done()
	cancel()
}

func processExits(parent context.Context, bad bool) {
	ctx, cancel := context.WithCancel(parent)
	if bad {
		log.Fatal("bad input")
	}
	if ctx.Err() != nil {
		os.Exit(1)
	}
	cancel()
}

func deferredClosure(parent context.Context) {
	ctx, cancel := context.WithCancel(parent)
	defer func() {
		cancel()
	}()
	<-ctx.Done()
}

func reassigned(parent context.Context) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, time.Second)
	defer cancel()
	<-ctx.Done()
}

// A type with a method named WithCancel is not the context package.
type fake struct{}

func (fake) WithCancel(ctx context.Context) (context.Context, func()) { return ctx, func() {} }

func notContext(parent context.Context) {
	var context fake
	ctx, cancel := context.WithCancel(parent)
	_ = ctx
	_ = cancel
}

func loopWithCancel(parent context.Context, items []string) {
	for range items {
		ctx, cancel := context.WithTimeout(parent, time.Second)
		<-ctx.Done()
		cancel()
	}
}

// A stored cancel that a method calls.
type conn struct {
	cancel context.CancelFunc
}

func (c *conn) open(parent context.Context) context.Context {
	var ctx context.Context
	ctx, c.cancel = context.WithCancel(parent)
	return ctx
}

func (c *conn) Close() { c.cancel() }

// An exported field: other packages may call it.
type Handle struct {
	Cancel context.CancelFunc
}

func newHandle(parent context.Context) (*Handle, context.Context) {
	ctx, cancel := context.WithCancel(parent)
	return &Handle{Cancel: cancel}, ctx
}

// Read in a nil check and called through a local.
type job struct {
	stop context.CancelFunc
}

func (j *job) begin(parent context.Context) context.Context {
	ctx, stop := context.WithCancel(parent)
	j.stop = stop
	return ctx
}

func (j *job) end() {
	if s := j.stop; s != nil {
		s()
	}
}

// Stored in a field and in a map: the map's owner may call it.
type registry struct {
	last    context.CancelFunc
	cancels map[string]context.CancelFunc
}

func (r *registry) add(parent context.Context, id string) context.Context {
	ctx, cancel := context.WithCancel(parent)
	r.last = cancel
	r.cancels[id] = cancel
	return ctx
}
