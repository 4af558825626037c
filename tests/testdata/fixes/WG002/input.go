package demo

import (
	"errors"
	"sync"
)

// forgetsDone never calls Done: Wait blocks forever.
func forgetsDone(items []string) []int {
	var wg sync.WaitGroup
	sizes := make([]int, len(items))
	for i, item := range items {
		wg.Add(1)
		go func() {
			sizes[i] = len(item)
		}()
	}
	wg.Wait()
	return sizes
}

// returnSkipsDone calls Done last, and an early return skips it.
func returnSkipsDone(items []string, handle func(string) error, report func(error)) {
	var wg sync.WaitGroup
	for _, item := range items {
		wg.Add(1)
		go func() {
			if item == "" {
				report(errors.New("empty item"))
				return
			}
			if err := handle(item); err != nil {
				report(err)
			}
			wg.Done()
		}()
	}
	wg.Wait()
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
