"""## What it does
In modules whose `go.mod` declares a Go version below 1.23 (or in a package that restores the
old timers with `//go:debug asynctimerchan=1`), flags:
- `time.NewTicker` / `time.NewTimer` assigned to a local variable when some path from the
  call to a `return` (or the end of the function) neither calls `Stop` on it (directly or
  deferred) nor hands it on (returns it, stores it, passes it to a function or a goroutine);
- `time.Tick` in a function that can return after the call, other than `main` of package
  `main`.

## Why is this bad?
Before Go 1.23 the runtime keeps every active timer reachable: a `Ticker` that is never
stopped is never garbage collected and keeps firing for the life of the process, and a
`Timer` is kept until it fires. `time.Tick` has no way to be stopped at all, so each call
in a function that returns leaks one ticker. From Go 1.23 on unreferenced timers and tickers
are collected, so the rule is silent for modules that declare `go 1.23` or later (and
without a `go.mod`, where goconc assumes the newest Go), unless the package says
`//go:debug asynctimerchan=1`, which brings the old timers back (and
`//go:debug asynctimerchan=0` in an older module turns them off).

## Example
In a module whose `go.mod` says `go 1.22`:
```go
package main

import "time"

func poll(done <-chan struct{}, check func() bool) bool {
        t := time.NewTicker(time.Second)
        for {
                select {
                case <-done:
                        return false
                case <-t.C:
                        if check() {
                                return true
                        }
                }
        }
}

func main() {}
```

Use instead:
```go
package main

import "time"

func poll(done <-chan struct{}, check func() bool) bool {
        t := time.NewTicker(time.Second)
        defer t.Stop()
        for {
                select {
                case <-done:
                        return false
                case <-t.C:
                        if check() {
                                return true
                        }
                }
        }
}

func main() {}
```

Not flagged: a ticker or timer that is returned, stored in a field, map, slice or package
variable, or passed to any function or goroutine; paths that end the process; a `Timer` on a
path where it has fired (`<-t.C` received); anything in `main` of package `main` (returning
from it ends the process); a ticker or timer made at most once per process (in `init`, in a
`sync.Once` body, or in an unexported function that only such code calls, outside any loop:
the same `Lifetime` fact GR005 uses), which lives as long as the process by design;
`time.Tick` in `_test.go` files (as staticcheck) and in functions that cannot return once
they have ticked (the ticker lives as long as they do).

## Fix safety
For `NewTicker`/`NewTimer` the fix inserts `defer t.Stop()` after the statement. It is safe
when the value is only used through `t.C`, `t.Reset` and `t.Stop` and the statement is not in
a loop; otherwise it is unsafe (the deferred Stop runs later than intended, or stops a value
that someone else still uses). There is no fix for `time.Tick`.

## Limitations
Any use of the variable other than `t.C` and `t.Reset(...)` counts as handing it on. A
ticker that is stopped through another variable (`u := t; u.Stop()`) is treated as handed on.
A `godebug asynctimerchan=1` line in `go.mod` is not read; a `//go:debug` directive in any
file of the package applies to the whole package.

## References
- staticcheck SA1015 ("Using time.Tick in a way that will leak"): flags `time.Tick` outside
  package `main`, tests and endless functions; goconc flags the same calls and also
  `NewTicker`/`NewTimer` without `Stop`, and is silent from Go 1.23, as staticcheck is.
- https://pkg.go.dev/time#Tick: "Before Go 1.23, this documentation warned that the
  underlying Ticker would never be recovered by the garbage collector".
"""

from __future__ import annotations

import re

from tree_sitter import Node

from goconc.analyzer.cfg import Block
from goconc.analyzer.dataflow import cfg_statement, contains, escape_path
from goconc.analyzer.diagnostics import Applicability, Edit, Fix, Related, RuleMeta, Severity
from goconc.analyzer.lifetime import Lifetime
from goconc.analyzer.matchers import FUNC_KINDS, call_assignment, callee_text, line_indent
from goconc.analyzer.rule import Rule
from goconc.analyzer.types import Binding, enclosing_function, unparen

_MAKERS = frozenset({("time", "NewTicker"), ("time", "NewTimer")})
_IDENT = frozenset({"identifier"})
_LOOPS = frozenset({"for_statement"})
# GODEBUG asynctimerchan=1 (main package directive) restores the pre-1.23 timers, =0 the new.
_GODEBUG = re.compile(rb"(?m)^//go:debug\s+asynctimerchan=([01])\s*$")


class TickerLeak(Rule):
    meta = RuleMeta(
        code="CX002",
        name="ticker-leak",
        summary="A time.Ticker or time.Timer is not stopped on every path (before Go 1.23).",
        severity=Severity.WARNING,
        tags=("concurrency", "timer", "resource-leak", "external/cwe/cwe-401"),
        precision="high",
        fix=Applicability.SAFE,
    )
    triggers = (b'"time"',)
    anchors = {"call_expression": (b"NewTicker", b"NewTimer", b"Tick")}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._timers: bool | None = None

    def visit_call_expression(self, call: Node) -> None:
        target = self.pkg.resolver.pkg_func(call, self.file)
        if target == ("time", "Tick"):
            self._tick(call)
        elif target in _MAKERS:
            assert target is not None
            self._maker(call, target[1])

    def applies_to_package(self) -> bool:
        # From Go 1.23 on, unreferenced tickers are collected: nothing to report.
        return self._old_timers()

    def _old_timers(self) -> bool:
        """Whether the package runs with pre-1.23 timers: its module declares an older Go,
        or a `//go:debug asynctimerchan=...` directive of the package says otherwise."""
        found = self._timers
        if found is None:
            found = not self.pkg.go_at_least(1, 23)
            for f in self.pkg.files:
                m = _GODEBUG.search(f.data) if b"asynctimerchan" in f.data else None
                if m is not None:
                    found = m.group(1) == b"1"
                    break
            self._timers = found
        return found

    # -- time.Tick -------------------------------------------------------------------------
    def _tick(self, call: Node) -> None:
        func = enclosing_function(call)
        if func is None or self.file.path.endswith("_test.go") or self._is_main(func):
            return
        if not self._returns_after(call, func):
            return  # the function never returns once it ticks: the ticker lives as long
        if self.pkg.fact(Lifetime).executes_once(call, self.file):
            return  # one ticker for the life of the process: nothing accumulates
        self.report(
            call,
            "time.Tick leaks its ticker when the function returns (before Go 1.23 it is "
            "never collected); use time.NewTicker and defer its Stop",
        )

    def _is_main(self, func: Node) -> bool:
        """`main` of package main: when it returns the process ends, nothing can leak."""
        if func.type != "function_declaration" or self.pkg.name != "main":
            return False
        name = func.child_by_field_name("name")
        return name is not None and self.file.text(name) == "main"

    def _returns_after(self, call: Node, func: Node) -> bool:
        """Whether the function can return once ``call`` has run, counting
        `for range time.Tick(...)` and `for range ticker.C` as endless (nothing closes those
        channels). A return only on paths that never reach the call leaks nothing."""
        cfg = self.pkg.cfg(func, self.file)
        stmt = cfg_statement(cfg, call)
        if stmt is None:
            return True  # in a nested literal the CFG does not hold: assume it can
        return escape_path(cfg, stmt, lambda _: False, skip_edge=self._never_taken) is not None

    def _never_taken(self, block: Block, succ: Block) -> bool:
        """The exit edge of `for range time.Tick(...)` / `for range ticker.C`: nothing closes
        those channels."""
        return (
            block.kind == "range.head"
            and bool(block.succs)
            and succ is not block.succs[0]
            and bool(block.nodes)
            and self._ticks(block.nodes[0])
        )

    def _ticks(self, clause: Node) -> bool:
        right = clause.child_by_field_name("right")
        if right is None:
            return False
        right = unparen(right)
        if right.type == "call_expression":
            return self.pkg.resolver.pkg_func(right, self.file) == ("time", "Tick")
        if right.type == "selector_expression":
            t = self.pkg.resolver.type_of(right.child_by_field_name("operand"), self.file)
            return t is not None and t.deref().is_named("time", "Ticker")
        return False

    # -- NewTicker / NewTimer --------------------------------------------------------------
    def _maker(self, call: Node, maker: str) -> None:
        stmt, var = _assigned_local(call)
        if stmt is None or var is None:
            return  # returned, stored or passed on directly
        r = self.pkg.resolver
        binding = r.binding(var, self.file)
        func = enclosing_function(call)
        if binding is None or func is None or binding.kind in ("param", "result", "receiver"):
            return  # a package variable or an out-parameter: stored
        if self._is_main(func) or self.pkg.fact(Lifetime).executes_once(call, self.file):
            return  # returning from main ends the process; one timer per process is no leak
        decl_func = enclosing_function(binding.ident)
        if decl_func is None or decl_func.id != func.id:
            return  # declared in an outer function: its owner decides
        name = binding.name
        uses = self._uses(binding, func, exclude=var)
        handlers: list[Node] = []
        passive = True  # only t.C / t.Reset / t.Stop uses: the fix is safe
        for use in uses:
            if self._use_kind(use, maker, func) == "handles":
                handlers.append(use)
            passive = passive and _method_use(use) and not _in_closure(use, func)
        cfg = self.pkg.cfg(func, self.file)

        def handled(node: Node) -> bool:
            return any(contains(node, u) for u in handlers)

        leak = escape_path(cfg, stmt, handled, skip_edge=self._never_taken)
        if leak is None:
            return
        if leak.node is not None:
            related = [Related(self.span(leak.node), f"{name} is not stopped on this path")]
        else:
            body = func.child_by_field_name("body") or func
            related = [
                Related(self.file.span(body.end_byte - 1, body.end_byte), f"{name} leaks here")
            ]
        kind = "ticker" if maker == "NewTicker" else "timer"
        callee = callee_text(call, self.file)
        self.report(
            call,
            f"the {kind} {name} made by {callee} is not stopped on all paths; "
            f"before Go 1.23 it is not collected until stopped"
            + (" or fired" if kind == "timer" else "")
            + f"; defer {name}.Stop()",
            related=related,
            fixes=self._fix(stmt, name, passive, func),
        )

    def _uses(self, binding: Binding, func: Node, exclude: Node) -> list[Node]:
        return [
            u
            for u in self.pkg.resolver.uses(binding)
            if u.id != exclude.id and func.start_byte <= u.start_byte < func.end_byte
        ]

    def _use_kind(self, use: Node, maker: str, func: Node) -> str:
        """ "handles" (Stop, handed on, or a fired timer), "passive" (`t.C`, `t.Reset`), or
        "assign" (overwritten: neither)."""
        if _in_closure(use, func):
            return "handles"  # a closure or goroutine holds it: handed on
        parent = use.parent
        if parent is not None and parent.type == "selector_expression":
            field = parent.child_by_field_name("field")
            fname = self.file.text(field) if field is not None else ""
            if fname == "Stop":
                return "handles"
            if fname == "C":
                if maker == "NewTimer" and _fired(use):
                    return "handles"  # a timer that fired holds nothing
                return "passive"
            if fname == "Reset":
                return "passive"
            return "handles"
        if (
            parent is not None
            and parent.type == "expression_list"
            and parent.parent is not None
            and parent.parent.type == "assignment_statement"
            and parent.parent.child_by_field_name("left") == parent
        ):
            return "assign"
        return "handles"  # returned, stored, passed, compared...: handed on

    def _fix(self, stmt: Node, name: str, passive: bool, func: Node) -> list[Fix]:
        if stmt.parent is None or stmt.parent.type != "statement_list":
            return []  # an if/switch initializer: no place for a statement
        in_loop = any(True for _ in _loops_between(stmt, func))
        indent = line_indent(self.file, stmt)
        edit = Edit(self.file.span(stmt.end_byte, stmt.end_byte), f"\n{indent}defer {name}.Stop()")
        safe = passive and not in_loop
        return [
            Fix(
                f"Add `defer {name}.Stop()` after the call",
                (edit,),
                Applicability.SAFE if safe else Applicability.UNSAFE,
            )
        ]


def _method_use(use: Node) -> bool:
    """`t.C`, `t.Reset(...)` or `t.Stop()`: uses that keep the value where it is."""
    parent = use.parent
    if parent is None or parent.type != "selector_expression":
        return False
    field = parent.child_by_field_name("field")
    return field is not None and (field.text or b"") in (b"C", b"Reset", b"Stop")


def _fired(use: Node) -> bool:
    """`<-t.C` (a receive from the timer's channel, possibly in a select case)."""
    sel = use.parent
    if sel is None or sel.type != "selector_expression":
        return False
    field = sel.child_by_field_name("field")
    if field is None or (field.text or b"") != b"C":
        return False
    up = sel.parent
    if up is None or up.type != "unary_expression":
        return False
    op = up.child_by_field_name("operator")
    return op is not None and op.type == "<-"


def _in_closure(node: Node, func: Node) -> bool:
    parent = node.parent
    while parent is not None and parent.id != func.id:
        if parent.type in FUNC_KINDS:
            return True
        parent = parent.parent
    return False


def _loops_between(node: Node, func: Node) -> list[Node]:
    found = []
    parent = node.parent
    while parent is not None and parent.id != func.id:
        if parent.type in _LOOPS:
            found.append(parent)
        parent = parent.parent
    return found


def _assigned_local(call: Node) -> tuple[Node | None, Node | None]:
    """(statement, identifier) for `t := time.NewTicker(d)`, `t = ...` or `var t = ...` where
    the call is the whole right-hand side and the target is a plain identifier."""
    stmt, names = call_assignment(call) or (None, [])
    if stmt is None or len(names) != 1 or names[0].type != "identifier":
        return None, None
    if (names[0].text or b"") == b"_":
        return None, None
    return stmt, names[0]
