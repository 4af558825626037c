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

import re

from tree_sitter import Node

from goconc.analyzer.calls import callee, references
from goconc.analyzer.cfg import CFG
from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
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
_MAX_CALLERS_DEPTH = 8  # callers followed up to a process-lifetime function
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
        precision="high",
    )
    anchors = {"go_statement": (b"go",)}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._once_per_process: dict[int, bool] = {}

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
        happens once per process (see `_runs_once`)."""
        node: Node | None = go.parent
        while node is not None and node.type not in _DECLS:
            if node.type == "func_literal" and self._in_once_do(node, self.file):
                return None
            node = node.parent
        if node is None:
            return None  # a package variable's initializer
        if self._runs_once(node, self.file):
            return None
        name = node.child_by_field_name("name")
        return (self.file.text(name) if name is not None else "") or "its starter"

    def _runs_once(self, decl: Node, file: SourceFile, depth: int = 0) -> bool:
        """The declaration runs once per process: it is `main` (of package main), `init` or
        `TestMain`, or every mention of it in the package is a call made from such a
        function, from a package variable's initializer or from a `sync.Once`, and nothing
        outside the package can call it (unexported, or in package main or a test file).
        Such a function's goroutines live as long as the process by design."""
        key = decl.id
        known = self._once_per_process.get(key)
        if known is not None:
            return known
        self._once_per_process[key] = True  # a recursive mention: the other mentions decide
        found = self._compute_runs_once(decl, file, depth)
        self._once_per_process[key] = found
        return found

    def _compute_runs_once(self, decl: Node, file: SourceFile, depth: int) -> bool:
        name_node = decl.child_by_field_name("name")
        name = file.text(name_node) if name_node is not None else ""
        if decl.type == "function_declaration":
            if name == "init" or (name == "main" and self.pkg.name == "main"):
                return True
            if name == "TestMain" and self._takes_testing_m(decl, file):
                return True
        if depth >= _MAX_CALLERS_DEPTH or not name:
            return False
        if name[0].isupper() and self.pkg.name != "main" and not file.path.endswith("_test.go"):
            return False  # other packages may call it, as often as they like
        r = self.pkg.resolver
        target = next(
            (d for d in self.pkg.index.declared_in(file)[2] if d.node.id == decl.id), None
        )
        if target is None:
            return False
        mentioned = False
        for expr, where in references(self.pkg.files, r, target):
            mentioned = True
            call = expr.parent
            if self._in_once_do(expr, where):
                continue  # `once.Do(start)`
            if (
                call is None
                or call.type != "call_expression"
                or call.child_by_field_name("function") != expr
            ):
                return False  # used as a value: called who knows how often
            if not self._context_runs_once(call, where, depth):
                return False
        return mentioned

    def _takes_testing_m(self, decl: Node, file: SourceFile) -> bool:
        """`func TestMain(m *testing.M)`: the test binary's own main."""
        params = decl.child_by_field_name("parameters")
        first = params.named_children[0] if params is not None and params.named_children else None
        kind = first.child_by_field_name("type") if first is not None else None
        t = self.pkg.resolver.type_from_node(kind, file) if kind is not None else None
        return t is not None and t.deref().is_named("testing", "M")

    def _context_runs_once(self, node: Node, file: SourceFile, depth: int) -> bool:
        """The call ``node`` runs once per process: outside any loop, in a package variable's
        initializer, a `sync.Once` or a function that runs once."""
        current: Node | None = node.parent
        while current is not None and current.type not in _DECLS:
            if current.type == "func_literal" and self._in_once_do(current, file):
                return True
            if current.type == "for_statement":
                return False  # once per iteration
            current = current.parent
        if current is None:
            return True  # a package variable's initializer
        return self._runs_once(current, file, depth + 1)

    def _in_once_do(self, literal: Node, file: SourceFile) -> bool:
        """`once.Do(func() { ... })` (or `once.Do(f)`) on a sync.Once."""
        args = literal.parent
        call = args.parent if args is not None and args.type == "argument_list" else None
        if call is None or call.type != "call_expression":
            return False
        m = method_call(call, file)
        if m is None or m[1] != "Do":
            return False
        fn = call.child_by_field_name("function")
        target = self.pkg.resolver.method_target(fn, file) if fn is not None else None
        return target is not None and target[0] == "Once"

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
            found = callee(call, file, r)
            if found is not None and summaries.of(found.decl).never_returns:
                return False
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
