// Package grouping: one blocking operation reached from several places that hold a lock is
// one finding, at the operation; reached from one place, it is reported at that call.
package grouping

import "sync"

type Journal struct {
	mu      sync.Mutex
	flushMu sync.Mutex
	writes  chan []byte
	size    int
}

func NewJournal() *Journal {
	j := &Journal{writes: make(chan []byte)}
	go j.writer()
	return j
}

func (j *Journal) writer() {
	for b := range j.writes {
		j.mu.Lock()
		j.size += len(b)
		j.mu.Unlock()
	}
}

func (j *Journal) write(b []byte) {
	j.writes <- b // want "MU001: send on j.writes can block while a caller holds j.mu: 3 call paths hold a lock here; j.writer, which receives from it, needs j.mu"
}

func (j *Journal) Append(b []byte) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.write(b)
}

func (j *Journal) AppendAll(bs [][]byte) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, b := range bs {
		j.write(b)
	}
}

func (j *Journal) Mark() {
	j.mu.Lock()
	j.write([]byte("mark"))
	j.mu.Unlock()
}

// A separate operation, reached from one place only: reported at the call.
func (j *Journal) sync() {
	j.writes <- nil
}

func (j *Journal) Sync() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.sync() // want "MU001: call of j.sync can block .send on j.writes. while j.mu is held; j.writer, which receives from it, needs j.mu"
}

// Called without the lock: not a path.
func (j *Journal) Unlocked(b []byte) {
	j.write(b)
}
