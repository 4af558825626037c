package wg003

import "sync"

func pointerWorker(wg *sync.WaitGroup, id int) {
	defer wg.Done()
	_ = id
}

func startPointerWorkers(n int) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go pointerWorker(&wg, i)
	}
	wg.Wait()
}

func (p *Pool) Run() {
	p.Add(1)
	go func() {
		defer p.Done()
		for job := range p.jobs {
			job()
		}
	}()
}

// Group shares its WaitGroup through a pointer.
type Group struct {
	wg   *sync.WaitGroup
	name string
}

func (g Group) Name() string { return g.name }

func NewPool() Pool {
	return Pool{jobs: make(chan func())}
}

func newPoolPtr() *Pool {
	return &Pool{jobs: make(chan func())}
}

func fresh() {
	wg := sync.WaitGroup{}
	var wg2 = sync.WaitGroup{}
	wg3 := new(sync.WaitGroup)
	p := NewPool()
	p2 := *newPoolPtr()
	wgs := make([]sync.WaitGroup, 3)
	ptrs := []*sync.WaitGroup{&wg, wg3}
	g := Group{wg: &wg2, name: "g"}
	g2 := g
	_, _, _, _, _, _ = &p, &p2, wgs, ptrs, g2, &wg
}

func byIndex(pools []Pool) {
	for i := range pools {
		pools[i].Wait()
	}
}

// Server holds a mutex too: that one is MU005's, not ours.
func lockOnly(s *Server) {
	s.mu.Lock()
	defer s.mu.Unlock()
}

type Locked struct {
	mu sync.Mutex
}

// A struct without a WaitGroup is not WG003's even when it is copied.
func (l Locked) Name() string { return "locked" }
