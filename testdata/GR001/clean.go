package gr001

import "sync"

// This module declares go 1.24: every iteration has its own variables, so none of these
// captures is a bug and none is reported.

func perIteration(items []string, handle func(string)) {
	var wg sync.WaitGroup
	for _, item := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			handle(item)
		}()
	}
	wg.Wait()
}

func threeClause(n int, use func(int)) {
	for i := 0; i < n; i++ {
		defer func() {
			use(i)
		}()
	}
}

func nested(grid [][]int, use func(int, int)) {
	var wg sync.WaitGroup
	for i, row := range grid {
		for j := range row {
			wg.Add(1)
			go func() {
				defer wg.Done()
				use(i, j)
			}()
		}
	}
	wg.Wait()
}
