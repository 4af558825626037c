"""Machine-readable output with a stable, versioned schema (documented in docs/output.md).

Keys are only ever added within a schema version; a change to an existing key's meaning or
type bumps ``version``.
"""

from __future__ import annotations

import json
from typing import Any

from goconc.analyzer.diagnostics import Notification, RunResult, Span
from goconc.report._common import (
    TOOL_NAME,
    SourceCache,
    display_path,
    rules_by_code,
    tool_version,
    visible,
)

SCHEMA_VERSION = 1


def render(
    result: RunResult,
    *,
    color: bool = False,
    verbose: bool = False,
    include_suppressed: bool = False,
) -> str:
    return json.dumps(document(result, verbose, include_suppressed), indent=2) + "\n"


def document(result: RunResult, verbose: bool, include_suppressed: bool) -> dict[str, Any]:
    rules = rules_by_code(result.rules)
    sources = SourceCache(result.contents)
    cwd = result.cwd
    findings = []
    for d in visible(result, include_suppressed):
        rule = rules.get(d.code)
        findings.append(
            {
                "code": d.code,
                "name": rule.name if rule else None,
                "level": d.severity.value,
                **_position(d.span, cwd),
                "message": d.message,
                "related": [{**_position(r.span, cwd), "message": r.message} for r in d.related],
                "fixes": [
                    {
                        "title": fix.title,
                        "applicability": fix.applicability.value,
                        "edits": [{**_position(e.span, cwd), "text": e.text} for e in fix.edits],
                    }
                    for fix in d.fixes
                ],
                "fingerprint": sources.line_hash(d) or None,
                "suppressed": d.suppressed_by,
            }
        )
    reported = sum(d.suppressed_by is None for d in result.diagnostics)
    return {
        "version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": tool_version(result)},
        "findings": findings,
        "notifications": [_notification(n, cwd, verbose) for n in result.notifications],
        "summary": {
            "files": result.files,
            "packages": result.packages,
            "findings": reported,
            "suppressed": len(result.diagnostics) - reported,
            "seconds": round(result.seconds, 3),
        },
    }


def _position(span: Span, cwd: str) -> dict[str, Any]:
    return {
        "path": display_path(span.path, cwd),
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
    }


def _notification(n: Notification, cwd: str, verbose: bool) -> dict[str, Any]:
    return {
        "level": n.level.value,
        "message": n.message,
        "path": display_path(n.path, cwd) if n.path is not None else None,
        "line": n.line,
        "column": n.column,
        "rule": n.rule,
        "crash": n.crash,
        "detail": n.detail if verbose else "",
    }
