package mu004

import "sync"

type Account struct {
	mu      sync.Mutex
	balance int
}

func (a *Account) Balance() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.balance
}

// Another instance of the same class.
func (a *Account) Compare(b *Account) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.balance > b.Balance()
}

func transfer(from, to *Account, n int) {
	from.mu.Lock()
	defer from.mu.Unlock()
	to.mu.Lock()
	defer to.mu.Unlock()
	from.balance -= n
	to.balance += n
}

// Released before it is taken again.
func (a *Account) Twice() int {
	a.mu.Lock()
	x := a.balance
	a.mu.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	return x + a.balance
}

// The ...Locked variant.
func (a *Account) depositLocked(n int) { a.balance += n }

func (a *Account) Deposit(n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.depositLocked(n)
}

// A helper that drops the caller's lock before locking again.
func (a *Account) slowLocked() {
	a.mu.Unlock()
	defer a.mu.Lock()
	_ = a
}

func (a *Account) Slow() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.slowLocked()
}

// Held on some paths only.
func (a *Account) Maybe(lock bool) int {
	if lock {
		a.mu.Lock()
	}
	return a.Balance()
}

// TryLock is not an acquisition.
func (a *Account) Try() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return !a.mu.TryLock()
}

// A goroutine started under the lock holds nothing.
func (a *Account) Async(done chan int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	go func() { done <- a.Balance() }()
}

// Read locks of two different RWMutexes.
type Index struct {
	rw   sync.RWMutex
	data map[string]int
}

func (x *Index) Lookup(k string) int {
	x.rw.RLock()
	defer x.rw.RUnlock()
	return x.data[k]
}

func merge(a, b *Index) int {
	a.rw.RLock()
	defer a.rw.RUnlock()
	return b.Lookup("k")
}

// Loop that unlocks each iteration.
func (x *Index) Fill(keys []string) {
	for i, k := range keys {
		x.rw.Lock()
		x.data[k] = i
		x.rw.Unlock()
	}
}

// A local mutex used as a signal: the goroutine unlocks it, the second Lock waits for that.
func wait(work func()) {
	var mu sync.Mutex
	mu.Lock()
	go func() {
		work()
		mu.Unlock()
	}()
	mu.Lock()
}

func waitInside(awaitBlocked func()) {
	var mu sync.Mutex
	go func() {
		mu.Lock()
		mu.Lock() // blocks until the parent unlocks
	}()
	awaitBlocked()
	mu.Unlock()
}

// The unlock comes from a helper that wraps it in a func value.
type Server struct {
	lock    sync.RWMutex
	started bool
}

func unlockOnce(l sync.Locker) func() {
	var once sync.Once
	return func() { once.Do(l.Unlock) }
}

func (s *Server) isStarted() bool {
	s.lock.RLock()
	defer s.lock.RUnlock()
	return s.started
}

func (s *Server) Start() bool {
	unlock := unlockOnce(&s.lock)
	s.lock.Lock()
	defer unlock()
	s.started = true
	unlock()
	return s.isStarted()
}

// The read lock is handed to a goroutine that releases it; the caller may lock again.
func (s *Server) Watch(done chan struct{}) {
	s.lock.RLock()
	go func() {
		defer s.lock.RUnlock()
		<-done
	}()
}

func (s *Server) Restart(done chan struct{}) {
	s.Watch(done)
	close(done)
	s.lock.Lock()
	s.started = false
	s.lock.Unlock()
}

// Deep call chains guarded by a flag: not followed beyond three calls.
var tableMu sync.RWMutex
var table = map[string]int{}

func lookup(k string) int {
	tableMu.RLock()
	defer tableMu.RUnlock()
	return table[k]
}

func fill1(k string, lock bool) { fill2(k, lock) }
func fill2(k string, lock bool) { fill3(k, lock) }
func fill3(k string, lock bool) {
	if lock {
		_ = lookup(k)
	}
}

func fillLocked(k string) {
	tableMu.Lock()
	defer tableMu.Unlock()
	fill1(k, false)
}
