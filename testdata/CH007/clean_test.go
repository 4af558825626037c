package ch007

import "testing"

// A test drives the loop its fixture started, in an order it chose.
func trackerFixture(t *testing.T) *tracker {
	tr := newTracker()
	prepare(tr)
	t.Cleanup(tr.Stop)
	return tr
}

func prepare(tr *tracker) { launch(tr) }

func launch(tr *tracker) { spawn(tr.loop) }

func spawn(f func()) { go f() }

func TestTrackerCount(t *testing.T) {
	tr := trackerFixture(t)
	reply := make(chan int, 1)
	tr.queries <- reply
	if <-reply != 0 {
		t.Fatal("count")
	}
}
