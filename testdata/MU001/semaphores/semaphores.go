// Package semaphores: channels used as counting semaphores or as mutexes.
package semaphores

import (
	"os"
	"sync"
)

// A semaphore filled with tokens where it is made: acquire takes one, release gives it back.
type limiter struct {
	tokens chan struct{}
}

func newLimiter(n int) *limiter {
	l := &limiter{tokens: make(chan struct{}, n)}
	for range n {
		l.tokens <- struct{}{}
	}
	return l
}

func (l *limiter) acquire() { <-l.tokens }

func (l *limiter) release() { l.tokens <- struct{}{} }

// Every holder gives its token back after a system call: waiting for one under a lock waits
// only for those calls.
type File struct {
	mu   sync.Mutex
	io   *limiter
	path string
	data []byte
}

func (f *File) Load() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.io.acquire()
	data, err := os.ReadFile(f.path)
	f.io.release()
	f.data = data
	return err
}

func (f *File) Save() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.io.acquire()
	defer f.io.release()
	return os.WriteFile(f.path, f.data, 0o600)
}

// A holder that takes a lock while it holds a token: another goroutine holding that lock
// can wait for the token for ever.
type Index struct {
	mu    sync.Mutex
	io    *limiter
	count int
}

func (x *Index) Rebuild() {
	x.io.acquire()
	x.mu.Lock()
	x.count = 0
	x.mu.Unlock()
	x.io.release()
}

func (x *Index) Add() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.count++
	x.io.acquire() // want "MU001: call of x.io.acquire can block .receive from x.io.tokens. while x.mu is held; x.Rebuild holds it while it takes x.mu"
	x.io.release()
}

// A channel with room for one value used as a mutex around a state it carries.
type Device struct {
	stateMu sync.RWMutex
	comms   chan int
	open    bool
}

func NewDevice() *Device {
	d := &Device{comms: make(chan int, 1)}
	d.comms <- 0
	return d
}

func (d *Device) Exchange(b []byte) int {
	d.stateMu.RLock()
	defer d.stateMu.RUnlock()
	seq := <-d.comms
	defer func() { d.comms <- seq + 1 }()
	return seq + len(b)
}

// An empty semaphore: a send takes a slot, and the goroutine it starts gives it back.
type Crawler struct {
	mu    sync.Mutex
	slots chan struct{}
	seen  map[string]bool
}

func NewCrawler() *Crawler {
	return &Crawler{slots: make(chan struct{}, 4), seen: map[string]bool{}}
}

func (c *Crawler) Visit(url string, fetch func(string)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen[url] {
		return
	}
	c.seen[url] = true
	c.slots <- struct{}{}
	go func() {
		defer func() { <-c.slots }()
		fetch(url)
	}()
}
