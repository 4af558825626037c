package cx001

import (
	"context"
	"time"
)

// dial makes a connection object, starts its maintenance goroutine and then returns
// something else: nothing can ever reach conn.cancel again.
type clientConn struct {
	ctx    context.Context
	cancel context.CancelFunc
	subs   []*subConn
}

type subConn struct {
	parent *clientConn
	ctx    context.Context
	stop   context.CancelFunc
}

func (cc *clientConn) Close() {
	cc.cancel()
	for _, sc := range cc.subs {
		sc.stop()
	}
}

func (cc *clientConn) resetSubConn() {
	sc := &subConn{parent: cc}
	cc.subs = append(cc.subs, sc)
	sc.ctx, sc.stop = context.WithCancel(cc.ctx)
	sc.keepAlive()
}

func (sc *subConn) keepAlive() {
	for {
		select {
		case <-time.After(time.Second):
		case <-sc.ctx.Done():
			return
		}
	}
}

func dial(ctx context.Context) (conn *clientConn, err error) {
	cc := &clientConn{}
	cc.ctx, cc.cancel = context.WithCancel(context.Background()) // want "CX001: the cancel func stored in cc.cancel is never called: cc does not leave this function"
	defer func() {
		if err != nil && conn != nil {
			conn.Close()
		}
	}()
	go func() {
		cc.resetSubConn()
	}()
	return conn, ctx.Err()
}

// Not flagged: the object is returned, so its owner can Close it.
func dialReturned(ctx context.Context) *clientConn {
	cc := &clientConn{}
	cc.ctx, cc.cancel = context.WithCancel(ctx)
	go cc.resetSubConn()
	return cc
}

// Not flagged: a method run on it closes it.
type liveSession struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func (s *liveSession) serve() {
	defer s.cancel()
	<-s.ctx.Done()
}

func startLiveSession(parent context.Context) {
	s := &liveSession{}
	s.ctx, s.cancel = context.WithCancel(parent)
	go s.serve()
}

// Not flagged: the object is registered where others can reach it.
var namedSessions = map[string]*liveSession{}

func startNamed(parent context.Context, name string) {
	s := &liveSession{}
	s.ctx, s.cancel = context.WithTimeout(parent, time.Minute)
	namedSessions[name] = s
	go func() { <-s.ctx.Done() }()
}

// Not flagged: its Close is handed on as a method value, and Close calls the cancel func.
type pump struct {
	ctx    context.Context
	cancel context.CancelFunc
	ticks  int
}

func (p *pump) Close() { p.cancel() }

func (p *pump) run() {
	for {
		select {
		case <-time.After(time.Second):
			p.ticks++
		case <-p.ctx.Done():
			return
		}
	}
}

func startPump(parent context.Context, closers *[]func()) {
	p := &pump{}
	p.ctx, p.cancel = context.WithCancel(parent)
	*closers = append(*closers, p.Close)
	go p.run()
}

// Flagged: the fields it touches are not the cancel func, and nothing else can reach it.
func startPumpLost(parent context.Context) {
	p := &pump{}
	p.ctx, p.cancel = context.WithCancel(parent) // want "CX001: the cancel func stored in p.cancel is never called"
	p.ticks = 1
	go p.run()
}
