"""## What it does
Flags `os.Exit` and `log.Fatal`, `log.Fatalf`, `log.Fatalln` (imports resolved, renamed or
not) in a function that has registered, on some path before the call, a `defer` that
releases something: an `Unlock`/`RUnlock`, a WaitGroup `Done`, a context cancel func,
`close(ch)`, or a `Close`, `Flush`, `Remove`/`RemoveAll`, `Stop` or `Sync` call (directly, or
inside a deferred `func() { ... }()`).

## Why is this bad?
`os.Exit` ends the process at once: deferred calls do not run. A buffered writer is not
flushed, a temporary file is not removed, a logger is not synced; in a function that is not
`main`, an exit deep in the program also bypasses every caller's cleanup, and the defers it
registered make clear that the function expected to return.

## Example
```go
package main

import (
        "bufio"
        "log"
        "os"
)

func main() {
        w := bufio.NewWriter(os.Stdout)
        defer w.Flush()
        if _, err := w.WriteString("report\\n"); err != nil {
                log.Fatal(err)
        }
}
```

Use instead:
```go
package main

import (
        "bufio"
        "log"
        "os"
)

func run() error {
        w := bufio.NewWriter(os.Stdout)
        defer w.Flush()
        _, err := w.WriteString("report\\n")
        return err
}

func main() {
        if err := run(); err != nil {
                log.Fatal(err)
        }
}
```

Severity: in the `main` function of package `main` (and in closures inside it), when every
skipped defer only releases what the operating system reclaims at exit anyway (`Close`,
`close`, a cancel func, `Stop`, `Unlock`, `Done`), the finding is a note; in a testable
`Example...` function of a `_test.go` file (a small program of its own, where `log.Fatal` is
the documentation's convention) it is not reported at all. `Flush`, `Remove`/`RemoveAll`
and `Sync` have effects outside the process (lost output, a leftover file, unsynced data), so
skipping them is a warning even in `main`. Everywhere else every skipped defer is a warning: a
function other than `main` that exits is a library-style function bypassing its own (and its
callers') cleanup, and a deferred `Unlock`/`Done` there shows the function was written to return.

Not flagged: defers that release nothing (`defer fmt.Println(...)`, `defer recover()`-style
handlers), defers registered only on paths that cannot reach the exit, exits in a closure
(the closure's own defers are what counts), `log.Panic*` (it panics, so defers run).

## Limitations
Only the function's own defers are seen: an exit in a helper called from a function that
deferred cleanup is not reported at the call. A deferred call to a package function or a
method with another name (`defer cleanup()`) is not looked into.

## References
- go-critic `exitAfterDefer` ("Detects calls to exit/fatal inside functions that use
  defer"): it flags any defer; goconc restricts the check to defers that release something,
  follows the CFG (a defer only on another branch is not reported) and grades `main`.
- There is no go vet or staticcheck equivalent.
"""

from __future__ import annotations

from tree_sitter import Node

from goconc.analyzer.cfg import CFG, Block
from goconc.analyzer.dataflow import cfg_statement
from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.matchers import descendants, method_call
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.types import enclosing_function, unparen

_EXITS = frozenset({("os", "Exit"), ("log", "Fatal"), ("log", "Fatalf"), ("log", "Fatalln")})
_EXIT_NAMES = frozenset(name for _, name in _EXITS)
# Methods whose skipped call has an effect the OS does not undo at exit.
_OUTSIDE = frozenset({"Flush", "Remove", "RemoveAll", "Sync"})
# Methods whose skipped call only releases process resources.
_INSIDE = frozenset({"Close", "Stop", "Unlock", "RUnlock", "Done"})
_CANCEL_TYPES = frozenset({"CancelFunc", "CancelCauseFunc"})
_CALLS = frozenset({"call_expression"})


class ExitSkipsDefer(Rule):
    meta = RuleMeta(
        code="GR004",
        name="exit-skips-defer",
        summary="os.Exit or log.Fatal runs after a defer that releases something; the defer "
        "never runs.",
        severity=Severity.WARNING,
        tags=("concurrency", "resource-leak", "defer"),
        precision="high",
    )
    anchors = {"call_expression": tuple(sorted(name.encode() for name in _EXIT_NAMES))}

    def wants_file(self, file: SourceFile) -> bool:
        return file.tokens.may_occur(b"defer")  # an exit skips only the defers before it

    def visit_call_expression(self, call: Node) -> None:
        fn = call.child_by_field_name("function")
        field = fn.child_by_field_name("field") if fn is not None else None
        if field is None or self.file.text(field) not in _EXIT_NAMES:
            return  # not `pkg.Exit`/`pkg.Fatal...`: skip resolving the package
        target = self.pkg.resolver.pkg_func(call, self.file)
        if target not in _EXITS:
            return
        assert target is not None
        func = enclosing_function(call)
        if func is None or b"defer" not in self.file.data[func.start_byte : func.end_byte]:
            return
        cfg = self.pkg.cfg(func, self.file)
        stmt = cfg_statement(cfg, call)
        if stmt is None:
            return
        found: list[tuple[Node, str, bool]] = []
        for defer in _defers_before(cfg, stmt):
            what = self._releases(defer)
            if what is not None:
                found.append((defer, *what))
        if not found:
            return
        found.sort(key=lambda f: f[0].start_byte)
        in_main = self._is_main(func)
        outside = any(o for _, _, o in found)
        if in_main and not outside and self._is_example(func):
            return  # `log.Fatal` in a documentation example that frees only process resources
        severity = Severity.NOTE if in_main and not outside else Severity.WARNING
        names = ", ".join(dict.fromkeys(w for _, w, _ in found))
        fn = call.child_by_field_name("function")
        exit_name = self.file.text(fn) if fn is not None else f"{target[0]}.{target[1]}"
        advice = "return instead" if in_main else "return an error to main and exit there"
        self.report(
            call,
            f"{exit_name} exits the process without running the deferred {names}; {advice}",
            related=[Related(self.span(d), f"deferred {w} is skipped") for d, w, _ in found],
            severity=severity,
        )

    def _is_main(self, func: Node) -> bool:
        """`main` of package main, or a testable `Example...` function (a small program of
        its own, run by `go test` and shown as one in the docs), or a closure inside them."""
        while func.type == "func_literal":
            outer = enclosing_function(func)
            if outer is None:
                return False
            func = outer
        if func.type != "function_declaration":
            return False
        name = func.child_by_field_name("name")
        text = self.file.text(name) if name is not None else ""
        if self.file.path.endswith("_test.go") and text.startswith("Example"):
            return True
        return self.pkg.name == "main" and text == "main"

    def _is_example(self, func: Node) -> bool:
        while func.type == "func_literal":
            outer = enclosing_function(func)
            if outer is None:
                return False
            func = outer
        name = func.child_by_field_name("name")
        text = self.file.text(name) if name is not None else ""
        return self.file.path.endswith("_test.go") and text.startswith("Example")

    def _releases(self, defer: Node) -> tuple[str, bool] | None:
        """(what the deferred call releases, whether skipping it has effects outside the
        process) when it releases something; None otherwise."""
        call = defer.named_children[0] if defer.named_children else None
        if call is None or call.type != "call_expression":
            return None
        fn = call.child_by_field_name("function")
        if fn is not None and unparen(fn).type == "func_literal":
            # defer func() { f.Close(); os.Remove(tmp) }(): what its own calls release.
            best: tuple[str, bool] | None = None
            for inner in descendants(unparen(fn), _CALLS, into_funcs=False):
                what = self._call_releases(inner)
                if what is not None and (best is None or (what[1] and not best[1])):
                    best = what
            return best
        return self._call_releases(call)

    def _call_releases(self, call: Node) -> tuple[str, bool] | None:
        r = self.pkg.resolver
        fn = call.child_by_field_name("function")
        if fn is None:
            return None
        fn = unparen(fn)
        if fn.type == "identifier":
            if r.is_builtin(fn, self.file, "close"):
                return f"{self.file.text(call)}", False
            t = r.type_of(fn, self.file)
            if (
                t is not None
                and t.kind == "named"
                and t.pkg == "context"
                and t.name in _CANCEL_TYPES
            ):
                return f"{self.file.text(fn)}()", False
            return None
        m = method_call(call, self.file)
        if m is None:
            return None
        name = m[1]
        if name in _OUTSIDE:
            return f"{self.file.text(fn)}()", True
        if name in _INSIDE:
            if name in ("Unlock", "RUnlock", "Done"):
                # Only the sync types' methods: identity, not names.
                target = r.method_target(fn, self.file)
                if target is None:
                    return None
            return f"{self.file.text(fn)}()", False
        return None


def _defers_before(cfg: CFG, stmt: Node) -> list[Node]:
    """Defer statements that run on some path from the entry to ``stmt``."""
    block = cfg.block_of(stmt)
    if block is None or not cfg.defers:
        return []
    found: dict[int, Node] = {}
    position = next(i for i, n in enumerate(block.nodes) if n.id == stmt.id)

    def scan(nodes: list[Node]) -> None:
        for n in nodes:
            if n.type == "defer_statement":
                found.setdefault(n.id, n)

    scan(block.nodes[:position])
    seen: set[int] = {block.index}
    work: list[Block] = list(block.preds)
    while work:
        current = work.pop()
        if current.index in seen:
            continue
        seen.add(current.index)
        scan(current.nodes)
        work.extend(current.preds)
    return list(found.values())
