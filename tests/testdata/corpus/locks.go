package corpus

import "sync"

type account struct {
	mu      sync.Mutex
	balance int
	events  chan string
}

type bank struct {
	mu       sync.RWMutex
	accounts map[string]*account
}

func (a *account) deposit(n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.balance += n
	a.events <- "deposit" // sends while holding a.mu
}

func (b *bank) transfer(from, to *account, n int) {
	from.mu.Lock()
	to.mu.Lock()
	from.balance -= n
	to.balance += n
	to.mu.Unlock()
	from.mu.Unlock()
}

func (b *bank) lookup(name string) *account {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.accounts[name]
}
