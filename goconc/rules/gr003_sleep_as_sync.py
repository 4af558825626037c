"""## What it does
Flags `time.Sleep` (the `time` import resolved, renamed or not) used to wait for a goroutine
started just before it in the same function: on some control-flow path from a `go`
statement to the sleep there is no synchronisation (no `Wait`, channel receive or send,
`select`, `range` over a channel, mutex operation, `sync/atomic` call), and the goroutine's
effects are read after the sleep: the goroutine assigns, increments or appends to a variable
of the starting function (or a package variable, or a field reached through the receiver or
an argument of `go s.run(&x)`), and the function reads it after the sleep. Reading the
written field, or a struct that holds it by value, is a read of it; reading a pointer to
the value the goroutine writes into (`go p.add(k)`, then `use(p)`) is not: only the pointer
is read, and its target's fields are the callee's business. A goroutine that runs a package
function is followed as that call runs it: a write on a branch that a constant argument
rules out (`go h.process(false)` and `if main { h.started++ }`) is not one of its writes.

## Why is this bad?
A sleep does not order memory: the read is a data race whatever the duration, and the
goroutine may simply not have finished (a loaded CI machine, `-race`, a GC pause). The
result is a flaky test or a wrong value that shows up rarely.

## Example
```go
package example

import "time"

func sum(xs []int) int {
        total := 0
        go func() {
                for _, x := range xs {
                        total += x
                }
        }()
        time.Sleep(10 * time.Millisecond)
        return total
}
```

Use instead:
```go
package example

import "sync"

func sum(xs []int) int {
        total := 0
        var wg sync.WaitGroup
        wg.Add(1)
        go func() {
                defer wg.Done()
                for _, x := range xs {
                        total += x
                }
        }()
        wg.Wait()
        return total
}
```

Not flagged: a sleep with no goroutine started before it; a sleep inside a loop that does not
also start the goroutine (polling or retrying: `for !done.Load() { time.Sleep(d) }`); a
goroutine whose writes are never read after the sleep (a sleep that only slows things
down); any synchronisation between the `go` statement and the sleep; reads that happen only
after a later `Wait`, receive or `select`.

## Limitations
Writes are assignments, `++`/`--` and `x = append(x, ...)`; mutation through method calls
(`buf.WriteString`, `m.Store`) is not seen. Goroutines started through function values are
not followed. A call between the `go` statement and the sleep to a function that
synchronises internally (other than a `Wait...` call) is not recognised.

## References
- No go vet or staticcheck check corresponds; the race detector reports the resulting data
  race at run time, when the schedule happens to expose it.
"""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from goconc.analyzer.calls import bind_arguments, callee
from goconc.analyzer.cfg import CFG, Block
from goconc.analyzer.dataflow import cfg_statement, contains
from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.matchers import descendants, innermost_loop
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.types import enclosing_function, unparen

_IDENT = frozenset({"identifier"})
_Key = tuple[str, tuple[str, ...]]  # (Ref root, field path) of a variable or field
_WRITES = frozenset({"assignment_statement", "inc_statement", "dec_statement"})
_SYNC_KINDS = frozenset(
    {
        "send_statement",
        "select_statement",
        "receive_statement",
        "unary_expression",
        "call_expression",
    }
)
_SYNC_METHODS = frozenset({"Wait", "Lock", "Unlock", "RLock", "RUnlock", "TryLock"})
_ATOMIC_METHODS = frozenset({"Load", "Store", "Swap", "CompareAndSwap"})
_MUTEX_METHODS = frozenset({"Lock", "Unlock", "RLock", "RUnlock", "TryLock"})
_PATH_KINDS = frozenset(
    {"selector_expression", "index_expression", "parenthesized_expression", "slice_expression"}
)


class SleepAsSync(Rule):
    meta = RuleMeta(
        code="GR003",
        name="sleep-as-sync",
        summary="time.Sleep is used to wait for a goroutine whose results are read after it.",
        severity=Severity.WARNING,
        tags=("concurrency", "goroutine", "data-race", "flaky-test", "external/cwe/cwe-362"),
        precision="high",
    )
    anchors = {"call_expression": (b"Sleep",)}

    def visit_call_expression(self, call: Node) -> None:
        if self.pkg.resolver.pkg_func(call, self.file) != ("time", "Sleep"):
            return
        func = enclosing_function(call)
        if func is None:
            return
        cfg = self.pkg.cfg(func, self.file)
        stmt = cfg_statement(cfg, call)
        if stmt is None:
            return
        loop = innermost_loop(stmt, func)
        for go in self._goroutines_before(cfg, stmt):
            if loop is not None and not contains(loop, go):
                continue  # polling or retrying in a loop of its own
            writes = self._writes(go)
            if not writes:
                continue
            read = self._read_after(cfg, stmt, writes, func)
            if read is None:
                continue
            ident, write = read
            name = self.file.text(ident)
            line = self.file.line_of(go.start_byte)
            self.report(
                call,
                f"time.Sleep waits for the goroutine started on line {line}, which writes "
                f"{name}, read after the sleep with no synchronisation; wait with a "
                "sync.WaitGroup or a channel",
                related=[
                    Related(self.span(go), "the goroutine is started here"),
                    Related(write[1].node_span(write[0]), f"it writes {name} here"),
                    Related(self.span(ident), f"{name} is read after the sleep"),
                ],
            )
            return

    # -- goroutines started before the sleep --------------------------------------------
    def _goroutines_before(self, cfg: CFG, stmt: Node) -> list[Node]:
        """`go` statements on some path to ``stmt`` with no synchronisation in between,
        nearest first."""
        block = cfg.block_of(stmt)
        if block is None:
            return []
        position = next(i for i, n in enumerate(block.nodes) if n.id == stmt.id)
        found: dict[int, Node] = {}
        work: list[tuple[Block, list[Node]]] = [(block, block.nodes[:position])]
        seen = {block.index}
        while work:
            current, nodes = work.pop(0)
            blocked = False
            for n in reversed(nodes):
                if n.type == "go_statement":
                    found.setdefault(n.id, n)
                    continue
                if self._syncs(n, mutex=True):
                    blocked = True
                    break
            if blocked:
                continue
            for pred in current.preds:
                if pred.index not in seen:
                    seen.add(pred.index)
                    work.append((pred, pred.nodes))
        return list(found.values())

    def _syncs(self, node: Node, *, mutex: bool) -> bool:
        """Whether ``node`` (outside closures) synchronises with other goroutines."""
        if node.type in ("go_statement", "defer_statement"):
            return False
        if node.type == "range_clause":
            right = node.child_by_field_name("right")
            t = self.pkg.resolver.type_of(right, self.file) if right is not None else None
            if t is not None and t.kind == "chan":
                return True
        nodes = [node] if node.type in _SYNC_KINDS else []
        for n in [*nodes, *descendants(node, _SYNC_KINDS, into_funcs=False)]:
            if n.type in ("send_statement", "select_statement", "receive_statement"):
                return True
            if n.type == "unary_expression":
                op = n.child_by_field_name("operator")
                if op is not None and op.type == "<-":
                    return True
                continue
            if n.type == "call_expression" and self._sync_call(n, mutex=mutex):
                return True
        return False

    def _sync_call(self, call: Node, *, mutex: bool) -> bool:
        target = self.pkg.resolver.pkg_func(call, self.file)
        if target is not None:
            # sync, sync/atomic, and any package's Wait (synctest.Wait, errgroup-style helpers).
            return target[0] in ("sync", "sync/atomic") or target[1].startswith("Wait")
        fn = call.child_by_field_name("function")
        if fn is None:
            return False
        fn = unparen(fn)
        name_node = fn.child_by_field_name("field") if fn.type == "selector_expression" else fn
        if name_node is None:
            return False
        name = self.file.text(name_node)
        if name in _MUTEX_METHODS:
            return mutex
        return name in _SYNC_METHODS or name in _ATOMIC_METHODS or name.startswith(("Wait", "wait"))

    # -- what the goroutine writes ---------------------------------------------------------
    def _writes(self, go: Node) -> dict[_Key, tuple[Node, SourceFile]]:
        """{root key of a variable of the starting scope: (the write, its file)}."""
        call = go.named_children[0] if go.named_children else None
        if call is None or call.type != "call_expression":
            return {}
        fn = call.child_by_field_name("function")
        if fn is None:
            return {}
        fn = unparen(fn)
        r = self.pkg.resolver
        found: dict[_Key, tuple[Node, SourceFile]] = {}
        if fn.type == "func_literal":
            for write, target in _write_targets(fn):
                key = self._key(target, self.file)
                if key is None:
                    continue
                root = _root_ident(target)
                if root is None:
                    continue
                if not key[0].startswith("pkg:"):
                    b = r.binding(root, self.file)
                    if b is None or contains(fn, b.ident):
                        continue  # declared inside the goroutine
                found.setdefault(key, (write, self.file))
            return found
        target_decl = callee(call, self.file, r)
        if target_decl is None:
            return {}
        decl = target_decl.decl
        bound: dict[str, Node] = dict(bind_arguments(call, decl.node, decl.file))
        # The callee as this call runs it: `go h.process(ctx, false)` never takes the
        # branches its flag parameter guards.
        env = self.pkg.consts.call_env(bound, decl.node, decl.file, self.file)
        cfg = self.pkg.cfg(decl.node, decl.file, env)
        if decl.receiver_name and target_decl.receiver is not None:
            bound[decl.receiver_name] = target_decl.receiver
        for write, target in _write_targets(decl.node):
            block = cfg.block_of(write)
            if block is not None and not block.live:
                continue  # on a branch this call never takes
            root = _root_ident(target)
            if root is None:
                continue
            b = r.binding(root, decl.file)
            inner = self._key(target, decl.file)
            if b is None:
                if inner is not None and inner[0].startswith("pkg:"):
                    found.setdefault(inner, (write, decl.file))
                continue
            if b.kind not in ("param", "receiver") or b.name not in bound:
                continue
            arg = bound[b.name]
            if b.kind == "param" and not _address_or_pointer(arg, target, root):
                continue  # a value copy: writes stay in the callee
            outer = self._key(arg, self.file)
            if outer is not None and inner is not None:
                found.setdefault((outer[0], outer[1] + inner[1]), (write, decl.file))
        return found

    def _key(self, expr: Node, file: SourceFile) -> _Key | None:
        """The variable or field an access denotes, indexes and derefs dropped."""
        ref = self.pkg.resolver.ref_of(_access(expr), file)
        if ref is None or ref.root.startswith("ext:"):
            return None
        return ref.root, ref.path

    # -- reads after the sleep -----------------------------------------------------------
    def _read_after(
        self, cfg: CFG, stmt: Node, writes: dict[_Key, tuple[Node, SourceFile]], func: Node
    ) -> tuple[Node, tuple[Node, SourceFile]] | None:
        block = cfg.block_of(stmt)
        if block is None:
            return None
        position = next(i for i, n in enumerate(block.nodes) if n.id == stmt.id)
        work: list[tuple[Block, list[Node]]] = [(block, block.nodes[position + 1 :])]
        seen = {block.index}
        while work:
            current, nodes = work.pop(0)
            stop = False
            for n in nodes:
                if self._syncs(n, mutex=False):
                    stop = True  # a real wait happens first
                    break
                declares = n.type in ("short_var_declaration", "var_declaration")
                if declares and self._overwrites(n, writes):
                    stop = True  # a fresh variable of the same name (next loop iteration)
                    break
                found = self._reads_in(n, writes)
                if found is not None:
                    return found
                if self._overwrites(n, writes):
                    stop = True  # `x = ...`: later reads see this value, not the goroutine's
                    break
            if stop:
                continue
            for succ in current.succs:
                if succ.index not in seen:
                    seen.add(succ.index)
                    work.append((succ, succ.nodes))
        return None

    def _overwrites(self, node: Node, writes: dict[_Key, tuple[Node, SourceFile]]) -> bool:
        """`x = ...` for a whole written variable, or `x := ...` / `var x` declaring a variable
        the goroutine wrote (a loop body's variable: the next iteration has a fresh one)."""
        r = self.pkg.resolver
        roots = {root for root, _ in writes}
        if node.type in ("short_var_declaration", "var_declaration"):
            for ident in descendants(node, _IDENT, into_funcs=False):
                b = r.binding(ident, self.file)
                if b is not None and b.ident.id == ident.id and b.key in roots:
                    return True
            return False
        if node.type != "assignment_statement" or _operator(node) != "=":
            return False
        left = node.child_by_field_name("left")
        whole = {root for root, path in writes if not path}
        for target in left.named_children if left is not None else []:
            if target.type == "identifier":
                ref = r.ref_of(target, self.file)
                if ref is not None and ref.root in whole:
                    return True
        return False

    def _reads_in(
        self, node: Node, writes: dict[_Key, tuple[Node, SourceFile]]
    ) -> tuple[Node, tuple[Node, SourceFile]] | None:
        idents = [node] if node.type == "identifier" else list(descendants(node, _IDENT))
        roots = {root for root, _ in writes}
        for ident in idents:
            if _plain_store(ident):
                continue
            chain = ident
            while (
                chain.parent is not None
                and chain.parent.type == "selector_expression"
                and chain.parent.child_by_field_name("operand") == chain
            ):
                chain = chain.parent
            ref = self.pkg.resolver.ref_of(ident, self.file)
            if ref is None or ref.root not in roots:
                continue
            full = self.pkg.resolver.ref_of(chain, self.file) if chain is not ident else ref
            path = full.path if full is not None else ref.path
            for (root, wpath), write in writes.items():
                n = min(len(path), len(wpath))
                if root != ref.root or path[:n] != wpath[:n]:
                    continue
                if len(path) < len(wpath) and not self._copies(chain, wpath[len(path) :]):
                    continue  # `p` read, `p.f` written through it: the pointer is not `p.f`
                return chain, write
        return None

    def _copies(self, read: Node, rest: tuple[str, ...]) -> bool:
        """Reading ``read`` reads its field path ``rest`` too: the value read, and every field
        on the way, is a struct held by value (a pointer, map or slice read is only a
        reference; its target is not read)."""
        r = self.pkg.resolver
        t = r.type_of(read, self.file)
        for name in rest:
            if t is None or t.kind != "named" or t.pkg:
                return False
            decl = r.index.types.get(t.name)
            if decl is None or decl.type_node.type != "struct_type":
                return False
            found = r.field(t, name)
            t = found[1] if found is not None else None
        return True


def _write_targets(func: Node) -> Iterator[tuple[Node, Node]]:
    """(statement, written expression) for assignments and ++/-- in ``func``'s body."""
    body = func.child_by_field_name("body")
    if body is None:
        return
    for stmt in descendants(body, _WRITES):
        if stmt.type == "assignment_statement":
            left = stmt.child_by_field_name("left")
            for target in left.named_children if left is not None else []:
                if not target.is_extra and target.text != b"_":
                    yield stmt, target
        elif stmt.named_children:
            yield stmt, stmt.named_children[0]


def _root_ident(expr: Node) -> Node | None:
    """`x` for `x`, `x.f`, `x[i]`, `*x`, `(x).f[i]`."""
    node = unparen(expr)
    for _ in range(20):
        if node.type == "identifier":
            return node
        if node.type in _PATH_KINDS:
            inner = node.child_by_field_name("operand") or (
                node.named_children[0] if node.named_children else None
            )
        elif node.type == "unary_expression":
            inner = node.child_by_field_name("operand")
        else:
            return None
        if inner is None:
            return None
        node = inner
    return None


def _access(expr: Node) -> Node:
    """`x.f` for `x.f[i]`, `*x.f`, `(x.f)[i:j]`: the variable or field being accessed."""
    node = unparen(expr)
    for _ in range(20):
        if node.type in ("index_expression", "slice_expression", "unary_expression"):
            inner = node.child_by_field_name("operand")
        elif node.type == "parenthesized_expression":
            inner = node.named_children[0] if node.named_children else None
        else:
            return node
        if inner is None:
            return node
        node = inner
    return node


def _address_or_pointer(arg: Node, target: Node, root: Node) -> bool:
    """A write through a parameter reaches the caller's variable: `&x` passed, or the write
    goes through the pointer (`*p = v`, `p.f = v`), not to the parameter itself."""
    arg = unparen(arg)
    if arg.type == "unary_expression":
        op = arg.child_by_field_name("operator")
        return op is not None and op.type == "&"
    return target.id != root.id and unparen(target).id != root.id


def _plain_store(ident: Node) -> bool:
    """`x = ...` (the identifier is a whole assignment target, not read)."""
    parent = ident.parent
    if parent is None or parent.type != "expression_list":
        return False
    stmt = parent.parent
    return (
        stmt is not None
        and stmt.type == "assignment_statement"
        and stmt.child_by_field_name("left") == parent
        and _operator(stmt) == "="
    )


def _operator(stmt: Node) -> str:
    op = stmt.child_by_field_name("operator")
    return (op.text or b"").decode() if op is not None else "="
