"""``--baseline FILE.sarif``: report only findings that a previous SARIF log does not have.

A finding is known when the log has a result with the same rule and file and either the same
``primaryLocationLineHash`` (GitHub's fingerprint: the primary line and what follows it) or
the same ``goconc/v1`` key (rule, file, enclosing function, primary line without whitespace).
Either survives edits elsewhere in the file; the second also survives edits just below the
finding. The file is part of the match, as in GitHub's alert tracking: the line hash alone
repeats across files for boilerplate code, and a new bug in a second file must not hide
behind an old one in the first.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote_to_bytes, urlparse

import attrs

from goconc.analyzer.diagnostics import Diagnostic, RunResult
from goconc.report._common import SourceCache, display_path, escape_name, stable_keys

LINE_HASH = "primaryLocationLineHash"
STABLE_KEY = "goconc/v1"  # as in report/sarif.py


class BaselineError(Exception):
    """The baseline file cannot be read or is not a SARIF log."""


@attrs.frozen
class Baseline:
    # (ruleId, path relative to the root or absolute, fingerprint name, value)
    keys: frozenset[tuple[str, str, str, str]]
    results: int


def load(path: str | os.PathLike[str]) -> Baseline:
    """The findings of a SARIF log. A file that cannot be read, is not JSON, or whose parts
    are not of the types SARIF gives them (results must be an array of objects...) is a
    BaselineError; parts that SARIF makes optional may be missing."""
    try:
        with open(path, encoding="utf-8") as fh:
            log = json.load(fh)
    except OSError as err:
        raise BaselineError(f"cannot read baseline {path}: {err.strerror or err}") from err
    except ValueError as err:  # UnicodeDecodeError too
        raise BaselineError(f"baseline {path} is not JSON: {err}") from err
    except RecursionError as err:
        raise BaselineError(f"baseline {path} is not a SARIF log (nested too deeply)") from err
    if not isinstance(log, dict) or not isinstance(log.get("runs"), list):
        raise BaselineError(f"baseline {path} is not a SARIF log (no runs)")

    def part(value: object, kind: type, where: str, *, optional: bool = True) -> Any:
        if (value is not None or not optional) and not isinstance(value, kind):
            what = "an object" if kind is dict else "an array"
            raise BaselineError(f"baseline {path} is not a SARIF log ({where} is not {what})")
        return value

    keys: set[tuple[str, str, str, str]] = set()
    count = 0
    for i, run in enumerate(log["runs"]):
        run = part(run, dict, f"runs[{i}]", optional=False)
        tool = part(run.get("tool"), dict, f"runs[{i}].tool") or {}
        driver = part(tool.get("driver"), dict, f"runs[{i}].tool.driver") or {}
        rules = part(driver.get("rules"), list, f"runs[{i}].tool.driver.rules") or []
        for j, res in enumerate(part(run.get("results"), list, f"runs[{i}].results") or ()):
            where = f"runs[{i}].results[{j}]"
            res = part(res, dict, where, optional=False)
            prints = part(res.get("partialFingerprints"), dict, f"{where}.partialFingerprints")
            rule_id = _rule_id(res, rules)
            at = _path(res)
            if rule_id is None or at is None or not prints:
                continue
            count += 1
            for name in (LINE_HASH, STABLE_KEY):
                if isinstance(prints.get(name), str):
                    keys.add((rule_id, at, name, prints[name]))
    return Baseline(frozenset(keys), count)


def _rule_id(res: dict[str, object], rules: list[object]) -> str | None:
    rule_id = res.get("ruleId")
    if isinstance(rule_id, str):
        return rule_id
    rule = res.get("rule")
    index = res.get("ruleIndex", rule.get("index") if isinstance(rule, dict) else None)
    if isinstance(index, int) and 0 <= index < len(rules):
        rule = rules[index]
        found = rule.get("id") if isinstance(rule, dict) else None
        return found if isinstance(found, str) else None
    return None


def _path(res: dict[str, object]) -> str | None:
    """The primary location: relative to %SRCROOT% (POSIX), or absolute for file:// URIs."""
    try:
        artifact = res["locations"][0]["physicalLocation"]["artifactLocation"]  # type: ignore[index]
        uri = artifact["uri"]
    except (KeyError, IndexError, TypeError):
        return None
    if not isinstance(uri, str):
        return None
    if uri.startswith("file:"):
        try:
            uri = urlparse(uri).path
        except ValueError:  # `file://[`: not a URL
            return None
    # As display_path writes it: the percent-encoded bytes of a name need not be UTF-8.
    return escape_name(os.fsdecode(unquote_to_bytes(uri)))


def filter_new(result: RunResult, baseline: Baseline) -> tuple[list[Diagnostic], int]:
    """The diagnostics of ``result`` the baseline does not know, and how many it knew."""
    sources = SourceCache(result.contents)
    stable = stable_keys(result, sources)
    new: list[Diagnostic] = []
    known = 0
    for d in result.diagnostics:
        where = display_path(d.span.path, result.root)  # relative under the root
        candidates: Iterable[tuple[str, str, str, str]] = (
            (d.code, where, LINE_HASH, sources.line_hash(d)),
            (d.code, where, STABLE_KEY, stable[id(d)]),
        )
        if d.suppressed_by is None and any(k[3] and k in baseline.keys for k in candidates):
            known += 1
        else:
            new.append(d)
    return new, known
