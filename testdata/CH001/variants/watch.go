// Package variants: helpers declared once per system. A build links one of them, so what
// a call does is what every variant the caller may be linked with does.
package variants

import (
	"fmt"
	"os"
)

// On unix, listenFor hands the channel to signal.Notify, which sends on it for ever: the
// Windows stub does nothing with it, but that is another program.
func Watch() {
	sigs := make(chan os.Signal, 1)
	listenFor(sigs)
	for s := range sigs {
		fmt.Println("signal", s)
	}
}

// Every variant of prepare leaves the channel alone: nothing closes it.
func Drain() {
	jobs := make(chan int)
	prepare(jobs)
	for j := range jobs { // want "CH001"
		fmt.Println(j)
	}
}

