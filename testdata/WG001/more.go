package wg001

import "sync"

// A WaitGroup held by pointer in a field: the same race through the field.
type server struct{ pending *sync.WaitGroup }

func (s *server) serve(reqs []string) {
	for _, r := range reqs {
		go func() {
			s.pending.Add(1) // want "WG001: s.pending.Add"
			defer s.pending.Done()
			_ = r
		}()
	}
	s.pending.Wait()
}

// Adding the whole batch from inside the goroutine that starts it: Wait may already be past.
func addBatchInside(batch []int) {
	var wg sync.WaitGroup
	go func() {
		wg.Add(len(batch)) // want "WG001"
		for _, b := range batch {
			go func() {
				defer wg.Done()
				_ = b
			}()
		}
	}()
	wg.Wait()
}

// A package-level WaitGroup waited on by shutdown.
var background sync.WaitGroup

func startBackground(f func()) {
	go func() {
		background.Add(1) // want "WG001: background.Add"
		defer background.Done()
		f()
	}()
}

func shutdown() { background.Wait() }

// Counted before the go statement, on a parameter: correct.
func startCounted(wg *sync.WaitGroup, f func()) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		f()
	}()
}
