package gr003

import (
	"sync"
	"sync/atomic"
	"time"
)

// No goroutine before the sleep.
func plainSleep() int {
	n := 1
	time.Sleep(time.Millisecond)
	return n
}

// A retry loop: the sleep backs off between attempts.
func retry(try func() error) error {
	var err error
	for i := 0; i < 3; i++ {
		if err = try(); err == nil {
			return nil
		}
		time.Sleep(time.Duration(i) * time.Second)
	}
	return err
}

// Polling: the sleep is in a loop of its own that re-checks a flag.
func polling() int {
	var done atomic.Bool
	v := 0
	go func() {
		v = 1
		done.Store(true)
	}()
	for !done.Load() {
		time.Sleep(time.Millisecond)
	}
	return v
}

// The goroutine's effects are never read.
func fireAndForget(log func(string)) {
	msg := "x"
	go func() {
		msg = "y"
		log(msg)
	}()
	time.Sleep(time.Millisecond)
}

// A WaitGroup between the goroutine and the sleep.
func waited() int {
	var wg sync.WaitGroup
	n := 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		n = 1
	}()
	wg.Wait()
	time.Sleep(time.Millisecond)
	return n
}

// A channel receive between them.
func received() int {
	n := 0
	done := make(chan struct{})
	go func() {
		n = 1
		close(done)
	}()
	<-done
	time.Sleep(time.Millisecond)
	return n
}

// The read comes only after a real wait.
func waitAfter() int {
	n := 0
	ch := make(chan int)
	go func() {
		n = 2
		ch <- 1
	}()
	time.Sleep(time.Millisecond)
	<-ch
	return n
}

// The goroutine writes its own locals only.
func ownLocals() int {
	n := 0
	go func() {
		m := 0
		m++
		_ = m
	}()
	time.Sleep(time.Millisecond)
	return n
}

// The method writes another field than the one read after the sleep.
func (s *Stats) rename() {
	s.name = "x"
}

func otherField() int {
	s := &Stats{}
	go s.rename()
	time.Sleep(time.Second)
	return s.hits
}

// A goroutine started after the sleep.
func after() int {
	n := 0
	time.Sleep(time.Millisecond)
	go func() { n = 1 }()
	return n
}

// A value argument: the callee writes its own copy.
func bump(n int) {
	n++
	_ = n
}

func valueArg() int {
	n := 0
	go bump(n)
	time.Sleep(time.Millisecond)
	return n
}

// A select between them.
func selected(stop chan struct{}) int {
	n := 0
	go func() { n = 1 }()
	select {
	case <-stop:
	case <-time.After(time.Second):
	}
	time.Sleep(time.Millisecond)
	return n
}

// The variable is overwritten after the sleep before it is read: the read sees that value.
func overwritten(start func() error) error {
	var err error
	go func() {
		err = start()
	}()
	time.Sleep(time.Millisecond)
	err = nil
	return err
}

type conn struct{ state int }

func (c *conn) serve() { c.state = 1 }

// An accept loop: the sleep backs off on errors, and the next iteration declares a new c.
func acceptLoop(accept func() (int, error)) {
	for {
		_, err := accept()
		if err != nil {
			time.Sleep(time.Millisecond)
			continue
		}
		c := &conn{}
		c.state = 0
		go c.serve()
	}
}
