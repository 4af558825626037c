package cx001

import (
	"context"
	"time"
)

// The session is built and started here but never handed to anyone: Close, the only
// code that calls its cancel func, can never run on it.
type session struct {
	ctx     context.Context
	cancel  context.CancelFunc
	workers []*worker
}

type worker struct {
	owner *session
	ctx   context.Context
}

func (s *session) Close() {
	s.cancel()
}

func (s *session) spawn() {
	w := &worker{owner: s}
	s.workers = append(s.workers, w)
	w.ctx = s.ctx
	w.poll()
}

func (w *worker) poll() {
	for {
		select {
		case <-time.After(time.Millisecond):
		case <-w.ctx.Done():
			return
		}
	}
}

func openSession(parent context.Context) (result *session) {
	s := &session{}
	s.ctx, s.cancel = context.WithCancel(parent) // want "CX001: the cancel func stored in s.cancel is never called: s does not leave this function"
	go func() {
		s.spawn()
	}()
	return result
}

// Not flagged: the session is returned, so its caller can Close it.
func openReturned(parent context.Context) *session {
	s := &session{}
	s.ctx, s.cancel = context.WithCancel(parent)
	go s.spawn()
	return s
}

// Not flagged: a method called on it closes it.
func (s *session) serveOnce() {
	s.spawn()
	s.Close()
}

func openServed(parent context.Context) {
	s := &session{}
	s.ctx, s.cancel = context.WithCancel(parent)
	go s.serveOnce()
}

// Not flagged: the object is handed to another function, which may keep it.
var sessions []*session

func register(s *session) { sessions = append(sessions, s) }

func openRegistered(parent context.Context) {
	s := &session{}
	s.ctx, s.cancel = context.WithCancel(parent)
	register(s)
	go s.spawn()
}

// Not flagged: nothing runs on the object in a goroutine.
func openIdle(parent context.Context) {
	s := &session{}
	s.ctx, s.cancel = context.WithCancel(parent)
	s.spawn()
}

// Not flagged: the cancel func is read in this function.
func openDeferred(parent context.Context) {
	s := &session{}
	s.ctx, s.cancel = context.WithCancel(parent)
	defer s.cancel()
	go s.spawn()
	time.Sleep(time.Millisecond)
}
