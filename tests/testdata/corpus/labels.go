package corpus

import "sync"

// search stops every worker at the first match, using labelled loops and select.
func search(grid [][]int, want int) (int, int, bool) {
	var once sync.Once
	found := make(chan [2]int, 1)
	done := make(chan struct{})
	var wg sync.WaitGroup
rows:
	for r, row := range grid {
		select {
		case <-done:
			break rows
		default:
		}
		wg.Add(1)
		go func(r int, row []int) {
			defer wg.Done()
			for c, v := range row {
				if v == want {
					once.Do(func() {
						found <- [2]int{r, c}
						close(done)
					})
					return
				}
			}
		}(r, row)
	}
	wg.Wait()
	select {
	case at := <-found:
		return at[0], at[1], true
	default:
		return 0, 0, false
	}
}

func retry(n int, try func() error) (err error) {
outer:
	for i := 0; i < n; i++ {
		switch err = try(); {
		case err == nil:
			break outer
		case i == n-1:
			goto fail
		default:
			continue outer
		}
	}
	return err
fail:
	return err
}
