package wg001

import (
	"sync"
)

func addBeforeGo(items []string) {
	var wg sync.WaitGroup
	for _, item := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = item
		}()
	}
	wg.Wait()
}

func addAllUpFront(items []string) {
	var wg sync.WaitGroup
	wg.Add(len(items))
	for _, item := range items {
		go func() {
			defer wg.Done()
			_ = item
		}()
	}
	wg.Wait()
}

// The outer goroutine is counted before it starts, so Wait cannot return before it adds
// for the children it spawns.
func countedParentAddsForChildren(batches [][]int) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, b := range batches {
			go func() {
				wg.Add(1)
				defer wg.Done()
				_ = b
			}()
		}
	}()
	wg.Wait()
}

// The goroutine declares, adds to and waits on its own WaitGroup.
func waitGroupOwnedByGoroutine(jobs []int) {
	done := make(chan struct{})
	go func() {
		var inner sync.WaitGroup
		inner.Add(len(jobs))
		for _, j := range jobs {
			go func() {
				defer inner.Done()
				_ = j
			}()
		}
		inner.Wait()
		close(done)
	}()
	<-done
}

// counter only looks like a WaitGroup: identity comes from declarations, not names.
type counter struct{ n int }

func (c *counter) Add(d int) { c.n += d }
func (c *counter) Wait()     {}

func notAWaitGroup() {
	var wg counter
	go func() {
		wg.Add(1)
	}()
	wg.Wait()
}

// The goroutine adds and waits itself: no other goroutine waits on this WaitGroup.
func selfWaiting(tasks []func()) {
	var wg sync.WaitGroup
	go func() {
		wg.Add(len(tasks))
		for _, t := range tasks {
			go func() {
				defer wg.Done()
				t()
			}()
		}
		wg.Wait()
	}()
}

func helperAddsLater(wg *sync.WaitGroup, id int) {
	defer wg.Done()
	_ = id
}

func namedWorkerCounted() {
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go helperAddsLater(&wg, i)
	}
	wg.Wait()
}
