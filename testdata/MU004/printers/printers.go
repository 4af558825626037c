// Double locks through the String and Error methods that fmt and log call to format a value.
package printers

import (
	"errors"
	"fmt"
	"log"
	"os"
	"sync"
)

type registry struct {
	mu    sync.RWMutex
	names []string
}

func (r *registry) String() string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return fmt.Sprint(r.names)
}

// A writer queued between the two read locks blocks both.
func (r *registry) lookup(name string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	log.Printf("looking up %q in %s", name, r) // want "MU004: call of log.Printf \(which calls r.String\) read-locks r.mu"
	for _, n := range r.names {
		if n == name {
			return true
		}
	}
	return false
}

func (r *registry) add(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names = append(r.names, name)
	fmt.Println("added to", r) // want "MU004: call of fmt.Println \(which calls r.String\) read-locks r.mu, which is already locked"
}

// Not flagged: the lock is released before the value is formatted.
func (r *registry) remove(name string) {
	r.mu.Lock()
	for i, n := range r.names {
		if n == name {
			r.names = append(r.names[:i], r.names[i+1:]...)
			break
		}
	}
	r.mu.Unlock()
	fmt.Fprintf(os.Stderr, "removed %s from %v\n", name, r)
}

// Not flagged: %p prints the pointer, not the String.
func (r *registry) debug() {
	r.mu.RLock()
	defer r.mu.RUnlock()
	fmt.Printf("registry at %p with %d names\n", r, len(r.names))
}

type batchError struct {
	mu     sync.Mutex
	failed []error
}

func (e *batchError) Error() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return errors.Join(e.failed...).Error()
}

func (e *batchError) record(err error) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failed = append(e.failed, err)
	return fmt.Errorf("batch: %w", e) // want "MU004: call of fmt.Errorf \(which calls e.Error\) locks e.mu"
}

// Not flagged: the value's String is on the pointer, so formatting a copy does not call it.
type point struct{ x, y int }

func (p *point) String() string {
	stateMu.Lock()
	defer stateMu.Unlock()
	return fmt.Sprintf("(%d, %d)", p.x, p.y)
}

var stateMu sync.Mutex

func move(p point) string {
	stateMu.Lock()
	defer stateMu.Unlock()
	p.x++
	return fmt.Sprintf("%v", p)
}

// Flagged: the pointer is formatted, and its String takes the lock held here.
func movePtr(p *point) string {
	stateMu.Lock()
	defer stateMu.Unlock()
	p.x++
	return fmt.Sprint(p) // want "MU004: call of fmt.Sprint \(which calls p.String\) locks stateMu"
}
