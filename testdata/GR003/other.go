package gr003

import "time"

// The goroutine body is in another file (flagged.go's Stats.collect).
func crossFile() int {
	st := &Stats{}
	go st.collect()
	time.Sleep(time.Second) // want "GR003: .*st.hits"
	return st.hits
}
