//go:build go1.21

package gr001

// A //go:build go1.21 line gives this file the old loop semantics even in a go 1.24 module.

func legacyFile(items []int, use func(int)) {
	for _, v := range items {
		go func() {
			use(v) // want "GR001: loop variable v captured by a goroutine closure: before Go 1.22 \(this file: go 1.21\)"
		}()
	}
}
