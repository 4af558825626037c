"""## What it does
Flags a receive that waits on a channel nothing will ever send on or close: `<-ch`,
`v := <-ch`, `v, ok := <-ch`, or a `select` whose only case is that receive, where the
channel is made in this package and

- for a local channel: no code sends on it or closes it, in the function, in its closures,
  or in the package functions it is handed to (`go watch(done)` where `watch` never touches
  `done`), and it reaches no code goconc cannot see;
- for an unexported struct field or package variable: no code anywhere in the package sends
  on it or closes it, it is only ever assigned a `make`, and it is handed out only as a
  receive-only channel (`func (s *Stopper) ShouldQuiesce() <-chan struct{} { return
  s.quiescer }`), which nobody can close.

The receive may go through such getters: `<-repl.store.Stopper().ShouldQuiesce()` is a
receive from `Stopper.quiescer`.

## Why is this bad?
A receive returns only when a value is sent or the channel is closed. When no code can do
either, the receiving goroutine blocks forever: a goroutine leak, or a hang when the
receiver is the caller waiting for work to finish. This is typically a missing
`close(done)` in the goroutine meant to signal completion, or a shutdown method (`Stop`,
`Close`) that was supposed to close the channel and does not.

## Example
```go
package example

type Watcher struct {
        events chan string
}

func (w *Watcher) watch(done chan bool) {
        for e := range w.events {
                _ = e
        }
}

func (w *Watcher) Run() {
        done := make(chan bool)
        go w.watch(done)
        <-done
}
```

Use instead:
```go
package example

type Watcher struct {
        events chan string
}

func (w *Watcher) watch(done chan bool) {
        defer close(done)
        for e := range w.events {
                _ = e
        }
}

func (w *Watcher) Run() {
        done := make(chan bool)
        go w.watch(done)
        <-done
}
```

Not flagged: a receive in a `select` with another case or a `default`; channels received
as parameters, from other packages or from calls of unknown functions; channels passed to
a function outside the package, to a function value or interface method, sent over a
channel or stored anywhere goconc does not follow; exported fields and package variables,
and channels that an exported function returns as `chan T` (other packages may send or
close); a receive in the `main` function of a `main` package (blocking it forever is a way
to keep a program serving until it is killed).

The level is `error` for a local channel and `warning` for a struct field or package
variable.

## Fix safety
No fix is offered: the missing `close` or send belongs to the goroutine or method that
should signal, which goconc cannot choose.

## Limitations
Sends and closes through reflection, function values and interfaces are not seen as
sends: a channel handed to such code counts as escaped, and the rule stays silent. A
channel field is told apart by its class (`Type.field`), not by instance: a send on the
same field of another value counts.

## References
- https://go.dev/ref/spec#Receive_operator: "The expression blocks until a value is
  available."
- GoBench/GoKer blocking kernels cockroach/25456, grpc/1275 and grpc/1424 (shipped in the Go
  tree under `runtime/testdata/testgoroutineleakprofile/goker`): receives from channels that
  nothing closes or sends on.
- T. Tu, X. Liu, L. Song, Y. Zhang, "Understanding Real-World Concurrency Bugs in Go",
  ASPLOS 2019: missing signals on channels are a leading cause of blocking bugs.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from goconc.analyzer.chans import Channels, ChanOrigin, blocking_receive
from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.matchers import FUNC_KINDS
from goconc.analyzer.rule import Rule
from goconc.analyzer.uses import exported

_CHAN_MAKE = re.compile(rb"make\(\s*chan\b")


class ReceiveWithoutSender(Rule):
    meta = RuleMeta(
        code="CH005",
        name="receive-without-sender",
        summary="A receive on a channel made in this package that nothing sends on or closes.",
        severity=Severity.ERROR,
        tags=("concurrency", "channel", "goroutine-leak", "deadlock", "external/cwe/cwe-833"),
        precision="high",
        fix=None,
    )
    anchors = {"unary_expression": (b"<-",)}

    def applies_to_package(self) -> bool:
        # Only a channel made in this package can be followed (bidirectional makes only).
        return any(_CHAN_MAKE.search(f.data) for f in self.pkg.files)

    def visit_unary_expression(self, node: Node) -> None:
        op = node.child_by_field_name("operator")
        operand = node.child_by_field_name("operand")
        if op is None or op.type != "<-" or operand is None or not blocking_receive(node):
            return
        if self._in_main(node):
            return
        origin = self.pkg.fact(Channels).origin(operand, self.file)
        if origin is None or not origin.fate.silent:
            return
        if origin.shared and exported(origin.key):
            return
        self._report(node, operand, origin)

    def _report(self, node: Node, operand: Node, origin: ChanOrigin) -> None:
        name = origin.key.removeprefix("pkg:") if origin.shared else self.file.text(operand)
        related = [Related(self.span(origin.make, origin.file), f"{name} is made here")]
        if origin.getters:
            name = f"{name} (returned by {origin.getters[-1].name})"
        where = (
            "in the package"
            if origin.shared
            else "here, in its closures or in the functions it is handed to"
        )
        for getter in origin.getters:
            related.append(
                Related(self.span(getter.node, getter.file), f"{getter.name} returns it")
            )
        self.report(
            node,
            f"receive from {name} blocks forever: nothing sends on it or closes it {where}",
            related=related,
            severity=Severity.WARNING if origin.shared else Severity.ERROR,
        )

    def _in_main(self, node: Node) -> bool:
        """In the body of `func main` of a main package, outside any closure."""
        if self.pkg.name != "main":
            return False
        func = node.parent
        while func is not None and func.type not in FUNC_KINDS:
            func = func.parent
        if func is None or func.type != "function_declaration":
            return False
        name = func.child_by_field_name("name")
        return name is not None and self.file.text(name) == "main"
