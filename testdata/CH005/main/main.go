package main

import "net/http"

// Blocking main forever keeps a server running until it is killed: deliberate.
func main() {
	go func() {
		_ = http.ListenAndServe(":8080", nil)
	}()
	forever := make(chan bool)
	<-forever
}
