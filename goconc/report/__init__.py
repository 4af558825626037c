"""Reporters: one module per output format, imported only when that format is asked for.

Start-up time matters (pre-commit runs goconc on every commit), so this module imports nothing
heavy; sarif-om, json and hashlib load with the format that needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from goconc.analyzer.diagnostics import RunResult

FORMATS = ("text", "json", "sarif", "github")


def render(
    fmt: str,
    result: RunResult,
    *,
    color: bool = False,
    verbose: bool = False,
    include_suppressed: bool = False,
    quiet: bool = False,
) -> str:
    """The whole output of ``goconc check`` in format ``fmt``, ending in a newline (text
    output with ``quiet``: the findings alone, no summary line)."""
    options = {"color": color, "verbose": verbose, "include_suppressed": include_suppressed}
    if fmt == "text":
        from goconc.report import text

        return text.render(result, **options, summary=not quiet)
    if fmt == "json":
        from goconc.report import json

        return json.render(result, **options)
    if fmt == "sarif":
        from goconc.report import sarif

        return sarif.render(result, **options)
    if fmt == "github":
        from goconc.report import github

        return github.render(result, **options)
    raise ValueError(f"unknown output format {fmt!r} (expected one of {', '.join(FORMATS)})")
