"""Build constraints: which files of a package can be compiled into one program.

A package's files are not always one program: `x_linux.go` and `x_windows.go`, or files under
`//go:build unix` and `//go:build !unix`, are alternatives, each compiled where the other is
not, and may declare the same function differently (an empty stub on one system). Two files
are *compatible* when some build satisfies both: one GOOS/GOARCH pair of the Go toolchain's
list, one compiler, one Go release, and any choice of the other tags (`cgo`, `race`, a
project's own). The go command's rules are followed (go/build: the file name's `_GOOS`,
`_GOARCH` and `_GOOS_GOARCH` suffixes, before `_test`, and never for a name without a `_`
before them; `//go:build` lines, else `// +build` lines; `linux` also holds on android,
`solaris` on illumos, `darwin` on ios, and `unix` is a tag, never a file suffix).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TypeAlias

import attrs

from goconc.analyzer.packages import leading_comments


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# internal/syslist of the Go toolchain.
KNOWN_OS = frozenset(
    _names(
        "aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 "
        "solaris wasip1 windows zos"
    )
)
UNIX_OS = frozenset(
    _names("aix android darwin dragonfly freebsd hurd illumos ios linux netbsd openbsd solaris")
)
KNOWN_ARCH = frozenset(
    _names(
        "386 amd64 amd64p32 arm armbe arm64 arm64be loong64 mips mipsle mips64 mips64le mips64p32 "
        "mips64p32le ppc ppc64 ppc64le riscv riscv64 s390 s390x sparc sparc64 wasm"
    )
)
# `go tool dist list`: the builds there are.
PLATFORMS = tuple(
    tuple(p.split("/"))
    for p in _names(
        "aix/ppc64 android/386 android/amd64 android/arm android/arm64 darwin/amd64 "
        "darwin/arm64 dragonfly/amd64 freebsd/386 freebsd/amd64 freebsd/arm freebsd/arm64 "
        "illumos/amd64 ios/amd64 ios/arm64 js/wasm linux/386 linux/amd64 linux/arm "
        "linux/arm64 linux/loong64 linux/mips linux/mips64 linux/mips64le linux/mipsle "
        "linux/ppc64 linux/ppc64le linux/riscv64 linux/s390x netbsd/386 netbsd/amd64 "
        "netbsd/arm netbsd/arm64 openbsd/386 openbsd/amd64 openbsd/arm openbsd/arm64 "
        "openbsd/ppc64 openbsd/riscv64 plan9/386 plan9/amd64 plan9/arm solaris/amd64 "
        "wasip1/wasm windows/386 windows/amd64 windows/arm64"
    )
)
_COMPILERS = ("gc", "gccgo")
# GOOS values under which another GOOS's tag holds too.
_ALSO = {"android": "linux", "illumos": "solaris", "ios": "darwin"}
# Beyond this many free tags in a question, the files are taken as compatible.
_MAX_FREE = 10
# Constraint lines longer than this, or with more tags, are taken as no constraint (real
# ones name a few; evaluation recurses through them).
_MAX_EXPRESSION = 4096
_MAX_TAGS = 128
_HEAD_BYTES = 65536  # where the package clause must have started (license headers are short)

# An expression: a tag, or ("!", e), ("&&", a, b), ("||", a, b).
Expr: TypeAlias = "str | tuple[str, Expr] | tuple[str, Expr, Expr]"

_RELEASE = re.compile(r"go1\.(\d+)")
_TOKEN = re.compile(r"\s*(\(|\)|!|&&|\|\||[\w.]+)")


@attrs.frozen(cache_hash=True)
class Constraint:
    """What a file's name and `//go:build` line require of a build; None: nothing."""

    expr: Expr | None = None


NONE = Constraint()


def file_constraint(path: str, data: bytes) -> Constraint:
    """The constraint of the Go file at ``path`` whose bytes are ``data``. Unreadable
    constraint lines, and constraints no build of the list satisfies, are taken as no
    constraint (the file may then be linked with any)."""
    head = data[:_HEAD_BYTES]
    comments = [head[s:e] for s, e in leading_comments(head)[0] if head.startswith(b"//", s)]
    name = path.rsplit("/", 1)[-1]
    parts = [e for e in (_name_constraint(name), _lines_constraint(comments)) if e is not None]
    if not parts:
        return NONE
    expr = parts[0] if len(parts) == 1 else ("&&", parts[0], parts[1])
    found = Constraint(expr)
    return found if compatible(found, NONE) else NONE


def _name_constraint(name: str) -> Expr | None:
    """go/build's goodOSArchFile as an expression."""
    stem = name.split(".", 1)[0]
    if "_" not in stem:
        return None
    parts = stem[stem.index("_") :].split("_")
    if parts[-1] == "test":
        parts = parts[:-1]
    if len(parts) >= 2 and parts[-2] in KNOWN_OS and parts[-1] in KNOWN_ARCH:
        return ("&&", parts[-2], parts[-1])
    if parts and (parts[-1] in KNOWN_OS or parts[-1] in KNOWN_ARCH):
        return parts[-1]
    return None


def _lines_constraint(lines: list[bytes]) -> Expr | None:
    """A `//go:build` line's expression; without one, the `// +build` lines'."""
    plus: list[Expr] = []
    for line in lines:
        line = line.strip()
        if line.startswith(b"//go:build") and line[10:11] in (b" ", b"\t"):
            text = line[11:].decode("utf-8", "replace")
            return _parse(text) if len(text) <= _MAX_EXPRESSION else None
        if line.startswith(b"// +build ") and len(line) <= _MAX_EXPRESSION:
            expr = _plus_build(line[10:].decode("utf-8", "replace"))
            if expr is not None:
                plus.append(expr)
    if not plus:
        return None
    expr = plus[0]
    for e in plus[1:]:
        expr = ("&&", expr, e)
    return expr


def _plus_build(text: str) -> Expr | None:
    """`// +build a,b !c`: an OR of space-separated ANDs of comma-separated terms."""
    options: list[Expr] = []
    if text.count(",") + text.count(" ") >= _MAX_TAGS:
        return None
    for option in text.split():
        terms: list[Expr] = []
        for term in option.split(","):
            negated = term.startswith("!")
            tag = term[1:] if negated else term
            if not tag or not re.fullmatch(r"[\w.]+", tag):
                return None
            terms.append(("!", tag) if negated else tag)
        expr = terms[0]
        for t in terms[1:]:
            expr = ("&&", expr, t)
        options.append(expr)
    if not options:
        return None
    found = options[0]
    for o in options[1:]:
        found = ("||", found, o)
    return found


def _parse(text: str) -> Expr | None:
    """A `//go:build` expression (`||` below `&&` below `!`), or None if malformed."""
    tokens: list[str] = []
    at = 0
    while at < len(text):
        m = _TOKEN.match(text, at)
        if m is None:
            if text[at:].strip():
                return None
            break
        tokens.append(m.group(1))
        at = m.end()
    if len(tokens) > 3 * _MAX_TAGS:
        return None
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def either(depth: int) -> Expr:
        left = both(depth)
        while peek() == "||":
            take()
            left = ("||", left, both(depth))
        return left

    def both(depth: int) -> Expr:
        left = unary(depth)
        while peek() == "&&":
            take()
            left = ("&&", left, unary(depth))
        return left

    def unary(depth: int) -> Expr:
        if depth > 64:
            raise ValueError("nested too deep")
        token = peek()
        if token == "!":
            take()
            return ("!", unary(depth + 1))
        if token == "(":
            take()
            inner = either(depth + 1)
            if peek() != ")":
                raise ValueError("unclosed")
            take()
            return inner
        if token is None or token in (")", "&&", "||"):
            raise ValueError("a tag is missing")
        return take()

    try:
        expr = either(0)
    except ValueError:
        return None
    return expr if pos == len(tokens) else None


# -- satisfiability --------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def compatible(a: Constraint, b: Constraint) -> bool:
    """Whether one build satisfies both constraints: files under them can be linked into
    one program. (Free tags beyond a few: taken as compatible.)"""
    exprs = [e for e in (a.expr, b.expr) if e is not None]
    if not exprs:
        return True
    tags: set[str] = set()
    for e in exprs:
        _tags(e, tags, 0)
    releases = sorted({int(m.group(1)) for t in tags if (m := _RELEASE.fullmatch(t))})
    free = sorted(
        t
        for t in tags
        if t not in KNOWN_OS
        and t not in KNOWN_ARCH
        and t not in _COMPILERS
        and t != "unix"
        and not _RELEASE.fullmatch(t)
    )
    if len(free) > _MAX_FREE:
        return True
    for goos, goarch in PLATFORMS:
        for compiler in _COMPILERS:
            for release in [0, *releases]:  # a release below, at or above each one named
                for bits in range(1 << len(free)):
                    chosen = {t for i, t in enumerate(free) if bits >> i & 1}
                    build = _Build(goos, goarch, compiler, release, frozenset(chosen))
                    if all(build.holds(e) for e in exprs):
                        return True
    return False


def _tags(e: Expr, out: set[str], depth: int) -> None:
    if isinstance(e, str):
        out.add(e)
    elif depth < 200:
        for part in e[1:]:
            _tags(part, out, depth + 1)


@attrs.frozen
class _Build:
    goos: str
    goarch: str
    compiler: str
    release: int  # go1.N holds for N <= release (0: before any named)
    tags: frozenset[str]

    def holds(self, e: Expr) -> bool:
        if isinstance(e, str):
            return self._tag(e)
        if e[0] == "!":
            return not self.holds(e[1])
        if e[0] == "&&":
            return self.holds(e[1]) and self.holds(e[2])  # type: ignore[misc]
        return self.holds(e[1]) or self.holds(e[2])  # type: ignore[misc]

    def _tag(self, tag: str) -> bool:
        if tag in (self.goos, self.goarch, self.compiler) or _ALSO.get(self.goos) == tag:
            return True
        if tag == "unix":
            return self.goos in UNIX_OS
        if tag in KNOWN_OS or tag in KNOWN_ARCH or tag in _COMPILERS:
            return False
        m = _RELEASE.fullmatch(tag)
        if m is not None:
            return int(m.group(1)) <= self.release
        return tag in self.tags
