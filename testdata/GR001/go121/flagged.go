package go121

import (
	"sync"
)

func rangeBoth(s []int) {
	for i, v := range s {
		go func() {
			println(i) // want "GR001: loop variables i, v captured by a goroutine closure: before Go 1.22 \(this file: go 1.21\) all iterations share them"
			println(v)
		}()
	}
}

func deferred(s []int) {
	for i, v := range s {
		defer func() {
			println(i, v) // want "GR001: loop variables i, v captured by a deferred closure: .* the closure runs after the loop, with the last value"
		}()
	}
}

func rangeKey(s []int) {
	for i := range s {
		go func() {
			println(i) // want "GR001: loop variable i captured by a goroutine closure"
		}()
	}
}

func threeClause(n int) {
	for i := 0; i < n; i++ {
		go func() {
			print(i) // want "GR001: loop variable i"
		}()
	}
	for i, j := 0, 1; i < 100; i, j = j, i+j {
		go func() {
			print(j) // want "GR001: loop variable j"
		}()
	}
}

type cons struct {
	car  int
	next *cons
}

func linkedList(head *cons) {
	for p := head; p != nil; p = p.next {
		go func() {
			print(p.car) // want "GR001: loop variable p"
		}()
	}
}

// Not the last statement of the body: go vet's loopclosure misses this one.
func notLast(s []string, done func()) {
	for _, v := range s {
		go func() {
			println(v) // want "GR001: loop variable v"
		}()
		println("started")
	}
	done()
}

func nestedCompound(n int) {
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			switch {
			case j < 1:
				defer func() {
					print(i) // want "GR001: loop variable i captured by a deferred closure"
				}()
			default:
				go func() {
					print(i, j) // want "GR001: loop variables i, j"
				}()
			}
		}
	}
}

func rangeAssign(s []int) {
	var f int
	var x [2]int
	for x[0], f = range s {
		go func() {
			_ = f // want "GR001: loop variable f"
		}()
	}
}

func mapKeyIsAValue(s []int) {
	type T struct{ v int }
	for _, v := range s {
		go func() {
			_ = T{v: 1}
			_ = map[int]int{v: 1} // want "GR001: loop variable v"
		}()
	}
}

func countedWorkers(items []string, handle func(string)) {
	var wg sync.WaitGroup
	for _, item := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			handle(item) // want "GR001: loop variable item"
		}()
	}
	wg.Wait()
}

func withArgument(items []string, results chan<- int) {
	for i, item := range items {
		go func(c chan<- int) {
			c <- len(item) + i // want "GR001: loop variables item, i"
		}(results)
	}
}

func closureReDeclares(items []string) {
	for _, item := range items {
		go func() {
			item := item  // want "GR001: loop variable item"
			println(item) // the copy is made when the goroutine runs: too late
		}()
	}
}
