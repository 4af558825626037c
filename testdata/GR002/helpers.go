package gr002

import "testing"

// A method started as a goroutine; its Fatal is on a field of testing type.
type suite struct {
	t    *testing.T
	name string
}

func (s *suite) serve() {
	if s.name == "" {
		s.t.Fatal("no name")
	}
}

// Two levels: the goroutine calls mustRun, which calls checkNoErr (flagged.go).
func mustRun(t *testing.T, f func() error) {
	checkNoErr(t, f())
}
