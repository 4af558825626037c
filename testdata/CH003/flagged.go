package ch003

import "fmt"

func forgottenMake(n int) int {
	var results chan int
	go func() {
		results <- n * n // want "CH003: send on results, which is nil here"
	}()
	return <-results // want "CH003: receive from results"
}

func rangeNil() {
	var events chan string
	for e := range events { // want "CH003: range over events"
		fmt.Println(e)
	}
}

func closeNil() {
	var done chan struct{}
	defer close(done) // want "CH003: close of done, which is nil here.*panics"
}

// `ch = nil` keeps it nil.
func stillNil() {
	var ch chan int
	ch = nil
	ch <- 1 // want "CH003: send on ch"
}

// The assignment comes after the operation and cannot reach it.
func assignedTooLate() {
	var ch chan int
	v := <-ch // want "CH003: receive from ch"
	ch = make(chan int, 1)
	ch <- v
}

// A field that nothing in the package ever makes.
type worker struct {
	jobs    chan int
	results chan int
	name    string
}

func newWorker(name string) *worker {
	return &worker{name: name, results: make(chan int, 1)}
}

func (w *worker) run() {
	for j := range w.jobs { // want "CH003: range over w.jobs"
		w.results <- j
	}
}

func (w *worker) submit(j int) {
	w.jobs <- j // want "CH003: send on w.jobs"
}

// An unexported package variable never assigned.
var shutdown chan struct{}

func waitShutdown() {
	<-shutdown // want "CH003: receive from shutdown"
}
