"""Reporters: one module per output format, imported only when that format is asked for.

Start-up time matters (pre-commit runs goconc on every commit), so this module imports nothing
heavy; sarif-om, json and hashlib load with the format that needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from goconc.analyzer.diagnostics import RunResult

FORMATS = ("text", "concise", "json", "sarif", "github")
STATISTICS_FORMATS = ("text", "concise", "json")  # the formats --statistics has a shape in


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
    if fmt in ("text", "concise"):
        from goconc.report import text

        return text.render(result, **options, summary=not quiet, concise=fmt == "concise")
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


def render_statistics(
    fmt: str, result: RunResult, *, include_suppressed: bool = False, quiet: bool = False
) -> str:
    """`--statistics`: findings counted per rule, in text (and concise) or JSON."""
    from goconc.report import text

    if fmt == "json":
        import json

        return json.dumps(text.statistics(result, include_suppressed), indent=2) + "\n"
    if fmt in ("text", "concise"):
        return text.render_statistics(
            result, include_suppressed=include_suppressed, summary=not quiet
        )
    raise ValueError(f"--statistics has no {fmt} output (expected one of {STATISTICS_FORMATS})")
