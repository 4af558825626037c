package syntax

import (
	"iter"
	"maps"
	"slices"
)

// Go 1.23: range over functions (iterators with zero, one and two values).

func Count(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}

func Indexed[T any](xs []T) iter.Seq2[int, T] {
	return func(yield func(int, T) bool) {
		for i, x := range xs {
			if !yield(i, x) {
				return
			}
		}
	}
}

func Times(n int) func(func() bool) {
	return func(yield func() bool) {
		for range n {
			if !yield() {
				return
			}
		}
	}
}

func Use123(m map[string]int) (int, []string) {
	total := 0
	for i := range Count(4) {
		total += i
	}
	for i, s := range Indexed([]string{"a", "b"}) {
		total += i + len(s)
	}
	for range Times(2) {
		total++
	}
	return total, slices.Sorted(maps.Keys(m))
}
