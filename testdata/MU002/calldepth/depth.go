// A lock taken through a chain of calls orders after the locks held at the first call while
// the chain is at most four calls long; a longer chain mostly joins distinct instances of
// one class, too weak to call an inversion.
package calldepth

import "sync"

type Tally struct{ mu sync.Mutex }
type Roster struct{ mu sync.Mutex }

type store struct {
	tally  *Tally
	roster *Roster
}

func (s *store) commit() {
	s.tally.mu.Lock()
	s.roster.mu.Lock()
	s.roster.mu.Unlock()
	s.tally.mu.Unlock()
}

// Four calls down to the tally's lock, under the roster's: the opposite order of commit.
func (s *store) regroup() {
	s.roster.mu.Lock()
	s.flushOne() // want "MU002: s.tally.mu \(Tally.mu\) is locked while holding s.roster.mu \(Roster.mu\)"
	s.roster.mu.Unlock()
}

func (s *store) flushOne()   { s.flushTwo() }
func (s *store) flushTwo()   { s.flushThree() }
func (s *store) flushThree() { s.flushFour() }
func (s *store) flushFour()  { s.tally.mu.Lock(); s.tally.mu.Unlock() }

type Drawer struct{ mu sync.Mutex }
type Folio struct{ mu sync.Mutex }

type archive struct {
	drawer *Drawer
	folio  *Folio
}

func (a *archive) record() {
	a.drawer.mu.Lock()
	a.folio.mu.Lock()
	a.folio.mu.Unlock()
	a.drawer.mu.Unlock()
}

// Five calls down: past the depth at which an edge is kept.
func (a *archive) refolio() {
	a.folio.mu.Lock()
	a.stepOne()
	a.folio.mu.Unlock()
}

func (a *archive) stepOne()   { a.stepTwo() }
func (a *archive) stepTwo()   { a.stepThree() }
func (a *archive) stepThree() { a.stepFour() }
func (a *archive) stepFour()  { a.stepFive() }
func (a *archive) stepFive()  { a.drawer.mu.Lock(); a.drawer.mu.Unlock() }
