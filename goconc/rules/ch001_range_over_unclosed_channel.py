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
`panic`, `runtime.Goexit`).

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

from goconc.analyzer.diagnostics import Related, RuleMeta, Severity
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.summaries import ChanFate, local_chan_fate, shared_chan_fate
from goconc.analyzer.tokens import NAME, line_start, mentions_any, names_pattern
from goconc.analyzer.types import Binding, GoType, unparen

_BREAKABLE = frozenset(
    {"for_statement", "select_statement", "expression_switch_statement", "type_switch_statement"}
)
_FUNCS = frozenset({"func_literal", "function_declaration", "method_declaration"})

# (make node, its file, fate, severity), or None when the channel's origin is unknown.
_Origin = tuple[Node, SourceFile, ChanFate, Severity] | None
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

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._shared: dict[str, _Origin] = {}

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
        origin = self._origin(right, self.file)
        if origin is None:
            return
        make, make_file, fate, severity = origin
        if fate.released:
            return
        name = self.file.text(right)
        where = (
            "is never closed" if severity is Severity.ERROR else "is never closed in this package"
        )
        self.report(
            clause,
            f"range over {name}, which {where}: the loop ends only when {name} is closed, "
            "so it blocks forever once the senders stop",
            related=[Related(self.span(make, make_file), f"{name} is made here")],
            severity=severity,
        )

    # -- where the channel comes from --------------------------------------------------
    def _origin(self, expr: Node, file: SourceFile, depth: int = 0) -> _Origin:
        r = self.pkg.resolver
        if depth > 6:
            return None
        if expr.type == "identifier":
            b = r.binding(expr, file)
            if b is None:
                name = file.text(expr)
                if name not in self.pkg.index.vars:
                    return None
                return self._shared_origin(f"pkg:{name}")
            return self._local_origin(b, depth)
        if expr.type == "selector_expression":
            operand = expr.child_by_field_name("operand")
            field = expr.child_by_field_name("field")
            if operand is None or field is None or r.package_of(operand, file) is not None:
                return None
            owner = r.type_of(operand, file)
            if owner is None:
                return None
            base = owner.deref()
            if base.kind != "named" or base.pkg:
                return None  # ticker.C, another package's struct
            found = r.field(owner, file.text(field))
            if found is None or found[0] not in self.pkg.index.types:
                return None
            return self._shared_origin(f"{found[0]}.{file.text(field)}")
        return None

    def _local_origin(self, b: Binding, depth: int) -> _Origin:
        if b.kind not in ("short", "var") or b.index != 0:
            return None  # parameter, range or receive variable, multi-value call result
        file = b.file
        makes: list[Node] = []
        if b.value is not None:
            value = unparen(b.value)
            if _is_make(self, value, file):
                makes.append(value)
            elif value.type in ("identifier", "selector_expression") and b.type_node is None:
                return self._origin(value, file, depth + 1)  # `c := ch`: an alias
            else:
                return None
        # Every other assignment to it must be a make too (or nil).
        for use in self.pkg.resolver.uses(b):
            assigned = _assigned_value(use)
            if assigned is False:
                continue
            if not isinstance(assigned, Node):
                return None
            if _is_make(self, assigned, file):
                makes.append(assigned)
            elif assigned.type != "nil":
                return None
        if not makes:
            return None
        return makes[0], file, local_chan_fate(self.pkg, b), Severity.ERROR

    def _shared_origin(self, key: str) -> _Origin:
        if key in self._shared:
            return self._shared[key]
        result = self._compute_shared(key)
        self._shared[key] = result
        return result

    def _compute_shared(self, key: str) -> _Origin:
        """A package variable ("pkg:name") or a field class ("Type.field"): every use in the
        package, its make, and its fate."""
        uses = list(self._shared_uses(key))
        makes: list[tuple[Node, SourceFile]] = []
        plain_uses: list[tuple[Node, SourceFile]] = []
        for use, file in uses:
            assigned = _assigned_value(use)
            if assigned is False:
                plain_uses.append((use, file))
                continue
            if not isinstance(assigned, Node):
                return None
            if _is_make(self, assigned, file):
                makes.append((assigned, file))
            elif assigned.type != "nil":
                return None  # assigned from elsewhere: the owner may close it
        if key.startswith("pkg:"):
            var = self.pkg.index.vars.get(key[4:])
            if var is None:
                return None
            if var.value is not None:
                value = unparen(var.value)
                if not _is_make(self, value, var.file):
                    return None
                makes.insert(0, (value, var.file))
        else:
            type_name, field = key.split(".", 1)
            for value, file in self._keyed_values(type_name, field):
                if _is_make(self, value, file):
                    makes.append((value, file))
                elif value.type != "nil":
                    return None
        if not makes:
            return None
        fate = shared_chan_fate(self.pkg, plain_uses)
        return makes[0][0], makes[0][1], fate, Severity.WARNING

    def _shared_uses(self, key: str) -> list[tuple[Node, SourceFile]]:
        r = self.pkg.resolver
        found: list[tuple[Node, SourceFile]] = []
        if key.startswith("pkg:"):
            name = key[4:]
            needle = name.encode()
            for file in self.pkg.files:
                if needle not in file.data:
                    continue
                for ident in file.tokens.named(name, "identifier"):
                    parent = ident.parent
                    if parent is not None and parent.type in ("var_spec", "keyed_element"):
                        continue  # the declaration itself
                    if r.binding(ident, file) is None:
                        found.append((ident, file))
            return found
        type_name, field = key.split(".", 1)
        needle = field.encode()
        for file in self.pkg.files:
            if b"." + needle not in file.data:
                continue
            for sel in file.tokens.selectors(field):
                operand = sel.child_by_field_name("operand")
                owner = r.type_of(operand, file) if operand is not None else None
                found_field = r.field(owner, field) if owner is not None else None
                if found_field is None or found_field[0] == type_name:
                    found.append((sel, file))  # unresolved owners count: precision first
        return found

    def _keyed_values(self, type_name: str, field: str) -> list[tuple[Node, SourceFile]]:
        """Values given to ``field`` in composite literals of ``type_name``."""
        r = self.pkg.resolver
        found: list[tuple[Node, SourceFile]] = []
        needle = field.encode()
        for file in self.pkg.files:
            if needle + b":" not in file.data:
                continue
            for lit in file.tokens.anchored(b"{", "composite_literal")[1]:
                t: GoType | None = r.type_from_node(lit.child_by_field_name("type"), file)
                if t is None or t.deref().kind != "named" or t.deref().name != type_name:
                    continue
                body = lit.child_by_field_name("body")
                for elem in body.named_children if body is not None else []:
                    if elem.type != "keyed_element":
                        continue
                    parts = [c for c in elem.named_children if not c.is_extra]
                    if len(parts) != 2 or file.text(parts[0]) != field:
                        continue
                    value = parts[1].named_children[0] if parts[1].named_children else parts[1]
                    found.append((unparen(value), file))
        return found


def _is_make(rule: Rule, node: Node, file: SourceFile) -> bool:
    if node.type != "call_expression":
        return False
    fn = node.child_by_field_name("function")
    args = node.child_by_field_name("arguments")
    if fn is None or args is None or not rule.pkg.resolver.is_builtin(fn, file, "make"):
        return False
    first = next((c for c in args.named_children if not c.is_extra), None)
    return first is not None and first.type == "channel_type"


def _assigned_value(use: Node) -> Node | bool | None:
    """For a mention on the left of `=` / `:=`: the value assigned (None if it cannot be
    told, e.g. a multi-value call). False when the mention is not assigned to."""
    parent = use.parent
    if parent is None or parent.type != "expression_list":
        return False
    stmt = parent.parent
    if stmt is None or stmt.type not in ("assignment_statement", "short_var_declaration"):
        return False
    left = stmt.child_by_field_name("left")
    if left is None or left.id != parent.id:
        return False
    op = next((c for c in stmt.children if not c.is_named and c.type not in (",",)), None)
    if op is not None and op.type not in ("=", ":="):
        return None
    right = stmt.child_by_field_name("right")
    lefts = [c for c in parent.named_children if not c.is_extra]
    values = [c for c in right.named_children if not c.is_extra] if right is not None else []
    if len(values) != len(lefts):
        return None
    return unparen(values[lefts.index(use)])


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
