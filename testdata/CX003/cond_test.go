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
