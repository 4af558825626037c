package gr005

import (
	"os"
	"sync"
	"time"
)

// Goroutines meant to live as long as the process.

// A constructor called only by a package variable's initializer runs once.
type cache struct {
	mu      sync.Mutex
	entries map[string]int
}

func newCache() *cache {
	c := &cache{entries: map[string]int{}}
	go c.expire()
	return c
}

func (c *cache) expire() {
	for {
		time.Sleep(time.Hour)
		c.mu.Lock()
		c.entries = map[string]int{}
		c.mu.Unlock()
	}
}

var shared = newCache()

// Reached only through a sync.Once: once per process.
var setupOnce sync.Once

func setupMetrics() {
	setupOnce.Do(startSampler)
	setupOnce.Do(func() { startFlusher() })
}

func startSampler() {
	go func() {
		for {
			time.Sleep(time.Second)
		}
	}()
}

func startFlusher() {
	go func() {
		for {
			time.Sleep(time.Second)
		}
	}()
}

// Documented as living with the process.
type syncer struct{ rounds int }

// start launches the syncer. It needs no stop function: it exits with the process.
func (s *syncer) start() {
	go func() {
		for {
			s.rounds++
			time.Sleep(time.Minute)
		}
	}()
}

// The starter waits for the goroutine: it cannot outlive the starter.
func soak(step func()) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			step()
		}
	}()
	wg.Wait()
}

// Every way out of the loop calls a local closure that ends the process.
func watch(sig <-chan os.Signal, errs <-chan error) {
	exit := func(code int) {
		os.Stdout.Sync()
		os.Exit(code)
	}
	go func() {
		for {
			select {
			case <-sig:
				exit(0)
			case <-errs:
				exit(1)
			}
		}
	}()
}

// An exported function may be called by other packages, as often as they like, even if
// this package calls it only once.
func StartReaper() {
	go func() { // want "GR005: .* leaks when StartReaper returns"
		for {
			time.Sleep(time.Minute)
		}
	}()
}

func init() {
	StartReaper()
}

// A closure that may be assigned another function is not followed.
func watchReassigned(sig <-chan os.Signal) {
	exit := func(code int) { os.Exit(code) }
	exit = func(int) {}
	go func() { // want "GR005: .* leaks when watchReassigned returns"
		for {
			<-sig
			exit(0)
		}
	}()
}

// A wait on another WaitGroup than the one the goroutine signals does not help.
func soakOther(step func()) {
	var wg, other sync.WaitGroup
	wg.Add(1)
	go func() { // want "GR005: .* leaks when soakOther returns"
		defer wg.Done()
		for {
			step()
		}
	}()
	other.Wait()
}
