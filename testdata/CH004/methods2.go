package ch004

func (c *conn) cycle(n int) {
	for i := 0; i < n; i++ {
		c.reset()
		go func() {
			<-c.closing
		}()
		close(c.closing) // reset made a new channel: not a double close
	}
}
