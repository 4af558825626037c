"""What several reporters share: display paths, source lines, rule lookup, fingerprints."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from goconc.analyzer.diagnostics import Diagnostic, RuleMeta, RunResult
from goconc.analyzer.fileio import read_regular
from goconc.engine.model import MAX_FILE_BYTES

if TYPE_CHECKING:
    from goconc.engine.fingerprint import LineHashes

TOOL_NAME = "goconc"
INFORMATION_URI = "https://github.com/goconc/goconc"

# Line ends as SourceFile splits them, so line numbers agree with the spans.
_LINE_END = re.compile(rb"\r\n|\r|\n")
_BOM = b"\xef\xbb\xbf"
_WHITESPACE = re.compile(r"\s+")


def display_path(path: str, cwd: str) -> str:
    """``path`` relative to ``cwd`` when it lies under it, else absolute; as ``escape_name``
    writes it."""
    return escape_name(relative_path(path, cwd))


def relative_path(path: str, cwd: str) -> str:
    """``path`` relative to ``cwd`` when it lies under it, else unchanged (absolute)."""
    base = cwd.rstrip("/")
    if base and path.startswith(base + "/"):
        return path[len(base) + 1 :]
    if not base and path.startswith("/"):  # cwd is the filesystem root
        return path[1:]
    return path


def escape_name(path: str) -> str:
    """A file name as text that gives back its bytes exactly, for the text, JSON and GitHub
    formats. Python holds a name that is not UTF-8 with surrogate escapes, which no UTF-8
    output can carry: each byte that is not part of valid UTF-8 is written ``\\xNN``, and
    a backslash ``\\\\`` (in every name, so that the escapes cannot be confused with a
    name that contains them). Other names are unchanged. (SARIF percent-encodes instead.)"""
    if "\\" not in path and path.isascii():
        return path
    raw = os.fsencode(path)
    return raw.replace(b"\\", b"\\\\").decode("utf-8", "backslashreplace")


def tool_version(result: RunResult) -> str:
    if result.tool_version:
        return result.tool_version
    # Only when the engine did not say: importlib.metadata is slow to import.
    from importlib import metadata

    try:
        return metadata.version("goconc")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def visible(result: RunResult, include_suppressed: bool) -> list[Diagnostic]:
    """The diagnostics a reporter shows, in a stable order."""
    shown = (d for d in result.diagnostics if include_suppressed or d.suppressed_by is None)
    return sorted(shown, key=Diagnostic.sort_key)


def rules_by_code(rules: Iterable[RuleMeta]) -> dict[str, RuleMeta]:
    return {rule.code: rule for rule in rules}


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


class SourceCache:
    """Files read once per report; a file that cannot be read is remembered as missing."""

    def __init__(self, contents: Mapping[str, bytes] | None = None) -> None:
        """`contents`: files analysed from memory (stdin), read from there, not the disk."""
        self._data: dict[str, bytes | None] = dict(contents or {})
        self._starts: dict[str, list[int]] = {}
        self._hashes: dict[str, LineHashes] = {}

    def data(self, path: str) -> bytes | None:
        """The file's bytes; None unless it is (still) a regular file of at most
        MAX_FILE_BYTES: it may have become a FIFO or a link to a device since analysed."""
        if path not in self._data:
            try:
                self._data[path] = read_regular(path, MAX_FILE_BYTES)
            except OSError:
                self._data[path] = None
        return self._data[path]

    def line(self, path: str, line: int) -> str | None:
        """The text of a 1-based line without its terminator (and BOM), or None."""
        data = self.data(path)
        if data is None or line < 1:
            return None
        starts = self._starts.get(path)
        if starts is None:
            starts = [0, *(m.end() for m in _LINE_END.finditer(data))]
            self._starts[path] = starts
        if line > len(starts):
            return None
        end = starts[line] if line < len(starts) else len(data)
        text = data[starts[line - 1] : end].rstrip(b"\r\n")
        if line == 1 and text.startswith(_BOM):
            text = text[len(_BOM) :]
        return text.decode("utf-8", "replace")

    def line_hash(self, diagnostic: Diagnostic) -> str:
        """The engine's primaryLocationLineHash, else one computed from the file as it is now."""
        if diagnostic.line_hash:
            return diagnostic.line_hash
        path = diagnostic.span.path
        hashes = self._hashes.get(path)
        if hashes is None:
            data = self.data(path)
            if data is None:
                return ""
            from goconc.engine.fingerprint import LineHashes

            hashes = self._hashes[path] = LineHashes(data)
        line = diagnostic.span.line
        return hashes[line - 1] if 0 < line <= len(hashes) else ""


def stable_keys(result: RunResult, sources: SourceCache) -> dict[int, str]:
    """goconc's own fingerprint of every diagnostic, by ``id()``.

    sha256 of the rule, the file (relative to the root), the enclosing function and the primary
    line with all whitespace removed: it survives edits elsewhere in the file (unlike line
    numbers) and re-indentation. The ``:n`` suffix tells apart, in source order, diagnostics
    that share all four; it is counted over every diagnostic, suppressed or not, so including
    suppressed results does not renumber the others.
    """
    keys: dict[int, str] = {}
    seen: dict[str, int] = {}
    for diagnostic in sorted(result.diagnostics, key=Diagnostic.sort_key):
        span = diagnostic.span
        line = sources.line(span.path, span.line) or ""
        path = display_path(span.path, result.root)
        text = "|".join((diagnostic.code, path, diagnostic.function, _WHITESPACE.sub("", line)))
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
        seen[digest] = seen.get(digest, 0) + 1
        keys[id(diagnostic)] = f"{digest}:{seen[digest]}"
    return keys
