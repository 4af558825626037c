package ch003

// The constructor lives in another file: server fields are assigned here.
func newServer() *server {
	s := &server{reqs: make(chan int)}
	s.quit = make(chan struct{})
	acks := make(chan bool, 1)
	setAcks(&s.acks, acks)
	s.other = make(chan int)
	return s
}

func setAcks(dst *chan bool, c chan bool) { *dst = c }
