// Package corpus holds small Go programs that seed the fuzz test.
package corpus

import "sync"

// fanOut starts one goroutine per item and waits for them all.
func fanOut(items []int, work func(int)) {
	var wg sync.WaitGroup
	for _, it := range items {
		wg.Add(1)
		go func(v int) {
			defer wg.Done()
			work(v)
		}(it)
	}
	wg.Wait()
}

// fanOutLate counts inside the goroutine: a WG001 finding.
func fanOutLate(items []int, work func(int)) {
	var wg sync.WaitGroup
	for _, it := range items {
		go func() {
			wg.Add(1)
			defer wg.Done()
			work(it)
		}()
	}
	wg.Wait()
}
