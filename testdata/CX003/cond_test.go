package cx003

import (
	"sync"
	"testing"
)

// A test that exercises Signal itself waits exactly once, on purpose.
func TestSignalWakesOne(t *testing.T) {
	var mu sync.Mutex
	c := sync.NewCond(&mu)
	mu.Lock()
	go func() {
		mu.Lock()
		c.Signal()
		mu.Unlock()
	}()
	c.Wait()
	mu.Unlock()
}

// A Cond of the code under test is still checked in a test file.
func TestQueueWait(t *testing.T) {
	q := &Queue{}
	q.cond = sync.NewCond(&q.mu)
	q.mu.Lock()
	q.cond.Wait() // want "CX003: q.cond.Wait"
	q.mu.Unlock()
}

// Called from a loop in the test file: the wrapper in wrappers.go counts that call too.
func TestFlusherDrains(t *testing.T) {
	f := &flusher{}
	f.cond.L = &f.mu
	f.mu.Lock()
	for !f.ready {
		f.Wait()
	}
	f.mu.Unlock()
}

// A Cond of a type that only the tests declare: a gate the test drives.
type pacedCall struct {
	wait   *sync.Cond
	called int
}

func (p *pacedCall) call() {
	if p.wait != nil {
		p.wait.L.Lock()
		p.called++
		p.wait.Wait()
		p.wait.L.Unlock()
	}
}

func TestPaced(t *testing.T) {
	var mu sync.Mutex
	p := &pacedCall{wait: sync.NewCond(&mu)}
	go p.call()
	mu.Lock()
	p.wait.Broadcast()
	mu.Unlock()
}
