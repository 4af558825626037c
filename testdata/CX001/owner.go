package cx001

import (
	"context"
	"time"
)

// begin keeps the cancel func only in the Tx it returns and starts a goroutine that
// waits on the context: a caller that drops the Tx leaks that goroutine.
type txn struct {
	ctx    context.Context
	cancel context.CancelFunc
	done   bool
}

func beginTxn(parent context.Context) *txn {
	ctx, cancel := context.WithCancel(parent)
	t := &txn{ctx: ctx, cancel: cancel}
	go t.awaitDone()
	return t
}

func (t *txn) awaitDone() {
	<-t.ctx.Done()
	t.done = true
}

func (t *txn) Rollback() { t.cancel() }

func dropsTxn(parent context.Context) {
	beginTxn(parent) // want "CX001: the txn returned by beginTxn is dropped"
}

func blanksTxn(parent context.Context) {
	_ = beginTxn(parent) // want "CX001: the txn returned by beginTxn is dropped"
}

func keepsTxn(parent context.Context) {
	t := beginTxn(parent)
	defer t.Rollback()
}

// The context handed to a goroutine literal, the cancel stored by assignment.
type lease struct {
	stop func()
}

func grant(parent context.Context, ttl time.Duration) *lease {
	ctx, cancel := context.WithTimeout(parent, ttl)
	l := &lease{}
	l.stop = cancel
	go func() {
		<-ctx.Done()
	}()
	return l
}

func (l *lease) revoke() { l.stop() }

func dropsLease(parent context.Context) {
	grant(parent, time.Minute) // want "CX001: the lease returned by grant is dropped"
}

// The context passed to the goroutine's function as a parameter.
type monitor struct {
	halt context.CancelFunc
}

func (m *monitor) watch(ctx context.Context) {
	<-ctx.Done()
}

func startMonitor(parent context.Context) *monitor {
	ctx, halt := context.WithCancel(parent)
	m := &monitor{halt: halt}
	go m.watch(ctx)
	return m
}

func (m *monitor) Stop() { m.halt() }

func dropsMonitor(parent context.Context) {
	startMonitor(parent) // want "CX001: the monitor returned by startMonitor is dropped"
}

// Not flagged: the goroutine also returns when the object is closed.
type stream struct {
	ctx    context.Context
	cancel context.CancelFunc
	closed chan struct{}
}

func openStream(parent context.Context) *stream {
	ctx, cancel := context.WithCancel(parent)
	s := &stream{ctx: ctx, cancel: cancel, closed: make(chan struct{})}
	go s.run()
	return s
}

func (s *stream) run() {
	select {
	case <-s.ctx.Done():
	case <-s.closed:
	}
}

func (s *stream) Close() { s.cancel() }

func dropsStream(parent context.Context) {
	openStream(parent)
}

// Not flagged: the object is also kept in a registry, which may cancel it.
type task struct {
	ctx    context.Context
	cancel context.CancelFunc
}

var tasks = map[string]*task{}

func spawn(parent context.Context, id string) *task {
	ctx, cancel := context.WithCancel(parent)
	t := &task{ctx: ctx, cancel: cancel}
	tasks[id] = t
	go func() { <-ctx.Done() }()
	return t
}

func cancelAll() {
	for _, t := range tasks {
		t.cancel()
	}
}

func dropsTask(parent context.Context) {
	spawn(parent, "x")
}

// Not flagged: no goroutine waits on the context.
type scope struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func newScope(parent context.Context) *scope {
	ctx, cancel := context.WithCancel(parent)
	return &scope{ctx: ctx, cancel: cancel}
}

func (s *scope) end() { s.cancel() }

func dropsScope(parent context.Context) {
	newScope(parent)
}
