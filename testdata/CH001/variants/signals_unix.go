//go:build unix

package variants

import (
	"os"
	"os/signal"
	"syscall"
)

func listenFor(c chan<- os.Signal) {
	signal.Notify(c, syscall.SIGUSR1)
}

func prepare(c chan int) {
	_ = cap(c)
}

func finish(c chan int) {
	close(c)
}
