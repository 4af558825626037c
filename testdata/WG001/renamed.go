package wg001

import s "sync"

type Pool struct {
	s.WaitGroup
}

func (p *Pool) Spawn(f func()) {
	go func() {
		p.Add(1) // want "WG001"
		defer p.Done()
		f()
	}()
}

func (p *Pool) Close() {
	p.Wait()
}
