package gr004

import (
	"log"
	"os"
	"testing"
)

// A testable example is a program of its own: process-level defers are a note.
func ExampleStore() {
	f, err := os.Open("x")
	if err != nil {
		return
	}
	defer f.Close()
	if _, err := f.Stat(); err != nil {
		log.Fatal(err) // want "GR004: log.Fatal exits the process without running the deferred f.Close\(\); return instead"
	}
}

// TestMain's own defers never run when it calls os.Exit.
func TestMain(m *testing.M) {
	dir, _ := os.MkdirTemp("", "t")
	defer os.RemoveAll(dir)
	os.Exit(m.Run()) // want "GR004: os.Exit .*os.RemoveAll"
}

func ExampleStore_closure() {
	run := func(f func()) { f() }
	run(func() {
		f, err := os.Open("x")
		if err != nil {
			return
		}
		defer f.Close()
		if _, err := f.Stat(); err != nil {
			log.Fatal(err) // want "GR004: .*f.Close\(\); return instead"
		}
	})
}
