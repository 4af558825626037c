package wg004

import "sync"

func load(string) {}

// One Add for every item, then a Wait in the loop that starts them.
func loadAll(names []string) {
	var wg sync.WaitGroup
	wg.Add(len(names))
	for _, name := range names {
		go func() {
			defer wg.Done()
			load(name)
		}()
		wg.Wait() // want "WG004: wg.Wait\(\) inside the loop that starts the goroutines it waits for: wg.Add\(len\(names\)\) on line 10"
	}
}

// A counted loop with a variable count.
func startN(n int) {
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			defer wg.Done()
		}()
		wg.Wait() // want "WG004"
	}
}

// A constant above one.
func startThree() {
	var wg sync.WaitGroup
	wg.Add(3)
	for i := 0; i < 3; i++ {
		go func() {
			wg.Done()
		}()
		wg.Wait() // want "WG004"
	}
}

// The WaitGroup is a field.
type manager struct {
	wg      sync.WaitGroup
	plugins []string
}

func (m *manager) init() {
	m.wg.Add(len(m.plugins))
	for _, p := range m.plugins {
		go func(p string) {
			defer m.wg.Done()
			load(p)
		}(p)
		m.wg.Wait() // want "WG004: m.wg.Wait"
	}
}

// An embedded WaitGroup.
type batch struct {
	sync.WaitGroup
	items []string
}

func (b *batch) run() {
	b.Add(len(b.items))
	for _, it := range b.items {
		go func() {
			defer b.Done()
			load(it)
		}()
		b.Wait() // want "WG004"
	}
}

// A named worker that calls Done on the WaitGroup it is handed.
func worker(wg *sync.WaitGroup, name string) {
	defer wg.Done()
	load(name)
}

func runWorkers(names []string) {
	var wg sync.WaitGroup
	wg.Add(len(names))
	for _, name := range names {
		go worker(&wg, name)
		wg.Wait() // want "WG004"
	}
}

// The Wait is inside a branch of the loop body.
func maybeWait(names []string, sync_ bool) {
	var wg sync.WaitGroup
	wg.Add(len(names))
	for _, name := range names {
		go func() {
			defer wg.Done()
			load(name)
		}()
		if sync_ {
			wg.Wait() // want "WG004"
		}
	}
}

// A pointer to a WaitGroup made with new.
func withNew(names []string) {
	wg := new(sync.WaitGroup)
	wg.Add(len(names))
	for _, name := range names {
		go func() {
			defer wg.Done()
			load(name)
		}()
		wg.Wait() // want "WG004"
	}
}

// The Wait is in an inner loop of the spawning loop.
func innerWait(groups [][]string) {
	var wg sync.WaitGroup
	wg.Add(len(groups))
	for _, g := range groups {
		go func() {
			defer wg.Done()
			load(g[0])
		}()
		for range g {
			wg.Wait() // want "WG004"
		}
	}
}

// The Add is per outer iteration, the spawning loop is the inner one.
func perGroup(groups [][]string) {
	for _, g := range groups {
		var wg sync.WaitGroup
		wg.Add(len(g))
		for _, name := range g {
			go func() {
				defer wg.Done()
				load(name)
			}()
			wg.Wait() // want "WG004"
		}
	}
}

// A range over an integer (Go 1.22).
func startRange(n int) {
	var wg sync.WaitGroup
	wg.Add(n)
	for range n {
		go func() {
			defer wg.Done()
		}()
		wg.Wait() // want "WG004"
	}
}

// The Wait comes before the goroutine in the loop body: nothing has started yet.
func waitBefore(names []string) {
	var wg sync.WaitGroup
	wg.Add(len(names))
	for _, name := range names {
		wg.Wait() // want "WG004"
		go func() {
			defer wg.Done()
			load(name)
		}()
	}
}
