"""Package: one analysed Go package and the facts about it that rules share.

Everything expensive is computed on first use and cached here, so that rules never
recompute what another rule already asked for. The package itself gives the facts every
analysis builds on: its index, the type resolver, its boolean constants and one CFG per
function. The analyses
built on those (held locks, function summaries, copies, the lock order) are `Fact`
subclasses in their own modules, asked for by class: ``pkg.fact(LockAnalysis)``. This
module imports none of them; each declares the facts it needs (``requires``), as a
go/analysis pass declares its Requires.
"""

from __future__ import annotations

from functools import cached_property
from typing import ClassVar, TypeVar, cast

from tree_sitter import Node

from goconc.analyzer.cfg import CFG, EXIT_CALLS, TESTING_EXITS, TESTING_TYPES, build_cfg
from goconc.analyzer.consts import NO_ENV, Consts, Env
from goconc.analyzer.source import SourceFile
from goconc.analyzer.symbols import PackageIndex
from goconc.analyzer.types import Resolver, enclosing_function


class Fact:
    """A package-wide analysis shared by every rule: made once per package, on its first
    request, by ``Package.fact``, and dropped with the package. Its answers are computed
    lazily by its own methods; making one should cost next to nothing."""

    # The facts this one asks its package for: made before it; a cycle is an error.
    requires: ClassVar[tuple[type[Fact], ...]] = ()

    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg


F = TypeVar("F", bound=Fact)


class Package:
    def __init__(
        self,
        name: str,
        folder: str,
        files: list[SourceFile],
        go_version: tuple[int, int] | None,
    ) -> None:
        self.name = name
        self.folder = folder
        self.files = files
        self.go_version = go_version
        self._cfgs: dict[tuple[int, Env], CFG] = {}
        self._facts: dict[type[Fact], Fact] = {}
        self._making: set[type[Fact]] = set()

    @cached_property
    def index(self) -> PackageIndex:
        return PackageIndex(self.name, self.files)

    @cached_property
    def resolver(self) -> Resolver:
        return Resolver(self.index)

    @cached_property
    def consts(self) -> Consts:
        return Consts(self.index, self.resolver)

    def fact(self, kind: type[F]) -> F:
        """The package's fact of class ``kind``, made on first request (after the facts it
        requires) and shared from then on. Asked very often: one dict lookup when made."""
        found = self._facts.get(kind)
        if found is None:
            found = self._make(kind)
        return cast(F, found)

    def _make(self, kind: type[Fact]) -> Fact:
        if kind in self._making:
            raise RuntimeError(f"facts require each other: {kind.__name__}")
        self._making.add(kind)
        try:
            for needed in kind.requires:
                self.fact(needed)
            made = self._facts[kind] = kind(self)
        finally:
            self._making.discard(kind)
        return made

    def release(self) -> None:
        """Drop everything this package holds, once its analysis is done. Its facts refer
        back to it (an analysis keeps its package), and such cycles wait for a full garbage
        collection; broken here, the trees are freed as soon as the folder is done."""
        self.__dict__.clear()

    def go_at_least(self, major: int, minor: int) -> bool:
        """Whether the module's go.mod declares at least this version (no go.mod: newest)."""
        return self.go_version is None or self.go_version >= (major, minor)

    def file_of(self, node: Node) -> SourceFile:
        root = node
        while root.parent is not None:
            root = root.parent
        for f in self.files:
            if f.parsed and f.root == root:  # a node comes from a parsed file
                return f
        raise LookupError("node does not belong to this package")

    def cfg(self, func: Node, file: SourceFile, env: Env = NO_ENV) -> CFG:
        """The control-flow graph of a function_declaration, method_declaration or func_literal,
        without the branches that constant conditions never take. ``env`` binds parameters to
        constants (a call's constant arguments): the CFG of the function as that call runs it."""
        key = (func.id, env)
        found = self._cfgs.get(key)
        if found is None:
            values = dict(env)
            found = self._cfgs[key] = build_cfg(
                func,
                lambda call: self.exit_kind(call, file),
                lambda cond: self.consts.truth(cond, file, values),
            )
        return found

    def exit_kind(self, call: Node, file: SourceFile) -> str | None:
        """The way a call that never returns leaves: "panic", "goexit" or "exit"; else None."""
        fn = call.child_by_field_name("function")
        if fn is None:
            return None
        r = self.resolver
        if fn.type == "identifier":
            return "panic" if r.is_builtin(fn, file, "panic") else None
        if fn.type != "selector_expression":
            return None
        target = r.pkg_func(call, file)
        if target is not None:
            return EXIT_CALLS.get(target)
        field = fn.child_by_field_name("field")
        if field is None or file.text(field) not in TESTING_EXITS:
            return None
        t = r.type_of(fn.child_by_field_name("operand"), file)
        if t is not None and t.deref().is_named("testing", *TESTING_TYPES):
            return "goexit"
        return None

    def enclosing_function(self, node: Node) -> Node | None:
        return enclosing_function(node)
