"""Diagnostics, notifications and folder results as JSON values, and back.

What is stored on disk (the result cache) is plain data that cannot execute anything, and
is read back strictly: every field is checked for its type and range, and anything else
(an unknown or missing key, a string where a number belongs, a span that ends before it
starts) raises ``CodecError``, so that a damaged or forged record is rejected whole rather
than half-believed. The encoders and decoders are per object, so that any cache layout
(per folder, per file, per function) can use them.

Spans are arrays, ``[path, line, column, end_line, end_column, start_byte, end_byte]``,
the rest objects with the attribute names as keys.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, TypeVar

from goconc.analyzer.diagnostics import (
    Applicability,
    Diagnostic,
    Edit,
    Fix,
    NoteLevel,
    Notification,
    Related,
    Severity,
    Span,
)
from goconc.engine.model import FolderResult

Json = Any  # what json.loads gives
_T = TypeVar("_T")
_E = TypeVar("_E", bound=enum.Enum)


class CodecError(ValueError):
    """A JSON value that is not the encoding of what was asked for."""


# -- encoding -------------------------------------------------------------------------------


def span_to_json(span: Span) -> Json:
    return [
        span.path,
        span.line,
        span.column,
        span.end_line,
        span.end_column,
        span.start_byte,
        span.end_byte,
    ]


def _related_to_json(r: Related) -> Json:
    return {"span": span_to_json(r.span), "message": r.message}


def _fix_to_json(fix: Fix) -> Json:
    return {
        "title": fix.title,
        "edits": [{"span": span_to_json(e.span), "text": e.text} for e in fix.edits],
        "applicability": fix.applicability.value,
    }


def diagnostic_to_json(d: Diagnostic) -> Json:
    return {
        "code": d.code,
        "message": d.message,
        "span": span_to_json(d.span),
        "severity": d.severity.value,
        "related": [_related_to_json(r) for r in d.related],
        "fixes": [_fix_to_json(f) for f in d.fixes],
        "flows": [[_related_to_json(r) for r in flow] for flow in d.flows],
        "function": d.function,
        "line_hash": d.line_hash,
        "suppressed_by": d.suppressed_by,
    }


def notification_to_json(n: Notification) -> Json:
    return {
        "level": n.level.value,
        "message": n.message,
        "path": n.path,
        "line": n.line,
        "column": n.column,
        "rule": n.rule,
        "detail": n.detail,
        "crash": n.crash,
    }


def result_to_json(result: FolderResult) -> Json:
    return {
        "diagnostics": [diagnostic_to_json(d) for d in result.diagnostics],
        "notifications": [notification_to_json(n) for n in result.notifications],
        "files": result.files,
        "packages": result.packages,
    }


# -- decoding -------------------------------------------------------------------------------


def _fields(value: Json, keys: tuple[str, ...], what: str) -> dict[str, Json]:
    if not isinstance(value, dict) or sorted(value) != sorted(keys):
        raise CodecError(f"not a {what}")
    return value


def _str(value: Json) -> str:
    if not isinstance(value, str):
        raise CodecError("expected a string")
    return value


def _opt_str(value: Json) -> str | None:
    return None if value is None else _str(value)


def _int(value: Json, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise CodecError(f"expected an integer of at least {least}")
    return value


def _opt_int(value: Json, least: int) -> int | None:
    return None if value is None else _int(value, least)


def _bool(value: Json) -> bool:
    if not isinstance(value, bool):
        raise CodecError("expected true or false")
    return value


def _enum(kind: type[_E], value: Json) -> _E:
    try:
        return kind(_str(value))
    except ValueError as err:
        raise CodecError(f"not a {kind.__name__}") from err


def _tuple(value: Json, item: Callable[[Json], _T]) -> tuple[_T, ...]:
    if not isinstance(value, list):
        raise CodecError("expected an array")
    return tuple(item(v) for v in value)


def span_from_json(value: Json) -> Span:
    if not isinstance(value, list) or len(value) != 7:
        raise CodecError("not a span")
    path = _str(value[0])
    line, column, end_line, end_column = (_int(v, 1) for v in value[1:5])
    start, end = _int(value[5], 0), _int(value[6], 0)
    if end < start:
        raise CodecError("a span that ends before it starts")
    return Span(path, line, column, end_line, end_column, start, end)


def _related_from_json(value: Json) -> Related:
    fields = _fields(value, ("span", "message"), "related location")
    return Related(span_from_json(fields["span"]), _str(fields["message"]))


def _edit_from_json(value: Json) -> Edit:
    fields = _fields(value, ("span", "text"), "edit")
    return Edit(span_from_json(fields["span"]), _str(fields["text"]))


def _fix_from_json(value: Json) -> Fix:
    fields = _fields(value, ("title", "edits", "applicability"), "fix")
    return Fix(
        _str(fields["title"]),
        _tuple(fields["edits"], _edit_from_json),
        _enum(Applicability, fields["applicability"]),
    )


_DIAGNOSTIC_KEYS = (
    "code",
    "message",
    "span",
    "severity",
    "related",
    "fixes",
    "flows",
    "function",
    "line_hash",
    "suppressed_by",
)


def diagnostic_from_json(value: Json) -> Diagnostic:
    fields = _fields(value, _DIAGNOSTIC_KEYS, "diagnostic")
    return Diagnostic(
        code=_str(fields["code"]),
        message=_str(fields["message"]),
        span=span_from_json(fields["span"]),
        severity=_enum(Severity, fields["severity"]),
        related=_tuple(fields["related"], _related_from_json),
        fixes=_tuple(fields["fixes"], _fix_from_json),
        flows=_tuple(fields["flows"], lambda flow: _tuple(flow, _related_from_json)),
        function=_str(fields["function"]),
        line_hash=_str(fields["line_hash"]),
        suppressed_by=_opt_str(fields["suppressed_by"]),
    )


_NOTIFICATION_KEYS = ("level", "message", "path", "line", "column", "rule", "detail", "crash")


def notification_from_json(value: Json) -> Notification:
    fields = _fields(value, _NOTIFICATION_KEYS, "notification")
    return Notification(
        level=_enum(NoteLevel, fields["level"]),
        message=_str(fields["message"]),
        path=_opt_str(fields["path"]),
        line=_opt_int(fields["line"], 1),
        column=_opt_int(fields["column"], 1),
        rule=_opt_str(fields["rule"]),
        detail=_str(fields["detail"]),
        crash=_bool(fields["crash"]),
    )


def result_from_json(value: Json) -> FolderResult:
    fields = _fields(value, ("diagnostics", "notifications", "files", "packages"), "result")
    return FolderResult(
        _tuple(fields["diagnostics"], diagnostic_from_json),
        _tuple(fields["notifications"], notification_from_json),
        _int(fields["files"], 0),
        _int(fields["packages"], 0),
    )
