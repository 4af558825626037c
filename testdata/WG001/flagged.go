package wg001

import (
	"sync"
)

func addInsideLiteral(items []string) {
	var wg sync.WaitGroup
	for _, item := range items {
		go func() {
			wg.Add(1) // want "WG001: wg.Add is called inside the goroutine it counts"
			defer wg.Done()
			_ = item
		}()
	}
	wg.Wait()
}

func addAfterDefer(n int) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		go func(i int) {
			defer wg.Done()
			wg.Add(1) // want "WG001"
			_ = i
		}(i)
	}
	wg.Wait()
}

func addThroughPointerAlias() {
	var group sync.WaitGroup
	g := &group
	go func() {
		g.Add(1) // want "WG001: g.Add"
		defer g.Done()
	}()
	group.Wait()
}

type Crawler struct {
	wg   sync.WaitGroup
	seen map[string]bool
}

func (c *Crawler) Visit(url string) {
	go func() {
		c.wg.Add(1) // want "WG001: c.wg.Add"
		defer c.wg.Done()
		c.seen[url] = true
	}()
}

func (c *Crawler) Finish() {
	c.wg.Wait()
}

func worker(wg *sync.WaitGroup, id int) {
	wg.Add(1) // want "WG001"
	defer wg.Done()
	_ = id
}

func startWorkers() {
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		go worker(&wg, i)
	}
	wg.Wait()
}

// The caller's Wait cannot wait for an Add that has not happened yet.
func spawnFor(wg *sync.WaitGroup, f func()) {
	go func() {
		wg.Add(1) // want "WG001"
		defer wg.Done()
		f()
	}()
}

// An exported WaitGroup: whoever waits on it races with this Add.
type Exported struct {
	WG sync.WaitGroup
}

func (e *Exported) Go(f func()) {
	go func() {
		e.WG.Add(1) // want "WG001: e.WG.Add"
		defer e.WG.Done()
		f()
	}()
}
