package wg003

import (
	"sync"
)

func worker(wg sync.WaitGroup, id int) { // want "WG003: parameter wg of worker is passed by value: sync.WaitGroup"
	defer wg.Done()
	_ = id
}

func startWorkers(n int) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go worker(wg, i) // want "WG003: call of worker passes wg by value: sync.WaitGroup"
	}
	wg.Wait()
}

// Pool embeds its WaitGroup.
type Pool struct {
	sync.WaitGroup
	jobs chan func()
}

func (p Pool) Size() int { // want "WG003: value receiver p of Pool.Size copies the Pool: Pool contains sync.WaitGroup via field WaitGroup"
	return len(p.jobs)
}

// Server holds a WaitGroup two levels down, and a mutex: MU005 names the mutex, we the WaitGroup.
type Server struct {
	mu    sync.Mutex
	state serverState
}

type serverState struct {
	conns sync.WaitGroup
	count int
}

func (s Server) Count() int { // want "WG003: Server contains sync.WaitGroup via field state.conns"
	return s.state.count
}

// Batch has two WaitGroups: one finding names the first.
type Batch struct {
	started  sync.WaitGroup
	finished sync.WaitGroup
}

func describe(b Batch) string { // want "WG003: Batch contains sync.WaitGroup via field started \(and 1 more\)"
	return "batch"
}

func assignments(p *Pool, wgp *sync.WaitGroup) {
	copyOfPool := *p // want "WG003: assignment copies \*p to copyOfPool: Pool contains sync.WaitGroup"
	var wg = *wgp    // want "WG003: variable declaration copies \*wgp to wg"
	wg2 := wg        // want "WG003: assignment copies wg to wg2"
	wg2 = wg         // want "WG003: assignment copies wg to wg2"
	_, _ = &copyOfPool, &wg2
}

func ranges(pools []Pool, groups map[string]sync.WaitGroup) {
	for _, p := range pools { // want "WG003: range variable p copies each element: Pool contains sync.WaitGroup"
		p.Wait()
	}
	for name, wg := range groups { // want "WG003: range variable wg copies each element: sync.WaitGroup"
		_ = name
		wg.Wait()
	}
}

func returns(p *Pool) Pool {
	return *p // want "WG003: return copies \*p: Pool contains sync.WaitGroup via field WaitGroup"
}

func literals(wgp *sync.WaitGroup) []sync.WaitGroup {
	return []sync.WaitGroup{
		*wgp, // want "WG003: composite literal copies \*wgp"
		{},
	}
}

func closures() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func(w sync.WaitGroup) { // want "WG003: parameter w of func literal is passed by value"
		defer w.Done()
	}(wg) // want "WG003: call of func\(w sync.WaitGroup\) .* passes wg by value"
	wg.Wait()
}
