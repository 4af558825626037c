package other

// A struct field of the same name in another package does not count.
type relay struct {
	in chan int
}

func (r *relay) forward() int {
	return <-r.in // want "CH003: receive from r.in"
}
