package syntax

// Go 1.24: generic type aliases.

type Set[T comparable] = map[T]struct{}

type Matrix[T any] = [][]T

type PairOf[V any] = Pair[string, V]

func Use124() (Set[int], Matrix[float64], PairOf[bool]) {
	s := Set[int]{1: {}}
	return s, Matrix[float64]{{1, 2}}, PairOf[bool]{Key: "k", Val: true}
}
