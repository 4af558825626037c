package ch001

import (
	"log"
	"os"
	"time"
)

func closedByProducer(nums []int) int {
	results := make(chan int)
	go func() {
		defer close(results)
		for _, n := range nums {
			results <- n
		}
	}()
	total := 0
	for r := range results {
		total += r
	}
	return total
}

func closedThroughAlias() {
	ch := make(chan int, 1)
	c := ch
	go func() {
		c <- 1
		close(c)
	}()
	for v := range ch {
		_ = v
	}
}

func closer(out chan<- int) {
	defer close(out)
	out <- 1
}

func indirectCloser(out chan<- int) {
	closer(out)
}

func closedByPackageFunction() {
	ch := make(chan int)
	go indirectCloser(ch)
	for v := range ch {
		_ = v
	}
}

func fromParameter(in <-chan int) {
	for v := range in {
		_ = v
	}
}

func fromCall() {
	for v := range source() {
		_ = v
	}
}

func source() <-chan int {
	ch := make(chan int)
	go func() {
		defer close(ch)
		ch <- 1
	}()
	return ch
}

func passedOutside() {
	ch := make(chan os.Signal, 1)
	notify(ch)
	for s := range ch {
		_ = s
	}
}

var notify = func(c chan os.Signal) {}

func sentOverChannel(owners chan<- chan int) {
	ch := make(chan int)
	owners <- ch
	for v := range ch {
		_ = v
	}
}

func storedElsewhere(m map[string]chan int) {
	ch := make(chan int)
	m["x"] = ch
	for v := range ch {
		_ = v
	}
}

func tickers() {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for t := range ticker.C {
		_ = t
	}
}

func tick() {
	for t := range time.Tick(time.Second) {
		_ = t
	}
}

func breaksOut() {
	ch := make(chan int, 1)
	ch <- 1
	for v := range ch {
		if v > 0 {
			break
		}
	}
}

func labelledBreakFromSelect(stop chan struct{}) {
	ch := make(chan int, 1)
loop:
	for v := range ch {
		select {
		case <-stop:
			break loop
		default:
			_ = v
		}
	}
}

func returnsOut() int {
	ch := make(chan int, 1)
	ch <- 1
	for v := range ch {
		return v
	}
	return 0
}

func gotoOut() {
	ch := make(chan int, 1)
	ch <- 1
	for v := range ch {
		if v == 1 {
			goto done
		}
	}
done:
}

func exitsProcess() {
	ch := make(chan int, 1)
	for v := range ch {
		if v < 0 {
			log.Fatal("negative")
		}
		if v == 0 {
			os.Exit(0)
		}
	}
}

func panics() {
	ch := make(chan int, 1)
	for v := range ch {
		if v < 0 {
			panic("negative")
		}
	}
}

func rangeOverSlice(xs []int) {
	ch := make([]int, 3)
	for v := range ch {
		_ = v
	}
	_ = xs
}

func returnedChannel() <-chan int {
	ch := make(chan int)
	go func() {
		for v := range ch {
			_ = v
		}
	}()
	return ch
}
