"""## What it does
Flags a `sync.WaitGroup`, or a value holding one by value (a struct of the package with a
WaitGroup field or embedded WaitGroup, at any depth, or an array of them), that is copied:
passed as a value argument, declared as a by-value parameter or value receiver, assigned
(`w := *p`, `x = y`, `var z = t`), returned, ranged over by value (`for _, t := range
tasks`), written into a composite literal, or read out of a pointer that a function of the
package returns (`x := *s.current()`).

## Why is this bad?
A WaitGroup is a counter that `Add`, `Done` and `Wait` must share. A copy is a second,
independent counter: `Done` on the copy never reaches the original, so the original's
`Wait` blocks forever (or `Done` on a zero copy panics with a negative counter), and `Wait`
on a copy returns before the work it was meant to wait for.

## Example
```go
package example

import "sync"

func worker(wg sync.WaitGroup, n int) {
        defer wg.Done()
        _ = n
}

func run() {
        var wg sync.WaitGroup
        for i := 0; i < 3; i++ {
                wg.Add(1)
                go worker(wg, i)
        }
        wg.Wait()
}
```

Use instead:
```go
package example

import "sync"

func worker(wg *sync.WaitGroup, n int) {
        defer wg.Done()
        _ = n
}

func run() {
        var wg sync.WaitGroup
        for i := 0; i < 3; i++ {
                wg.Add(1)
                go worker(&wg, i)
        }
        wg.Wait()
}
```

The message names the path to the WaitGroup: `Pool contains sync.WaitGroup via field
workers.wg`. Not flagged: fresh values (`sync.WaitGroup{}`, `T{}`, `new(T)`, a constructor's
result, `*f()` where `f` returns only fresh pointers), `&wg`, pointers, slices, maps and
channels of WaitGroups (they share the value), `_ = wg`, and `len`/`cap`/`unsafe.Sizeof`.

A type that holds both a WaitGroup and a lock is reported once by this rule (naming the
WaitGroup) and once by MU005 (naming the lock): each sync value is named by exactly one rule
at each copy site, and a site with several WaitGroups is one finding ("and N more").

## Fix safety
For a value receiver the fix makes it a pointer receiver (`func (p *Pool) ...`). It is
unsafe: the method leaves the method set of the value type (an interface satisfied by `Pool`
values is no longer satisfied) and calls on non-addressable values stop compiling. Other
copies need the code to pass a pointer instead and get no fix.

## Limitations
Types come from declarations: a value whose type cannot be resolved (another package's
struct, a generic type parameter, an interface) is not reported, and another package's types
are not looked into (a `testing.T` or a third-party struct holding a WaitGroup is not known
to hold one). Copies through channel sends and receives, and the copy of a WaitGroup held in
a struct passed to `fmt` via `%v`, are reported only as the call argument that they are.

## References
- go vet `copylocks` reports copies of any sync value including WaitGroups (its
  `sync.WaitGroup contains sync.noCopy` cases); this rule reports the WaitGroup ones,
  including every WaitGroup case of its testdata, and MU005 the rest.
- https://pkg.go.dev/sync#WaitGroup: "A WaitGroup must not be copied after first use."
"""

from __future__ import annotations

from goconc.analyzer.copies import CopySite
from goconc.analyzer.copyrule import CopiedSyncValueRule
from goconc.analyzer.diagnostics import Applicability, Edit, Fix, RuleMeta, Severity


class WaitGroupCopied(CopiedSyncValueRule):
    meta = RuleMeta(
        code="WG003",
        name="waitgroup-copied",
        summary="A sync.WaitGroup (or a struct holding one) is copied; Done on the copy "
        "never reaches the original.",
        severity=Severity.ERROR,
        tags=("concurrency", "waitgroup", "copy"),
        precision="high",
        fix=Applicability.UNSAFE,
    )

    def check_site(self, site: CopySite) -> None:
        # Only WaitGroups: every other sync value is MU005's. One finding per site, naming the
        # first such value the copied type holds.
        mine = [p for p in site.paths if p.waitgroup]
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
