package dynamic

import "sync"

// A four-call chain through a callback parameter, an interface with one implementation and
// a function-typed field: the queue runs the handler with its own lock held, the handler
// locks the registry, and the registry asks the queue with its own lock held.
type notifier interface{ notify() }

type hooks struct{ onAdd func() }

func (h hooks) notify() {
	if h.onAdd != nil {
		h.onAdd()
	}
}

type jobQueue struct {
	mu   sync.Mutex
	jobs []int
}

func (q *jobQueue) drain(process func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	process()
}

func (q *jobQueue) size() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.jobs)
}

type registry struct {
	sync.Mutex
	queue *jobQueue
	count int
}

func (r *registry) add() {
	r.Lock()
	defer r.Unlock()
	r.count++
}

func (r *registry) pending() int {
	r.Lock()
	defer r.Unlock()
	return r.queue.size() // want "MU002: r.queue.mu .jobQueue.mu. is locked while holding r .registry.Mutex., but jobQueue.drain locks them in the opposite order"
}

func wire(r *registry) {
	var n notifier = hooks{onAdd: func() { r.add() }}
	r.queue.drain(func() { n.notify() })
}
