"""Which code of a package runs once per process: the starters of goroutines that are meant
to live as long as the process.

`main` (of package main), `init` and `TestMain` run once; so does a package variable's
initializer, and a function given to a `sync.Once` (`once.Do(f)`, `sync.OnceFunc(f)`,
`sync.OnceValue(f)`, `sync.OnceValues(f)`). A function runs once when nothing outside the
package can call it (it is unexported, or in package main, or in a test file) and every
mention of it in the package is a call, outside any loop, from code that runs once. A
goroutine started there, or a loop run there, lives as long as the process by design.
"""

from __future__ import annotations

from tree_sitter import Node

from goconc.analyzer.calls import references
from goconc.analyzer.facts import Fact
from goconc.analyzer.matchers import method_call
from goconc.analyzer.source import SourceFile

_DECLS = frozenset({"function_declaration", "method_declaration"})
_MAX_DEPTH = 8  # callers followed up to a function that runs once
_ONCE_FUNCS = frozenset({"OnceFunc", "OnceValue", "OnceValues"})


class Lifetime(Fact):
    """Whether code of the package runs once per process (answers cached by declaration)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._known: dict[int, bool] = {}

    def runs_once(self, node: Node, file: SourceFile) -> bool:
        """The function that holds ``node`` runs once per process: it is given to a
        `sync.Once`, is a package variable's initializer, or is a declaration that runs
        once. (A loop of its own may run ``node`` several times: a pool of workers started
        by `main` still lives as long as the process.)"""
        return self._context_once(node, file, 0, per_iteration=False)

    def executes_once(self, node: Node, file: SourceFile) -> bool:
        """``node`` itself runs at most once per process: it is in code that runs once, and
        not in a loop of it (a call in a loop, or in a goroutine started in a loop, runs once
        per iteration)."""
        return self._context_once(node, file, 0, per_iteration=True)

    def declaration_runs_once(self, decl: Node, file: SourceFile, depth: int = 0) -> bool:
        """The function or method declaration ``decl`` runs once per process."""
        key = decl.id
        known = self._known.get(key)
        if known is not None:
            return known
        self._known[key] = True  # a recursive mention: the other mentions decide
        found = self._compute(decl, file, depth)
        self._known[key] = found
        return found

    def _compute(self, decl: Node, file: SourceFile, depth: int) -> bool:
        name_node = decl.child_by_field_name("name")
        name = file.text(name_node) if name_node is not None else ""
        if decl.type == "function_declaration":
            if name == "init" or (name == "main" and self.pkg.name == "main"):
                return True
            if name == "TestMain" and self._takes_testing_m(decl, file):
                return True
        if depth >= _MAX_DEPTH or not name:
            return False
        if name[0].isupper() and self.pkg.name != "main" and not file.path.endswith("_test.go"):
            return False  # other packages may call it, as often as they like
        target = next(
            (d for d in self.pkg.index.declared_in(file)[2] if d.node.id == decl.id), None
        )
        if target is None:
            return False
        mentioned = False
        for expr, where in references(self.pkg.files, self.pkg.resolver, target):
            mentioned = True
            if self._given_to_once(expr, where):
                continue  # `once.Do(start)`
            call = expr.parent
            if (
                call is None
                or call.type != "call_expression"
                or call.child_by_field_name("function") != expr
            ):
                return False  # used as a value: called who knows how often
            if not self._context_once(call, where, depth, per_iteration=True):
                return False
        return mentioned

    def _context_once(
        self, node: Node, file: SourceFile, depth: int, *, per_iteration: bool
    ) -> bool:
        """``node`` is in a function given to a `sync.Once`, a package variable's
        initializer, or a declaration that runs once; with ``per_iteration``, also outside
        any loop of it (a call in a loop runs once per iteration)."""
        current: Node | None = node.parent
        while current is not None and current.type not in _DECLS:
            if current.type == "func_literal" and self._given_to_once(current, file):
                return True
            if (
                current.type == "for_statement"
                and per_iteration
                and not _once_per_loop(current, node)
            ):
                return False
            current = current.parent
        if current is None:
            return True  # a package variable's initializer
        return self.declaration_runs_once(current, file, depth + 1)

    def _given_to_once(self, value: Node, file: SourceFile) -> bool:
        """``value`` (a function literal or a function's name) is the argument of
        `once.Do` on a sync.Once, or of `sync.OnceFunc`/`OnceValue`/`OnceValues`."""
        args = value.parent
        while args is not None and args.type == "parenthesized_expression":
            args = args.parent
        call = args.parent if args is not None and args.type == "argument_list" else None
        if call is None or call.type != "call_expression":
            return False
        r = self.pkg.resolver
        target = r.pkg_func(call, file)
        if target is not None:
            return target[0] == "sync" and target[1] in _ONCE_FUNCS
        m = method_call(call, file)
        if m is None or m[1] != "Do":
            return False
        fn = call.child_by_field_name("function")
        found = r.method_target(fn, file) if fn is not None else None
        return found is not None and found[0] == "Once"

    def _takes_testing_m(self, decl: Node, file: SourceFile) -> bool:
        """`func TestMain(m *testing.M)`: the test binary's own main."""
        params = decl.child_by_field_name("parameters")
        first = params.named_children[0] if params is not None and params.named_children else None
        kind = first.child_by_field_name("type") if first is not None else None
        t = self.pkg.resolver.type_from_node(kind, file) if kind is not None else None
        return t is not None and t.deref().is_named("testing", "M")


def _once_per_loop(loop: Node, node: Node) -> bool:
    """``node`` is evaluated once for the whole loop: in the expression a `range` ranges
    over, or in the init statement of a three-clause `for`."""
    for clause in loop.named_children:
        if clause.type == "range_clause":
            part = clause.child_by_field_name("right")
        elif clause.type == "for_clause":
            part = clause.child_by_field_name("initializer")
        else:
            continue
        return part is not None and part.start_byte <= node.start_byte < part.end_byte
    return False
