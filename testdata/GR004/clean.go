package gr004

import (
	"archive/zip"
	"context"
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

// Closing an archive reader, a file written without a buffer, a logger's Sync: the end of
// the process loses nothing.
func readArchive(path string) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		log.Fatal(err)
	}
	defer zr.Close()
	out, err := os.Create(path + ".list")
	if err != nil {
		log.Fatal(err)
	}
	defer out.Sync()
	defer out.Close()
	for _, f := range zr.File {
		if _, err := fmt.Fprintln(out, f.Name); err != nil {
			log.Fatal(err)
		}
	}
}

// A Remove method of an in-memory type is not a file removal.
type registry struct{ names map[string]bool }

func (r *registry) Remove(name string) { delete(r.names, name) }

func register(r *registry, name string) {
	r.names[name] = true
	defer r.Remove(name)
	if len(name) > 64 {
		log.Fatalf("name too long: %s", name)
	}
}

// A TestMain-like helper that only cancels a context and closes a client.
func setup(ctx context.Context, dial func(context.Context) (*os.File, error)) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	conn, err := dial(ctx)
	if err != nil {
		log.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	if _, err := conn.Stat(); err != nil {
		os.Exit(1)
	}
}
