"""## What it does
Flags a `sync.Mutex`, `RWMutex`, `Cond`, `Once`, `Map`, `Pool`, a `sync/atomic` value type
(`atomic.Int64`, `Bool`, `Pointer[T]`, ...), a type of the package whose pointer has `Lock`
and `Unlock` methods (the `noCopy` marker idiom, hand-made locks), or a value that holds one
of these by value (a struct field or embedded field of the package's own struct types, at any
depth, or an array of them), when it is copied: passed as a value argument, declared as a
by-value parameter or value receiver, assigned (`c := *p`, `x = y`, `var z = t`), returned,
ranged over by value, written into a composite literal, or read out of a pointer that a
function of the package returns (`x := *s.current()`).

## Why is this bad?
The copy is a second lock with the state the original had at the moment of copying: locking
it excludes nothing that the original protects, and copying a held mutex gives a copy that is
locked forever. A copied `Once` can run its function again, a copied `Cond` loses its
waiters, and a copied atomic is no longer shared by the goroutines that use the original.

## Example
```go
package example

import "sync"

type Counter struct {
        mu sync.Mutex
        n  map[string]int
}

func (c Counter) Inc(key string) {
        c.mu.Lock()
        defer c.mu.Unlock()
        c.n[key]++
}
```

Use instead:
```go
package example

import "sync"

type Counter struct {
        mu sync.Mutex
        n  map[string]int
}

func (c *Counter) Inc(key string) {
        c.mu.Lock()
        defer c.mu.Unlock()
        c.n[key]++
}
```

The message names the path to the lock: `Counter contains sync.Mutex via field mu`. Not
flagged: fresh values (`sync.Mutex{}`, `T{}`, `new(T)`, a constructor's result, `*f()` where
`f` returns only fresh pointers), `&mu`, pointers, slices, maps and channels of locks (they
share it), `sync.Locker` values (an interface), `atomic.Value` (as in go vet), `_ = mu`, and
`len`/`cap`/`unsafe.Sizeof`.

A WaitGroup is WG003's: a type holding a WaitGroup and a mutex is reported once by each rule,
each naming its own field, and a site with several locks is one finding ("and N more").

## Fix safety
For a value receiver the fix makes it a pointer receiver (`func (c *Counter) ...`). It is
unsafe: the method leaves the method set of the value type (an interface satisfied by
`Counter` values is no longer satisfied) and calls on non-addressable values stop compiling.
Other copies need the code to pass a pointer instead and get no fix.

## Limitations
Types come from declarations: a value whose type cannot be resolved (another package's
struct, a generic type parameter, an interface) is not reported, and another package's types
are not looked into (an `http.Server`, a `testing.T` or a protobuf message is not known to
hold a lock). Channel sends and receives are not reported. Unlike go vet, the copy of a Go
1.22 three-clause loop variable of a lock type (`for mu := (sync.Mutex{}); ...`) is not
reported.

## References
- go vet `copylocks`: this rule finds the lock cases of its testdata (assignments, variable
  declarations, composite literals, call arguments including interface arguments, returns,
  range variables, by-value parameters and receivers, arrays of locks, `Lock`/`Unlock`
  types); WaitGroups are reported by WG003. Unlike vet it also reports `*f()` when `f` is a
  package function that returns a pointer to an existing value.
- https://pkg.go.dev/sync#Mutex: "A Mutex must not be copied after first use."
"""

from __future__ import annotations

from goconc.analyzer.copies import CopySite
from goconc.analyzer.copyrule import CopiedSyncValueRule
from goconc.analyzer.diagnostics import Applicability, Edit, Fix, RuleMeta, Severity


class LockCopied(CopiedSyncValueRule):
    meta = RuleMeta(
        code="MU005",
        name="lock-copied",
        summary="A sync.Mutex, RWMutex, Cond, Once or other sync value (or a struct holding "
        "one) is copied; the copy locks nothing the original protects.",
        severity=Severity.ERROR,
        tags=("concurrency", "mutex", "copy"),
        precision="high",
        fix=Applicability.UNSAFE,
    )

    def check_site(self, site: CopySite) -> None:
        # A WaitGroup is WG003's; every other sync value is this rule's. One finding per
        # site, naming the first such value the copied type holds.
        mine = [p for p in site.paths if not p.waitgroup]
        if not mine:
            return
        message = f"{site.what}: {mine[0].describe(site.type_text)}"
        if len(mine) > 1:
            message += f" (and {len(mine) - 1} more)"
        fixes: list[Fix] = []
        if site.receiver_type is not None:
            at = site.receiver_type.start_byte
            edit = Edit(self.file.span(at, at, clamp=False), "*")
            fixes.append(Fix("Use a pointer receiver", (edit,), Applicability.UNSAFE))
        self.report(site.node, message, fixes=fixes)
