"""Human-readable output: ``path:line:col: CODE message``, the source line, related locations.

The first line of each finding is what editor problem matchers parse; everything under it is
indented or behind a ``|`` gutter so that no other line looks like a finding.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from goconc.analyzer.diagnostics import (
    Applicability,
    Diagnostic,
    Notification,
    RunResult,
    Severity,
    Span,
)
from goconc.report._common import SourceCache, display_path, plural, visible

_TAB_WIDTH = 4  # tabs are expanded so that the caret line lines up on any terminal

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_BLUE = "\x1b[34m"
_SEVERITY_COLOR = {
    Severity.ERROR: "\x1b[1;31m",
    Severity.WARNING: "\x1b[1;33m",
    Severity.NOTE: "\x1b[1;36m",
}


class _Paint:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if self.enabled and text else text


def render(
    result: RunResult,
    *,
    color: bool = False,
    verbose: bool = False,
    include_suppressed: bool = False,
    summary: bool = True,
    concise: bool = False,
) -> str:
    """Each finding with its source line, related locations and fixes, a blank line apart;
    `concise`: each finding on its one first line, for long lists."""
    paint = _Paint(color)
    sources = SourceCache(result.contents)
    shown = visible(result, include_suppressed)
    if concise:
        text = "".join(_head(d, result.cwd, paint) + "\n" for d in shown)
        if summary:
            text += paint(_BOLD, _summary(result, include_suppressed)) + "\n"
        return text
    blocks = [_finding(d, result.cwd, sources, paint) for d in shown]
    if summary:
        blocks.append(paint(_BOLD, _summary(result, include_suppressed)) + "\n")
    return "\n".join(blocks)


def render_statistics(
    result: RunResult, *, include_suppressed: bool = False, summary: bool = True
) -> str:
    """One line per rule: how many findings and how many of them `--fix` can fix, most
    frequent first."""
    rows = statistics(result, include_suppressed)
    width = max((len(r["name"] or "") for r in rows), default=4)
    lines = [f"count  code   {'name':<{width}}  fixable"] if rows else []
    for r in rows:
        lines.append(
            f"{r['count']:>5}  {r['code']:<5}  {r['name'] or '':<{width}}  {r['fixable']:>7}"
        )
    if summary:
        lines.append(_summary(result, include_suppressed))
    return "".join(line + "\n" for line in lines)


def statistics(result: RunResult, include_suppressed: bool = False) -> list[dict[str, Any]]:
    """Per rule code: name, count, and how many have a safe fix; by count, then code."""
    names = {rule.code: rule.name for rule in result.rules}
    counts: dict[str, list[int]] = {}
    for d in visible(result, include_suppressed):
        row = counts.setdefault(d.code, [0, 0])
        row[0] += 1
        row[1] += any(f.applicability is Applicability.SAFE for f in d.fixes)
    return [
        {"code": code, "name": names.get(code), "count": count, "fixable": fixable}
        for code, (count, fixable) in sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))
    ]


def format_notification(n: Notification, cwd: str, *, verbose: bool = False) -> str:
    """One line for stderr: ``path:line:col: warning: message`` (the detail only if verbose)."""
    where = "goconc"
    if n.path is not None:
        where = display_path(n.path, cwd)
        if n.line is not None:
            where += f":{n.line}"
            if n.column is not None:
                where += f":{n.column}"
    line = f"{where}: {n.level.value}: {n.message}"
    if verbose and n.detail:
        detail = "\n".join("    " + row for row in n.detail.rstrip("\n").splitlines())
        line += "\n" + detail
    return line


def _head(d: Diagnostic, cwd: str, paint: _Paint) -> str:
    """`path:line:col: CODE message`: the line editors' problem matchers parse."""
    head = f"{paint(_BOLD, _position(d.span, cwd))}: {paint(_SEVERITY_COLOR[d.severity], d.code)}"
    head += f" {d.message}"
    if d.suppressed_by is not None:
        head += paint(_DIM, f" (suppressed: {d.suppressed_by})")
    return head


def _finding(d: Diagnostic, cwd: str, sources: SourceCache, paint: _Paint) -> str:
    span = d.span
    lines = [_head(d, cwd, paint)]
    lines.extend(_snippet(span, sources, paint, _SEVERITY_COLOR[d.severity]))
    for related in d.related:
        lines.append(f"  {_position(related.span, cwd)}: {related.message}")
    for fix in d.fixes:
        lines.append(f"  fix ({fix.applicability.value}): {fix.title}")
    return "\n".join(lines) + "\n"


def _position(span: Span, cwd: str) -> str:
    return f"{display_path(span.path, cwd)}:{span.line}:{span.column}"


def _snippet(span: Span, sources: SourceCache, paint: _Paint, caret_color: str) -> list[str]:
    """The primary line with ``^`` under the span (to the line's end if the span goes on)."""
    text = sources.line(span.path, span.line)
    if text is None:
        return []
    start = _char_index(text, span.column)
    end = _char_index(text, span.end_column) if span.end_line == span.line else len(text)
    shown, cells = _expand(text)
    left = cells[start]
    width = max(cells[max(end, start)] - left, 1)
    number = str(span.line)
    gutter = paint(_BLUE, f"  {number} |")
    blank = paint(_BLUE, f"  {' ' * len(number)} |")
    return [
        f"{gutter} {shown}".rstrip(),
        f"{blank} {' ' * left}{paint(caret_color, '^' * width)}",
    ]


def _char_index(text: str, column: int) -> int:
    """Index in ``text`` of a 1-based UTF-16 column (clamped to the text)."""
    units = 0
    for i, char in enumerate(text):
        if units >= column - 1:
            return i
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text)


def _expand(text: str) -> tuple[str, list[int]]:
    """The line as displayed, and the display cell where each character (and the end) starts."""
    out: list[str] = []
    cells = [0]
    for char in text:
        col = cells[-1]
        if char == "\t":
            shown = " " * (_TAB_WIDTH - col % _TAB_WIDTH)
        elif unicodedata.category(char) == "Cc":
            shown = "\ufffd"  # keep escape sequences in the source out of the terminal
        else:
            shown = char
        out.append(shown)
        cells.append(col + sum(_cell_width(c) for c in shown))
    return "".join(out), cells


def _cell_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _summary(result: RunResult, include_suppressed: bool) -> str:
    reported = [d for d in result.diagnostics if d.suppressed_by is None]
    files = plural(result.files, "file")
    if not reported:
        text = f"No problems found in {files}."
    else:
        counts = [
            plural(sum(d.severity is severity for d in reported), severity.value)
            for severity in Severity
            if any(d.severity is severity for d in reported)
        ]
        text = f"Found {plural(len(reported), 'problem')} ({', '.join(counts)}) in {files}."
    suppressed = len(result.diagnostics) - len(reported)
    if include_suppressed and suppressed:
        text += f" {suppressed} suppressed."
    return text
