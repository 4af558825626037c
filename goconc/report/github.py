"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` per finding.

The runner turns them into annotations on the pull request's diff. Escaping follows the Actions
toolkit (``@actions/core`` command.ts): ``%``, CR and LF in the message; also ``:`` and ``,``
in property values.
"""

from __future__ import annotations

from goconc.analyzer.diagnostics import Diagnostic, NoteLevel, Notification, RunResult, Severity
from goconc.report._common import display_path, plural, visible

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}
_NOTE_COMMAND = {NoteLevel.ERROR: "error", NoteLevel.WARNING: "warning", NoteLevel.NOTE: "notice"}


def render(
    result: RunResult,
    *,
    color: bool = False,
    verbose: bool = False,
    include_suppressed: bool = False,
) -> str:
    lines = [_finding(d, result.root) for d in visible(result, include_suppressed)]
    lines.extend(_notification(n, result.root) for n in result.notifications)
    # A plain log line, not a command: the job log says what was checked even when clean.
    reported = sum(d.suppressed_by is None for d in result.diagnostics)
    lines.append(
        f"goconc: {plural(reported, 'problem')} in {plural(result.files, 'file')}."
        if reported
        else f"goconc: no problems found in {plural(result.files, 'file')}."
    )
    return "\n".join(lines) + "\n"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: dict[str, str | int], message: str) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return (
        f"::{name} {props}::{escape_data(message)}"
        if props
        else f"::{name}::{escape_data(message)}"
    )


def _finding(d: Diagnostic, cwd: str) -> str:
    span = d.span
    title = d.code
    name = _COMMAND[d.severity]
    if d.suppressed_by is not None:  # only with --include-suppressed: never fail the check
        name, title = "notice", f"{d.code} (suppressed: {d.suppressed_by})"
    # The annotation body may hold several lines: related locations and fixes follow.
    body = [d.message]
    for related in d.related:
        r = related.span
        body.append(f"{display_path(r.path, cwd)}:{r.line}:{r.column}: {related.message}")
    body.extend(f"fix ({fix.applicability.value}): {fix.title}" for fix in d.fixes)
    properties: dict[str, str | int] = {
        "file": display_path(span.path, cwd),
        "line": span.line,
        "col": span.column,
        "endLine": span.end_line,
        "endColumn": span.end_column,
        "title": title,
    }
    return command(name, properties, "\n".join(body))


def _notification(n: Notification, cwd: str) -> str:
    properties: dict[str, str | int] = {}
    if n.path is not None:
        properties["file"] = display_path(n.path, cwd)
        if n.line is not None:
            properties["line"] = n.line
            if n.column is not None:
                properties["col"] = n.column
    properties["title"] = "goconc"
    return command(_NOTE_COMMAND[n.level], properties, n.message)
