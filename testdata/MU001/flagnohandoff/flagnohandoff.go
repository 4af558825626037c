// Package flagnohandoff: a flag set under the lock before a wait, but nothing sent after it
// orders the workers' reads of the flag after the write: a worker may have read it before
// and be on its way to the lock.
package flagnohandoff

import "sync"

var (
	mu      sync.Mutex
	closing bool
	total   int
)

type Pool struct {
	wg sync.WaitGroup
}

func (p *Pool) work(tasks <-chan int) {
	defer p.wg.Done()
	for t := range tasks {
		if !closing {
			mu.Lock()
			total += t
			mu.Unlock()
		}
	}
}

func (p *Pool) Start(tasks <-chan int) {
	p.wg.Add(1)
	go p.work(tasks)
}

func (p *Pool) Close() {
	mu.Lock()
	closing = true
	p.wg.Wait() // want "MU001: .*needs mu"
	mu.Unlock()
}
