package embeddedmissing

import "sync"

// No Done anywhere in the package for the embedded WaitGroup (a Done elsewhere on a field
// could be this goroutine's, and silences the finding).
type crew struct {
	sync.WaitGroup
	tasks int
}

func (c *crew) forgets() {
	c.Add(1)
	go func() { // want "WG002: goroutine counted by c.Add never calls c.Done"
		c.tasks++
	}()
	c.Wait()
}

// A goroutine that calls Done on a WaitGroup belongs to that one, whichever Add came last.
func twoGroups(n int) {
	var started, finished sync.WaitGroup
	started.Add(n)
	finished.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			started.Done()
		}()
		go func() {
			defer finished.Done()
			_ = i
		}()
	}
	started.Wait()
	finished.Wait()
}
