"""Path questions over a function's CFG, shared by the rules.

`escape_path` answers the must-call question behind lost-cancel, missing Done and missing
Unlock: starting just after a statement, is there a path to a function exit on which no
statement "handles" the value? It returns the first such exit as a witness for the report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import attrs
from tree_sitter import Node

from goconc.analyzer.cfg import CFG, Block

# A forward analysis whose blocks still change after this many rounds keeps what it has: the
# lattices are finite, so this only cuts off pathological functions.
MAX_ROUNDS = 50


def fixpoint(blocks: list[Block], step: Callable[[Block], bool]) -> None:
    """Apply ``step`` to every block, in order, round after round until no step reports a
    change (its block's out-state moved), at most :data:`MAX_ROUNDS` rounds. ``blocks`` in
    reverse postorder settle in a few rounds."""
    for _ in range(MAX_ROUNDS):
        changed = False
        for block in blocks:
            changed = step(block) or changed
        if not changed:
            return


@attrs.frozen
class Exit:
    """A way out of the function found on an unhandled path."""

    kind: str  # "return" (explicit), "end" (falls off the end), "goexit", "panic"
    node: Node | None  # the return statement or exiting call; None for "end"


def unhandled_exits(
    cfg: CFG,
    block: Block,
    position: int,
    handled: Callable[[Node], bool],
    exits: frozenset[str] = frozenset({"return", "end"}),
    skip_edge: Callable[[Block, Block], bool] | None = None,
) -> Iterator[Exit]:
    """The exits reachable from node ``position`` of ``block`` on paths that pass no handled
    node, depth first. Paths that end the process ("exit" terminators: os.Exit, log.Fatal)
    or block forever never count. ``skip_edge(block, succ)`` drops edges the caller knows are
    never taken (the exit edge of a `for range ticker.C` loop, whose channel is never closed)."""
    seen: set[int] = set()
    work: list[tuple[Block, int]] = [(block, position)]
    while work:
        current, pos = work.pop()
        if any(handled(n) for n in current.nodes[pos:]):
            continue
        found = _exit_of(cfg, current)
        if found is not None and found.kind in exits:
            yield found
        for succ in current.succs:
            if succ.index not in seen and (skip_edge is None or not skip_edge(current, succ)):
                seen.add(succ.index)
                work.append((succ, 0))


def escape_path(
    cfg: CFG,
    start: Node,
    handled: Callable[[Node], bool],
    exits: frozenset[str] = frozenset({"return", "end"}),
    skip_edge: Callable[[Block, Block], bool] | None = None,
) -> Exit | None:
    """The first exit reachable from just after ``start`` (a statement of one of the CFG's
    blocks) without passing a handled node; see `unhandled_exits`."""
    block = cfg.block_of(start)
    if block is None:
        return None
    found = unhandled_exits(cfg, block, _index(block, start) + 1, handled, exits, skip_edge)
    return next(found, None)


def escape_exits(
    cfg: CFG,
    start: Node,
    handled: Callable[[Node], bool],
    exits: frozenset[str] = frozenset({"return", "end"}),
) -> list[Exit]:
    """Every exit reachable from just after ``start`` without passing a handled node (the
    same search as `escape_path`, not stopping at the first), in no particular order."""
    block = cfg.block_of(start)
    if block is None:
        return []
    return list(unhandled_exits(cfg, block, _index(block, start) + 1, handled, exits))


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


def cfg_statement(cfg: CFG, node: Node) -> Node | None:
    """The node of one of ``cfg``'s blocks (statement, condition, range clause, case
    communication) that holds ``node``; None when ``node`` is in a nested function literal
    or outside the function."""
    n: Node | None = node
    while n is not None and n.id != cfg.func.id:
        if cfg.block_of(n) is not None:
            return n
        if n.type == "func_literal" and n.id != node.id:
            return None
        n = n.parent
    return None


def reaches(
    cfg: CFG, start: Node, target: Node, avoid: Callable[[Node], bool] | None = None
) -> bool:
    """Some path from just after ``start`` (a CFG node) runs ``target`` (a CFG node) without
    first running a node for which ``avoid`` holds. ``target`` may be ``start`` itself (a
    cycle through a loop)."""
    block = cfg.block_of(start)
    if block is None:
        return False
    work: list[tuple[Block, int]] = [(block, _index(block, start) + 1)]
    seen: set[int] = set()
    while work:
        current, pos = work.pop()
        for n in current.nodes[pos:]:
            if n.id == target.id:
                return True
            if avoid is not None and avoid(n):
                break
        else:
            for succ in current.succs:
                if succ.index not in seen:
                    seen.add(succ.index)
                    work.append((succ, 0))
    return False


@attrs.frozen
class Decided:
    """A branch known to have been taken before a search starts: the condition ``cond`` (a
    CFG node) sent control to ``taken``; evaluated again with none of its operands changed
    (no node for which ``changes`` holds on the way), it sends control there again."""

    cond: Node
    taken: Block
    changes: Callable[[Node], bool]


def reaches_deciding(
    cfg: CFG,
    start: Node,
    target: Node,
    avoid: Callable[[Node], bool] | None,
    decided: Decided,
) -> bool:
    """`reaches`, pruning the paths that come back to ``decided.cond`` with its operands
    unchanged and leave it another way than the one it took."""
    block = cfg.block_of(start)
    if block is None:
        return False
    work: list[tuple[Block, int, bool]] = [(block, _index(block, start) + 1, False)]
    seen: set[tuple[int, bool]] = set()
    while work:
        current, pos, dirty = work.pop()
        blocked = False
        for n in current.nodes[pos:]:
            if n.id == target.id:
                return True
            if avoid is not None and avoid(n):
                blocked = True
                break
            dirty = dirty or decided.changes(n)
        if blocked:
            continue
        last = current.nodes[-1] if current.nodes else None
        again = last is not None and last.id == decided.cond.id and not dirty
        for succ in [decided.taken] if again else current.succs:
            if (succ.index, dirty) not in seen:
                seen.add((succ.index, dirty))
                work.append((succ, 0, dirty))
    return False
