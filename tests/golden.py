"""Helpers shared by the tests: run goconc in-process on a folder, read `// want` comments."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import attrs

from goconc.analyzer.diagnostics import Diagnostic
from goconc.analyzer.packages import discover
from goconc.engine.model import Settings
from goconc.engine.runner import analyze_folder

_WANT = re.compile(r"//\s*(?P<kind>want|todo-want|todo-ok)(?:\s+\+(?P<offset>\d+))?(?P<rest>.*)$")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


@attrs.frozen
class Expectation:
    path: str
    line: int
    code: str
    pattern: str  # a regexp the message must match ("" = any)
    todo: bool


def analyze(folder: Path, codes: Iterable[str], *, fingerprints: bool = False) -> list[Diagnostic]:
    """Every diagnostic of the selected codes for the packages directly in ``folder``."""
    found = discover([str(folder)], cwd=str(folder))
    settings = Settings(enabled=frozenset(codes), fingerprints=fingerprints)
    out: list[Diagnostic] = []
    for job in found.jobs:
        if Path(job.folder) != folder.resolve():
            continue
        result = analyze_folder(job, settings)
        crashes = [n for n in result.notifications if n.crash]
        assert not crashes, crashes[0].detail
        out.extend(result.diagnostics)
    return sorted(out, key=lambda d: d.sort_key())


def expectations(folder: Path) -> tuple[list[Expectation], set[tuple[str, int]]]:
    """The `// want` expectations of the .go files directly in ``folder``, and the lines
    marked `// todo-ok` (known false positives, tolerated)."""
    wants: list[Expectation] = []
    tolerated: set[tuple[str, int]] = set()
    for path in sorted(folder.glob("*.go")):
        resolved = str(path.resolve())
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = _WANT.search(line)
            if m is None:
                continue
            target = number + int(m.group("offset") or 0)
            if m.group("kind") == "todo-ok":
                tolerated.add((resolved, target))
                continue
            for spec in _QUOTED.findall(m.group("rest")):
                code, _, pattern = spec.partition(":")
                wants.append(
                    Expectation(
                        resolved,
                        target,
                        code.strip(),
                        pattern.strip(),
                        m.group("kind") == "todo-want",
                    )
                )
    return wants, tolerated


def check_folder(folder: Path, code: str) -> list[str]:
    """Problems (unexpected or missing diagnostics) for one testdata package folder."""
    diagnostics = [d for d in analyze(folder, [code]) if d.code == code]
    wants, tolerated = expectations(folder)
    problems: list[str] = []
    unmatched = list(diagnostics)
    for want in wants:
        if want.code != code:
            continue
        match = next(
            (
                d
                for d in unmatched
                if d.span.path == want.path
                and d.span.line == want.line
                and re.search(want.pattern, d.message)
            ),
            None,
        )
        if match is not None:
            unmatched.remove(match)
        elif not want.todo:
            problems.append(f"{Path(want.path).name}:{want.line}: missing {code} /{want.pattern}/")
    for d in unmatched:
        if (d.span.path, d.span.line) in tolerated:
            continue
        todo = any(w.todo and (w.path, w.line) == (d.span.path, d.span.line) for w in wants)
        if not todo:
            problems.append(
                f"{Path(d.span.path).name}:{d.span.line}: unexpected {d.code} {d.message}"
            )
    return problems
