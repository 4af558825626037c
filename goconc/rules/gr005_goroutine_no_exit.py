"""## What it does
Flags a goroutine whose body is an unconditional `for { ... }` loop that nothing can end: no
`return`, no `break` or `goto` out of the loop, no `ctx.Done()` or done-channel case that
leaves it, no call that ends the goroutine or the process (`panic`, `runtime.Goexit`,
`t.FailNow`, `os.Exit`, `log.Fatal`, a package function or local closure that never
returns), when it is started by code that may run more than once per process. Both
`go func() { for { ... } }()` and `go s.loop()` (a package function or method whose body is
such a loop) are checked.

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
when the channel is closed); goroutines that park with `select {}`; goroutines meant to live
as long as the process:

- started by code that runs once per process: `main`, `init`, `TestMain`, a package
  variable's initializer, a function given to a `sync.Once` (`once.Do`, `sync.OnceFunc`,
  `sync.OnceValue`), or an unexported function (any function of package main or of a test
  file) whose every mention in the package is a call, outside loops, from such code (`main`
  calls `openStore()`, which starts `go s.drain()`);
- documented so: a comment on the `go` statement, or the doc comment of the function that
  starts it or that it runs, says it lives for the lifetime of the process or program, or
  exits (ends, stops) with it;
- waited for by their starter (`wg.Wait()` after the `go` statement, on a WaitGroup the
  goroutine calls Done on): the starter cannot return while the goroutine runs.

An exported function of a library package can be called by other packages any number of
times, and a function used as a value (a handler, a callback) is called who knows how
often: their goroutines are reported.

## Limitations
A plain `break` inside a `select` or `switch` leaves only that statement, as in Go; the CFG
sees that. A goroutine that ends through a callee that panics on some input or through a
runtime error is not modelled; a callee of the package that never returns (a summary) is taken
as ending the loop, to stay silent; so is a local closure that never returns and is never
reassigned (`exit := func() { ...; os.Exit(1) }`). Other calls through function values are
not followed. A worker started from a command's action function (registered as a value
with a CLI library) or from a daemon's constructor in a library package is reported even
when the program builds it once: goconc does not follow other packages' calls.

## References
- No go vet or staticcheck check corresponds. uber-go/goleak finds such goroutines at run
  time, at the end of tests.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from goconc.analyzer.calls import callee, callees
from goconc.analyzer.cfg import CFG
from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.lifetime import Lifetime
from goconc.analyzer.matchers import (
    body_statements,
    descendants,
    method_call,
)
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.summaries import Summaries, waitgroup_dones
from goconc.analyzer.types import Resolver, enclosing_function, unparen

_ENDS = frozenset({"return", "panic", "goexit", "exit"})
_CALLS = frozenset({"call_expression"})
_DECLS = frozenset({"function_declaration", "method_declaration"})
# A comment that says a goroutine lives as long as the process.
_LIFETIME = re.compile(
    r"(?i)\b(?:(?:life(?:time)?|duration) of the (?:process|program|binary)"
    r"|(?:exits?|ends?|dies?|stops?) (?:along )?with the (?:process|program)"
    r"|until the (?:process|program) (?:exits|ends|stops))"
)


class GoroutineNoExit(Rule):
    meta = RuleMeta(
        code="GR005",
        name="goroutine-no-exit",
        summary="A goroutine runs an endless for loop that nothing can stop.",
        severity=Severity.WARNING,
        tags=("concurrency", "goroutine-leak", "external/cwe/cwe-401"),
        precision="very-high",
        # Opt-in: true to the letter on real code, but 12 of 20 judged were goroutines meant to live
        # as long as the process (docs/precision.md).
        preview=True,
    )
    anchors = {"go_statement": (b"go",)}

    def visit_go_statement(self, go: Node) -> None:
        call = go.named_children[0] if go.named_children else None
        if call is None or call.type != "call_expression":
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
        starter = self._starter(go)  # after the loop: asks about the callers of the starter
        if starter is None:
            return
        if _documented_lifetime(self.file, go, body_func, body_file):
            return
        if body_func is fn and self._starter_waits(go, fn):
            return  # the starter waits for it: it cannot outlive the starter
        where = "" if body_func is fn else f" {self.file.text(fn)}"
        self.report(
            go,
            f"goroutine{where} runs an endless for loop with no return, break or done "
            f"channel; nothing can stop it, so it leaks when {starter} returns",
            related=[Related(body_file.node_span(loop), "this loop never ends")],
        )

    # -- process-lifetime starters ---------------------------------------------------------
    def _starter(self, go: Node) -> str | None:
        """The name of the top-level function that starts the goroutine, or None when that
        code runs once per process (`Lifetime`)."""
        if self.pkg.fact(Lifetime).runs_once(go, self.file):
            return None
        node: Node | None = go.parent
        while node is not None and node.type not in _DECLS:
            node = node.parent
        name = node.child_by_field_name("name") if node is not None else None
        return (self.file.text(name) if name is not None else "") or "its starter"

    def _starter_waits(self, go: Node, literal: Node) -> bool:
        """After the go statement the starter waits on a WaitGroup the goroutine calls Done
        on: it returns only once the goroutine has ended."""
        r = self.pkg.resolver
        dones = [
            ref for _, ref, _ in waitgroup_dones(self.pkg, literal, self.file) if ref is not None
        ]
        func = enclosing_function(go)
        if not dones or func is None:
            return False
        for call in descendants(func, _CALLS, into_funcs=False):
            if call.start_byte < go.end_byte:
                continue
            m = method_call(call, self.file)
            if m is None or m[1] != "Wait":
                continue
            fn = call.child_by_field_name("function")
            target = r.method_target(fn, self.file) if fn is not None else None
            waited = target[1] if target is not None and target[0] == "WaitGroup" else None
            if waited is not None and any(waited.same_object(d) for d in dones):
                return True
        return False

    # -- the loop --------------------------------------------------------------------------
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
        # A call to a function that never returns ends (or parks) the goroutine: be silent
        # rather than guess which. A package function's summary says; so does the CFG of a
        # local closure (`exit := func() { ...; os.Exit(1) }`).
        summaries = self.pkg.fact(Summaries)
        r = self.pkg.resolver
        for call in descendants(loop, _CALLS, into_funcs=False):
            if any(summaries.of(t.decl).never_returns for t in callees(call, file, r)):
                return False  # (in some build, where the callee has build variants)
            closure = _local_closure(call, file, r)
            if closure is not None and not self.pkg.cfg(closure, file).exit.live:
                return False
        return True


def _local_closure(call: Node, file: SourceFile, r: Resolver) -> Node | None:
    """The function literal a local variable called here was declared with (`exit :=
    func() {...}`), when it is never assigned another."""
    fn = call.child_by_field_name("function")
    fn = unparen(fn) if fn is not None else None
    if fn is None or fn.type != "identifier":
        return None
    b = r.binding(fn, file)
    if b is None or b.kind not in ("short", "var") or b.value is None or b.index:
        return None
    value = unparen(b.value)
    if value.type != "func_literal":
        return None
    for use in r.uses(b):
        parent = use.parent
        if parent is not None and parent.type == "expression_list":
            stmt = parent.parent
            if stmt is not None and stmt.child_by_field_name("left") == parent:
                return None  # assigned again
    return value


def _documented_lifetime(file: SourceFile, go: Node, body: Node, body_file: SourceFile) -> bool:
    """A comment says the goroutine lives as long as the process: on the lines just before
    the go statement, or in the doc comment of the function that starts it or of the one it
    runs."""
    starter = go.parent
    while starter is not None and starter.type not in _DECLS:
        starter = starter.parent
    texts = [_comment_before(file, go)]
    if starter is not None:
        texts.append(_comment_before(file, starter))
    if body.type in _DECLS:
        texts.append(_comment_before(body_file, body))
    return any(_LIFETIME.search(t) for t in texts)


def _comment_before(file: SourceFile, node: Node) -> str:
    """The comment lines directly above ``node``."""
    lines: list[str] = []
    sibling = node.prev_sibling
    while sibling is not None and sibling.type == "comment":
        if file.line_of(sibling.end_byte) + 1 + len(lines) < file.line_of(node.start_byte) - 0:
            break
        lines.append(file.text(sibling))
        sibling = sibling.prev_sibling
    return "\n".join(reversed(lines))


def _condition_less(loop: Node) -> bool:
    """`for { ... }`: no clause at all."""
    return all(c.type == "block" or c.is_extra for c in loop.named_children)
