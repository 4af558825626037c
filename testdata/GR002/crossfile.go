package gr002

import "testing"

func TestSuite(t *testing.T) {
	s := &suite{t: t}
	go s.serve() // want "GR002: suite.serve\(...\) runs in a new goroutine and calls s.t.Fatal"
	done := make(chan struct{})
	go func() {
		defer close(done)
		mustRun(t, func() error { return nil }) // want "GR002: mustRun\(...\) is called in a goroutine"
	}()
	<-done
}
