package buildtags

// Alloc is declared once per platform; on Linux it holds no lock, so its value receivers
// copy nothing. goconc sees both files and cannot tell which applies: it stays silent.
type Alloc struct {
	next *int
}

func (a Alloc) Next() int { return *a.next }
