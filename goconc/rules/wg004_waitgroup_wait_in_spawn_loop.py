"""## What it does
Flags `wg.Wait()` inside the body of the loop that starts the goroutines `wg` counts, when
one `wg.Add(n)` before the loop counted them all at once (`n` is not the constant 1:
`len(items)`, a count, a constant above one) and the loop itself adds nothing.

## Why is this bad?
`Wait` returns when the counter drops to zero. After `wg.Add(len(items))` the counter holds
one for every goroutine the loop will start, but on the first iteration only one of them has
been started: `Wait` waits for `Done` calls from goroutines that do not exist yet, and the
loop never reaches the iteration that would start them. The function blocks forever (with
a single item it works, which is how this survives tests).

## Example
```go
package example

import "sync"

func loadAll(names []string, load func(string)) {
        var wg sync.WaitGroup
        wg.Add(len(names))
        for _, name := range names {
                go func() {
                        defer wg.Done()
                        load(name)
                }()
                wg.Wait()
        }
}
```

Use instead:
```go
package example

import "sync"

func loadAll(names []string, load func(string)) {
        var wg sync.WaitGroup
        wg.Add(len(names))
        for _, name := range names {
                go func() {
                        defer wg.Done()
                        load(name)
                }()
        }
        wg.Wait()
}
```

Not flagged: an `Add` inside the loop (one per goroutine, waited for in the same
iteration); `wg.Add(1)` before the loop; a loop that also calls `Done` itself; goroutines
started between the `Add` and the loop (they may account for the rest of the count); a
`Wait` in a goroutine or closure of the loop; goroutines that never call `Done` on `wg`.
A `Wait` before the `go` statement in the loop body is flagged too: the first iteration
waits with no goroutine started at all.

## Fix safety
No fix is offered: moving `Wait` after the loop runs the goroutines in parallel, and adding
per iteration (`wg.Add(1)` in the loop, no `Add` before it) runs them one at a time; which
one was meant is for the author to say.

## Limitations
The goroutine must be a function literal that calls `Done` on the same WaitGroup, or a
package function or method handed it whose summary calls `Done`. Counts are not compared:
an `Add(n)` whose `n` happens to be one at run time is still reported.

## References
- https://pkg.go.dev/sync#WaitGroup: "Wait blocks until the WaitGroup counter is zero."
- GoBench/GoKer blocking kernel moby/25384 (the plugin manager's `Wait` inside the loop
  that starts the plugins), shipped in the Go tree under
  `runtime/testdata/testgoroutineleakprofile/goker`.
"""

from __future__ import annotations

from tree_sitter import Node

from goconc.analyzer.calls import callee
from goconc.analyzer.dataflow import contains
from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.matchers import call_args, descendants, innermost_loop, method_call
from goconc.analyzer.rule import Rule
from goconc.analyzer.summaries import bind_key, summaries
from goconc.analyzer.types import Ref, enclosing_function, unparen

_CALLS = frozenset({"call_expression"})
_GOS = frozenset({"go_statement"})


class WaitGroupWaitInSpawnLoop(Rule):
    meta = RuleMeta(
        code="WG004",
        name="waitgroup-wait-in-spawn-loop",
        summary="wg.Wait inside the loop that starts the goroutines one Add counted together.",
        severity=Severity.ERROR,
        tags=("concurrency", "waitgroup", "deadlock", "external/cwe/cwe-833"),
        precision="high",
        fix=None,
    )
    triggers = (b".Add(",)
    anchors = {"call_expression": (b"Wait",)}

    def visit_call_expression(self, call: Node) -> None:
        m = method_call(call, self.file)
        fn = call.child_by_field_name("function")
        if m is None or m[1] != "Wait" or fn is None:
            return
        target = self.pkg.resolver.method_target(fn, self.file)
        if target is None or target[0] != "WaitGroup" or target[1] is None:
            return
        ref = target[1]
        func = enclosing_function(call)
        loop = innermost_loop(call, func) if func is not None else None
        if func is None or loop is None:
            return
        while True:  # the outermost loop of the function around the Wait without an Add
            outer = innermost_loop(loop, func)
            if outer is None or self._wg_calls(outer, ref, ("Add",)):
                break
            loop = outer
        if self._wg_calls(loop, ref, ("Add", "Done")):
            return
        go = next(
            (g for g in descendants(loop, _GOS, into_funcs=False) if self._counted_by(g, ref)),
            None,
        )
        if go is None:
            return
        add = self._add_before(loop, func, ref)
        if add is None:
            return
        args = call_args(add)
        if len(args) != 1 or self.pkg.consts.integer(unparen(args[0]), self.file) in (0, 1):
            return
        name = ref.text
        line = self.file.line_of(add.start_byte)
        self.report(
            call,
            f"{name}.Wait() inside the loop that starts the goroutines it waits for: "
            f"{self.file.text(add)} on line {line} counted all of them at once, so the first "
            f"Wait waits for goroutines that are not started yet and blocks forever",
            related=[
                Related(self.span(add), f"{name}.Add counts every goroutine here"),
                Related(self.span(go), "only this iteration's goroutine has started"),
            ],
        )

    def _wg_calls(self, scope: Node, ref: Ref, methods: tuple[str, ...]) -> list[Node]:
        """Calls of ``methods`` on ``ref`` in ``scope``, outside function literals."""
        found = []
        for call in descendants(scope, _CALLS, into_funcs=False):
            m = method_call(call, self.file)
            fn = call.child_by_field_name("function")
            if m is None or m[1] not in methods or fn is None:
                continue
            target = self.pkg.resolver.method_target(fn, self.file)
            if target is not None and target[1] is not None and target[1].same_object(ref):
                found.append(call)
        return found

    def _add_before(self, loop: Node, func: Node, ref: Ref) -> Node | None:
        """The last `Add` on ``ref`` before ``loop`` in ``func``, with no goroutine started
        between them (those may account for part of the count)."""
        found: Node | None = None
        for call in self._wg_calls(func, ref, ("Add",)):
            if call.start_byte < loop.start_byte:
                found = call
        if found is None:
            return None
        for go in descendants(func, _GOS, into_funcs=False):
            if found.start_byte < go.start_byte < loop.start_byte:
                return None
        return found

    def _counted_by(self, go: Node, ref: Ref) -> bool:
        """The goroutine calls Done on ``ref``: a literal directly, or a package function
        whose summary does with the WaitGroup it is handed."""
        call = go.named_children[0] if go.named_children else None
        fn = call.child_by_field_name("function") if call is not None else None
        if call is None or fn is None:
            return False
        fn = unparen(fn)
        r = self.pkg.resolver
        if fn.type == "func_literal":
            for inner in descendants(fn, _CALLS):
                m = method_call(inner, self.file)
                f = inner.child_by_field_name("function")
                if m is None or m[1] != "Done" or f is None or not contains(fn, inner):
                    continue
                target = r.method_target(f, self.file)
                if target is not None and target[1] is not None and target[1].same_object(ref):
                    return True
            return False
        found = callee(call, self.file, r)
        if found is None:
            return False
        for key in summaries(self.pkg).of(found.decl).done:
            bound = bind_key(key, call, self.file, found.decl, found.receiver, self.pkg)
            if bound is not None and bound.same_object(ref):
                return True
        return False
