package crossfile

import "sync"

type Queue struct {
	mu    sync.Mutex
	items []int
}

func (q *Queue) Pop() (int, bool) {
	q.mu.Lock() // want "MU003"
	if len(q.items) == 0 {
		return 0, false
	}
	v := q.items[0]
	q.items = q.items[1:]
	q.release()
	return v, true
}

func (q *Queue) Len() int {
	q.mu.Lock()
	if len(q.items) == 0 {
		q.release()
		return 0
	}
	n := len(q.items)
	q.release()
	return n
}
