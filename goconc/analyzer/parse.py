"""The tree-sitter Go parser (one per process), read-through of syntax it is too old for,
and syntax-error reporting.

tree-sitter-go 0.25.0, the newest release, knows Go up to 1.25. Two later changes make it
produce ERROR nodes on valid code, and both are read here by re-parsing the file with a few
bytes replaced, same length for same length, so that every byte offset of the tree stays
true and everything that reads names reads them from the file's own bytes
(``SourceFile.text``):

* Go 1.26 ``new(expr)``: the grammar reads ``new`` and ``make`` as builtins that take a
  type, so ``new(3 * time.Second)``, ``new("x")`` and a package function named ``new``
  called with values fail. Where the first argument of such a call does not parse as a
  type, the callee's name is masked (``n_w(``, ``m_ke(``): the call then parses as a call
  of an identifier with expression arguments. Calls whose argument is a type are left
  alone, so ``new(sync.Mutex)`` keeps its type node.
* Go 1.27 generic methods: ``func (r T) M[P any](...)``. The type parameter list is
  blanked: the method parses as one without type parameters (whose names stay unresolved,
  which the analysis treats as unknown types).
"""

from __future__ import annotations

import re
import time
from functools import cache, lru_cache

import attrs
import tree_sitter_go
from tree_sitter import Language, Node, Parser, Point, Tree

from goconc.analyzer.tokens import NAME

# Above this size a parse gets a time budget; smaller files parse in milliseconds.
_BUDGET_MIN_BYTES = 1 << 20

#: The newest Go whose syntax goconc reads: the grammar's (1.25) and the changes read above.
READS_GO = (1, 27)


class ParseTimeout(Exception):
    """The file took longer to parse than its budget."""


@cache
def go_language() -> Language:
    return Language(tree_sitter_go.language())


@cache
def grammar_name() -> str:
    """The parser as a user would look it up: "tree-sitter-go 0.25.0"."""
    return "tree-sitter-go " + ".".join(map(str, go_language().semantic_version or ()))


@cache
def _parser() -> Parser:
    return Parser(go_language())


@attrs.frozen
class Newer:
    """A construct of a Go release newer than the grammar, found in a file's bytes."""

    what: str  # "new(expr)", "generic method"
    since: tuple[int, int] | None  # the Go release that introduced it; None: always Go
    start: int  # bytes the parse has to see replaced
    end: int
    replacement: bytes  # same length as data[start:end]


@attrs.frozen
class Parsed:
    tree: Tree
    unread: tuple[Newer, ...] = ()  # newer syntax left as the grammar reads it (no time left)


def parse(data: bytes, budget_seconds: float | None = None) -> Tree:
    """Parse Go source bytes; raise ParseTimeout when a large file exceeds its budget."""
    return parse_file(data, budget_seconds).tree


def parse_file(data: bytes, budget_seconds: float | None = None) -> Parsed:
    """Parse Go source bytes, reading the syntax newer than the grammar (see the module's
    docstring); raise ParseTimeout when a large file exceeds its budget."""
    deadline = None
    if budget_seconds is not None and len(data) >= _BUDGET_MIN_BYTES:
        deadline = time.monotonic() + budget_seconds
    tree = _parse(data, deadline, budget_seconds)
    if not tree.root_node.has_error:
        return Parsed(tree)
    found = newer_syntax(data)
    if not found:
        return Parsed(tree)
    masked = bytearray(data)
    for n in found:
        masked[n.start : n.end] = n.replacement
    try:
        return Parsed(_parse(bytes(masked), deadline, budget_seconds))
    except ParseTimeout:
        return Parsed(tree, tuple(found))  # what was parsed in time, with its errors


def _parse(data: bytes, deadline: float | None, budget_seconds: float | None) -> Tree:
    parser = _parser()
    if deadline is None:
        return parser.parse(data)

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


# -- syntax newer than the grammar -----------------------------------------------------------

# What can hide a bracket or a comma: comments, strings, runes; and the brackets and commas.
_LEXEME = re.compile(
    rb"//[^\n]*|/\*.*?(?:\*/|\Z)|\"(?:[^\"\\\n]|\\.)*\"?|`[^`]*`?|'(?:[^'\\\n]|\\.)*'?|[][(){},]",
    re.S,
)
# A call of `new` or `make` (not a method or field of that name: `x.new(`).
_BUILTIN_CALL = re.compile(rb"(?<![\w.\x80-\xff])(?:new|make)[ \t]*\(")
# A method with type parameters: `func (r *T[K]) Name[` (receivers hold no parentheses).
_GENERIC_METHOD = re.compile(
    rb"^func[ \t]*\([^()\n]{0,256}\)[ \t]*" + NAME.pattern + rb"[ \t]*\[", re.M
)
_MASKS = {b"new": b"n_w", b"make": b"m_ke"}


def newer_syntax(data: bytes) -> list[Newer]:
    """The constructs of ``data`` that the grammar cannot read and ``parse`` reads through."""
    calls = (
        [(m.start(), m.end() - 1) for m in _BUILTIN_CALL.finditer(data)]
        if b"new" in data or b"make" in data
        else []
    )
    methods = [m.end() - 1 for m in _GENERIC_METHOD.finditer(data)] if b"func" in data else []
    if not calls and not methods:
        return []
    groups = _groups(data, {at for _, at in calls} | set(methods))
    found: list[Newer] = []
    # Shortest first arguments first, and a bound on the bytes test-parsed: nested calls
    # (`new(new(new(...)))`) would otherwise parse the same bytes again at every level.
    budget = 2 * len(data) + 65536
    for start, at in sorted(calls, key=lambda c: groups.get(c[1], (0, 0))[0] - c[1]):
        group = groups.get(at)
        if group is None:
            continue
        first = data[at + 1 : group[0]].strip()
        budget -= len(first)
        if budget < 0:
            break  # left as the grammar reads them
        if not first or _is_type(first):
            continue  # `new(T)`, `make([]T, n)`: the grammar reads these
        name = data[start : start + (3 if data[start] == 0x6E else 4)]
        if name == b"new" and group[0] == group[1]:
            what, since = "new(expr)", (1, 26)
        else:  # a function of the package that shadows the builtin: Go from the start
            what, since = f"a call of a function named {name.decode()}", None
        found.append(Newer(what, since, start, start + len(name), _MASKS[name]))
    for at in methods:
        group = groups.get(at)
        if group is not None:
            blank = bytes(c if c in b"\r\n" else 0x20 for c in data[at : group[1] + 1])
            found.append(Newer("generic method", (1, 27), at, group[1] + 1, blank))
    return sorted(found, key=lambda n: n.start)


def _groups(data: bytes, opens: set[int]) -> dict[int, tuple[int, int]]:
    """For each bracket at an offset of ``opens``: (where its first element ends: the first
    comma at its level, else its closing bracket; where it closes). One pass over the file."""
    found: dict[int, tuple[int, int]] = {}
    stack: list[list[int]] = []  # [offset of an open bracket, offset of its first comma]
    for m in _LEXEME.finditer(data):
        at = m.start()
        c = data[at]
        if m.end() - at != 1:
            continue  # a comment, string or rune
        if c in b"([{":
            stack.append([at, -1])
        elif c == 0x2C:
            if stack and stack[-1][1] < 0:
                stack[-1][1] = at
        elif stack:
            start, comma = stack.pop()
            if start in opens and _CLOSER[data[start]] == c:  # `[ ... )` is no group
                found[start] = (comma if comma >= 0 else at, at)
    return found


_CLOSER = {0x28: 0x29, 0x5B: 0x5D, 0x7B: 0x7D}


@lru_cache(maxsize=1024)
def _is_type(text: bytes) -> bool:
    """Whether ``text`` parses as a Go type (as the grammar reads `new`'s argument)."""
    return not _parser().parse(b"package p\ntype _ = " + text + b"\n").root_node.has_error


# -- syntax errors ----------------------------------------------------------------------------


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


def syntax_warning(
    errors: list[Node], unread: tuple[Newer, ...], go_version: tuple[int, int] | None
) -> str:
    """What a file's syntax errors (``syntax_errors``, at least one) are, in a sentence:
    syntax newer than the parser reads (named, with its Go release, where it is one of the
    constructs above), or a syntax error in the code."""
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    if unread:  # the parse ran out of time before reading these through
        n = unread[0]
        since = f" (Go {n.since[0]}.{n.since[1]})" if n.since is not None else ""
        return f"{n.what}{since} is syntax {grammar_name()} does not read{more}; analysed around it"
    first = errors[0]
    what = f"syntax error: missing {first.type}" if first.is_missing else "syntax error"
    if go_version is not None and go_version > READS_GO:
        newest = f"{READS_GO[0]}.{READS_GO[1]}"
        return (
            f"{what}{more}, or syntax newer than Go {newest} that goconc does not read yet "
            f"({grammar_name()}); analysed around it"
        )
    return f"{what}{more}; analysed around it"
