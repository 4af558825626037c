package ch001

import "fmt"

func squares(nums []int) int {
	results := make(chan int)
	go func() {
		for _, n := range nums {
			results <- n * n
		}
	}()
	total := 0
	for r := range results { // want "CH001: range over results, which is never closed"
		total += r
	}
	return total
}

func aliasRanged(words []string) {
	ch := make(chan string, len(words))
	out := ch
	for _, w := range words {
		ch <- w
	}
	for w := range out { // want "CH001: range over out"
		fmt.Println(w)
	}
}

func breakInsideSelectDoesNotLeave(events chan int) {
	ticks := make(chan int)
	go func() {
		for i := 0; i < 3; i++ {
			ticks <- i
		}
	}()
	for t := range ticks { // want "CH001"
		select {
		case e := <-events:
			if e < 0 {
				break // leaves the select, not the loop
			}
		default:
		}
		switch t {
		case 1:
			break // leaves the switch
		}
	}
}

func producer(out chan<- int, n int) {
	for i := 0; i < n; i++ {
		out <- i
	}
}

func handedToProducerThatDoesNotClose() {
	nums := make(chan int)
	go producer(nums, 3)
	for n := range nums { // want "CH001"
		_ = n
	}
}

func declaredThenMade() {
	var jobs chan int
	jobs = make(chan int, 1)
	jobs <- 1
	for j := range jobs { // want "CH001"
		_ = j
	}
}

var events = make(chan string)

func consumeEvents() {
	for e := range events { // want "CH001: range over events, which is never closed in this package"
		fmt.Println(e)
	}
}

func emit(e string) { events <- e }
