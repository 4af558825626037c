package cx003

// A call from another file, inside a loop: the wrapper in clean.go stays silent.
func drain(st *Stream, n int) {
	for i := 0; i < n; i++ {
		st.mu.Lock()
		for !st.ready {
			st.waitLocked()
		}
		st.mu.Unlock()
	}
}
