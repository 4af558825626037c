package gr004

import (
	"bufio"
	"log"
	"os"
)

// The report is buffered; log.Fatalln ends the process before the deferred Flush writes it.
func report(lines []string) {
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for _, l := range lines {
		if l == "" {
			log.Fatalln("empty line in report") // want "GR004: log.Fatalln .*w.Flush"
		}
		_, _ = w.WriteString(l + "\n")
	}
}

// Flushed by hand before the exit: nothing is lost.
func reportFlushed(lines []string) {
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for _, l := range lines {
		if l == "" {
			_ = w.Flush()
			return
		}
		_, _ = w.WriteString(l + "\n")
	}
}

// log.Panicln runs the deferred calls as the panic unwinds: not this rule's case.
func reportPanics(lines []string) {
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for _, l := range lines {
		if l == "" {
			log.Panicln("empty line in report")
		}
		_, _ = w.WriteString(l + "\n")
	}
}
