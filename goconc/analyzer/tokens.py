"""Finding nodes from their tokens: `go`, `<-`, `close`, `Lock`, ...

A tree-sitter query visits every node of the range it searches (about 150 ns a node, a third
of what parsing the file cost), while most rules act on nodes that carry a token of their
own: a go statement its `go` keyword, a close its `close` identifier, a method call its
method name. ``bytes.find`` locates such a token in a fraction of that time, and
``descendant_for_byte_range`` reaches its node in a few steps down the tree, so a rule that
declares ``anchors`` costs time in proportion to its candidates, not to the file.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator

from tree_sitter import Node

# How far above its token a node can be: `close` -> call; `Add` -> selector -> call;
# `(wg.Add)(1)` -> selector -> parenthesized expression -> call.
MAX_LEVELS = 3

# Bytes that continue a name (around `go` they make it part of `gopher`, `algo`); bytes of
# UTF-8 sequences count, as Go names may hold letters of any script.
NAME_BYTES = frozenset(
    bytes([c]) for c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
) | frozenset(bytes([c]) for c in range(0x80, 0x100))

# A Go name, with the same bytes (a superset of Go's letters, read from UTF-8 bytes).
NAME = re.compile(rb"[A-Za-z_\x80-\xff][\w\x80-\xff]*")

# How many tokens ``present`` learns to rule longer ones out with (where `Fatal` is not,
# `Fatalf` is not either): the first asked, which are the rules' own (asked of every file
# before any name); and how many tokens' lists of them it keeps.
_MAX_PROBES = 64
_MAX_PARTS = 4096
_PROBES: list[bytes] = []
_PARTS: dict[bytes, tuple[bytes, ...]] = {}

# Token node kinds that carry a name; a keyword or operator token's kind is its own text.
_NAMES = frozenset({"identifier", "field_identifier", "package_identifier", "type_identifier"})

# `go` ends a thousand words and starts `//go:build` and `"go/ast"`; the keyword is followed
# by a blank, `(` or a comment.
_GO_KEYWORD = re.compile(rb"go[ \t\r\n(/]")


class TokenIndex:
    """One file's tokens, found once and shared by every rule (see ``SourceFile.tokens``)."""

    def __init__(self, data: bytes, root: Callable[[], Node]) -> None:
        self._data = data
        self._get_root = root  # called on the first search that needs the tree: it parses
        self._present: dict[bytes, bool] = {}
        self._occurs: dict[bytes, bool] = {}
        self._tokens: dict[bytes, list[Node]] = {}
        self._starts: dict[bytes, list[int]] = {}  # of token_nodes, for bisecting
        self._chains: dict[int, list[Node]] = {}  # a token node's ancestors, by its id
        self._ranges: dict[tuple[bytes, str, int, int], list[Node]] = {}
        self._anchored: dict[tuple[bytes, str], tuple[list[int], list[Node]]] = {}

    def present(self, token: bytes) -> bool:
        """Whether the file's bytes contain ``token`` anywhere (comments included)."""
        known = self._present
        found = known.get(token)
        if found is None:
            ruled_out = any(known.get(part) is False for part in _parts(token))
            found = known[token] = not ruled_out and token in self._data
        return found

    def may_occur(self, token: bytes) -> bool:
        """Whether the file may hold ``token`` as a token, judged from its bytes alone, so
        before any parse: false only where ``token_nodes(token)`` is empty. A name or keyword
        must stand alone (`go` is not in `gopher`), and `go` must start a statement."""
        found = self._occurs.get(token)
        if found is None:
            data = self._data
            if not self.present(token):
                found = False
            elif token == b"go":
                found = _go_statement_possible(data)
            elif token[:1] in NAME_BYTES and token[-1:] in NAME_BYTES:
                found = whole_word(data, token)
            else:
                found = True
            self._occurs[token] = found
        return found

    def token_nodes(self, token: bytes) -> list[Node]:
        """The nodes that are exactly ``token`` (a keyword, operator or name; not a comment or
        a longer name that contains it), in document order."""
        found = self._tokens.get(token)
        if found is None:
            found = self._tokens[token] = (
                self._find(token, 0, len(self._data)) if self.present(token) else []
            )
        return found

    def token_nodes_in(self, token: bytes, start: int, end: int) -> list[Node]:
        """``token_nodes(token)`` that start within [start, end)."""
        nodes = self.token_nodes(token)
        starts = self._starts.get(token)
        if starts is None:
            starts = self._starts[token] = [n.start_byte for n in nodes]
        return _between(starts, nodes, start, end)

    def named(self, name: str, kind: str) -> list[Node]:
        """The nodes of ``kind`` (`identifier`, `field_identifier`, ...) spelled ``name``."""
        return [n for n in self.token_nodes(name.encode()) if n.type == kind]

    def selectors(self, field: str) -> list[Node]:
        """The selector expressions `x.field`, in document order."""
        found: list[Node] = []
        for name in self.named(field, "field_identifier"):
            sel = name.parent  # a selector's only field_identifier is its field
            if sel is not None and sel.type == "selector_expression":
                found.append(sel)
        return found

    def _find(self, token: bytes, start: int, end: int) -> list[Node]:
        """``token_nodes`` within [start, end)."""
        found: list[Node] = []
        data, root, size = self._data, self._get_root(), len(token)
        kind = token.decode("utf-8", "replace")
        word = token[:1] in NAME_BYTES and token[-1:] in NAME_BYTES
        i = data.find(token, start, end)
        while i >= 0:
            if word and (
                data[i - 1 : i] in NAME_BYTES or data[i + size : i + size + 1] in NAME_BYTES
            ):
                i = data.find(token, i + size, end)
                continue  # part of a longer name (`good`, `closer`): not the token
            node = root.descendant_for_byte_range(i, i + size)
            if (
                node is not None
                and node.start_byte == i
                and node.end_byte == i + size
                and (node.type == kind or node.type in _NAMES)
            ):
                found.append(node)
            i = data.find(token, i + size, end)
        return found

    def anchored(self, token: bytes, kind: str) -> tuple[list[int], list[Node]]:
        """The nodes of ``kind`` that are the nearest such ancestor (at most ``MAX_LEVELS``
        up) of a ``token`` node: (their start bytes, the nodes), in document order."""
        key = (token, kind)
        found = self._anchored.get(key)
        if found is None:
            nodes = self._climb(self.token_nodes(token), kind)
            found = self._anchored[key] = ([n.start_byte for n in nodes], nodes)
        return found

    def _climb(self, token_nodes: list[Node], kind: str) -> list[Node]:
        """The nearest ``kind`` ancestor of each token node, at most ``MAX_LEVELS`` up, each
        once, in document order."""
        nodes: list[Node] = []
        seen: set[int] = set()
        for tok in token_nodes:
            chain = self._chains.get(tok.id)
            if chain is None:  # the token's ancestors, nearest first, as far as asked so far
                chain = self._chains[tok.id] = [tok]
            for level in range(1, MAX_LEVELS + 1):
                if level == len(chain):
                    parent = chain[-1].parent
                    if parent is None:
                        break
                    chain.append(parent)
                node = chain[level]
                if node.type == kind:
                    if node.id not in seen:
                        seen.add(node.id)
                        nodes.append(node)
                    break
        nodes.sort(key=lambda n: (n.start_byte, -n.end_byte))
        return nodes

    def anchored_in(self, token: bytes, kind: str, start: int, end: int) -> list[Node]:
        """``anchored(token, kind)`` that start within [start, end). Unless the whole file's
        are known already, only that range is searched (cached: rules share declarations)."""
        whole = self._anchored.get((token, kind))
        if whole is not None:
            return _between(*whole, start, end)
        key = (token, kind, start, end)
        found = self._ranges.get(key)
        if found is None:
            found = self._ranges[key] = (
                self._climb(self._find(token, start, end), kind) if self.present(token) else []
            )
        return found


def _parts(token: bytes) -> tuple[bytes, ...]:
    """The probes (see ``_PROBES``) that ``token`` contains, other than itself."""
    found = _PARTS.get(token)
    if found is None:
        if len(_PROBES) < _MAX_PROBES and token not in _PROBES:
            _PROBES.append(token)
        found = tuple(p for p in _PROBES if p != token and p in token)
        if len(_PARTS) < _MAX_PARTS:
            _PARTS[token] = found
    return found


def _between(starts: list[int], nodes: list[Node], start: int, end: int) -> list[Node]:
    """The ``nodes`` (sorted, with their ``starts``) that start within [start, end)."""
    lo = bisect_left(starts, start)
    return nodes[lo : bisect_left(starts, end, lo)]


# A top-level function's body in gofmt'ed code: from the `{` ending a `func` line at column 0,
# over lines that are empty or indented, to a `}` at column 0.
_BODY = re.compile(rb"(\nfunc[^\n]*\{)[ \t]*(?://[^\n]*)?\r?\n(?:[ \t\r][^\n]*\n|\r?\n)*\}")


def outline(data: bytes) -> bytes:
    """``data`` without the bodies of its top-level functions: what its declarations
    (types, variables, signatures) are written in, for searches that must not be misled by
    local names. Only bodies laid out as gofmt lays them out are dropped; anything else is
    kept, so a name declared at top level is always in the outline."""
    return _BODY.sub(rb"\1}", data)


_BLANKS = b" \t"
# How far back ``line_start`` looks: what precedes a token on its line that matters to a
# byte-level read is short, and a bound keeps a file that is one huge line from costing
# time in proportion to its length at every token.
MAX_LOOKBACK = 512


def line_start(data: bytes, at: int) -> int:
    """Where the line holding ``at`` starts, or ``MAX_LOOKBACK`` bytes back if nearer."""
    low = max(0, at - MAX_LOOKBACK)
    found = data.rfind(b"\n", low, at)
    return found + 1 if found >= 0 else low


def names_before(data: bytes, at: int, *, arrow: bool = False) -> list[bytes]:
    """The names of a list `a, b, c` that ends right before ``at``, a blank between, on the
    same line (`a, b chan`: ``at`` at `chan`), last first; with ``arrow``, a `<-` may stand
    between instead (`ch <-chan`). Read backwards, in time proportional to what is read,
    never to the length of the line."""
    j = at
    if arrow and data[j - 2 : j] == b"<-":
        j -= 2
        while j > 0 and data[j - 1] in _BLANKS:
            j -= 1
    k = j
    while k > 0 and data[k - 1] in _BLANKS:
        k -= 1
    if k == j and not (arrow and j < at):
        return []  # no blank: part of a longer word or expression
    found: list[bytes] = []
    while True:
        end = k
        while k > 0 and data[k - 1 : k] in NAME_BYTES:
            k -= 1
        if k == end or data[k : k + 1].isdigit():
            return found
        found.append(data[k:end])
        while k > 0 and data[k - 1] in _BLANKS:
            k -= 1
        if data[k - 1 : k] != b",":
            return found
        k -= 1
        while k > 0 and data[k - 1] in _BLANKS:
            k -= 1


# Names longer than this (generated code) are matched by a flat alternation: the nesting of
# the prefix tree is as deep as its longest name, and `re` compiles nested groups recursively
# (200 nested levels need about 600 frames of Python's stack).
_MAX_TRIE_NAME = 64


def word_pattern(names: frozenset[str]) -> re.Pattern[bytes]:
    """The names, ending where a name ends. Where one starts is left to the caller: a leading
    `\\b` keeps `re` from skipping ahead to the names' first bytes, which is slower.

    The alternatives are nested by shared prefixes (`m(?:u(?:tex)?|tx)` for mu, mutex, mtx):
    `re` tries a flat alternation's names one after another wherever one may start, which
    for the hundreds of names of a large package costs several times the search."""
    encoded = sorted(n.encode() for n in names)
    if encoded and max(map(len, encoded)) <= _MAX_TRIE_NAME:
        return re.compile(rb"(?:" + _trie(encoded, 0) + rb")\b")
    return re.compile(rb"(?:" + b"|".join(map(re.escape, encoded)) + rb")\b")


def _trie(names: list[bytes], at: int) -> bytes:
    """The alternation of ``names`` (sorted, sharing their first ``at`` bytes) from ``at``
    on, nested by shared prefixes."""
    ends = False
    branches: list[bytes] = []
    i = 0
    while i < len(names):
        if len(names[i]) == at:
            ends, i = True, i + 1
            continue
        first = names[i][at]
        j = i
        while j < len(names) and names[j][at] == first:
            j += 1
        group = names[i:j]
        shared = at + 1  # the longest prefix the group shares, for a literal run
        while all(len(n) > shared for n in group) and len({n[shared] for n in group}) == 1:
            shared += 1
        branches.append(re.escape(group[0][at:shared]) + _trie(group, shared))
        i = j
    if not branches:
        return b""
    body = branches[0] if len(branches) == 1 and not ends else b"(?:" + b"|".join(branches) + b")"
    return body + b"?" if ends else body


def names_pattern(names: Iterable[str]) -> re.Pattern[bytes] | None:
    """``word_pattern`` of the names, or None when there are none (it would match
    everywhere)."""
    found = frozenset(names)
    return word_pattern(found) if found else None


def name_matches(pattern: re.Pattern[bytes], data: bytes) -> Iterator[re.Match[bytes]]:
    """The matches of ``pattern`` (a ``word_pattern``, or one that starts with a keyword)
    that are not the end of a longer name (`Rttvar` for `var`); checked here, as a leading
    `\\b` would keep `re` from searching for the pattern's first bytes."""
    for m in pattern.finditer(data):
        if data[m.start() - 1 : m.start()] not in NAME_BYTES:
            yield m


def mentions_any(pattern: re.Pattern[bytes], data: bytes) -> bool:
    """Whether one of the names of a ``word_pattern`` occurs in ``data`` as a whole name."""
    return next(name_matches(pattern, data), None) is not None


def whole_word(data: bytes, word: bytes) -> bool:
    """Whether ``word`` occurs in ``data`` not as part of a longer name."""
    size = len(word)
    i = data.find(word)
    while i >= 0:
        if data[i - 1 : i] not in NAME_BYTES and data[i + size : i + size + 1] not in NAME_BYTES:
            return True
        i = data.find(word, i + size)
    return False


def _go_statement_possible(data: bytes) -> bool:
    """Whether a `go` keyword may start a statement: after a newline, `;`, `{`, `:` (a case
    or label) or `*/`, with only blanks between. A superset: it may be in a comment."""
    for m in _GO_KEYWORD.finditer(data):
        i = m.start()
        if data[i - 1 : i] in NAME_BYTES or (data[i + 2] == 0x2F and data[i + 3 : i + 4] != b"*"):
            continue  # `algo `, or `go/ast`: not the keyword
        j = i
        while j > 0 and data[j - 1] in b" \t\r":
            j -= 1
        before = data[j - 1 : j]
        if before and (before in b"\n;{:" or (before == b"/" and data[j - 2 : j - 1] == b"*")):
            return True
    return False
