// Package worker runs jobs on a fixed number of goroutines.
package worker

import "sync"

// Job is one unit of work.
type Job func() error

// RunAll runs every job in its own goroutine and returns the errors in job order.
func RunAll(jobs []Job) []error {
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, job := range jobs {
		go func() {
			wg.Add(1)
			defer wg.Done()
			errs[i] = job()
		}()
	}
	wg.Wait()
	return errs
}
