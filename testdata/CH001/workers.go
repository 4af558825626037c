package ch001

import (
	"runtime"
	"sync"
)

// Workers started by code that runs once per process serve for the life of the process:
// their queue is never closed on purpose.

type signer struct {
	tasks chan []byte
}

func newSigner(threads int) *signer {
	s := &signer{tasks: make(chan []byte, threads)}
	for i := 0; i < threads; i++ {
		go s.work()
	}
	return s
}

func (s *signer) work() {
	for task := range s.tasks {
		_ = len(task)
	}
}

// Made once, through sync.OnceValue.
var sharedSigner = sync.OnceValue(func() *signer { return newSigner(runtime.NumCPU()) })

// A queue served by a worker started from sync.Once.
var (
	indexOnce sync.Once
	indexJobs chan string
)

func (r *registry) startIndexer() {
	indexJobs = make(chan string, 16)
	go func() {
		for name := range indexJobs {
			r.add(name)
		}
	}()
}

type registry struct{ names []string }

func (r *registry) add(name string) { r.names = append(r.names, name) }

func (r *registry) Index(name string) {
	indexOnce.Do(r.startIndexer)
	indexJobs <- name
}

// The same worker started for every object built: each leaks when its object goes.
type mailer struct{ outbox chan string }

func NewMailer() *mailer {
	m := &mailer{outbox: make(chan string)}
	go m.send()
	return m
}

func (m *mailer) send() {
	for msg := range m.outbox { // want "CH001: range over m.outbox, which is never closed"
		_ = msg
	}
}
