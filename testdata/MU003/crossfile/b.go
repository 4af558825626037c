package crossfile

// release unlocks the queue; callers hold q.mu.
func (q *Queue) release() {
	q.mu.Unlock()
}
