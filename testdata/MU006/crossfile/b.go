package crossfile

// release unlocks r.mu for the caller.
func (r *Ring) release() {
	r.mu.Unlock()
}
