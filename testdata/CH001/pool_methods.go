package ch001

func (p *Pool) work() {
	for j := range p.jobs { // closed by Shutdown in pool.go
		p.results <- j * 2
	}
	finishResults(p)
}

func finishResults(p *Pool) {
	close(p.results)
}

func (p *Pool) collect() int {
	total := 0
	for r := range p.results {
		total += r
	}
	return total
}

func (p *Pool) logLoop() {
	for s := range p.leaky { // want "CH001: range over p.leaky, which is never closed in this package"
		_ = s
	}
}

func (p *Pool) Log(s string) { p.leaky <- s }
