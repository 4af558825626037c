"""Applying fixes: ``goconc check --fix``, ``--unsafe-fixes`` and ``--diff``.

A fix's edits are byte ranges of the file *as the engine read it*. The engine keeps no bytes,
so a file that changed between the analysis and our write would be corrupted by them. Each
round therefore brackets the analysis with a stamp of every file of the analysed folders:

* before the analysis: sha256 of the bytes and the stat tuple (dev, inode, size, mtime_ns,
  ctime_ns);
* when fixing: the bytes are read again and must hash the same, and the stat tuple must be
  unchanged. Equal content at both ends and no write in between (ctime cannot be set back
  with ``os.utime``) means the engine read exactly these bytes;
* when writing: the file is opened (never following a symlink) and its stat tuple is checked
  on the open file, then the new bytes are written into it, in place: the file keeps its
  inode, so its owner, mode, hard links and extended attributes stay as they were (a
  rename would give `--fix` run as root a root-owned file, and break hard links).

A file that fails the check is not touched, and is reported. Re-checking each edit's deleted
text instead would not be enough: an Edit does not say what text it expects to delete (an
insertion deletes nothing), and a change elsewhere in the file shifts every offset while
leaving the deleted text itself intact.

Fixes are applied in the order of their diagnostics (path, line, column, code). A fix whose
edits overlap or touch an edit already accepted in this round is skipped; the next round
re-analyses the changed folders and offers it again, against the new text. Rounds repeat
until nothing is left to apply, at most ``MAX_ROUNDS`` times. Only the folders whose files
changed are re-analysed (in a scratch copy): a folder's result depends on its own files only.

Files are written once, after the last round, and only when their fixes converged. A fix
whose finding comes back at the same place (same rule, same offset once the round's edits
are accounted for) did not clear it: applying it again would repeat its edit forever (a
second `defer wg.Done()`, then a third). Such a file, and one still being fixed when the
rounds run out, is left as it was and reported in a warning.

With ``dry_run`` (``--diff``) nothing is written; the result is a unified diff from the
original to the final bytes: lines split on LF alone (as `patch` splits them), the bytes as
they are (invalid UTF-8 included), the file names as their bytes, so that `patch -p0`
applies it.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import itertools
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from goconc.analyzer.diagnostics import (
    Applicability,
    Diagnostic,
    Edit,
    Fix,
    NoteLevel,
    Notification,
    Related,
    Span,
)
from goconc.analyzer.fileio import read_regular
from goconc.engine.model import MAX_FILE_BYTES

if TYPE_CHECKING:
    from goconc.analyzer.packages import FolderJob
    from goconc.engine.cache import FolderCache
    from goconc.engine.model import Settings

MAX_ROUNDS = 5
_UNCHANGED = "the file was left unchanged"

_StatTuple = tuple[int, int, int, int, int]


@attrs.frozen
class Stamp:
    """What a file was when it was last looked at: its content hash and stat tuple."""

    digest: bytes
    stat: _StatTuple


@attrs.frozen
class FixRun:
    """The outcome of the fix rounds, and the findings of the final analysis."""

    diagnostics: tuple[Diagnostic, ...]  # what remains after the last round (keep() applied)
    notifications: tuple[Notification, ...]
    files: int
    packages: int
    fixed: int  # problems fixed (with dry_run: that would be fixed)
    changed: tuple[str, ...]  # files written (with dry_run: that would be), sorted
    diff: bytes  # unified diff of every changed file, original to final bytes
    converged: bool  # False when fixes were still applicable after MAX_ROUNDS


def _stat_tuple(st: os.stat_result) -> _StatTuple:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def read_stamped(path: str) -> tuple[bytes, Stamp] | None:
    """The file's bytes and a stamp taken around the read (None: unreadable, no longer a
    regular file, or changing)."""
    try:
        before = _stat_tuple(os.stat(path))
        data = read_regular(path, MAX_FILE_BYTES)
        after = _stat_tuple(os.stat(path))
    except OSError:
        return None
    if before != after:  # written while we read it
        return None
    return data, Stamp(hashlib.sha256(data).digest(), after)


def stamp_files(paths: Iterable[str]) -> dict[str, Stamp]:
    stamps: dict[str, Stamp] = {}
    for path in paths:
        found = read_stamped(path)
        if found is not None:
            stamps[path] = found[1]
    return stamps


def candidates(diagnostics: Iterable[Diagnostic], unsafe: bool) -> list[tuple[Diagnostic, Fix]]:
    """The first allowed fix of every unsuppressed diagnostic, in diagnostic order."""
    allowed = {Applicability.SAFE, Applicability.UNSAFE} if unsafe else {Applicability.SAFE}
    out: list[tuple[Diagnostic, Fix]] = []
    for d in sorted(diagnostics, key=Diagnostic.sort_key):
        if d.suppressed_by is not None:
            continue
        fix = next((f for f in d.fixes if f.applicability in allowed and f.edits), None)
        if fix is not None:
            out.append((d, fix))
    return out


def _valid(edit: Edit, data: bytes) -> bool:
    start, end = edit.span.start_byte, edit.span.end_byte
    if not 0 <= start <= end <= len(data):
        return False
    # An offset inside a UTF-8 sequence means the offsets were not computed on these bytes.
    return all(i == len(data) or data[i] & 0xC0 != 0x80 for i in (start, end))


def plan(
    fixes: Iterable[tuple[Diagnostic, Fix]], contents: Mapping[str, bytes]
) -> list[tuple[Diagnostic, Fix]]:
    """The fixes to apply together: every file readable and verified, no two fixes touching.

    A later fix whose range overlaps or touches an accepted one is skipped (two insertions at
    one offset would otherwise come out in an arbitrary order); it is retried next round.
    """
    taken: dict[str, list[tuple[int, int]]] = {}
    accepted: list[tuple[Diagnostic, Fix]] = []
    for d, fix in fixes:
        ranges = [(e.span.path, e.span.start_byte, e.span.end_byte) for e in fix.edits]
        if any(
            e.span.path not in contents or not _valid(e, contents[e.span.path]) for e in fix.edits
        ):
            continue
        if _overlapping(ranges):  # a malformed fix: never guess which edit wins
            continue
        if any(s <= e2 and s2 <= e for path, s, e in ranges for s2, e2 in taken.get(path, ())):
            continue
        for path, s, e in ranges:
            taken.setdefault(path, []).append((s, e))
        accepted.append((d, fix))
    return accepted


def _overlapping(ranges: Sequence[tuple[str, int, int]]) -> bool:
    ordered = sorted(ranges)
    for (p1, s1, e1), (p2, s2, e2) in itertools.pairwise(ordered):
        # Proper overlap, or two insertions at one offset (their order would be arbitrary).
        if p1 == p2 and (s2 < e1 or (s1 == s2 and s1 == e1 and s2 == e2)):
            return True
    return False


def apply_edits(data: bytes, edits: Iterable[Edit]) -> bytes:
    """Splice non-overlapping edits (offsets into ``data``) in one forward pass. Rules write
    new lines as LF; in a file whose lines end in CRLF (a Windows checkout) they get CRLF."""
    out: list[bytes] = []
    cursor = 0
    crlf = b"\r\n" in data
    # Stable sort: an insertion sorts before a deletion starting at the same offset.
    for edit in sorted(edits, key=lambda e: (e.span.start_byte, e.span.end_byte)):
        out.append(data[cursor : edit.span.start_byte])
        text = edit.text.replace("\r\n", "\n").replace("\n", "\r\n") if crlf else edit.text
        out.append(text.encode("utf-8"))
        cursor = max(cursor, edit.span.end_byte)
    out.append(data[cursor:])
    return b"".join(out)


def write_in_place(path: str, data: bytes, expect: _StatTuple) -> bool:
    """Write ``data`` into the file unless it changed: False when, opened, its stat tuple is no
    longer ``expect``. In place (see the module docstring). Raises OSError."""
    fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or _stat_tuple(st) != expect:
            return False
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.ftruncate(fd, len(data))
        os.fsync(fd)
    finally:
        os.close(fd)
    return True


def _lines(data: bytes) -> list[bytes]:
    """Lines split on LF alone, each with its LF (the last may have none)."""
    lines = [line + b"\n" for line in data.split(b"\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def unified_diff(path: str, before: bytes, after: bytes) -> bytes:
    """What `diff -u` prints for the file: bytes, lines split on LF only (a form feed, a
    vertical tab or U+2028 inside a line is no line break to `patch`)."""
    name = os.fsencode(path)
    out: list[bytes] = []
    for line in difflib.diff_bytes(
        difflib.unified_diff, _lines(before), _lines(after), fromfile=name, tofile=name
    ):
        out.append(line if line.endswith(b"\n") else line + b"\n\\ No newline at end of file\n")
    return b"".join(out)


class _Analysis:
    """Findings of all folders, re-analysable folder by folder (files never move between)."""

    def __init__(
        self,
        settings: Settings,
        workers: int,
        cache: FolderCache | None,
        keep: Callable[[Diagnostic], bool],
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.settings, self.workers, self.cache = settings, workers, cache
        self.keep, self.progress = keep, progress
        self.diagnostics: list[Diagnostic] = []
        self.notifications: list[Notification] = []
        self.files = self.packages = 0
        self.first = True

    def run(self, jobs: Sequence[FolderJob], mapping: Mapping[str, str] | None = None) -> None:
        """Analyse ``jobs`` (scratch copies when ``mapping`` maps their paths back)."""
        from goconc.engine.runner import run

        cache = None if mapping else self.cache  # scratch folders would only litter it
        for folder in run(list(jobs), self.settings, self.workers, self.progress, cache):
            for d in folder.diagnostics:
                d = _remap(d, mapping) if mapping else d
                if self.keep(d):
                    self.diagnostics.append(d)
            for n in folder.notifications:
                if mapping and n.path is not None:
                    n = attrs.evolve(n, path=mapping.get(n.path, n.path))
                self.notifications.append(n)
            if self.first:  # re-analysis sees the same files again
                self.files += folder.files
                self.packages += folder.packages
        self.first = False

    def forget(self, jobs: Sequence[FolderJob]) -> None:
        """Drop what ``jobs`` reported, before they are analysed again."""
        reported = {p for job in jobs for p in job.report_on}
        paths = {p for job in jobs for p in (job.folder, *job.files)}
        self.diagnostics = [d for d in self.diagnostics if d.span.path not in reported]
        self.notifications = [n for n in self.notifications if n.path not in paths]


def _remap_span(span: Span, mapping: Mapping[str, str]) -> Span:
    return attrs.evolve(span, path=mapping.get(span.path, span.path))


def _remap(d: Diagnostic, mapping: Mapping[str, str]) -> Diagnostic:
    def related(r: Related) -> Related:
        return Related(_remap_span(r.span, mapping), r.message)

    return attrs.evolve(
        d,
        span=_remap_span(d.span, mapping),
        related=tuple(related(r) for r in d.related),
        flows=tuple(tuple(related(r) for r in flow) for flow in d.flows),
        fixes=tuple(
            attrs.evolve(
                f, edits=tuple(Edit(_remap_span(e.span, mapping), e.text) for e in f.edits)
            )
            for f in d.fixes
        ),
    )


def _mirror(
    jobs: Sequence[FolderJob], overlay: Mapping[str, bytes], scratch: str
) -> tuple[list[FolderJob], dict[str, str]]:
    """Copies of ``jobs`` under ``scratch`` with ``overlay`` contents; scratch path -> real."""
    mirrored: list[FolderJob] = []
    back: dict[str, str] = {}
    for i, job in enumerate(jobs):
        folder = os.path.join(scratch, str(i))
        os.makedirs(folder)
        forward: dict[str, str] = {}
        for k, path in enumerate(job.files):
            # The base name keeps build tags (`_linux.go`); two files of a folder share one
            # only when a symlink brings in another folder's file.
            name = os.path.basename(path)
            copy = os.path.join(folder, name)
            if copy in back:
                copy = os.path.join(folder, f"{k}-{name}")
            data = overlay.get(path)
            if data is None:
                with contextlib.suppress(OSError):  # unreadable: the engine reports it
                    data = read_regular(path, MAX_FILE_BYTES)
            if data is not None:
                with open(copy, "wb") as fh:
                    fh.write(data)
            forward[path] = copy
            back[copy] = path
        back[folder] = job.folder
        mirrored.append(
            attrs.evolve(
                job,
                folder=folder,
                files=tuple(forward[p] for p in job.files),
                report_on=tuple(forward[p] for p in job.report_on),
            )
        )
    return mirrored, back


def _shift(offset: int, edits: Sequence[Edit]) -> int:
    """Where ``offset`` of the text before ``edits`` is in the text after them."""
    moved = offset
    for edit in edits:
        if edit.span.end_byte <= offset and (edit.span.start_byte, edit.span.end_byte) != (
            offset,
            offset,
        ):
            moved += len(edit.text.encode("utf-8")) - (edit.span.end_byte - edit.span.start_byte)
    return moved


def _recurring(
    before: Sequence[tuple[Diagnostic, Fix]],
    edits: Mapping[str, Sequence[Edit]],
    after: Iterable[tuple[Diagnostic, Fix]],
) -> dict[str, Diagnostic]:
    """{path: a finding fixed in this round that is offered again at the same place}: its
    fix did not clear it, and applying it again would only repeat the edit."""
    fixed = {
        (d.span.path, d.code, _shift(d.span.start_byte, edits.get(d.span.path, ()))): d
        for d, _ in before
    }
    found: dict[str, Diagnostic] = {}
    for d, _ in after:
        again = fixed.get((d.span.path, d.code, d.span.start_byte))
        if again is not None:
            found.setdefault(d.span.path, again)
    return found


def fix_until_stable(
    jobs: Sequence[FolderJob],
    settings: Settings,
    workers: int,
    cache: FolderCache | None = None,
    *,
    keep: Callable[[Diagnostic], bool] = lambda d: True,
    unsafe: bool = False,
    dry_run: bool = False,
    display: Callable[[str], str] = lambda p: p,
    progress: Callable[[int, int], None] | None = None,
    max_rounds: int = MAX_ROUNDS,
) -> FixRun:
    """Analyse ``jobs``, apply fixes, re-analyse what changed; until stable or max_rounds.

    Every round works on scratch copies; files are written once, at the end, and only those
    whose fixes converged: a fix that leaves its finding in place (the same rule at the same
    place comes back) or a file still being fixed when the rounds run out is left unchanged
    and reported, so that a fix cannot be applied twice."""
    analysis = _Analysis(settings, workers, cache, keep, progress)
    stamps = stamp_files(p for job in jobs for p in job.files)
    analysis.run(jobs)
    rounds = _FixRounds(analysis, jobs, stamps, unsafe)
    try:
        rounds.run(max_rounds)
        written = _write_back(
            rounds.original,
            rounds.current,
            rounds.given_up,
            rounds.stale,
            stamps,
            rounds.notes,
            dry_run,
        )
    finally:
        shutil.rmtree(rounds.scratch, ignore_errors=True)
    if not dry_run:
        rounds.reanalyse_unwritten(written)
    rounds.note_stale()
    changed_paths = tuple(sorted(written))
    original, current = rounds.original, rounds.current
    diff = b"".join(unified_diff(display(p), original[p], current[p]) for p in changed_paths)
    return FixRun(
        diagnostics=tuple(sorted(analysis.diagnostics, key=Diagnostic.sort_key)),
        notifications=tuple(analysis.notifications) + tuple(rounds.notes),
        files=analysis.files,
        packages=analysis.packages,
        fixed=sum(all(e.span.path in written for e in f.edits) for f in rounds.applied),
        changed=changed_paths,
        diff=diff,
        converged=not rounds.todo() and not rounds.given_up,
    )


class _FixRounds:
    """The fix rounds over scratch copies: what each changed file was and has become, and
    the files given up (a fix that did not clear its finding, rounds run out) or stale
    (changed on disk meanwhile)."""

    def __init__(
        self,
        analysis: _Analysis,
        jobs: Sequence[FolderJob],
        stamps: Mapping[str, Stamp],
        unsafe: bool,
    ) -> None:
        self.analysis, self.stamps, self.unsafe = analysis, stamps, unsafe
        self.job_of = {p: job for job in jobs for p in job.files}
        self.original: dict[str, bytes] = {}  # each changed file as first read
        self.current: dict[str, bytes] = {}  # each changed file as fixed so far
        self.notes: list[Notification] = []
        self.stale: set[str] = set()
        self.given_up: set[str] = set()
        self.applied: list[Fix] = []
        self.scratch = tempfile.mkdtemp(prefix="goconc-fix-")

    def todo(self) -> list[tuple[Diagnostic, Fix]]:
        """The fixes still to apply, in files neither stale nor given up."""
        return [
            (d, f)
            for d, f in candidates(self.analysis.diagnostics, self.unsafe)
            if not any(e.span.path in self.stale or e.span.path in self.given_up for e in f.edits)
        ]

    def run(self, max_rounds: int) -> None:
        rounds = 0
        while True:
            pending = self.todo()
            if not pending:
                return
            if rounds == max_rounds:
                self._out_of_rounds(pending, max_rounds)
                return
            rounds += 1
            contents = self._contents(pending)
            accepted = plan(pending, contents)
            if not accepted:  # what is left is in stale files or cannot apply: stop
                return
            edits = self._apply(accepted, contents)
            self.reanalyse(edits)
            again = _recurring(accepted, edits, self.todo())
            for path, d in sorted(again.items()):
                self.give_up(
                    path,
                    f"the fix for {d.code} did not clear it (it was found again at the same "
                    f"place); {_UNCHANGED}",
                )
            self.reanalyse(again)

    def _out_of_rounds(self, pending: list[tuple[Diagnostic, Fix]], max_rounds: int) -> None:
        left = sorted({e.span.path for _, f in pending for e in f.edits} & set(self.current))
        for path in left:
            self.give_up(path, f"fixes did not converge in {max_rounds} rounds; {_UNCHANGED}")
        self.reanalyse(left)

    def _contents(self, pending: list[tuple[Diagnostic, Fix]]) -> dict[str, bytes]:
        """The text of every file the pending fixes edit: as fixed so far, else as read now
        (a file that changed on disk since the analysis becomes stale and is left out)."""
        contents: dict[str, bytes] = {}
        for path in sorted({e.span.path for _, f in pending for e in f.edits}):
            if path in self.current:
                contents[path] = self.current[path]
                continue
            found = read_stamped(path)
            if found is None or self.stamps.get(path) != found[1]:
                self.stale.add(path)
                continue
            contents[path] = found[0]
        return contents

    def _apply(
        self, accepted: list[tuple[Diagnostic, Fix]], contents: dict[str, bytes]
    ) -> dict[str, list[Edit]]:
        """Apply the accepted fixes to the files' current text; their edits by file."""
        edits: dict[str, list[Edit]] = {}
        for _, fix in accepted:
            self.applied.append(fix)
            for edit in fix.edits:
                edits.setdefault(edit.span.path, []).append(edit)
        for path, file_edits in edits.items():
            self.original.setdefault(path, contents[path])
            self.current[path] = apply_edits(contents[path], file_edits)
        return edits

    def _jobs_of(self, paths: Iterable[str]) -> list[FolderJob]:
        return list(
            {id(self.job_of[p]): self.job_of[p] for p in paths if p in self.job_of}.values()
        )

    def reanalyse(self, paths: Iterable[str]) -> None:
        """Analyse again the folders of ``paths``, on scratch copies of their current text."""
        changed = self._jobs_of(paths)
        if changed:
            self.analysis.forget(changed)
            mirrored, back = _mirror(
                changed, self.current, os.path.realpath(tempfile.mkdtemp(dir=self.scratch))
            )
            self.analysis.run(mirrored, back)

    def give_up(self, path: str, why: str) -> None:
        self.given_up.add(path)
        self.current[path] = self.original.get(path, self.current.get(path, b""))
        self.notes.append(Notification(NoteLevel.WARNING, why, path=path))

    def reanalyse_unwritten(self, written: Iterable[str]) -> None:
        """The findings must be those of the files as they are on disk: analyse again the
        folders of the files fixed but not written."""
        written = set(written)
        unwritten = [
            p for p in self.current if self.current[p] != self.original[p] and p not in written
        ]
        if unwritten:
            jobs_back = self._jobs_of(unwritten)
            self.analysis.forget(jobs_back)
            self.analysis.run(jobs_back)

    def note_stale(self) -> None:
        for path in sorted(self.stale):
            if not any(n.path == path for n in self.notes):
                self.notes.append(
                    Notification(
                        NoteLevel.WARNING,
                        "file changed while goconc was fixing it; its fixes were not applied",
                        path=path,
                    )
                )


def _write_back(
    original: Mapping[str, bytes],
    current: Mapping[str, bytes],
    given_up: set[str],
    stale: set[str],
    stamps: Mapping[str, Stamp],
    notes: list[Notification],
    dry_run: bool,
) -> set[str]:
    """Write each fixed file (with ``dry_run``: none) unless it changed since it was read;
    the files written (with ``dry_run``: that would be)."""
    written: set[str] = set()
    for path in sorted(current):
        if path in given_up or current[path] == original[path]:
            continue
        if not dry_run:
            try:
                ok = write_in_place(path, current[path], stamps[path].stat)
            except OSError as err:
                notes.append(
                    Notification(
                        NoteLevel.ERROR, f"cannot write fixes: {err.strerror or err}", path=path
                    )
                )
                stale.add(path)
                continue
            if not ok:
                stale.add(path)
                continue
        written.add(path)
    return written
