package ch004

import "context"

// Values bound afresh on each iteration: a range variable, a `case x := <-ch` variable and a
// variable declared in the loop body. The back-edge of the loop rebinds them, so a close on
// one iteration and a close or send on the next touch different channels.

type listener struct {
	ctx   context.Context
	ready chan int
}

type request struct {
	urgent bool
	reply  chan struct{}
}

func notifyAll(ls []*listener, v int) []*listener {
	kept := ls[:0]
	for _, l := range ls {
		if l.ctx.Err() != nil {
			close(l.ready)
			continue
		}
		select {
		case <-l.ctx.Done():
			close(l.ready)
		case l.ready <- v:
			kept = append(kept, l)
		}
	}
	return kept
}

func drainAndClose(byID map[int]*listener, v int) {
	for id, l := range byID {
		l.ready <- v
		close(l.ready)
		delete(byID, id)
	}
}

func serve(quit <-chan struct{}, incoming <-chan *request) {
	for {
		select {
		case <-quit:
			return
		case r := <-incoming:
			if r.urgent {
				close(r.reply)
				continue
			}
			close(r.reply)
		}
	}
}

func pump(incoming <-chan *request) {
	for {
		r, ok := <-incoming
		if !ok {
			return
		}
		close(r.reply)
	}
}

func relabel(batches [][]*request) {
	for _, batch := range batches {
		for i := range batch {
			cur := batch[i]
			close(cur.reply)
		}
	}
}

// The `if` that chose the close tests a counter nothing changes on the way back: every
// later iteration takes the close branch again, so the send never follows the close.
func roundTrips(requests chan<- int, replies <-chan int) {
	n := 0
	requests <- n
	for range replies {
		if n == 10 {
			close(requests)
			continue
		}
		n++
		requests <- n
	}
}
