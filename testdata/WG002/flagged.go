package wg002

import (
	"errors"
	"runtime"
	"sync"
	"testing"
)

func neverDone(items []string) {
	var wg sync.WaitGroup
	for _, item := range items {
		wg.Add(1)
		go func() { // want "WG002: goroutine counted by wg.Add never calls wg.Done"
			_ = item
		}()
	}
	wg.Wait()
}

func earlyReturn(items []string) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(items))
	for _, item := range items {
		wg.Add(1)
		go func() {
			if item == "" {
				errs <- errors.New("empty")
				return // want "WG002: this return skips wg.Done"
			}
			wg.Done()
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func deferAfterReturn(n int) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		if n < 0 {
			return // want "WG002: this return skips wg.Done"
		}
		defer wg.Done()
		_ = n * 2
	}()
	wg.Wait()
}

func goexitSkips(ok bool) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		if !ok {
			runtime.Goexit() // want "WG002: this runtime.Goexit skips wg.Done"
		}
		wg.Done()
	}()
	wg.Wait()
}

func failNowSkips(t *testing.T, inputs []int) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		if len(inputs) == 0 {
			t.FailNow() // want "WG002: this t.FailNow skips wg.Done"
		}
		wg.Done()
	}()
	wg.Wait()
}

func continueSkips(jobs []int) {
	var wg sync.WaitGroup
	wg.Add(len(jobs))
	go func() {
		for _, j := range jobs {
			if j < 0 {
				continue // want "WG002: this continue skips wg.Done"
			}
			_ = j
			wg.Done()
		}
	}()
	wg.Wait()
}

func conditionalDone(flag bool) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // want "WG002: wg.Done\(\) is not called on every path"
		if flag {
			wg.Done()
		}
	}()
	wg.Wait()
}

// worker returns early without Done: reported once, in worker, for both starts.
func worker(wg *sync.WaitGroup, id int) {
	if id == 0 {
		return // want "WG002: this return skips wg.Done"
	}
	wg.Done()
}

func namedWorker() {
	var wg sync.WaitGroup
	wg.Add(2)
	go worker(&wg, 0)
	wg.Add(1)
	go worker(&wg, 1)
	wg.Wait()
}

func aliasNeverDone() {
	var group sync.WaitGroup
	g := &group
	g.Add(1)
	go func() { // want "WG002: g.Add never calls g.Done"
		_ = 1
	}()
	g.Wait()
}
