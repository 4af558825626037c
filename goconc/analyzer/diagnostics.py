"""What rules report: diagnostics with spans, related locations and fixes.

Everything here is frozen and picklable, so results cross process boundaries unchanged
(the cache stores them as JSON: engine/codec.py).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


class Applicability(enum.Enum):
    SAFE = "safe"  # keeps behaviour; applied by --fix
    UNSAFE = "unsafe"  # may change behaviour; needs --unsafe-fixes


@attrs.frozen
class Span:
    """A range in a file: 1-based lines, 1-based UTF-16 columns (end exclusive), and bytes."""

    path: str  # absolute, symlinks resolved, POSIX separators
    line: int
    column: int
    end_line: int
    end_column: int
    start_byte: int
    end_byte: int


@attrs.frozen
class Related:
    span: Span
    message: str


@attrs.frozen
class Edit:
    """Replace ``span`` (bytes of the unmodified file) by ``text``; an empty span inserts."""

    span: Span
    text: str


@attrs.frozen
class Fix:
    title: str  # a verb phrase: "Move wg.Add(1) before the go statement"
    edits: tuple[Edit, ...]
    applicability: Applicability


@attrs.frozen
class Diagnostic:
    code: str
    message: str
    span: Span
    severity: Severity
    related: tuple[Related, ...] = ()
    fixes: tuple[Fix, ...] = ()
    # Thread flows for multi-site bugs (lock-order cycles): one tuple of steps per goroutine path.
    flows: tuple[tuple[Related, ...], ...] = ()
    function: str = ""  # enclosing function, for stable fingerprints
    line_hash: str = ""  # SARIF primaryLocationLineHash, filled in by the engine
    suppressed_by: str | None = None  # the justification of a matching //goconc:ignore

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.span.path, self.span.line, self.span.column, self.code)


class NoteLevel(enum.Enum):
    """Levels of tool notifications (SARIF toolExecutionNotifications)."""

    ERROR = "error"  # the file could not be read, or the analysis crashed on it
    WARNING = "warning"  # syntax errors, invalid UTF-8, skipped files
    NOTE = "note"


@attrs.frozen
class Notification:
    """Something the tool has to say about its own run rather than about the code."""

    level: NoteLevel
    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    rule: str | None = None  # set when a rule crashed
    detail: str = ""  # traceback, shown with --verbose
    crash: bool = False  # a bug of ours: the run is incomplete, exit 2


@attrs.frozen
class RuleMeta:
    """A rule's identity and documentation, as the registry, reporters and docs see it."""

    code: str  # WG001
    name: str  # waitgroup-add-in-goroutine
    summary: str  # one sentence: SARIF shortDescription, `goconc rules`
    severity: Severity
    tags: tuple[str, ...] = ("concurrency",)
    # SARIF's very-high | high | medium | low, as measured on real code (docs/precision.md)
    precision: str = "high"
    # The opt-in tier: off unless `--preview` is given or the code is selected by name. Rules
    # whose measured precision on real code is below the default tier's bar live here.
    preview: bool = False
    fix: Applicability | None = None  # the best fix the rule can offer
    docs: str = ""  # Markdown: What it does / Why is this bad? / Example / Use instead / ...
    # The keys its `[rules.CODE]` table may hold (documented in `docs`); any other is refused.
    options: tuple[str, ...] = ()

    @property
    def help_uri(self) -> str:
        return f"https://github.com/goconc/goconc/blob/main/docs/rules/{self.code}.md"


@attrs.frozen
class RunResult:
    """Everything one `goconc check` produced; what every reporter renders."""

    diagnostics: tuple[Diagnostic, ...]
    notifications: tuple[Notification, ...]
    rules: tuple[RuleMeta, ...]  # the enabled rules
    root: str  # absolute POSIX path of the repository root (SARIF %SRCROOT%)
    cwd: str  # absolute POSIX path that text/json/github paths are relative to
    files: int = 0
    packages: int = 0
    seconds: float = 0.0
    tool_version: str = ""
    # Files analysed from memory rather than disk (`goconc check -`): path -> the bytes the
    # reporters quote and fingerprint instead of what the disk holds.
    contents: Mapping[str, bytes] = attrs.field(factory=dict, eq=False)
