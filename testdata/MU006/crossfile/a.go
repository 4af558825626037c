package crossfile

import "sync"

type Ring struct {
	mu  sync.Mutex
	buf []byte
}

func (r *Ring) Reset() {
	r.mu.Lock()
	r.buf = r.buf[:0]
	r.release()
	r.mu.Unlock() // want "MU006: r.mu.Unlock\(\) of a mutex that is not locked"
}

func (r *Ring) Len() int {
	r.mu.Lock()
	n := len(r.buf)
	r.release()
	return n
}
