"""Path questions over a function's CFG, shared by the rules.

`escape_path` answers the must-call question behind lost-cancel, missing Done and missing
Unlock: starting just after a statement, is there a path to a function exit on which no
statement "handles" the value? It returns the first such exit as a witness for the report.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
from tree_sitter import Node

from goconc.analyzer.cfg import CFG, Block


@attrs.frozen
class Exit:
    """A way out of the function found on an unhandled path."""

    kind: str  # "return" (explicit), "end" (falls off the end), "goexit", "panic"
    node: Node | None  # the return statement or exiting call; None for "end"


def escape_path(
    cfg: CFG,
    start: Node,
    handled: Callable[[Node], bool],
    exits: frozenset[str] = frozenset({"return", "end"}),
) -> Exit | None:
    """The first exit reachable from just after ``start`` without passing a handled node.

    ``start`` must be a node of one of the CFG's blocks (a statement). Paths that end the
    process ("exit" terminators: os.Exit, log.Fatal) or block forever never count.
    """
    block = cfg.block_of(start)
    if block is None:
        return None
    position = _index(block, start) + 1
    seen: set[int] = set()
    work: list[tuple[Block, int]] = [(block, position)]
    while work:
        current, pos = work.pop()
        if any(handled(n) for n in current.nodes[pos:]):
            continue
        found = _exit_of(cfg, current)
        if found is not None and found.kind in exits:
            return found
        for succ in current.succs:
            if succ.index not in seen:
                seen.add(succ.index)
                work.append((succ, 0))
    return None


def _index(block: Block, node: Node) -> int:
    for i, n in enumerate(block.nodes):
        if n.id == node.id:
            return i
    return -1


def _exit_of(cfg: CFG, block: Block) -> Exit | None:
    if block is cfg.exit:
        return None
    if block.terminator in ("panic", "goexit"):
        return Exit(block.terminator, block.nodes[-1] if block.nodes else None)
    if cfg.exit in block.succs:
        last = block.nodes[-1] if block.nodes else None
        if last is not None and last.type == "return_statement":
            return Exit("return", last)
        return Exit("end", None)
    return None


def contains(outer: Node, inner: Node) -> bool:
    return outer.start_byte <= inner.start_byte and inner.end_byte <= outer.end_byte
