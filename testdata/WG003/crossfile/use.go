package crossfile

func Wait(t Tracker) { // want "WG003: parameter t of Wait is passed by value: Tracker contains sync.WaitGroup via field pending"
	t.pending.Wait()
}

func WaitAll(ts []*Tracker) {
	for _, t := range ts {
		t.pending.Wait()
	}
}

func Copy(t *Tracker) string {
	c := *t // want "WG003: assignment copies \*t to c"
	return c.name
}
