package wg002

import (
	"errors"
	"sync"
)

// The WaitGroup counted by Add reaches the goroutine under another name: a pointer to the
// struct that holds it, a struct field that points to it, an embedded WaitGroup, a
// parameter bound to the address of a field. Done through any of them is Done.

type pipeline struct {
	wg    sync.WaitGroup
	count int
}

type engine struct {
	pipe pipeline
	jobs chan int
}

func (e *engine) startThroughPointer() {
	p := &e.pipe
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.count++
	}()
}

func (e *engine) startThroughPointerEarlyReturn(fail bool) {
	p := &e.pipe
	p.wg.Add(1)
	go func() {
		if fail {
			return // want "WG002: this return skips p.wg.Done"
		}
		p.wg.Done()
	}()
}

// A struct that points to the caller's WaitGroup.
type copier struct {
	wg  *sync.WaitGroup
	src []byte
}

func (c *copier) run(out chan<- int) {
	defer c.wg.Done()
	out <- len(c.src)
}

func copyBoth(a, b []byte) {
	var wg sync.WaitGroup
	out := make(chan int, 2)
	first := &copier{wg: &wg, src: a}
	second := copier{wg: &wg, src: b}
	wg.Add(2)
	go first.run(out)
	go second.run(out)
	wg.Wait()
}

// The pointer field is promoted from an embedded struct.
type base struct{ wg *sync.WaitGroup }

type execer struct {
	base
	cmd string
}

func (x *execer) exec(errs chan<- error) {
	defer func() {
		x.wg.Done()
	}()
	if x.cmd == "" {
		errs <- errors.New("no command")
	}
}

func execAll(cmds []string) {
	var wg sync.WaitGroup
	errs := make(chan error, len(cmds))
	for _, c := range cmds {
		w := &execer{base{wg: &wg}, c}
		wg.Add(1)
		go w.exec(errs)
	}
	wg.Wait()
}

// The address of a receiver's field handed as a parameter.
type syncer struct {
	checkers sync.WaitGroup
	in       chan int
}

func (s *syncer) check(fraction int, wg *sync.WaitGroup) {
	defer wg.Done()
	for v := range s.in {
		_ = v * fraction
	}
}

func (s *syncer) startCheckers(n int) {
	s.checkers.Add(n)
	for i := 0; i < n; i++ {
		go s.check(i, &s.checkers)
	}
}

func (s *syncer) checkEarly(wg *sync.WaitGroup) {
	for v := range s.in {
		if v < 0 {
			return // want "WG002: this return skips s.checkers.Done"
		}
	}
	wg.Done()
}

func (s *syncer) startEarly() {
	s.checkers.Add(1)
	go s.checkEarly(&s.checkers)
}

// A WaitGroup embedded in the struct: w.Done() is the WaitGroup's Done.
type fleet struct {
	sync.WaitGroup
	ships int
}

func (f *fleet) launch() {
	f.Add(1)
	go func() {
		defer f.Done()
		f.ships++
	}()
	f.Wait()
}

// A variable assigned the WaitGroup before the Add.
type bench struct{ writers int }

func (b *bench) runWriter(stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	<-stop
}

func (b *bench) start(stop <-chan struct{}) func() {
	var counted *sync.WaitGroup
	setup := func(wg *sync.WaitGroup) {
		counted = wg
		for i := 0; i < b.writers; i++ {
			counted.Add(1)
			go b.runWriter(stop, wg)
		}
	}
	var wg sync.WaitGroup
	setup(&wg)
	return func() { counted.Wait() }
}

// The Add in one loop on a value declared in that loop, the goroutines started in another:
// the goroutine reaches the same value through its parameter.
type readers struct {
	wg   sync.WaitGroup
	n    int
	fail int
}

func readAll(rounds int, read func(int) error) {
	var all []*readers
	for i := 0; i < rounds; i++ {
		rs := &readers{n: 3, fail: i % 3}
		rs.wg.Add(rs.n)
		all = append(all, rs)
	}
	for _, r := range all {
		for j := 0; j < r.n; j++ {
			go func(r *readers, index int) {
				if err := read(index); err != nil {
					r.wg.Done()
					return
				}
				r.wg.Done()
			}(r, j)
		}
	}
	for _, r := range all {
		r.wg.Wait()
	}
}
