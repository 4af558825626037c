"""In-source suppressions: `//goconc:ignore CODE[,CODE] reason` and
`//goconc:file-ignore CODE[,CODE] reason`.

`ignore` silences the listed rules on its own line (a trailing comment) and on the line below
(a comment of its own); `file-ignore`, anywhere in a file (by convention at its top), in the
whole file, as staticcheck's `//lint:file-ignore`. The reason is required, as staticcheck
requires it: a suppression nobody can explain is how real bugs get hidden. Directives
without a reason, naming unknown codes, or silencing nothing are themselves reported, each
under its own code, so stale suppressions do not pile up.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

import attrs
from tree_sitter import Query, QueryCursor

from goconc.analyzer.diagnostics import Diagnostic, RuleMeta, Severity, Span
from goconc.analyzer.parse import go_language
from goconc.analyzer.source import SourceFile

MARKERS = (b"goconc:ignore", b"goconc:file-ignore")
_DIRECTIVE = re.compile(r"^//\s*goconc:(?P<kind>ignore|file-ignore)(?P<rest>.*)$", re.S)
_CODE = re.compile(r"^[A-Z]+[0-9]+$")

IGNORE_WITHOUT_REASON = RuleMeta(
    code="GC001",
    name="ignore-without-reason",
    summary="A //goconc:ignore or //goconc:file-ignore directive gives no reason.",
    severity=Severity.WARNING,
    tags=("maintainability",),
    precision="very-high",
    docs="""## What it does
Flags a `//goconc:ignore CODE` (or `//goconc:file-ignore CODE`) directive that does not say
why the finding is wrong or acceptable. The directive still suppresses the finding.

## Why is this bad?
A suppression nobody can explain is how real deadlocks get hidden. The next reader needs to
know what makes this case safe.

## Example
```go
mu.Lock() //goconc:ignore MU003
```

Use instead:
```go
mu.Lock() //goconc:ignore MU003 unlocked by the caller, see finish()
```
""",
)
UNUSED_IGNORE = RuleMeta(
    code="GC002",
    name="unused-ignore",
    summary="A //goconc:ignore or //goconc:file-ignore directive suppresses nothing.",
    severity=Severity.WARNING,
    tags=("maintainability",),
    precision="very-high",
    docs="""## What it does
Flags a `//goconc:ignore CODE reason` directive when rule CODE (enabled in this run) reports
nothing on the directive's line or the line below it, and a `//goconc:file-ignore CODE
reason` directive when CODE reports nothing in the whole file.

## Why is this bad?
Stale suppressions hide the next real finding on that line and mislead readers.

## Example
```go
//goconc:ignore WG001 the goroutine is counted elsewhere
wg.Add(1) // the Add has since moved out of the goroutine
```

Use instead: delete the directive.
""",
)
INVALID_IGNORE = RuleMeta(
    code="GC003",
    name="invalid-ignore",
    summary="A //goconc:ignore or //goconc:file-ignore directive names no code or an unknown code.",
    severity=Severity.ERROR,
    tags=("maintainability",),
    precision="very-high",
    docs="""## What it does
Flags a `//goconc:ignore` or `//goconc:file-ignore` directive that names no rule code, or a
code goconc does not have.

## Why is this bad?
A misspelt code suppresses nothing, so the finding it was meant for is still reported, or
the directive outlives the rule it named.

## Example
```go
wg.Add(1) //goconc:ignore WG01 counted by the caller
```

Use instead:
```go
wg.Add(1) //goconc:ignore WG001 counted by the caller
```
""",
)
META_RULES = (IGNORE_WITHOUT_REASON, UNUSED_IGNORE, INVALID_IGNORE)

_COMMENTS = Query(go_language(), "(comment) @c")


@attrs.define
class Directive:
    span: Span
    line: int
    codes: tuple[str, ...]
    reason: str
    whole_file: bool = False  # //goconc:file-ignore
    used: set[str] = attrs.Factory(set)

    @property
    def name(self) -> str:
        return "//goconc:file-ignore" if self.whole_file else "//goconc:ignore"


def parse_directives(file: SourceFile) -> list[Directive]:
    if not any(marker in file.data for marker in MARKERS):
        return []
    found: list[Directive] = []
    for node in QueryCursor(_COMMENTS).captures(file.root).get("c", []):
        m = _DIRECTIVE.match(file.text(node))
        if m is None:
            continue
        rest = m.group("rest").strip()
        codes_text, _, reason = rest.partition(" ")
        codes = tuple(c.strip() for c in codes_text.split(",") if c.strip())
        span = file.node_span(node)
        whole_file = m.group("kind") == "file-ignore"
        found.append(Directive(span, span.line, codes, reason.strip(), whole_file))
    return found


def apply(
    file: SourceFile,
    diagnostics: Iterable[Diagnostic],
    known_codes: Collection[str],
    enabled_codes: Collection[str],
) -> list[Diagnostic]:
    """Mark suppressed diagnostics and add the directive diagnostics (GC001-GC003)."""
    directives = parse_directives(file)
    if not directives:
        return list(diagnostics)
    by_line: dict[int, list[Directive]] = {}
    whole_file = [d for d in directives if d.whole_file]
    for d in directives:
        if not d.whole_file:
            by_line.setdefault(d.line, []).append(d)
            by_line.setdefault(d.line + 1, []).append(d)
    out: list[Diagnostic] = []
    for diag in diagnostics:
        for d in [*by_line.get(diag.span.line, ()), *whole_file]:
            if diag.code in d.codes:
                d.used.add(diag.code)
                diag = attrs.evolve(diag, suppressed_by=d.reason or "(no reason given)")
                break
        out.append(diag)
    for d in directives:
        out.extend(_directive_problems(d, known_codes, enabled_codes))
    return out


def _directive_problems(
    d: Directive, known_codes: Collection[str], enabled_codes: Collection[str]
) -> list[Diagnostic]:
    problems: list[Diagnostic] = []

    def report(meta: RuleMeta, message: str) -> None:
        if meta.code in enabled_codes:
            problems.append(Diagnostic(meta.code, message, d.span, meta.severity))

    unknown = [c for c in d.codes if not _CODE.match(c) or c not in known_codes]
    if not d.codes:
        report(INVALID_IGNORE, f"{d.name} names no rule code")
    elif unknown:
        report(INVALID_IGNORE, f"{d.name} names unknown rule code {', '.join(unknown)}")
    if d.codes and not d.reason:
        report(IGNORE_WITHOUT_REASON, f"{d.name} {','.join(d.codes)} gives no reason")
    unused = [c for c in d.codes if c in enabled_codes and c not in d.used and c not in unknown]
    if unused:
        where = "in this file" if d.whole_file else "here"
        report(UNUSED_IGNORE, _unused_message(d.name, unused, where))
    return problems


def _unused_message(name: str, codes: Iterable[str], where: str) -> str:
    return f"{name} {', '.join(codes)} suppresses nothing {where}"


_UNUSED = re.compile(
    r"^(?P<name>//goconc:(?:file-)?ignore) (?P<codes>[A-Z0-9, ]+) suppresses nothing "
    r"(?P<where>here|in this file)$"
)


def narrow(diagnostics: Iterable[Diagnostic], enabled: Collection[str]) -> list[Diagnostic]:
    """The findings (``apply``'s, for a wider selection of rules) that a run with only the
    ``enabled`` codes reports: the other rules' go, and a GC002 names only the enabled codes
    that its directive suppresses nothing of (it goes when none is left)."""
    out: list[Diagnostic] = []
    for d in diagnostics:
        if d.code not in enabled:
            continue
        m = _UNUSED.match(d.message) if d.code == UNUSED_IGNORE.code else None
        if m is not None:
            codes = [c for c in m.group("codes").split(", ") if c in enabled]
            if not codes:
                continue
            d = attrs.evolve(d, message=_unused_message(m["name"], codes, m["where"]))
        out.append(d)
    return out
