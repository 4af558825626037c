// Paths under a condition that is constant cannot run.
package constcond

import (
	"errors"
	"sync"
)

const (
	debugMode  = false
	verifyMode = true
	noVerify   = !verifyMode
)

var tracing = false

type Log struct {
	mu    sync.Mutex
	lines []string
}

// Clean: `if false` keeps a tool quiet; the return never runs.
func (l *Log) Touch() {
	l.mu.Lock()
	if false {
		return
	}
	l.mu.Unlock()
}

// Clean: a package constant that is false.
func (l *Log) Add(s string) {
	l.mu.Lock()
	if debugMode {
		return
	}
	l.lines = append(l.lines, s)
	l.mu.Unlock()
}

// Clean: a constant defined from another, negated, and combined with &&.
func (l *Log) AddChecked(s string) error {
	l.mu.Lock()
	if noVerify && s == "" {
		return errors.New("empty")
	}
	if !verifyMode || debugMode {
		return nil
	}
	l.lines = append(l.lines, s)
	l.mu.Unlock()
	return nil
}

// Clean: a constant local to the function.
func (l *Log) Len() int {
	const skip = false
	l.mu.Lock()
	if skip {
		return 0
	}
	n := len(l.lines)
	l.mu.Unlock()
	return n
}

// Clean: a loop whose condition is false never runs its body.
func (l *Log) Drain() {
	l.mu.Lock()
	for debugMode {
		return
	}
	l.lines = nil
	l.mu.Unlock()
}

// Flagged: the constant is true, so the early return runs.
func (l *Log) Verify(s string) error {
	l.mu.Lock() // want "MU003: l.mu.Lock\(\) is not released on every path"
	if verifyMode {
		if s == "" {
			return errors.New("empty")
		}
	}
	l.lines = append(l.lines, s)
	l.mu.Unlock()
	return nil
}

// Flagged: a package variable can change at run time.
func (l *Log) Trace(s string) {
	l.mu.Lock() // want "MU003: l.mu.Lock\(\) is not released on every path"
	if tracing {
		return
	}
	l.lines = append(l.lines, s)
	l.mu.Unlock()
}

// Flagged: `false || x` depends on x.
func (l *Log) Skip(s string, skip bool) {
	l.mu.Lock() // want "MU003: l.mu.Lock\(\) is not released on every path"
	if debugMode || skip {
		return
	}
	l.lines = append(l.lines, s)
	l.mu.Unlock()
}

// Flagged: a local variable named like the constant shadows it.
func (l *Log) Shadow(s string) {
	debugMode := s == ""
	l.mu.Lock() // want "MU003: l.mu.Lock\(\) is not released on every path"
	if debugMode {
		return
	}
	l.lines = append(l.lines, s)
	l.mu.Unlock()
}
