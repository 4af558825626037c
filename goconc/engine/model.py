"""What a run is asked (Settings) and what one folder gives back (FolderResult).

Plain values, pickled to and from the worker processes, keyed by the cache and stored by it
(as JSON: engine/codec.py); a module of their own so that the cache and the runner, which
both need them, do not import each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from goconc.analyzer.diagnostics import Diagnostic, Notification

PARSE_TIMEOUT = 10.0  # seconds per large file, unless configured; 0 turns the budget off
ANALYSIS_TIMEOUT = 60.0  # seconds per file, unless configured; 0 turns the budget off
MAX_FILE_BYTES = 64 << 20  # larger .go files are generated data, not code to lint
# In the note on work whose time budget ran out (its findings are skipped): such a result
# depends on all the work of the run, and is never narrowed (cache.narrow).
OVER_BUDGET = "took longer than"


@attrs.frozen
class Settings:
    enabled: frozenset[str]
    rule_options: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)
    parse_timeout: float = PARSE_TIMEOUT
    analysis_timeout: float = ANALYSIS_TIMEOUT
    fingerprints: bool = False  # compute SARIF primaryLocationLineHash
    default_go_version: tuple[int, int] | None = None  # for folders without a go.mod


@attrs.frozen
class FolderResult:
    diagnostics: tuple[Diagnostic, ...]
    notifications: tuple[Notification, ...]
    files: int
    packages: int
