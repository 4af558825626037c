package cx001

import (
	"context"
	"sync"
)

// The cancel func is kept in a field that nothing ever reads.
type rows struct {
	cancel context.CancelFunc
	done   bool
}

func (r *rows) start(parent context.Context) {
	var ctx context.Context
	ctx, r.cancel = context.WithCancel(parent) // want "CX001: the cancel func returned by context.WithCancel is stored in rows.cancel, which nothing in the package reads"
	go r.await(ctx)
}

func (r *rows) await(ctx context.Context) {
	<-ctx.Done()
	r.done = true
}

func (r *rows) close() {
	r.done = true // forgot r.cancel()
}

// Stored through a keyed literal.
type tx struct {
	ctx  context.Context
	stop context.CancelFunc
}

func begin(parent context.Context) *tx {
	ctx, cancel := context.WithCancel(parent) // want "CX001: .*stored in tx.stop, which nothing"
	go func() {
		<-ctx.Done()
	}()
	return &tx{ctx: ctx, stop: cancel}
}

// Stored by assignment from a local.
type poller struct {
	mu      sync.Mutex
	release func()
}

func (p *poller) run(parent context.Context) context.Context {
	ctx, cancel := context.WithCancel(parent) // want "CX001: .*poller.release"
	p.mu.Lock()
	p.release = cancel
	p.mu.Unlock()
	go p.loop(ctx)
	return ctx
}

func (p *poller) loop(ctx context.Context) {
	<-ctx.Done()
}

// Not flagged: stored in a field nothing reads, but nothing waits on the context.
type fixture struct {
	ctx    context.Context
	unused context.CancelFunc
}

func newFixture() *fixture {
	ctx, cancel := context.WithCancel(context.Background())
	return &fixture{ctx: ctx, unused: cancel}
}

// Stored in a field that is read, but an early return leaks it before the store.
type proxy struct {
	stopProxy context.CancelFunc
}

var proxies = map[string]*proxy{}

func startProxy(parent context.Context, name string) context.Context {
	ctx, cancel := context.WithCancel(parent) // want "CX001: the cancel func cancel returned by context.WithCancel is not called on all paths"
	if _, ok := proxies[name]; ok {
		return nil
	}
	proxies[name] = &proxy{stopProxy: cancel}
	return ctx
}

func stopProxy(name string) { proxies[name].stopProxy() }
