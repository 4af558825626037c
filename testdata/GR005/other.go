package gr005

// The loop function lives in another file of the package.
func spin(ch chan int) {
	for {
		ch <- 1
	}
}

func startSpin() chan int {
	ch := make(chan int)
	go spin(ch) // want "GR005: goroutine spin"
	return ch
}
