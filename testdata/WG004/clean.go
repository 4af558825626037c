package wg004

import "sync"

// The usual shape: Wait after the loop.
func parallel(names []string) {
	var wg sync.WaitGroup
	wg.Add(len(names))
	for _, name := range names {
		go func() {
			defer wg.Done()
			load(name)
		}()
	}
	wg.Wait()
}

// One Add per iteration, waited for in the same iteration: sequential on purpose.
func sequential(names []string) {
	var wg sync.WaitGroup
	for _, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			load(name)
		}()
		wg.Wait()
	}
}

// Add(1) before the loop is not a count for every goroutine.
func addOne(names []string) {
	var wg sync.WaitGroup
	wg.Add(1)
	for _, name := range names {
		go func() {
			defer wg.Done()
			load(name)
		}()
		wg.Wait()
		break
	}
}

// The loop calls Done itself.
func selfDone(names []string) {
	var wg sync.WaitGroup
	wg.Add(len(names) * 2)
	for _, name := range names {
		go func() {
			defer wg.Done()
			load(name)
		}()
		wg.Done()
		wg.Wait()
	}
}

// Goroutines started between the Add and the loop account for the rest.
func twoPhases(first string, rest []string) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		load(first)
	}()
	for _, name := range rest[:1] {
		go func() {
			defer wg.Done()
			load(name)
		}()
		wg.Wait()
	}
}

// The Wait runs in a goroutine of the loop, not in the loop.
func waitInGoroutine(names []string, done chan struct{}) {
	var wg sync.WaitGroup
	wg.Add(len(names))
	for _, name := range names {
		go func() {
			defer wg.Done()
			load(name)
		}()
		go func() {
			wg.Wait()
			done <- struct{}{}
		}()
	}
}

// The goroutines count on another WaitGroup.
func otherGroup(names []string) {
	var started, finished sync.WaitGroup
	started.Add(len(names))
	finished.Add(len(names))
	for _, name := range names {
		go func() {
			defer finished.Done()
			load(name)
		}()
		started.Done()
		started.Wait()
	}
	finished.Wait()
}

// Nothing started in the loop.
func noGoroutine(names []string) {
	var wg sync.WaitGroup
	wg.Add(len(names))
	for _, name := range names {
		load(name)
		wg.Done()
	}
	wg.Wait()
}

// A zero count.
func zero(names []string) {
	var wg sync.WaitGroup
	wg.Add(0)
	for _, name := range names {
		go func() {
			load(name)
		}()
		wg.Wait()
	}
}

// The WaitGroup is declared inside the loop, per iteration.
func perIteration(names []string) {
	for _, name := range names {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			load(name)
		}()
		wg.Wait()
	}
}
