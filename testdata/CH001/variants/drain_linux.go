package variants

import "fmt"

// Built for Linux only, so linked with the unix finish, which closes the channel.
func DrainLinux() {
	jobs := make(chan int)
	go finish(jobs)
	for j := range jobs {
		fmt.Println(j)
	}
}
