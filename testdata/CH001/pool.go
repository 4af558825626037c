package ch001

// Pool's channels are made here; the methods that use them are in pool_methods.go.
type Pool struct {
	jobs    chan int
	results chan int
	leaky   chan string
}

func NewPool() *Pool {
	p := &Pool{jobs: make(chan int), results: make(chan int, 8)}
	p.leaky = make(chan string)
	return p
}

func (p *Pool) Shutdown() {
	close(p.jobs)
}
