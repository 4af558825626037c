"""## What it does
Flags `os.Exit` and `log.Fatal`, `log.Fatalf`, `log.Fatalln` (imports resolved, renamed or
not) in a function that has registered, on some path before the call, a `defer` whose work
outlives the process, so that skipping it leaves a trace: a `Flush` (buffered output is
lost), an `os.Remove`/`os.RemoveAll` (the file stays behind), or the `Close` of a writer that
holds data until it is closed (`gzip`, `zlib`, `flate`, `zip`, `tar` writers: the archive
is left truncated), directly or inside a deferred `func() { ... }()`.

## Why is this bad?
`os.Exit` ends the process at once: deferred calls do not run. A buffered writer is not
flushed, a temporary file or directory is not removed, an archive gets no trailer. The
classic case is `TestMain`: `defer os.RemoveAll(dir)` followed by `os.Exit(m.Run())` leaves
a directory behind on every test run.

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

Not flagged: an exit that skips only what the process's end releases anyway: `Close` of a
file, connection, response body, client or iterator, a context's cancel func, `Stop` of a
timer, ticker or server, `Unlock` of a mutex, `Done` of a WaitGroup, `close(ch)`, an
`os.File`'s or a logger's `Sync` (data written to a file is in the kernel already; a file
closed by the exit loses nothing). Once the process is gone nothing can observe a held
mutex, an undecremented WaitGroup or an open descriptor, so such a finding is not worth a
reader's time, whether the exit is in `main`, in `TestMain`, in a CLI action or in a
library function. Also not flagged: defers registered only on paths that cannot reach the
exit, exits in a closure (the closure's own defers are what counts), `log.Panic*` (it
panics, so defers run).

## Limitations
Only the function's own defers are seen: an exit in a helper called from a function that
deferred cleanup is not reported at the call. A deferred call to a package function or a
method with another name (`defer cleanup()`) is not looked into. Whether a `Close` flushes
is known for the standard library's buffering writers only (by type, from their
constructors); the `Close` of another package's writer that buffers is not flagged. A
deferred `os.Remove(p)` is flagged even when `p` is still empty on the exiting path.

## References
- go-critic `exitAfterDefer` ("Detects calls to exit/fatal inside functions that use
  defer"): it flags any defer; goconc restricts the check to defers whose effect outlives
  the process, and follows the CFG (a defer only on another branch is not reported).
- There is no go vet or staticcheck equivalent.
"""

from __future__ import annotations

from tree_sitter import Node

from goconc.analyzer.cfg import CFG, EXIT_CALLS, Block
from goconc.analyzer.dataflow import cfg_statement
from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.matchers import descendants, method_call
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.types import enclosing_function, unparen

# The calls that end the process without running deferred calls.
_EXITS = frozenset(call for call, kind in EXIT_CALLS.items() if kind == "exit")
_EXIT_NAMES = frozenset(name for _, name in _EXITS)
_REMOVES = frozenset({("os", "Remove"), ("os", "RemoveAll")})
# Writers that keep data in the process until they are closed (a trailer, a last block).
_BUFFERING = frozenset(
    {
        ("compress/gzip", "Writer"),
        ("compress/zlib", "Writer"),
        ("compress/flate", "Writer"),
        ("archive/zip", "Writer"),
        ("archive/tar", "Writer"),
    }
)
_CALLS = frozenset({"call_expression"})


class ExitSkipsDefer(Rule):
    meta = RuleMeta(
        code="GR004",
        name="exit-skips-defer",
        summary="os.Exit or log.Fatal skips a deferred Flush, Remove or writer Close whose "
        "work outlives the process.",
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
        found: list[tuple[Node, str, str]] = []
        for defer in _defers_before(cfg, stmt):
            what = self._outlives(defer)
            if what is not None:
                found.append((defer, *what))
        if not found:
            return
        found.sort(key=lambda f: f[0].start_byte)
        names = ", ".join(dict.fromkeys(w for _, w, _ in found))
        why = "; ".join(dict.fromkeys(y for _, _, y in found))
        fn = call.child_by_field_name("function")
        exit_name = self.file.text(fn) if fn is not None else f"{target[0]}.{target[1]}"
        self.report(
            call,
            f"{exit_name} exits the process without running the deferred {names} ({why}); "
            f"{self._advice(func)}",
            related=[Related(self.span(d), f"deferred {w} is skipped") for d, w, _ in found],
        )

    def _advice(self, func: Node) -> str:
        while func.type == "func_literal":
            outer = enclosing_function(func)
            if outer is None:
                break
            func = outer
        name = func.child_by_field_name("name") if func.type == "function_declaration" else None
        text = self.file.text(name) if name is not None else ""
        if text == "TestMain" and self.file.path.endswith("_test.go"):
            return "run the tests in a function that returns m.Run()'s code, and exit with it"
        if text == "main" and self.pkg.name == "main":
            return "return instead"
        return "return an error to main and exit there"

    def _outlives(self, defer: Node) -> tuple[str, str] | None:
        """(the deferred call, what skipping it leaves behind) when its work outlives the
        process; None otherwise."""
        call = defer.named_children[0] if defer.named_children else None
        if call is None or call.type != "call_expression":
            return None
        fn = call.child_by_field_name("function")
        if fn is not None and unparen(fn).type == "func_literal":
            # defer func() { f.Close(); os.Remove(tmp) }(): what its own calls do.
            for inner in descendants(unparen(fn), _CALLS, into_funcs=False):
                what = self._call_outlives(inner)
                if what is not None:
                    return what
            return None
        return self._call_outlives(call)

    def _call_outlives(self, call: Node) -> tuple[str, str] | None:
        r = self.pkg.resolver
        fn = call.child_by_field_name("function")
        if fn is None:
            return None
        fn = unparen(fn)
        target = r.pkg_func(call, self.file)
        if target in _REMOVES:
            return f"{self.file.text(fn)}()", "what it removes stays behind"
        m = method_call(call, self.file)
        if m is None or target is not None:
            return None
        if m[1] == "Flush":
            return f"{self.file.text(fn)}()", "buffered output is lost"
        if m[1] == "Close":
            t = r.type_of(m[0], self.file)
            t = t.deref() if t is not None else None
            if t is not None and t.kind == "named" and (t.pkg, t.name) in _BUFFERING:
                return f"{self.file.text(fn)}()", "the data it holds is never written"
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
