package go121

import "sync"

func redeclared(s []int) {
	for i, v := range s {
		i, v := i, v
		go func() {
			println(i, v)
		}()
	}
}

func passedAsArguments(s []int) {
	for i, v := range s {
		go func(i, v int) {
			println(i, v)
		}(i, v)
	}
}

func notAGoroutine(s []int) int {
	total := 0
	for _, v := range s {
		add := func() { total += v }
		add()
	}
	return total
}

func waitedInTheIteration(s []int) {
	for _, v := range s {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			println(v)
		}()
		wg.Wait()
	}
}

func receivedInTheIteration(s []int) {
	for _, v := range s {
		done := make(chan struct{})
		go func() {
			println(v)
			close(done)
		}()
		<-done
	}
}

func loopEndsAfter(s []int) {
	for _, v := range s {
		if v > 10 {
			go func() {
				println(v)
			}()
			break
		}
	}
	for i := range s {
		defer func() {
			println(i)
		}()
		return
	}
}

func deferInsideNestedFunc(s []int) {
	for _, v := range s {
		func() {
			defer func() {
				println(v)
			}()
		}()
	}
}

func structFieldKey(s []int) {
	type T struct{ v int }
	for range s {
		v := 2
		go func() {
			_ = T{v: v}
		}()
	}
}

func declaredInside(s []int) {
	for range s {
		go func() {
			for i := 0; i < 3; i++ {
				println(i)
			}
		}()
	}
}

func labelledBreak(grid [][]int) {
outer:
	for _, row := range grid {
		for _, x := range row {
			if x < 0 {
				go func() {
					println(row, x)
				}()
				break outer
			}
		}
	}
}

// Seq is an iterator: range-over-func variables are parameters of the loop body's
// function, one per iteration in every Go version.
type Seq func(yield func(int) bool)

func collect(seq Seq, out chan<- int) {
	seq(func(v int) bool {
		go func() { out <- v }()
		return true
	})
}

func redeclaredThreeClause(n int, use func(int)) {
	for i := 0; i < n; i++ {
		i := i
		go func() {
			use(i)
		}()
	}
}
