package ch001

import "strings"

// Each line is sent from its own goroutine; nobody closes lines, so the range never ends
// once they have all been received.
func upperAll(words []string) []string {
	lines := make(chan string, len(words))
	for _, w := range words {
		go func() { lines <- strings.ToUpper(w) }()
	}
	var out []string
	for l := range lines { // want "CH001: range over lines"
		out = append(out, l)
	}
	return out
}

// The helper that fills the channel returns without closing it.
func fill(dst chan<- byte, src string) {
	for i := 0; i < len(src); i++ {
		dst <- src[i]
	}
}

func bytesOf(s string) int {
	b := make(chan byte, len(s))
	fill(b, s)
	n := 0
	for range b { // want "CH001"
		n++
	}
	return n
}

// Closed by the sender after the last value: the range ends.
func upperAllClosed(words []string) []string {
	lines := make(chan string)
	go func() {
		defer close(lines)
		for _, w := range words {
			lines <- strings.ToUpper(w)
		}
	}()
	var out []string
	for l := range lines {
		out = append(out, l)
	}
	return out
}

// The loop leaves by return once it has what it wants: it never waits for a close.
func firstLong(words []string) string {
	found := make(chan string)
	go func() {
		for _, w := range words {
			found <- w
		}
	}()
	for w := range found {
		if len(w) > 3 {
			return w
		}
	}
	return ""
}
