// Helpers that take a lock only when a boolean parameter says the caller does not hold it.
package lockflags

import "sync"

type Queue struct {
	mu     sync.Mutex
	items  []int
	limit  int
	shared bool
}

// sizeOf locks q.mu unless the caller says it already holds it.
func (q *Queue) sizeOf(held bool) int {
	if !held {
		q.mu.Lock()
		defer q.mu.Unlock()
	}
	return len(q.items)
}

// trim takes the lock around its work when needLock is set.
func (q *Queue) trim(n int, needLock bool) {
	if needLock {
		q.mu.Lock()
	}
	if len(q.items) > n {
		q.items = q.items[:n]
	}
	if needLock {
		q.mu.Unlock()
	}
}

// Clean: the constant says the lock is held, so sizeOf does not lock.
func (q *Queue) Push(x int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.sizeOf(true) >= q.limit {
		q.trim(q.limit-1, false)
	}
	q.items = append(q.items, x)
}

// Clean: the constant comes from a named constant.
const alreadyLocked = true

func (q *Queue) Full() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.sizeOf(alreadyLocked) >= q.limit
}

// Clean: the caller passes its own parameter along, and is itself called with a constant.
func (q *Queue) shrink(locked bool) {
	q.trim(q.limit/2, !locked)
}

func (q *Queue) Halve() {
	q.mu.Lock()
	q.shrink(true)
	q.mu.Unlock()
}

// Clean: an intermediate without a flag of its own passes the constant.
func (q *Queue) peekLocked() int {
	if q.sizeOf(true) == 0 {
		return -1
	}
	return q.items[0]
}

func (q *Queue) Peek() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.peekLocked()
}

// Clean: `flag == true` and `flag && other` conditions fold as well.
func (q *Queue) count(useLock bool) int {
	if useLock == true {
		q.mu.Lock()
		defer q.mu.Unlock()
	}
	return len(q.items)
}

func (q *Queue) countShared(useLock bool) int {
	if useLock && q.shared {
		q.mu.Lock()
		defer q.mu.Unlock()
	}
	return len(q.items)
}

func (q *Queue) Stats() (int, int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.count(false), q.countShared(false)
}

// Flagged: the constant says the lock is not held, but it is.
func (q *Queue) Drop() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.sizeOf(false) > 0 { // want "MU004: call of q.sizeOf locks q.mu"
		q.items = q.items[1:]
	}
}

// Flagged: the wrong constant, passed on by an intermediate.
func (q *Queue) shrinkAll() {
	q.shrink(false)
}

func (q *Queue) Reset() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.shrinkAll() // want "MU004: call of q.shrinkAll locks q.mu"
}

// Flagged: the flag is reassigned inside the callee, so the constant proves nothing.
func (q *Queue) sizeMaybe(held bool) int {
	if q.shared {
		held = false
	}
	if !held {
		q.mu.Lock()
		defer q.mu.Unlock()
	}
	return len(q.items)
}

func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.sizeMaybe(true) // want "MU004: call of q.sizeMaybe locks q.mu"
}
