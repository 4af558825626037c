package ch009

import "sync"

// Close is called from outside the loop: it waits for another goroutine.
type engine struct {
	jobs    chan func()
	quit    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

func newEngine() *engine {
	return &engine{jobs: make(chan func()), quit: make(chan struct{}), stopped: make(chan struct{})}
}

func (e *engine) loop() {
	defer close(e.stopped)
	for {
		select {
		case job := <-e.jobs:
			job()
		case <-e.quit:
			return
		}
	}
}

func (e *engine) Close() {
	e.once.Do(func() {
		close(e.quit)
		<-e.stopped
	})
}

// The loop's callback closes on its own goroutine: the wait is not the loop's.
type session struct {
	msgs    chan string
	quit    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

func newSession() *session {
	return &session{msgs: make(chan string), quit: make(chan struct{}), stopped: make(chan struct{})}
}

func (s *session) loop() {
	defer close(s.stopped)
	for {
		select {
		case m := <-s.msgs:
			if m == "bye" {
				go s.close()
			}
		case <-s.quit:
			return
		}
	}
}

func (s *session) close() {
	s.once.Do(func() {
		close(s.quit)
		<-s.stopped
	})
}

// The waiter gives up on another signal too.
type feed struct {
	items  chan int
	done   chan struct{}
	cancel chan struct{}
}

func newFeed() *feed {
	return &feed{items: make(chan int), done: make(chan struct{}), cancel: make(chan struct{})}
}

func (f *feed) run() {
	defer close(f.done)
	for v := range f.items {
		if v < 0 {
			f.waitOrCancel()
		}
	}
}

func (f *feed) waitOrCancel() {
	select {
	case <-f.done:
	case <-f.cancel:
	}
}

// The channel is closed at the end, not deferred, and also on the error path: the loop's
// own wait is reached only after one of them.
type batch struct {
	in       chan int
	complete chan struct{}
}

func newBatch() *batch { return &batch{in: make(chan int), complete: make(chan struct{})} }

func (b *batch) run() {
	for v := range b.in {
		if v < 0 {
			close(b.complete)
			b.await()
			return
		}
	}
	close(b.complete)
}

func (b *batch) await() { <-b.complete }
