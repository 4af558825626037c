package demo

import (
	"log"
	"sync"
)

// resizeAll starts one goroutine per image; they all share one loop variable.
func resizeAll(paths []string, resize func(string) error) {
	var wg sync.WaitGroup
	for _, path := range paths {
		wg.Add(1)
		path := path
		go func() {
			defer wg.Done()
			if err := resize(path); err != nil {
				log.Printf("resize %s: %v", path, err)
			}
		}()
	}
	wg.Wait()
}

// fillShards writes each shard from its own goroutine, by index and value.
func fillShards(shards [][]int, fill func(int, []int)) {
	var wg sync.WaitGroup
	for i, shard := range shards {
		wg.Add(1)
		i, shard := i, shard
		go func() {
			defer wg.Done()
			fill(i, shard)
		}()
	}
	wg.Wait()
}

// closeAll defers one close per file: all of them see the last name.
func closeAll(names []string, closeFile func(string) error) {
	for i := 0; i < len(names); i++ {
		i := i
		defer func() {
			if err := closeFile(names[i]); err != nil {
				log.Printf("close %s: %v", names[i], err)
			}
		}()
	}
}

// alreadyRight must be left alone.
func alreadyRight(paths []string, resize func(string) error) {
	var wg sync.WaitGroup
	for _, path := range paths {
		wg.Add(1)
		go func(path string) {
			defer wg.Done()
			_ = resize(path)
		}(path)
	}
	wg.Wait()
}
