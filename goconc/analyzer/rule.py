"""The Rule base class: metadata, hooks and reporting.

A rule is a class with ``meta = RuleMeta(...)`` and hooks named after tree-sitter-go node
kinds: ``visit_go_statement(self, node)`` runs when the batched walk enters a go statement,
``leave_<kind>`` when it leaves one. ``end_package`` runs once every file of the package has
been walked, for rules that need the whole package. The module docstring is the rule's
documentation (see docs/architecture.md). A rule never parses or walks a whole file: it asks
``self.pkg`` (types, CFGs, facts) for what it needs, and looks inside the nodes it is handed
with subtree queries (``matchers.descendants``).
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

import attrs
from tree_sitter import Node

from goconc.analyzer.diagnostics import Diagnostic, Fix, Related, RuleMeta, Severity, Span
from goconc.analyzer.source import SourceFile

if TYPE_CHECKING:
    from goconc.analyzer.facts import Package


class Rule:
    meta: ClassVar[RuleMeta]
    # The batched walk visits a file for this rule only when its bytes contain one of these
    # (empty: every file). Must never skip a file the rule could report on.
    triggers: ClassVar[tuple[bytes, ...]] = ()
    # Within such a file, the hooks run inside a top-level declaration only when its source
    # contains one of these (empty: every declaration). Only for rules whose findings in a
    # declaration depend on text found in it. Plain substrings: `bytes.find` over the
    # declaration's range is many times faster than a regex search.
    declaration_triggers: ClassVar[tuple[bytes, ...]] = ()
    # For each node kind the rule hooks, the tokens (keywords, operators or names) one of
    # which every node its hook acts on has at most three levels below it: `go` for a go
    # statement, `close` for a call of close. The walker then finds those nodes from the
    # tokens instead of querying the tree (see tokens.py). Empty: query for every kind.
    anchors: ClassVar[Mapping[str, tuple[bytes, ...]]] = {}
    # Whether the rule's findings in one file can depend on the walk of another: it reports
    # in a file other than the one walked, or in ``end_package``. A rule that does not (the
    # default) reports in a file only from that file's walk, so a run that reports on some
    # files of a package walks only those for it (pre-commit, the language server, a large
    # package split across processes); ``report`` refuses a finding in another file.
    package_wide: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.anchors:
            hooks = hooks_of(cls)
            kinds = {kind for _, kind in hooks.values()}
            if any(when != "visit" for when, _ in hooks.values()) or kinds != set(cls.anchors):
                raise TypeError(
                    f"{cls.__name__}: anchors must name every hooked kind, and only visit hooks"
                )
        meta = cls.__dict__.get("meta")
        module = sys.modules.get(cls.__module__)
        if isinstance(meta, RuleMeta) and not meta.docs and module is not None and module.__doc__:
            docs = _tab_indented_go(inspect.cleandoc(module.__doc__))
            cls.meta = attrs.evolve(meta, docs=docs)

    def __init__(self, pkg: Package, options: Mapping[str, object] | None = None) -> None:
        self.pkg = pkg
        self.options: Mapping[str, object] = options or {}
        self.file: SourceFile = pkg.files[0]  # set by the walker before each file
        self.diagnostics: list[Diagnostic] = []

    def applies_to_package(self) -> bool:
        """Whether the rule can report anything in ``self.pkg`` at all; asked once, before
        the walk, and a rule that cannot is not run (say, a Go version it does not concern)."""
        return True

    def wants_file(self, file: SourceFile) -> bool:
        """Whether the hooks can act in ``file`` at all, judged before it is parsed: from its
        bytes and the package's facts (``triggers`` and ``anchors`` are checked first)."""
        return True

    def wants_declaration(self, decl: Node) -> bool:
        """Whether the hooks should run inside this top-level declaration of ``self.file``."""
        triggers = self.declaration_triggers
        if not triggers:
            return True
        data, start, end = self.file.data, decl.start_byte, decl.end_byte
        return any(data.find(t, start, end) >= 0 for t in triggers)

    def end_package(self) -> None:
        """Called once after every file of the package has been walked."""

    # -- reporting ---------------------------------------------------------------------------
    def span(self, node: Node, file: SourceFile | None = None) -> Span:
        return (file or self.file).node_span(node)

    def related(self, node: Node, message: str, file: SourceFile | None = None) -> Related:
        return Related(self.span(node, file), message)

    def report(
        self,
        at: Node | Span,
        message: str,
        *,
        related: Sequence[Related] = (),
        fixes: Sequence[Fix] = (),
        flows: Sequence[Sequence[Related]] = (),
        severity: Severity | None = None,
        file: SourceFile | None = None,
    ) -> None:
        span = at if isinstance(at, Span) else self.span(at, file)
        if span.path != self.file.path and not self.package_wide:
            raise RuntimeError(f"{self.meta.code} reports in another file: set package_wide")
        self.diagnostics.append(
            Diagnostic(
                code=self.meta.code,
                message=message,
                span=span,
                severity=severity or self.meta.severity,
                related=tuple(related),
                fixes=tuple(fixes),
                flows=tuple(tuple(f) for f in flows),
                function=self._function_name(at) if isinstance(at, Node) else "",
            )
        )

    @staticmethod
    def _function_name(node: Node) -> str:
        parent: Node | None = node
        while parent is not None:
            if parent.type in ("function_declaration", "method_declaration"):
                name = parent.child_by_field_name("name")
                text = name.text if name is not None else None
                return text.decode("utf-8", "replace") if text else ""
            parent = parent.parent
        return ""


_GO_BLOCK = re.compile(r"```go\n(.*?)```", re.S)


def _tab_indented_go(docs: str) -> str:
    """Go examples indent with tabs (gofmt), but ruff's formatter expands tabs in docstrings to
    8 spaces: restore them, so the docs, `goconc rule` and SARIF help show gofmt'ed Go."""

    def retab(block: re.Match[str]) -> str:
        lines = []
        for line in block.group(1).split("\n"):
            stripped = line.lstrip(" ")
            lines.append("\t" * ((len(line) - len(stripped)) // 8) + stripped)
        return "```go\n" + "\n".join(lines) + "```"

    return _GO_BLOCK.sub(retab, docs)


_HOOKS: dict[type[Rule], dict[str, tuple[str, str]]] = {}


def hooks_of(rule_cls: type[Rule]) -> dict[str, tuple[str, str]]:
    """{method name: ("visit"|"leave", node kind)} for every hook a rule class defines."""
    cached = _HOOKS.get(rule_cls)
    if cached is not None:
        return cached
    found: dict[str, tuple[str, str]] = _HOOKS.setdefault(rule_cls, {})
    for name in dir(rule_cls):
        for prefix in ("visit_", "leave_"):
            if name.startswith(prefix):
                found[name] = (prefix[:-1], name.removeprefix(prefix))
    return found
