package ch002

import (
	"context"
	"errors"
)

func check(int) error { return nil }

// First error wins: the other goroutines block on their sends.
func FirstError(items []int) error {
	errc := make(chan error)
	for _, it := range items {
		go func() {
			errc <- check(it) // want "CH002: send on unbuffered errc can block forever: the loop on line 18 that receives from errc can stop early \(the return on line 20\) while goroutines started on line 14 still send"
		}()
	}
	for range items {
		if err := <-errc; err != nil {
			return err
		}
	}
	return nil
}

// The consumer returns from inside the range while the producer still sends.
func FirstLarge(xs []int) int {
	ch := make(chan int)
	go func() {
		defer close(ch)
		for _, x := range xs {
			ch <- x // want "CH002: send on unbuffered ch can block forever: the loop on line 35"
		}
	}()
	for v := range ch {
		if v > 10 {
			return v
		}
	}
	return 0
}

// A break out of the range, and nothing drains afterwards.
func Until(xs []string, stop string) int {
	names := make(chan string)
	go func() {
		for _, x := range xs {
			names <- x // want "CH002"
		}
		close(names)
	}()
	n := 0
	for name := range names {
		if name == stop {
			break
		}
		n++
	}
	return n
}

// One send, received in a loop that can leave on ctx.Done.
func Await(ctx context.Context, ticks <-chan int) (int, error) {
	res := make(chan int)
	go func() {
		res <- compute() // want "CH002: send on unbuffered res can block forever: the return on line 74 leaves without receiving from res"
	}()
	for {
		select {
		case v := <-res:
			return v, nil
		case <-ticks:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// A constant buffer smaller than the sends of a counted loop in a helper.
const window = 4

func produce(ch chan int) {
	for i := 0; i < window*2; i++ {
		ch <- i
	}
}

func Window(ctx context.Context) int {
	ch := make(chan int, window)
	go func() {
		defer close(ch)
		produce(ch) // want "CH002: call sending on ch \(4 buffered\) can block forever: the loop on line 95 that receives from ch can stop early \(the return on line 98\) while the goroutine sends 8 values into 4 slots"
	}()
	total := 0
	for v := range ch {
		select {
		case <-ctx.Done():
			return total
		default:
		}
		total += v
	}
	return total
}

// Clean: a constant buffer and a producer loop of unknown length (the size was chosen).
func BufferedSquares(xs []int) (int, error) {
	out := make(chan int, 8)
	go func() {
		for _, x := range xs {
			out <- x * x
		}
		close(out)
	}()
	sum := 0
	for v := range out {
		if v < 0 {
			return 0, errors.New("overflow")
		}
		sum += v
	}
	return sum, nil
}

// Clean: every value is received; the loop has no early exit.
func SumAll(xs []int) int {
	ch := make(chan int)
	for _, x := range xs {
		go func() { ch <- x }()
	}
	sum := 0
	for range xs {
		sum += <-ch
	}
	return sum
}

// Clean: after the break, the rest is drained.
func Drained(xs []int) int {
	ch := make(chan int)
	go func() {
		defer close(ch)
		for _, x := range xs {
			ch <- x
		}
	}()
	first := 0
	for v := range ch {
		first = v
		break
	}
	for range ch {
	}
	return first
}

// Clean: the early exit happens only once the channel is closed.
func UntilClosed(xs []int, quit <-chan struct{}) int {
	ch := make(chan int)
	go func() {
		defer close(ch)
		for _, x := range xs {
			ch <- x
		}
	}()
	n := 0
	for {
		v, ok := <-ch
		if !ok {
			return n
		}
		n += v
	}
}

// Clean: a buffer for every goroutine.
func FirstErrorBuffered(items []int) error {
	errc := make(chan error, len(items))
	for _, it := range items {
		go func() { errc <- check(it) }()
	}
	for range items {
		if err := <-errc; err != nil {
			return err
		}
	}
	return nil
}

// Clean: the buffer holds every value of the counted loop.
func small(ch chan int) {
	for i := 0; i < window; i++ {
		ch <- i
	}
}

func Small(ctx context.Context) int {
	ch := make(chan int, window)
	go func() {
		defer close(ch)
		small(ch)
	}()
	for v := range ch {
		if v > 1 {
			return v
		}
	}
	return 0
}

// Clean: one send, received by the first iteration before any exit.
func OneValue() int {
	ch := make(chan int)
	go func() {
		ch <- compute()
		close(ch)
	}()
	for v := range ch {
		return v
	}
	return 0
}

// Clean: the senders give up on ctx.Done too.
func Cooperative(ctx context.Context, items []int) error {
	errc := make(chan error)
	for _, it := range items {
		go func() {
			select {
			case errc <- check(it):
			case <-ctx.Done():
			}
		}()
	}
	for range items {
		if err := <-errc; err != nil {
			return err
		}
	}
	return nil
}

// Clean: an endless producer (a stream): its lifetime is its source's.
func Stream(read func() (int, error)) int {
	ch := make(chan int)
	go func() {
		for {
			v, err := read()
			if err != nil {
				return
			}
			ch <- v
		}
	}()
	for v := range ch {
		if v > 3 {
			return v
		}
	}
	return 0
}
