package go121

// The iteration variable is a package variable declared in another file.
func packageVariable(s []int) {
	for Current = range s {
		go func() {
			println(Current) // want "GR001: loop variable Current"
		}()
	}
}
