package ch009

// A retry helper hands its callback the stop channel it was given; the caller keeps that
// channel in a variable and waits on it, but only its own deferred close closes it.
type ticks func(stop <-chan struct{}) <-chan struct{}

func retry(next ticks, attempt func() bool, stop <-chan struct{}) {
	for range next(stop) {
		if attempt() {
			return
		}
	}
}

func everyTurn(stop <-chan struct{}) <-chan struct{} {
	out := make(chan struct{})
	go func() {
		defer close(out)
		for {
			select {
			case out <- struct{}{}:
			case <-stop:
				return
			}
		}
	}()
	return out
}

func retryAndWait(attempt func() bool) {
	quit := make(chan struct{})
	defer close(quit)
	var seen <-chan struct{}
	retry(func(stop <-chan struct{}) <-chan struct{} {
		seen = stop
		return everyTurn(stop)
	}, attempt, quit)
	<-seen // want "CH009: receive from seen, which holds quit, waits for its own goroutine"
}

// Not flagged: the helper may close what it is handed (a bidirectional parameter).
func finish(done chan struct{}) { close(done) }

func retryThenFinish(attempt func() bool) {
	quit := make(chan struct{})
	defer close(quit)
	go finish(quit)
	<-quit
}

// Not flagged: the variable also holds a channel that another goroutine closes.
func waitEither(attempt func() bool, other chan struct{}) {
	quit := make(chan struct{})
	defer close(quit)
	var seen <-chan struct{}
	retry(func(stop <-chan struct{}) <-chan struct{} {
		seen = stop
		return everyTurn(stop)
	}, attempt, quit)
	if !attempt() {
		seen = other
	}
	<-seen
}
