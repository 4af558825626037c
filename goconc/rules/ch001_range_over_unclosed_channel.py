"""## What it does
Flags `for v := range ch` where `ch` is a channel made in this package (a local
`make(chan T)`, or a struct field or package variable that is only ever assigned a `make`)
and no code that can run closes it: no `close` of it or of an alias, in the function, in a
closure, in a package function it is handed to, or (for a struct field or package variable)
anywhere in the package, and it never reaches code goconc cannot see.

## Why is this bad?
A `range` over a channel ends only when the channel is closed. If nothing closes it, the
loop blocks forever once the senders stop: the ranging goroutine leaks (with everything it
references), or, when it is the main flow of the program, the program hangs. This is one of
the commonest goroutine leaks in real Go code.

## Example
```go
package example

func sum(nums []int) int {
        results := make(chan int)
        go func() {
                for _, n := range nums {
                        results <- n * n
                }
        }()
        total := 0
        for r := range results {
                total += r
        }
        return total
}
```

Use instead:
```go
package example

func sum(nums []int) int {
        results := make(chan int)
        go func() {
                defer close(results)
                for _, n := range nums {
                        results <- n * n
                }
        }()
        total := 0
        for r := range results {
                total += r
        }
        return total
}
```

Not flagged: channels received as parameters, from other packages or from calls of
unknown functions (the owner is unknown); channels passed to a function outside the
package, sent over a channel, stored in another variable, field, map or slice, or returned
(they may be closed there); `range ticker.C`, `range time.Tick(...)`, `range time.After(...)`;
loops whose body can `break` out of the loop (a plain `break` inside a `select` or `switch`
does not count), `return`, `goto`, or stop the process or goroutine (`os.Exit`, `log.Fatal`,
`panic`, `runtime.Goexit`); a loop in a goroutine started by code that runs once per process
(`main`, `init`, a `sync.Once`, a package variable's initializer, or an unexported function
only they call): a worker that serves for the life of the process.

The level is `error` for a local channel and `warning` for a struct field or package
variable, where the closing code is more likely to be out of sight (another package, a
function value).

## Fix safety
No fix is offered: the close belongs to the sending side (typically `defer close(ch)` in the
producer goroutine, or a `close` after `wg.Wait()` when there are several producers), which
goconc cannot choose.

## Limitations
Closing through a function value, an interface method or reflection is not seen; a channel
stored in a struct and closed through another struct type that embeds or copies it is
matched by field class (`Type.field`) only. Whether the senders really stop is not checked.

## References
- No go vet or staticcheck analyzer checks this.
- GoBench/GoKer blocking-bug kernels (shipped in the Go tree under
  `runtime/testdata/testgoroutineleakprofile/goker`) include ranges over channels that are
  never closed, taken from real projects.
- https://go.dev/ref/spec#For_range: "For channels, the iteration values produced are the
  successive values sent on the channel until the channel is closed."
- https://go.dev/ref/mem#chan: the Go memory model on channel close.
"""

from __future__ import annotations

import re
from functools import cached_property

from tree_sitter import Node

from goconc.analyzer.calls import references
from goconc.analyzer.chans import Channels
from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.lifetime import Lifetime
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.tokens import NAME, line_start, mentions_any, names_pattern
from goconc.analyzer.types import enclosing_function, unparen

_BREAKABLE = frozenset(
    {"for_statement", "select_statement", "expression_switch_statement", "type_switch_statement"}
)
_FUNCS = frozenset({"func_literal", "function_declaration", "method_declaration"})

# The only makes CH001 follows: of a literal channel type (see _is_make).
_CHAN_MAKE = re.compile(rb"make\(\s*(?:<-\s*)?chan\b")


class RangeOverUnclosedChannel(Rule):
    meta = RuleMeta(
        code="CH001",
        name="range-over-unclosed-channel",
        summary="A range over a channel made in this package that nothing ever closes.",
        severity=Severity.ERROR,
        tags=("concurrency", "channel", "goroutine-leak", "deadlock", "external/cwe/cwe-833"),
        precision="high",
        fix=None,
    )
    # The hook acts only on a loop with a range clause, whose source holds `range`.
    anchors = {"for_statement": (b"range",)}

    def applies_to_package(self) -> bool:
        # Only a channel made in this package can be flagged: no `make(chan`, nothing to do
        # (this skips most packages before any type resolution).
        return any(_CHAN_MAKE.search(f.data) for f in self.pkg.files)

    def wants_file(self, file: SourceFile) -> bool:
        # A range can be flagged only over a channel made in its own file (a local) or over
        # a variable or field that some make is assigned to: see _made_names.
        if _CHAN_MAKE.search(file.data):
            return True
        pattern = self._made_names
        return pattern is not None and mentions_any(pattern, file.data)

    @cached_property
    def _made_names(self) -> re.Pattern[bytes] | None:
        """The names written before a channel make in the package (a superset of the
        variables and fields it is assigned to: `ch := make(`, `s.ch = make(`, `ch:
        make(`); the line before too, when the make's line starts with it."""
        names: set[bytes] = set()
        for f in self.pkg.files:
            data = f.data
            for m in _CHAN_MAKE.finditer(data):
                start = line_start(data, m.start())
                if start and not any(c in data[start : m.start()] for c in (b"=", b":")):
                    start = line_start(data, start - 1)
                names.update(NAME.findall(data, start, m.start()))
        names.discard(b"make")
        return names_pattern(n.decode("utf-8", "replace") for n in names)

    def visit_for_statement(self, loop: Node) -> None:
        clause = next((c for c in loop.named_children if c.type == "range_clause"), None)
        if clause is None:
            return
        right = clause.child_by_field_name("right")
        if right is None:
            return
        left = clause.child_by_field_name("left")
        if left is not None and sum(not c.is_extra for c in left.named_children) > 1:
            return  # `for k, v := range`: a channel gives one value (no need to type it)
        right = unparen(right)
        if right.type not in ("identifier", "selector_expression"):
            return  # time.Tick(...), time.After(...), f(): results of calls
        t = self.pkg.resolver.type_of(right, self.file)
        if t is None or t.kind != "chan":
            return
        if _can_leave(self, loop):
            return
        origin = self.pkg.fact(Channels).origin(right, self.file)
        if origin is None or origin.fate.released:
            return
        if self._process_worker(loop):
            return  # asked last: it reads the callers of the goroutine's starter
        severity = Severity.WARNING if origin.shared else Severity.ERROR
        name = self.file.text(right)
        where = (
            "is never closed" if severity is Severity.ERROR else "is never closed in this package"
        )
        self.report(
            clause,
            f"range over {name}, which {where}: the loop ends only when {name} is closed, "
            "so it blocks forever once the senders stop",
            related=[Related(self.span(origin.make, origin.file), f"{name} is made here")],
            severity=severity,
        )

    def _process_worker(self, loop: Node) -> bool:
        """The loop runs in a goroutine started by code that runs once per process (`main`,
        `init`, a `sync.Once`, a package variable, their only callees): a worker meant to
        serve for the life of the process, not a leak."""
        func = enclosing_function(loop)
        if func is None:
            return False
        lifetime = self.pkg.fact(Lifetime)
        if func.type == "func_literal":
            go = _started_by(func)
            return go is not None and lifetime.runs_once(go, self.file)
        decl = next(
            (d for d in self.pkg.index.declared_in(self.file)[2] if d.node.id == func.id), None
        )
        if decl is None:
            return False
        found = False
        for expr, where in references(self.pkg.files, self.pkg.resolver, decl):
            call = expr.parent
            go = call.parent if call is not None and call.type == "call_expression" else None
            if go is None or go.type != "go_statement" or not lifetime.runs_once(go, where):
                return False  # called in place, or used as a value: it may not live on
            found = True
        return found


def _started_by(literal: Node) -> Node | None:
    """The `go` statement that starts the function literal (`go func() {...}()`)."""
    node = literal
    while node.parent is not None and node.parent.type == "parenthesized_expression":
        node = node.parent
    call = node.parent
    if (
        call is None
        or call.type != "call_expression"
        or call.child_by_field_name("function") != node
    ):
        return None
    go = call.parent
    return go if go is not None and go.type == "go_statement" else None


def _can_leave(rule: Rule, loop: Node) -> bool:
    """The loop body can break out, return, goto, or stop the goroutine or process."""
    own = (
        loop.parent.child_by_field_name("label")
        if loop.parent is not None and loop.parent.type == "labeled_statement"
        else None
    )
    file = rule.file
    own_label = file.text(own) if own is not None else None
    body = loop.child_by_field_name("body")
    if body is None:
        return False
    inner_labels = {
        file.text(lbl)
        for n in _walk(body)
        if n.type == "labeled_statement" and (lbl := n.child_by_field_name("label")) is not None
    }
    stack: list[tuple[Node, int]] = [(c, 0) for c in body.named_children]
    while stack:
        node, nested = stack.pop()
        kind = node.type
        if kind in _FUNCS:
            continue
        if kind in ("return_statement", "goto_statement"):
            return True
        if kind in ("break_statement", "continue_statement"):
            label = next((c for c in node.named_children if c.type == "label_name"), None)
            if label is None:
                if kind == "break_statement" and nested == 0:
                    return True
            else:
                name = file.text(label)
                if name == own_label:
                    if kind == "break_statement":
                        return True
                elif name not in inner_labels:
                    return True  # to a statement around this loop
            continue
        if kind == "call_expression" and rule.pkg.exit_kind(node, file) is not None:
            return True
        depth = nested + 1 if kind in _BREAKABLE else nested
        stack.extend((c, depth) for c in node.named_children)
    return False


def _walk(node: Node) -> list[Node]:
    out: list[Node] = []
    stack = [node]
    while stack:
        n = stack.pop()
        out.append(n)
        if n.type not in _FUNCS:
            stack.extend(n.named_children)
    return out
