package lockflags

import (
	"errors"
	"sync"
)

type Store struct {
	mu    sync.RWMutex
	ready bool
	data  map[string]string
}

func (s *Store) build() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data = map[string]string{}
	s.ready = true
	return nil
}

// ensure returns early when create is false, before the call that locks.
func (s *Store) ensure(create bool) error {
	if !create || s.ready {
		return nil
	}
	return s.build()
}

// Clean: with create == false, ensure never reaches build.
func (s *Store) Check() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ensure(false)
}

// Flagged: with create == true it may.
func (s *Store) Open() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.data == nil {
		return s.ensure(true) // want "MU004: call of s.ensure locks s.mu"
	}
	return nil
}

// Package constants switch code on and off.
const strictChecks = true
const traceReads = false

func (s *Store) validate() error {
	if strictChecks {
		s.mu.RLock()
		defer s.mu.RUnlock()
	}
	if s.data == nil {
		return errors.New("not built")
	}
	return nil
}

func (s *Store) trace(key string) {
	if traceReads {
		s.mu.RLock()
		defer s.mu.RUnlock()
		println(key, len(s.data))
	}
}

// Clean: traceReads is false, so trace never locks.
func (s *Store) Get(key string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.trace(key)
	return s.data[key]
}

// Flagged: strictChecks is true, so validate read-locks s.mu again.
func (s *Store) Put(key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.validate(); err != nil { // want "MU004: call of s.validate read-locks s.mu"
		return err
	}
	s.data[key] = value
	return nil
}
