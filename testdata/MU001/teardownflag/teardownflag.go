// Package teardownflag: a worker leaves the registry on its way out, under the registry's
// lock, unless a package flag says the registry is being torn down. A teardown that sets
// the flag under the lock and then hands each worker its stop request does not wait on the
// lock: the worker reads the flag after it received that request.
package teardownflag

import "sync"

type job struct {
	last bool
	wg   sync.WaitGroup
}

type worker struct {
	name string
	jobs chan *job
}

var (
	regMu    sync.Mutex
	registry = map[string]*worker{}
	tearing  bool
)

func (w *worker) run() {
	var j *job
	for {
		j = <-w.jobs
		if j.last {
			break
		}
		j.wg.Done()
	}
	if !tearing {
		regMu.Lock()
		delete(registry, w.name)
		regMu.Unlock()
	}
	j.wg.Done()
}

// do hands the worker a job and waits until it is handled.
func (w *worker) do(last bool) {
	j := &job{last: last}
	j.wg.Add(1)
	w.jobs <- j
	j.wg.Wait() // want "MU001: wg.Wait.. can block while a caller holds regMu: 3 call paths hold a lock here; w.run, which calls Done on it, needs regMu"
}

func Start(name string) {
	w := &worker{name: name, jobs: make(chan *job)}
	regMu.Lock()
	registry[name] = w
	regMu.Unlock()
	go w.run()
}

// Stop stops one worker without the lock: it leaves the registry itself.
func Stop(name string) {
	regMu.Lock()
	w := registry[name]
	regMu.Unlock()
	if w != nil {
		w.do(true)
	}
}

// TearDown stops every worker with the lock held; the flag keeps them off the lock.
func TearDown() {
	regMu.Lock()
	tearing = true
	for _, w := range registry {
		w.do(true)
	}
	registry = map[string]*worker{}
	tearing = false
	regMu.Unlock()
}

// TearDownLate sets the flag only once the workers are stopped: each one takes the lock.
func TearDownLate() {
	regMu.Lock()
	for _, w := range registry {
		w.do(true)
	}
	tearing = true
	registry = map[string]*worker{}
	tearing = false
	regMu.Unlock()
}

// TearDownSome sets the flag on one path only.
func TearDownSome(quick bool) {
	regMu.Lock()
	if quick {
		tearing = true
	}
	for _, w := range registry {
		w.do(true)
	}
	tearing = false
	regMu.Unlock()
}

// Reset clears the flag before it stops the workers: they take the lock.
func Reset() {
	regMu.Lock()
	tearing = false
	for _, w := range registry {
		w.do(true) // want "MU001: call of w.do can block .wg.Wait... while regMu is held; w.run, which calls Done on it, needs regMu"
	}
	regMu.Unlock()
}

// TearDownOnce clears the flag after the first worker: the others take the lock.
func TearDownOnce() {
	regMu.Lock()
	tearing = true
	for _, w := range registry {
		w.do(true)
		tearing = false
	}
	regMu.Unlock()
}
