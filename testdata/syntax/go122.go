package syntax

// Go 1.22: range over an integer; each iteration has its own loop variable.

func Use122(n int) []func() int {
	var fs []func() int
	for i := range n {
		fs = append(fs, func() int { return i })
	}
	for range 3 {
		n++
	}
	for i := 0; i < 2; i++ {
		fs = append(fs, func() int { return i * n })
	}
	return fs
}
