package worker

import "sync"

// RunLimited runs the jobs on at most n goroutines at a time.
func RunLimited(jobs []Job, n int) []error {
	errs := make([]error, len(jobs))
	slots := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, job := range jobs {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			errs[i] = job()
		}()
	}
	wg.Wait()
	return errs
}
