package gr004

import (
	"log"
	"os"
	"testing"
)

// A testable example is a program of its own, and log.Fatal its documentation convention:
// skipping process-level defers there is not reported.
func ExampleStore() {
	f, err := os.Open("x")
	if err != nil {
		return
	}
	defer f.Close()
	if _, err := f.Stat(); err != nil {
		log.Fatal(err)
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
			log.Fatal(err)
		}
	})
}

// A leftover temporary directory outlives the process: still a warning in an example.
func ExampleStore_tempDir() {
	dir, err := os.MkdirTemp("", "store")
	if err != nil {
		return
	}
	defer os.RemoveAll(dir)
	if _, err := os.Stat(dir); err != nil {
		log.Fatal(err) // want "GR004: log.Fatal .*os.RemoveAll"
	}
}
