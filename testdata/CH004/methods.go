package ch004

// The channel field is closed in a loop (methods2.go) and made anew by this method,
// called in the same loop.
type conn struct {
	closing chan struct{}
}

func (c *conn) reset() {
	c.closing = make(chan struct{})
}
