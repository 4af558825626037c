"""CopiedSyncValueRule: the base of the rules that report copies of sync values.

MU005 and WG003 build on it: it hooks every node kind where a copy can happen, lets the
walk into only the packages, files and declarations where one can (CopyAnalysis's gates,
copies.py), and hands each copy site found there to ``check_site``, where the rule decides
what it reports and how.
"""

from __future__ import annotations

from tree_sitter import Node

from goconc.analyzer.copies import CopyAnalysis, CopySite
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile


class CopiedSyncValueRule(Rule):
    """Base of the rules that report copies of one family of sync values. Every rule of the
    package shares one CopyAnalysis, so each site is found once, whatever the rules ask."""

    def applies_to_package(self) -> bool:
        return self.pkg.fact(CopyAnalysis).relevant

    def wants_file(self, file: SourceFile) -> bool:
        return self.pkg.fact(CopyAnalysis).file_may_copy(file)

    def wants_declaration(self, decl: Node) -> bool:
        return self.pkg.fact(CopyAnalysis).declaration_relevant(decl, self.file)

    def check_site(self, site: CopySite) -> None:
        """Report what the rule finds wrong with one copy (of any sync value)."""
        raise NotImplementedError

    def _check(self, node: Node) -> None:
        analysis = self.pkg.fact(CopyAnalysis)
        if not analysis.relevant:
            return
        for site in analysis.sites(node, self.file):
            self.check_site(site)

    def visit_call_expression(self, node: Node) -> None:
        self._check(node)

    def visit_short_var_declaration(self, node: Node) -> None:
        self._check(node)

    def visit_assignment_statement(self, node: Node) -> None:
        self._check(node)

    def visit_var_spec(self, node: Node) -> None:
        self._check(node)

    def visit_return_statement(self, node: Node) -> None:
        self._check(node)

    def visit_range_clause(self, node: Node) -> None:
        self._check(node)

    def visit_literal_value(self, node: Node) -> None:
        self._check(node)

    def visit_function_declaration(self, node: Node) -> None:
        self._check(node)

    def visit_method_declaration(self, node: Node) -> None:
        self._check(node)

    def visit_func_literal(self, node: Node) -> None:
        self._check(node)
