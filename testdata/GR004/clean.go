package gr004

import (
	"fmt"
	"log"
	"os"
	"sync"
)

// Exit before any defer is registered.
func exitFirst(ok bool) {
	if !ok {
		os.Exit(1)
	}
	f, err := os.Open("x")
	if err != nil {
		return
	}
	defer f.Close()
}

// The defer is on another branch: no path from it reaches the exit.
func otherBranch(ok bool) {
	if ok {
		f, err := os.Open("x")
		if err != nil {
			return
		}
		defer f.Close()
		return
	}
	log.Fatal("not ok")
}

// Defers that release nothing.
func printDefer() {
	defer fmt.Println("bye")
	os.Exit(0)
}

// log.Panic runs the defers.
func panics(mu *sync.Mutex) {
	mu.Lock()
	defer mu.Unlock()
	log.Panic("bad")
}

// The exit is in a closure: the closure has no defers of its own.
func inClosure(mu *sync.Mutex) func() {
	mu.Lock()
	defer mu.Unlock()
	return func() {
		os.Exit(3)
	}
}

// A method named Unlock that is not a sync type's: identity, not names.
type door struct{}

func (door) Unlock() {}

func notSync(d door) {
	defer d.Unlock()
	os.Exit(1)
}

// A local function named like the package is not os.
func shadowed() {
	f, _ := os.Open("x")
	defer f.Close()
	os := struct{ Exit func(int) }{Exit: func(int) {}}
	os.Exit(1)
}
