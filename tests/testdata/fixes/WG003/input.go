package demo

import "sync"

type batch struct {
	wg   sync.WaitGroup
	jobs []func()
}

// run waits on a copy of the WaitGroup: the receiver is a value.
func (b batch) run() {
	for _, job := range b.jobs {
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			job()
		}()
	}
	b.wg.Wait()
}

// wait returns at once: the copy's counter is zero.
func (b batch) wait() {
	b.wg.Wait()
}

type crawler struct {
	pending sync.WaitGroup
	visit   func(string)
}

// crawl adds to a copy that nobody waits on.
func (c crawler) crawl(urls []string) {
	for _, u := range urls {
		c.pending.Add(1)
		go func() {
			defer c.pending.Done()
			c.visit(u)
		}()
	}
}

// alreadyRight must be left alone.
func (c *crawler) alreadyRight() {
	c.pending.Wait()
}
