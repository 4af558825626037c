package embedded

import "sync"

// A WaitGroup embedded in a struct: its promoted methods are the WaitGroup's.

type crew struct {
	sync.WaitGroup
	tasks int
}

func (c *crew) returnsEarly(skip bool) {
	c.Add(1)
	go func() {
		if skip {
			return // want "WG002: this return skips c.Done"
		}
		c.tasks++
		c.Done()
	}()
	c.Wait()
}

// Done through the promoted method, deferred: nothing to report.
func (c *crew) right() {
	c.Add(1)
	go func() {
		defer c.Done()
		c.tasks++
	}()
	c.Wait()
}

// A type with a Done method of its own is not a WaitGroup, embedded or not.
type ledger struct {
	sync.WaitGroup
	open int
}

func (l *ledger) Done() { l.open-- }

func (l *ledger) settle() {
	l.WaitGroup.Add(1)
	go func() {
		defer l.WaitGroup.Done()
		l.open++
	}()
	l.WaitGroup.Wait()
}
