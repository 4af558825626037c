"""The tree-sitter Go parser (one per process) and syntax-error reporting."""

from __future__ import annotations

import time
from functools import cache

import tree_sitter_go
from tree_sitter import Language, Node, Parser, Point, Tree

# Above this size a parse gets a time budget; smaller files parse in milliseconds.
_BUDGET_MIN_BYTES = 1 << 20


class ParseTimeout(Exception):
    """The file took longer to parse than its budget."""


@cache
def go_language() -> Language:
    return Language(tree_sitter_go.language())


@cache
def _parser() -> Parser:
    return Parser(go_language())


def parse(data: bytes, budget_seconds: float | None = None) -> Tree:
    """Parse Go source bytes; raise ParseTimeout when a large file exceeds its budget."""
    parser = _parser()
    if budget_seconds is None or len(data) < _BUDGET_MIN_BYTES:
        return parser.parse(data)
    deadline = time.monotonic() + budget_seconds

    def read(offset: int, _point: Point) -> bytes:
        return data[offset : offset + 65536]

    def progress(_offset: int, _has_error: bool) -> bool:
        return time.monotonic() > deadline  # True cancels the parse

    try:
        return parser.parse(read, progress_callback=progress)
    except ValueError as err:
        parser.reset()  # else the next parse resumes this one, on that file's bytes
        raise ParseTimeout(f"parsing took longer than {budget_seconds:g}s") from err
    except BaseException:
        parser.reset()  # interrupted in a callback (the analysis budget's alarm, Ctrl-C): same
        raise


def syntax_errors(tree: Tree, limit: int = 20) -> list[Node]:
    """ERROR and MISSING nodes, outermost first, in document order (at most ``limit``)."""
    found: list[Node] = []
    root = tree.root_node
    if not root.has_error:
        return found
    stack = [root]
    while stack and len(found) < limit:
        node = stack.pop()
        if node.is_error or node.is_missing:
            found.append(node)
            continue
        stack.extend(c for c in reversed(node.children) if c.has_error)
    return found
