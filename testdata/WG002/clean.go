package wg002

import (
	"sync"
)

func deferred(items []string) {
	var wg sync.WaitGroup
	for _, item := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if item == "" {
				return
			}
			_ = item
		}()
	}
	wg.Wait()
}

func doneOnEveryPath(n int) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		if n > 0 {
			_ = n
			wg.Done()
			return
		}
		wg.Done()
	}()
	wg.Wait()
}

func deferredClosure() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				_ = r
			}
			wg.Done()
		}()
		_ = 1
	}()
	wg.Wait()
}

func finish(wg *sync.WaitGroup) {
	defer wg.Done()
}

func doneThroughHelper() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		_ = 2
		finish(&wg)
	}()
	wg.Wait()
}

func goodWorker(wg *sync.WaitGroup, id int) {
	defer wg.Done()
	if id == 0 {
		return
	}
}

func namedGoodWorker() {
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go goodWorker(&wg, i)
	}
	wg.Wait()
}

// Go 1.25: WaitGroup.Go counts and calls Done itself.
func waitGroupGo() {
	var wg sync.WaitGroup
	wg.Go(func() {
		_ = 3
	})
	wg.Wait()
}

type job struct {
	wg *sync.WaitGroup
	n  int
}

// Done happens in whoever receives the job: escaped, silent.
func handoff(jobs chan<- job) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		jobs <- job{wg: &wg, n: 1}
	}()
	wg.Wait()
}

var registry sync.Map

// Handed to code outside the package (whoever loads it may call Done): silent.
func handedToUnknown() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		registry.Store("wg", &wg)
	}()
	wg.Wait()
}

// The Add counts the first goroutine; the second is not counted.
func secondGoroutineNotCounted(done chan struct{}) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
	}()
	go func() {
		close(done)
	}()
	wg.Wait()
}

func perItemDone(jobs []int) {
	var wg sync.WaitGroup
	wg.Add(len(jobs))
	go func() {
		for _, j := range jobs {
			_ = j
			wg.Done()
		}
	}()
	wg.Wait()
}

// counter only looks like a WaitGroup.
type counter struct{ n int }

func (c *counter) Add(d int) { c.n += d }
func (c *counter) Done()     { c.n-- }

func notAWaitGroup() {
	var wg counter
	wg.Add(1)
	go func() {
		_ = 4
	}()
}

func exitPathsDoNotCount(fail func() bool) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		if fail() {
			panic("boom")
		}
		wg.Done()
	}()
	wg.Wait()
}
