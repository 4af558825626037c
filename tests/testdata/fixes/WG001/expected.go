package demo

import "sync"

// process counts each goroutine from inside it: Wait can return before any Add ran.
func process(items []string, handle func(string)) {
	var wg sync.WaitGroup
	for _, item := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			handle(item)
		}()
	}
	wg.Wait()
}

type pool struct {
	wg   sync.WaitGroup
	jobs chan func()
}

func (p *pool) start(n int) {
	for i := 0; i < n; i++ {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for job := range p.jobs {
				job()
			}
		}()
	}
}

func (p *pool) stop() {
	close(p.jobs)
	p.wg.Wait()
}

// alreadyRight must be left alone.
func alreadyRight(items []string, handle func(string)) {
	var wg sync.WaitGroup
	for _, item := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			handle(item)
		}()
	}
	wg.Wait()
}
