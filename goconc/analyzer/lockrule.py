"""LockFactsRule: the base of the rules that judge one function at a time from its held locks.

MU001, MU004 and MU006 build on it: it hooks every function (declaration, method or
literal), skips the files, declarations and functions that cannot lock anything, and hands
the others to ``check_function`` with their held-lock facts (locks.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from tree_sitter import Node

from goconc.analyzer.locks import LockAnalysis, LockFacts
from goconc.analyzer.matchers import FUNC_KINDS
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile


class LockFactsRule(Rule):
    """Base of the rules that judge one function (declaration, method or literal) at a time
    from its held-lock facts; functions that cannot lock anything are skipped unseen."""

    triggers: ClassVar[tuple[bytes, ...]] = (b"Lock", b"lock")
    anchors: ClassVar[Mapping[str, tuple[bytes, ...]]] = dict.fromkeys(FUNC_KINDS, (b"func",))

    def wants_file(self, file: SourceFile) -> bool:
        return self.pkg.fact(LockAnalysis).file_may_lock(file)

    def wants_declaration(self, decl: Node) -> bool:
        # A declaration without a lock call has no function that `mentions_locks`.
        return self.pkg.fact(LockAnalysis).declaration_may_lock(decl, self.file)

    def visit_function_declaration(self, node: Node) -> None:
        self._visit_function(node)

    def visit_method_declaration(self, node: Node) -> None:
        self._visit_function(node)

    def visit_func_literal(self, node: Node) -> None:
        self._visit_function(node)

    def _visit_function(self, func: Node) -> None:
        locks = self.pkg.fact(LockAnalysis)
        if locks.mentions_locks(func, self.file):
            self.check_function(func, locks.facts(func, self.file))

    def check_function(self, func: Node, facts: LockFacts) -> None:
        raise NotImplementedError
