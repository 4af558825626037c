package syntax

import (
	"slices"
	"strconv"
)

// Go 1.21: min, max and clear; inference of partially instantiated functions and from
// assignments.

func Apply[S ~[]E, E any, R any](s S, f func(E) R) []R {
	out := make([]R, 0, len(s))
	for _, e := range s {
		out = append(out, f(e))
	}
	return out
}

func Double[T ~int | ~float64](x T) T { return x * 2 }

func Use121(m map[string]int, xs []int) (int, int, []int, bool) {
	lo := min(3, 1, 2)
	hi := max(xs[0], 10)
	clear(m)
	clear(xs)
	var f func(int) int = Double // inferred from the assignment
	doubled := Apply(xs, Double[int])
	_ = Apply(xs, strconv.Itoa)
	return lo, f(hi), doubled, slices.Contains(xs, 0)
}
