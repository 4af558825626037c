package crossfile

func Snapshot(c *Cache) Cache {
	return *c // want "MU005: return copies \*c: Cache contains sync.RWMutex via field mu"
}

func Describe(c Cache) string { // want "MU005: parameter c of Describe is passed by value"
	return c.items["name"]
}

func Clean(c *Cache) string {
	return c.Get("name")
}
