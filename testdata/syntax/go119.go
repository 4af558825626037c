package syntax

import "sync/atomic"

// Go 1.19: the type parameters a method receiver declares are in scope from the method
// name on, so one may share the receiver type's name; and typed atomics.

type Holder[T any] struct{ v T }

func (Holder[Holder]) Zero() (z Holder) { return z }

type Counter struct {
	hits atomic.Int64
}

func (c *Counter) Hit() int64 { return c.hits.Add(1) }

func Use119() (int, int64) {
	var c Counter
	return Holder[int]{}.Zero(), c.Hit()
}
