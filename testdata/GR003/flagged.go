package gr003

import (
	"sync"
	"time"

	clock "time"
)

func sum(xs []int) int {
	total := 0
	go func() {
		for _, x := range xs {
			total += x
		}
	}()
	time.Sleep(10 * time.Millisecond) // want "GR003: time.Sleep waits for the goroutine started on line 12, which writes total"
	return total
}

func renamed() []string {
	var out []string
	go func() {
		out = append(out, "a")
	}()
	clock.Sleep(clock.Second) // want "GR003: .*writes out"
	return out
}

func counter() int {
	n := 0
	go func() { n++ }()
	if n > 100 {
		return 0
	}
	time.Sleep(time.Millisecond) // want "GR003: .*writes n"
	if n == 1 {
		return 1
	}
	return n
}

type Stats struct {
	hits int
	name string
}

func (s *Stats) collect() {
	s.hits = 42
}

func viaMethod() int {
	s := &Stats{}
	go s.collect()
	time.Sleep(time.Second) // want "GR003: .*writes s.hits"
	return s.hits
}

func fill(m map[string]int, dst *[]int) {
	*dst = append(*dst, 1)
}

func viaPointerArg(m map[string]int) []int {
	var got []int
	go fill(m, &got)
	time.Sleep(time.Second) // want "GR003: .*writes got"
	return got
}

var ready bool

func packageVar() bool {
	go func() { ready = true }()
	time.Sleep(time.Second) // want "GR003: .*writes ready"
	return ready
}

// A mutex only after the sleep still relies on the sleep for the order.
func lockedRead() int {
	var mu sync.Mutex
	v := 0
	go func() {
		mu.Lock()
		v = 1
		mu.Unlock()
	}()
	time.Sleep(time.Second) // want "GR003"
	mu.Lock()
	defer mu.Unlock()
	return v
}

// Goroutines started in a loop, sleep in the same loop iteration.
func perIteration(items []string) int {
	count := 0
	for range items {
		go func() { count++ }()
		time.Sleep(time.Millisecond) // want "GR003"
		if count > 3 {
			break
		}
	}
	return 0
}
