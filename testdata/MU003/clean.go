package mu003

import (
	"os"
	"sync"
)

type Table struct {
	mu     sync.RWMutex
	rows   map[int]string
	closed bool
	tmu    sync.Mutex
}

func (t *Table) Get(id int) (string, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	v, ok := t.rows[id]
	if !ok {
		return "", false
	}
	return v, true
}

func (t *Table) Put(id int, v string) bool {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return false
	}
	t.rows[id] = v
	t.mu.Unlock()
	return true
}

// A Lock wrapper: returns holding the lock on every path.
func (t *Table) Lock() { t.mu.Lock() }

func (t *Table) Unlock() { t.mu.Unlock() }

// lockAll returns with the lock held: its callers unlock.
func (t *Table) lockAll() {
	t.mu.Lock()
	t.tmu.Lock()
}

// A conditional acquire: holds the lock when it returns true.
func (t *Table) lockIfOpen() bool {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return false
	}
	return true
}

func (t *Table) Size() int {
	if !t.lockIfOpen() {
		return 0
	}
	defer t.mu.Unlock()
	return len(t.rows)
}

// Unlock through a deferred closure.
func (t *Table) Delete(id int) {
	t.mu.Lock()
	defer func() {
		t.mu.Unlock()
	}()
	if _, ok := t.rows[id]; !ok {
		return
	}
	delete(t.rows, id)
}

// The unlock is handed to the caller as a closure.
func (t *Table) Hold() func() {
	t.mu.Lock()
	if t.closed {
		return func() { t.mu.Unlock() }
	}
	return t.mu.Unlock
}

// Paths that end the process or panic do not count.
func (t *Table) MustGet(id int) string {
	t.mu.RLock()
	v, ok := t.rows[id]
	if !ok {
		os.Exit(2)
	}
	if v == "" {
		panic("empty")
	}
	t.mu.RUnlock()
	return v
}

// Correlated conditions.
func (t *Table) Maybe(lock bool, id int) {
	if lock {
		t.tmu.Lock()
	}
	t.rows[id] = ""
	if lock {
		t.tmu.Unlock()
	}
}

// Every loop iteration unlocks before continuing.
func (t *Table) Scan(ids []int) int {
	n := 0
	for _, id := range ids {
		t.mu.RLock()
		if _, ok := t.rows[id]; !ok {
			t.mu.RUnlock()
			continue
		}
		n++
		t.mu.RUnlock()
	}
	return n
}

// Unlocked through a package helper whose summary releases it.
func (t *Table) unlockAndLog() {
	t.mu.Unlock()
}

func (t *Table) Drop(id int) {
	t.mu.Lock()
	if id < 0 {
		t.unlockAndLog()
		return
	}
	delete(t.rows, id)
	t.mu.Unlock()
}

// Unlock through an interface this package cannot follow.
type unlocker interface{ unlockTable() }

func (t *Table) Via(u unlocker, id int) {
	t.mu.Lock()
	if id < 0 {
		u.unlockTable()
		return
	}
	t.mu.Unlock()
}

// A goroutine unlocks.
func (t *Table) Handoff(done chan struct{}) {
	t.mu.Lock()
	go func() {
		<-done
		t.mu.Unlock()
	}()
}

// Unlocked, then re-locked for the caller (a "called with t.mu held" helper).
func (t *Table) slowLocked() {
	t.mu.Unlock()
	_ = len(os.Args)
	t.mu.Lock()
}

// A flag records whether the lock is held.
func (t *Table) Lazy(id int) string {
	t.mu.RLock()
	v, ok := t.rows[id]
	t.mu.RUnlock()
	held := false
	if !ok {
		t.mu.Lock()
		held = true
		v = "new"
		t.rows[id] = v
	}
	if v == "" {
		if held {
			t.mu.Unlock()
		}
		return ""
	}
	if !held {
		t.mu.Lock()
	}
	t.rows[id] = v + "!"
	t.mu.Unlock()
	return v
}

// A mutex used as a signal: the goroutine unlocks it, the function waits by locking.
func signal(work func()) {
	var m sync.Mutex
	m.Lock()
	go func() {
		work()
		m.Unlock()
	}()
	m.Lock()
}

// Recursive read locks taken in one loop and released in another (a benchmark shape).
func nested(rw *sync.RWMutex, n int) {
	i := 0
	for ; i < n; i++ {
		rw.RLock()
	}
	for ; i > 0; i-- {
		rw.RUnlock()
	}
}

// A write lock released only by a read unlock elsewhere is another rule's business (MU006).
var forkLock sync.RWMutex

func acquireFork(first bool) {
	if first {
		forkLock.Lock()
		return
	}
	forkLock.RLock()
	forkLock.RUnlock()
}

// Waits until ready and returns holding the lock (named like a helper).
func (t *Table) waitReadyLocked(ready func() bool) {
	for {
		t.mu.Lock()
		if ready() {
			return
		}
		t.mu.Unlock()
	}
}

// Returns holding the lock when it succeeds.
func (t *Table) lockWhenOpen(open func() bool) bool {
	for {
		t.mu.Lock()
		if open() {
			return true
		}
		t.mu.Unlock()
	}
}

// Locks kept in a set and released together later.
type rec struct {
	mu   *sync.Mutex
	dead bool
}

func sweepAll(recs []*rec) int {
	locked := map[*sync.Mutex]bool{}
	n := 0
	for _, r := range recs {
		if locked[r.mu] {
			continue
		}
		r.mu.Lock()
		if r.dead {
			r.mu.Unlock()
			continue
		}
		locked[r.mu] = true
		n++
	}
	for mu := range locked {
		mu.Unlock()
	}
	return n
}
