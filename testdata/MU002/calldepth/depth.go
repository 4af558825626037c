// A lock taken through a chain of calls orders after the locks held at the first call while
// the chain is at most three calls long; a longer chain mostly joins distinct instances of
// one class, too weak to call an inversion.
package calldepth

import "sync"

type Ledger struct{ mu sync.Mutex }
type Index struct{ mu sync.Mutex }

type store struct {
	ledger *Ledger
	index  *Index
}

func (s *store) commit() {
	s.ledger.mu.Lock()
	s.index.mu.Lock()
	s.index.mu.Unlock()
	s.ledger.mu.Unlock()
}

// Three calls down to the ledger's lock, under the index's: the opposite order of commit.
func (s *store) reindex() {
	s.index.mu.Lock()
	s.flushOne() // want "MU002: s.ledger.mu \(Ledger.mu\) is locked while holding s.index.mu \(Index.mu\)"
	s.index.mu.Unlock()
}

func (s *store) flushOne()   { s.flushTwo() }
func (s *store) flushTwo()   { s.flushThree() }
func (s *store) flushThree() { s.ledger.mu.Lock(); s.ledger.mu.Unlock() }

type Journal struct{ mu sync.Mutex }
type Catalog struct{ mu sync.Mutex }

type archive struct {
	journal *Journal
	catalog *Catalog
}

func (a *archive) record() {
	a.journal.mu.Lock()
	a.catalog.mu.Lock()
	a.catalog.mu.Unlock()
	a.journal.mu.Unlock()
}

// Four calls down: past the depth at which an edge is kept.
func (a *archive) recatalog() {
	a.catalog.mu.Lock()
	a.stepOne()
	a.catalog.mu.Unlock()
}

func (a *archive) stepOne()   { a.stepTwo() }
func (a *archive) stepTwo()   { a.stepThree() }
func (a *archive) stepThree() { a.stepFour() }
func (a *archive) stepFour()  { a.journal.mu.Lock(); a.journal.mu.Unlock() }
