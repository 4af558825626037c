package corpus

// stage squares what it reads and closes its output when the input ends.
func stage(in <-chan int) <-chan int {
	out := make(chan int, 4)
	go func() {
		defer close(out)
		for v := range in {
			out <- v * v
		}
	}()
	return out
}

// leak ranges over a channel that nobody closes.
func leak() int {
	ch := make(chan int)
	go func() {
		for i := 0; i < 3; i++ {
			ch <- i
		}
	}()
	total := 0
	for v := range ch {
		total += v
	}
	return total
}
