"""## What it does
Flags a goroutine whose body is an unconditional `for { ... }` loop that nothing can end: no
`return`, no `break` or `goto` out of the loop, no `ctx.Done()` or done-channel case that
leaves it, no call that ends the goroutine or the process (`panic`, `runtime.Goexit`,
`t.FailNow`, `os.Exit`, `log.Fatal`, a package function that never returns), when it is
started from a function other than `main`, `init` or `TestMain`. Both `go func() { for {
... } }()` and `go s.loop()` (a package function or method whose body is such a loop) are
checked.

## Why is this bad?
The goroutine runs until the process ends. When the object or request that started it goes
away (a server is closed, a test ends, a handler returns), the goroutine stays behind with
everything it references: a goroutine leak. A loop that blocks on a channel read with no
other way out counts too: once the senders are gone it blocks forever.

## Example
```go
package example

func startLogger(lines <-chan string, out func(string)) {
        go func() {
                for {
                        line := <-lines
                        out(line)
                }
        }()
}
```

Use instead:
```go
package example

import "context"

func startLogger(ctx context.Context, lines <-chan string, out func(string)) {
        go func() {
                for {
                        select {
                        case <-ctx.Done():
                                return
                        case line := <-lines:
                                out(line)
                        }
                }
        }()
}
```

Not flagged: loops with a way out on the control-flow graph (a `return` in a `select` case, a
labelled `break` out of the loop, a `goto` past it, a `panic`); `for v := range ch` (it ends
when the channel is closed); goroutines that park with `select {}`; goroutines started from
`main`, `init`, `TestMain`, a package variable's initializer, or inside `sync.Once.Do` (those
live as long as the process by design).

## Limitations
A plain `break` inside a `select` or `switch` leaves only that statement, as in Go; the CFG
sees that. A goroutine that ends through a callee that panics on some input or through a
runtime error is not modelled; a callee of the package that never returns (a summary) is taken
as ending the loop, to stay silent. Calls through function values are not followed.

## References
- No go vet or staticcheck check corresponds. uber-go/goleak finds such goroutines at run
  time, at the end of tests.
"""

from __future__ import annotations

from tree_sitter import Node

from goconc.analyzer.calls import callee
from goconc.analyzer.cfg import CFG
from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.matchers import (
    body_statements,
    descendants,
    method_call,
)
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.summaries import Summaries
from goconc.analyzer.types import unparen

_ENDS = frozenset({"return", "panic", "goexit", "exit"})
_CALLS = frozenset({"call_expression"})
_PROCESS_LIFETIME = frozenset({"main", "init", "TestMain"})


class GoroutineNoExit(Rule):
    meta = RuleMeta(
        code="GR005",
        name="goroutine-no-exit",
        summary="A goroutine runs an endless for loop that nothing can stop.",
        severity=Severity.WARNING,
        tags=("concurrency", "goroutine-leak", "external/cwe/cwe-401"),
        precision="high",
    )
    anchors = {"go_statement": (b"go",)}

    def visit_go_statement(self, go: Node) -> None:
        call = go.named_children[0] if go.named_children else None
        if call is None or call.type != "call_expression":
            return
        starter = self._starter(go)
        if starter is None:
            return
        fn = call.child_by_field_name("function")
        if fn is None:
            return
        fn = unparen(fn)
        body_file: SourceFile = self.file
        if fn.type == "func_literal":
            body_func = fn
        else:
            found = callee(call, self.file, self.pkg.resolver)
            if found is None:
                return  # outside the package, or a function value: unknown
            body_func, body_file = found.decl.node, found.decl.file
        loop = self._endless_loop(body_func, body_file)
        if loop is None:
            return
        where = "" if body_func is fn else f" {self.file.text(fn)}"
        self.report(
            go,
            f"goroutine{where} runs an endless for loop with no return, break or done "
            f"channel; nothing can stop it, so it leaks when {starter} returns",
            related=[Related(body_file.node_span(loop), "this loop never ends")],
        )

    def _starter(self, go: Node) -> str | None:
        """The name of the top-level function that starts the goroutine, or None when it is a
        process-lifetime starter (main, init, TestMain, a package var, sync.Once.Do)."""
        node: Node | None = go.parent
        while node is not None and node.type not in ("function_declaration", "method_declaration"):
            if node.type == "func_literal" and self._in_once_do(node):
                return None
            node = node.parent
        if node is None:
            return None  # a package variable's initializer
        name = node.child_by_field_name("name")
        text = self.file.text(name) if name is not None else ""
        if (
            node.type == "function_declaration"
            and text in _PROCESS_LIFETIME
            and (text != "main" or self.pkg.name == "main")
        ):
            return None
        return text or "its starter"

    def _in_once_do(self, literal: Node) -> bool:
        """`once.Do(func() { ... })` on a sync.Once."""
        args = literal.parent
        call = args.parent if args is not None and args.type == "argument_list" else None
        if call is None or call.type != "call_expression":
            return False
        m = method_call(call, self.file)
        if m is None or m[1] != "Do":
            return False
        fn = call.child_by_field_name("function")
        target = self.pkg.resolver.method_target(fn, self.file) if fn is not None else None
        return target is not None and target[0] == "Once"

    def _endless_loop(self, func: Node, file: SourceFile) -> Node | None:
        """The condition-less top-level `for` of ``func`` when no path of the goroutine ends."""
        body = func.child_by_field_name("body")
        loop = next(
            (s for s in body_statements(body) if s.type == "for_statement" and _condition_less(s)),
            None,
        )
        if loop is None:
            return None
        cfg = self.pkg.cfg(func, file)
        if not self._never_ends(cfg, loop, file):
            return None
        return loop

    def _never_ends(self, cfg: CFG, loop: Node, file: SourceFile) -> bool:
        if cfg.exit.live:
            return False
        for block in cfg.reachable():
            if block.terminator in _ENDS or block.terminator == "select":
                return False  # ends (panic, Goexit, exit) or parks on purpose (select {})
        # A call to a package function that never returns ends (or parks) the goroutine: be
        # silent rather than guess which.
        summaries = self.pkg.fact(Summaries)
        for call in descendants(loop, _CALLS, into_funcs=False):
            found = callee(call, file, self.pkg.resolver)
            if found is not None and summaries.of(found.decl).never_returns:
                return False
        return True


def _condition_less(loop: Node) -> bool:
    """`for { ... }`: no clause at all."""
    return all(c.type == "block" or c.is_extra for c in loop.named_children)
