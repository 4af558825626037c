"""SourceFile: one Go file's bytes, tree and the single place where positions are converted.

The tree is parsed on first use: a file that no rule needs and no other file's analysis
looks into is never parsed (see engine/runner.py), and parsing is most of a run's cost.

tree-sitter gives 0-based rows split on LF only and byte columns. Everything we report uses
1-based lines split as editors and SARIF split them (LF, CRLF and lone CR) and 1-based UTF-16
columns (what GitHub and VS Code count), with the BOM not counted.
"""

from __future__ import annotations

import bisect
import re
from functools import cached_property

import attrs
from tree_sitter import Node, Tree

from goconc.analyzer.constraints import Constraint, file_constraint
from goconc.analyzer.diagnostics import Span
from goconc.analyzer.packages import package_clause
from goconc.analyzer.parse import Newer, ParseTimeout, parse, parse_file
from goconc.analyzer.tokens import TokenIndex, outline

_LINE_END = re.compile(rb"\r\n|\r|\n")
_BOM = b"\xef\xbb\xbf"


@attrs.define(eq=False)
class SourceFile:
    path: str  # absolute, symlinks resolved, POSIX separators
    data: bytes
    _tree: Tree | None = attrs.field(default=None, alias="tree")  # None: parse on first use
    parse_budget: float | None = None  # seconds, for a file large enough to need one
    problem: str | None = None  # why it could not be parsed; its tree is then empty
    # Syntax newer than the grammar that the parse could not read through (see parse.py).
    unread: tuple[Newer, ...] = ()

    @property
    def tree(self) -> Tree:
        if self._tree is None:
            try:
                parsed = parse_file(self.data, self.parse_budget)
                self._tree, self.unread = parsed.tree, parsed.unread
            except ParseTimeout as err:
                self.problem = f"{err}; skipped (raise --parse-timeout to analyse it)"
                self._tree = parse(b"")  # analysed as if empty: no declarations, no findings
        return self._tree

    @property
    def parsed(self) -> bool:
        return self._tree is not None

    @cached_property
    def constraint(self) -> Constraint:
        """What a build must satisfy to compile this file: its name's `_GOOS`/`_GOARCH`
        suffixes and its `//go:build` line (see constraints.py)."""
        return file_constraint(self.path, self.data)

    @cached_property
    def outline(self) -> bytes:
        """The bytes without top-level function bodies (see ``tokens.outline``)."""
        return outline(self.data)

    @cached_property
    def package_clause(self) -> tuple[int, str] | None:
        """(where the package clause starts, its name): read from the bytes when what
        precedes it is plain, else from the tree; None without a clause."""
        plain = package_clause(self.data)
        if plain is not None:
            return plain
        for child in self.root.named_children:
            if child.type == "package_clause":
                ident = child.named_children[0] if child.named_children else None
                return child.start_byte, self.text(ident) if ident is not None else ""
        return None

    @cached_property
    def line_starts(self) -> list[int]:
        return [0, *(m.end() for m in _LINE_END.finditer(self.data))]

    @property
    def root(self) -> Node:
        return self.tree.root_node

    @cached_property
    def tokens(self) -> TokenIndex:
        return TokenIndex(self.data, lambda: self.tree.root_node)

    def text(self, node: Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def line_of(self, offset: int) -> int:
        """1-based line of a byte offset."""
        return bisect.bisect_right(self.line_starts, offset)

    def line_bounds(self, line: int) -> tuple[int, int]:
        """Byte range of a 1-based line, without its terminator."""
        start = self.line_starts[line - 1]
        end = self.line_starts[line] if line < len(self.line_starts) else len(self.data)
        while end > start and self.data[end - 1] in (0x0A, 0x0D):
            end -= 1
        return start, end

    def line_text(self, line: int) -> str:
        start, end = self.line_bounds(line)
        text = self.data[start:end]
        if line == 1 and text.startswith(_BOM):
            text = text[3:]
        return text.decode("utf-8", "replace")

    def position(self, offset: int) -> tuple[int, int]:
        """(1-based line, 1-based UTF-16 column) of a byte offset."""
        line = self.line_of(offset)
        start = self.line_starts[line - 1]
        if line == 1 and self.data.startswith(_BOM):
            start = min(3, offset)
        prefix = self.data[start:offset]
        if prefix.isascii():
            return line, len(prefix) + 1
        text = prefix.decode("utf-8", "replace")
        return line, len(text.encode("utf-16-le")) // 2 + 1

    def span(self, start_byte: int, end_byte: int, *, clamp: bool = True) -> Span:
        """The Span of a byte range. ``clamp`` (for display) pulls an end at column 1 of a
        later line back to the end of the line before; edits keep the exact range."""
        line, column = self.position(start_byte)
        end_line, end_column = self.position(end_byte)
        if clamp and end_byte > start_byte and end_line > line and end_column == 1:
            # Containers end at column 0 of the next line: clamp to the end of the previous one.
            end_line -= 1
            _, line_end = self.line_bounds(end_line)
            end_byte = max(start_byte, line_end)
            end_line, end_column = self.position(end_byte)
        return Span(self.path, line, column, end_line, end_column, start_byte, end_byte)

    def node_span(self, node: Node) -> Span:
        return self.span(node.start_byte, node.end_byte)
