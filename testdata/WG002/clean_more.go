package wg002

import "sync"

// The literal's own parameter is bound to &wg.
func literalParameter(n int) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(wg *sync.WaitGroup, i int) {
			defer wg.Done()
			_ = i
		}(&wg, i)
	}
	wg.Wait()
}

// An optional WaitGroup: done whenever one is given.
func optional(wg *sync.WaitGroup, n int) {
	if wg != nil {
		defer wg.Done()
	}
	_ = n
}

func startOptional() {
	var wg sync.WaitGroup
	wg.Add(1)
	go optional(&wg, 1)
	wg.Wait()
}

// Done through a chain of helpers that never spell "Done" themselves.
func chainA(wg *sync.WaitGroup) { chainB(wg) }
func chainB(wg *sync.WaitGroup) { chainC(wg) }
func chainC(wg *sync.WaitGroup) { defer wg.Done() }

func throughChain() {
	var wg sync.WaitGroup
	wg.Add(1)
	go chainA(&wg)
	wg.Wait()
}

// The goroutine waits on the WaitGroup; the Adds are for the subtests that call Done.
func waiterGoroutine(run func(func())) {
	var ready sync.WaitGroup
	ready.Add(2)
	done := make(chan struct{})
	go func() {
		ready.Wait()
		close(done)
	}()
	run(func() { ready.Done() })
	run(func() { ready.Done() })
	<-done
}

// The Add counts the function's own work, done by a Done outside the goroutine.
type proxy struct {
	wg sync.WaitGroup
	mu sync.Mutex
}

func (p *proxy) serve(stop chan struct{}) {
	p.mu.Lock()
	p.wg.Add(1)
	p.mu.Unlock()
	go func() {
		<-stop
	}()
	p.wg.Done()
}

func (p *proxy) close() { p.wg.Wait() }
