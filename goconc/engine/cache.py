"""On-disk cache of per-folder results, so that a re-run only analyses what changed.

A folder's result depends on goconc's own code, the Settings, the FolderJob (its absolute
folder and files) and the bytes of its files, and on nothing else (`analyze_folder` reads
only the job's files). So:

* result entries ``r/<content key>``: the FolderResult as JSON (engine/codec.py), keyed by a
  hash of the code stamp, goconc's version, the Settings, the job and every file's content
  hash. Content is the truth.
* stat entries ``s/<stat key>``: the content key, keyed by the same but with each file's
  (dev, inode, size, mtime_ns, ctime_ns) instead of its content, so a warm run stats files
  and reads nothing. ctime cannot be set by `os.utime`, so a write that restores size and
  mtime still changes the key (as git's index does). A stat entry is only written when every
  file was last changed more than `RACY_SECONDS` before we looked: a later write within the
  same timestamp tick could otherwise leave the stat tuple unchanged ("racy git").

What a run asks of a folder beyond that, which rules (``Settings.enabled``), which files
to report on (``FolderJob.report_on``) and whether to fingerprint lines, is not in the keys
but in the entry: a result computed for more rules, more files or with fingerprints serves a
run that asks for fewer, narrowed to what that run would have found (`narrow`), so changing
``--select``/``--ignore``, ``--format`` or ``--output``, or naming some files of a folder
already analysed, costs no analysis. A folder's entry is the widest result computed for its
content; a narrower one computed later goes to a second slot keyed by what it covers, so it
does not push the wider one out.

An entry is a checksum line (blake2b of the rest) and a JSON object that names its kind,
its own key and the folder it is for. A cache folder may come from anywhere (restored in CI
from another branch's run, copied, damaged): nothing in it can execute, and an entry is
used only when its checksum holds, it is the entry asked for (kind, key and folder: a
renamed or copied entry, or a stat entry that points at another folder's result, is not),
it decodes strictly, and every path in it is a file of the job. Entries are opened with
``O_NOFOLLOW | O_NONBLOCK`` and used only when they are regular files (a FIFO or a symlink
put there is never waited on or followed), and the cache's own folders must be real
folders owned by the user and writable by no one else.

The code stamp hashes the content of goconc's own .py files (about 70 files, 770 KB: a few
milliseconds) plus the Python version and the tree-sitter binding files: a version number
alone would miss edits during development, and rule codes would miss a changed rule. It is
computed again at the end of a run that stored something: if goconc was edited meanwhile (a
worker may have imported a newer module), that run's entries are deleted.

Every operation is best effort and never raises: a missing, partial, corrupt or unexpected
entry is a miss (and is overwritten), writes go to a temporary file then `os.replace`, so
concurrent runs and readers never see a partial entry. Results with a crash notification are
never stored, so a bug is not hidden by the cache. Entries are pruned, oldest first, at most
once an hour, beyond `MAX_BYTES` or `MAX_ENTRIES`.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import stat
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from goconc.analyzer.diagnostics import Diagnostic
from goconc.analyzer.fileio import read_regular
from goconc.analyzer.packages import FolderJob
from goconc.engine import suppress
from goconc.engine.codec import Json, result_from_json, result_to_json
from goconc.engine.model import MAX_FILE_BYTES, OVER_BUDGET, FolderResult, Settings

FORMAT = "v3"  # bump when the layout, the entry format or the key recipe changes
MAX_ENTRY_BYTES = 64 << 20  # a larger entry is not one of ours
RACY_SECONDS = 2.0  # coarser than any filesystem's timestamp granularity (FAT: 2 s)
MAX_BYTES = 512 << 20
MAX_ENTRIES = 50_000  # each entry takes at least one 4 KiB block
PRUNE_EVERY_SECONDS = 3600.0
TOUCH_AFTER_SECONDS = 86400.0  # refresh an entry's mtime on a hit, at most daily (for pruning)
STALE_TMP_SECONDS = 3600.0

_StatTuple = tuple[int, int, int, int, int]
_code_stamp: bytes | None = None


def default_cache_dir() -> str:
    """$GOCONC_CACHE_DIR, else $XDG_CACHE_HOME/goconc, else ~/.cache/goconc."""
    explicit = os.environ.get("GOCONC_CACHE_DIR")
    if explicit:
        return os.path.abspath(os.path.expanduser(explicit))
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = xdg if xdg and os.path.isabs(xdg) else os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "goconc")


def code_stamp() -> bytes:
    """A hash of everything besides the inputs that decides a result: our code, its parser."""
    global _code_stamp
    if _code_stamp is None:
        _code_stamp = _package_stamp()
    return _code_stamp


def _package_stamp() -> bytes:
    return stamp_of(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # goconc/


def stamp_of(package: str) -> bytes:
    """The code stamp for the package in folder `package` (goconc/)."""
    h = hashlib.blake2b(digest_size=32)
    h.update(f"{FORMAT} {sys.version} {sys.implementation.cache_tag}".encode())
    for folder, dirs, names in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                h.update(os.path.relpath(path, package).encode() + b"\0")
                with open(path, "rb") as fh:
                    h.update(hashlib.blake2b(fh.read()).digest())
    # The grammar decides the trees: stat its binding files (an upgrade rewrites them).
    for module in ("tree_sitter", "tree_sitter_go"):
        spec = importlib.util.find_spec(module)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            for entry in sorted(os.scandir(folder), key=lambda e: e.name):
                if entry.is_file():
                    st = entry.stat()
                    h.update(f"{module}/{entry.name} {st.st_size} {st.st_mtime_ns}".encode())
    return h.digest()


def _canon(value: Any) -> Any:
    """A deterministic, repr-able form of settings and jobs (dict and set order removed)."""
    if attrs.has(type(value)):
        fields = attrs.fields(type(value))
        return (type(value).__name__, tuple(_canon(getattr(value, f.name)) for f in fields))
    if isinstance(value, Mapping):
        return tuple(sorted((repr(k), _canon(v)) for k, v in value.items()))
    if isinstance(value, set | frozenset):
        return tuple(sorted(repr(_canon(v)) for v in value))
    if isinstance(value, list | tuple):
        return tuple(_canon(v) for v in value)
    return value


def _stat_tuple(st: os.stat_result) -> _StatTuple:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


@attrs.frozen
class Pending:
    """What `store` needs to file a freshly computed result."""

    job: FolderJob
    stat_key: str
    content_key: str
    stats: tuple[_StatTuple, ...]
    racy: bool  # some file changed too recently to trust its stat tuple


class FolderCache:
    """Per-folder result cache for one run (one Settings)."""

    def __init__(self, directory: str, settings: Settings, tool_version: str = "") -> None:
        self.root = os.path.join(directory, FORMAT)
        self._results = os.path.join(self.root, "r")
        self._stats = os.path.join(self.root, "s")
        base = hashlib.blake2b(code_stamp(), digest_size=32)
        base.update(f"{tool_version}\0".encode())
        # What a result is narrowed to is not part of the keys (see the docstring).
        base.update(
            repr(_canon(attrs.evolve(settings, enabled=frozenset(), fingerprints=False))).encode()
        )
        self._base = base
        self.settings = settings
        self.hits = self.misses = self.stored = 0
        self._written: list[str] = []  # result entries stored by this run

    @classmethod
    def open(cls, directory: str, settings: Settings, tool_version: str = "") -> FolderCache | None:
        """The cache in `directory`, or None when it cannot be used safely."""
        try:
            cache = cls(os.path.abspath(directory), settings, tool_version)
            for folder in (directory, cache.root, cache._results, cache._stats):
                os.makedirs(folder, mode=0o700, exist_ok=True)
            # Our folders must be ours alone: real folders (not links to elsewhere) that no
            # one else can write to, or someone else could choose what we report.
            for folder in (cache.root, cache._results, cache._stats):
                st = os.lstat(folder)
                if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o022:
                    return None
            tag = os.path.join(directory, "CACHEDIR.TAG")
            if not os.path.lexists(tag):
                cache._write(tag, b"Signature: 8a477f597d28d172789f06886806bc55\n# goconc cache\n")
        except (OSError, ValueError):
            return None
        return cache

    # -- lookup ---------------------------------------------------------------------------

    def lookup(self, job: FolderJob) -> tuple[FolderResult | None, Pending | None]:
        """(result, None) on a hit; (None, pending) on a miss; (None, None): do not cache."""
        try:
            return self._lookup(job)
        except Exception:  # the cache must never break a run
            return None, None

    def _lookup(self, job: FolderJob) -> tuple[FolderResult | None, Pending | None]:
        now = time.time_ns()
        stats: list[_StatTuple] = []
        for path in job.files:
            try:
                st = os.stat(path)
            except OSError:
                return None, None  # analysed (and reported) without the cache
            if not stat.S_ISREG(st.st_mode):
                return None, None
            stats.append(_stat_tuple(st))
        racy_ns = int(RACY_SECONDS * 1e9)
        racy = any(max(s[3], s[4]) >= now - racy_ns for s in stats)
        job_part = _job_part(job)
        h = self._base.copy()
        h.update(b"stat\0" + job_part)
        h.update(repr(stats).encode())
        stat_key = h.hexdigest()
        # A stat entry exists only for tuples that were not racy when written; a change since
        # then would have moved ctime, so the tuple still matching means the bytes did too.
        content_key = self._read_stat(stat_key, job)
        if content_key is not None:
            found = self._serve(content_key, job)
            if found is not None:
                self.hits += 1
                return found, None
        content_key = self._content_key(job, job_part, stats)
        if content_key is None:
            return None, None
        found = self._serve(content_key, job)
        if found is not None:
            if not racy:
                self._write_stat(stat_key, content_key, job)
            self.hits += 1
            return found, None
        self.misses += 1
        return None, Pending(job, stat_key, content_key, tuple(stats), racy)

    def _content_key(
        self, job: FolderJob, job_part: bytes, stats: Sequence[_StatTuple] | None
    ) -> str | None:
        h = self._base.copy()
        h.update(b"content\0" + job_part)
        for i, path in enumerate(job.files):
            try:
                # O_NONBLOCK: should a FIFO replace the file since we looked, open must not hang.
                with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb", buffering=0) as fh:
                    st = os.fstat(fh.fileno())
                    if not stat.S_ISREG(st.st_mode):
                        return None
                    if stats is not None and _stat_tuple(st) != stats[i]:
                        return None  # changing under our feet: do not cache this folder
                    # engine skips files this large unread: the size is all that matters.
                    data = b"" if st.st_size > MAX_FILE_BYTES else fh.read()
            except OSError:
                return None
            digest = hashlib.blake2b(data, digest_size=32).digest()
            h.update(f"{path}\0{st.st_size}\0".encode() + digest)
        return h.hexdigest()

    def _serve(self, content_key: str, job: FolderJob) -> FolderResult | None:
        """The result this run asks for, narrowed from the folder's entry or from the one
        filed under exactly what this run asks; None when neither serves."""
        for key in (content_key, self._exact_key(content_key, job)):
            found = self._load(key, job)
            if found is not None:
                narrowed = narrow(found[1], found[0], self.settings, job.report_on)
                if narrowed is not None:
                    return narrowed
        return None

    def _exact_key(self, content_key: str, job: FolderJob) -> str:
        """The second slot: for this content and exactly what this run asks."""
        asked = (sorted(self.settings.enabled), self.settings.fingerprints, job.report_on)
        return hashlib.blake2b(f"{content_key}\0{asked!r}".encode(), digest_size=32).hexdigest()

    def _load(self, key: str, job: FolderJob) -> tuple[Covered, FolderResult] | None:
        path = os.path.join(self._results, key)
        body = self._read_entry(path, "result", key, job)
        if body is None:
            return None
        try:
            found = _covered_result_from_json(body)
        except ValueError:  # a checksum that holds over a body we did not write
            return None
        if not _belongs(found[1], job) or not set(found[0].report_on) <= set(job.files):
            return None
        with contextlib.suppress(OSError):
            st = os.lstat(path)
            if time.time() - st.st_mtime > TOUCH_AFTER_SECONDS:  # keep used entries from pruning
                os.utime(path, follow_symlinks=False)
        return found

    def _read_stat(self, stat_key: str, job: FolderJob) -> str | None:
        body = self._read_entry(os.path.join(self._stats, stat_key), "stat", stat_key, job)
        return body if isinstance(body, str) and _is_key(body) else None

    def _read_entry(self, path: str, kind: str, key: str, job: FolderJob) -> Json:
        """The body of the entry at `path` when it is exactly the one asked for, else None."""
        try:
            data = read_regular(path, MAX_ENTRY_BYTES, follow=False)
        except OSError:
            return None  # missing, a FIFO, a symlink, too large...
        checksum, newline, payload = data.partition(b"\n")
        if not newline or checksum != _checksum(payload):
            return None  # damaged (a flipped bit, a truncated write of another tool)
        try:
            entry = json.loads(payload)
        except (ValueError, RecursionError):
            return None
        if (
            not isinstance(entry, dict)
            or entry.keys() != {"kind", "key", "folder", "body"}
            or (entry["kind"], entry["key"], entry["folder"]) != (kind, key, job.folder)
        ):
            return None  # another entry (copied, renamed), or another folder's
        return entry["body"]

    # -- store ----------------------------------------------------------------------------

    def store(self, pending: Pending, result: FolderResult) -> None:
        """File a result computed for `pending`; skipped when it could be wrong or hide a bug."""
        with contextlib.suppress(Exception):
            self._store(pending, result)

    def _store(self, pending: Pending, result: FolderResult) -> None:
        if any(note.crash for note in result.notifications):
            return  # never hide a bug of ours behind a cache hit
        job = pending.job
        try:
            now = tuple(_stat_tuple(os.stat(p)) for p in job.files)
        except OSError:
            return
        if now != pending.stats:
            return  # a file changed while it was analysed: the result may be of either version
        if pending.racy:
            # The stat tuple cannot prove the bytes did not change: compare the content again.
            again = self._content_key(job, _job_part(job), None)
            if again != pending.content_key:
                return
        covered = Covered(
            tuple(sorted(self.settings.enabled)), self.settings.fingerprints, job.report_on
        )
        key = pending.content_key
        existing = self._load(key, job)
        if existing is not None and not covered.covers(
            existing[0].enabled, existing[0].fingerprints, existing[0].report_on
        ):
            key = self._exact_key(key, job)  # keep the wider entry in the folder's slot
        path = os.path.join(self._results, key)
        body = {"covers": covered.to_json(), "result": result_to_json(result)}
        if not self._write(path, _entry("result", key, job, body)):
            return
        self.stored += 1
        self._written.append(path)
        if not pending.racy:
            self._write_stat(pending.stat_key, pending.content_key, job)

    def _write_stat(self, stat_key: str, content_key: str, job: FolderJob) -> None:
        self._write(os.path.join(self._stats, stat_key), _entry("stat", stat_key, job, content_key))

    def _write(self, path: str, data: bytes) -> bool:
        """Whole file or nothing: readers and concurrent writers never see a partial entry."""
        folder = os.path.dirname(path)
        try:
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
        except OSError:
            return False
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
            return True
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            return False

    # -- size bound -----------------------------------------------------------------------

    def close(self) -> None:
        """Check our code did not change during the run, then prune now and then."""
        if not self.stored:
            return
        # Modules imported late (in workers, lazily) may be newer than the stamp we keyed on:
        # an edit to goconc during the run must not file old code's results under new code.
        if _package_stamp() != code_stamp():
            for path in self._written:
                with contextlib.suppress(OSError):
                    os.unlink(path)
            return
        marker = os.path.join(self.root, "last-prune")
        try:
            if time.time() - os.lstat(marker).st_mtime < PRUNE_EVERY_SECONDS:
                return
        except OSError:
            pass
        with contextlib.suppress(OSError):
            # Not a plain open(): should a FIFO sit there, opening it to write would block.
            flags = os.O_WRONLY | os.O_CREAT | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC
            os.close(os.open(marker, flags, 0o600))
            os.utime(marker, follow_symlinks=False)
            prune(self.root)


def _job_part(job: FolderJob) -> bytes:
    """The job as the keys see it: which files it reports on is in the entry instead."""
    return repr(_canon(attrs.evolve(job, report_on=()))).encode()


@attrs.frozen
class Covered:
    """What a stored result was computed for: its rules, fingerprints, files reported on."""

    enabled: tuple[str, ...]
    fingerprints: bool
    report_on: tuple[str, ...]

    def covers(self, enabled: Iterable[str], fingerprints: bool, report_on: Iterable[str]) -> bool:
        return (
            set(enabled) <= set(self.enabled)
            and (self.fingerprints or not fingerprints)
            and set(report_on) <= set(self.report_on)
        )

    def to_json(self) -> Json:
        return {
            "enabled": list(self.enabled),
            "fingerprints": self.fingerprints,
            "report_on": list(self.report_on),
        }


def _covered_result_from_json(body: Json) -> tuple[Covered, FolderResult]:
    if not isinstance(body, dict) or body.keys() != {"covers", "result"}:
        raise ValueError("not a covered result")
    covers = body["covers"]
    if not isinstance(covers, dict) or covers.keys() != {"enabled", "fingerprints", "report_on"}:
        raise ValueError("not a covered result")
    enabled, fingerprints, report_on = (
        covers["enabled"],
        covers["fingerprints"],
        covers["report_on"],
    )
    if (
        not isinstance(enabled, list)
        or not all(isinstance(c, str) for c in enabled)
        or not isinstance(fingerprints, bool)
        or not isinstance(report_on, list)
        or not all(isinstance(p, str) for p in report_on)
    ):
        raise ValueError("not a covered result")
    return Covered(tuple(enabled), fingerprints, tuple(report_on)), result_from_json(body["result"])


def narrow(
    result: FolderResult, covered: Covered, settings: Settings, report_on: Sequence[str]
) -> FolderResult | None:
    """``result``, computed for what ``covered`` says, as a run with ``settings`` reporting
    on ``report_on`` would find it; None when it cannot tell. Each rule's findings in a file
    do not depend on the other rules, nor on which other files are reported on (a rule that
    is not ``package_wide`` reports in a file only from that file's walk; the package-wide
    ones walk every file anyway), so narrowing is filtering; the directive findings
    (GC002 names the enabled codes that a directive suppresses nothing of) are told again
    for the narrower selection. A result with a note that is not about one file reported on
    (a time budget that ran out: it depends on all the work done) is used only as it is."""
    enabled = settings.enabled
    if not covered.covers(enabled, False, report_on):
        return None
    same = set(covered.enabled) == enabled and set(covered.report_on) == set(report_on)
    if same and covered.fingerprints == settings.fingerprints:
        return result
    files = set(report_on)
    notes = result.notifications
    if not same and any(n.path not in files or OVER_BUDGET in n.message for n in notes):
        return None
    diagnostics = suppress.narrow((d for d in result.diagnostics if d.span.path in files), enabled)
    if not settings.fingerprints:
        diagnostics = [attrs.evolve(d, line_hash="") if d.line_hash else d for d in diagnostics]
    elif not covered.fingerprints:
        fingerprinted = _fingerprinted(diagnostics)
        if fingerprinted is None:
            return None
        diagnostics = fingerprinted
    kept = tuple(n for n in notes if n.path in files)
    return attrs.evolve(result, diagnostics=tuple(diagnostics), notifications=kept)


def _fingerprinted(diagnostics: list[Diagnostic]) -> list[Diagnostic] | None:
    """The diagnostics with the line fingerprints the engine gives them (runner._finish), from
    their files as they are (the bytes the cache key was just taken from); None when one
    cannot be read."""
    from goconc.engine.fingerprint import LineHashes

    hashes: dict[str, LineHashes] = {}
    out = []
    for d in diagnostics:
        path = d.span.path
        if path not in hashes:
            try:
                hashes[path] = LineHashes(read_regular(path, MAX_FILE_BYTES))
            except OSError:
                return None
        line = d.span.line - 1
        out.append(attrs.evolve(d, line_hash=hashes[path][line]) if line < len(hashes[path]) else d)
    return out


def _checksum(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=32).hexdigest().encode()


def _entry(kind: str, key: str, job: FolderJob, body: Json) -> bytes:
    """An entry's bytes: the checksum line, then what it is and holds (see the docstring).
    ASCII only: a name that is not UTF-8 is held as JSON escapes, which read back the same."""
    payload = json.dumps(
        {"kind": kind, "key": key, "folder": job.folder, "body": body}, separators=(",", ":")
    ).encode("ascii")
    return _checksum(payload) + b"\n" + payload


def _is_key(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


def _belongs(result: FolderResult, job: FolderJob) -> bool:
    """Every path the result names is a file of the job (or, for a notification, its folder)."""
    files = set(job.files)
    spans = [
        span
        for d in result.diagnostics
        for span in (
            d.span,
            *(r.span for r in d.related),
            *(r.span for flow in d.flows for r in flow),
            *(e.span for f in d.fixes for e in f.edits),
        )
    ]
    return all(s.path in files for s in spans) and all(
        n.path is None or n.path in files or n.path == job.folder for n in result.notifications
    )


def prune(root: str, max_bytes: int = MAX_BYTES, max_entries: int = MAX_ENTRIES) -> int:
    """Delete the oldest entries (by mtime) beyond the bounds, and stale temporary files.

    Returns the number of files deleted. Racing another run's prune is harmless.
    """
    entries: list[tuple[float, int, str]] = []
    deleted = 0
    now = time.time()
    for sub in ("r", "s"):
        try:
            scan: Iterable[os.DirEntry[str]] = os.scandir(os.path.join(root, sub))
        except OSError:
            continue
        for entry in scan:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if entry.name.startswith(".tmp-"):
                if now - st.st_mtime > STALE_TMP_SECONDS:  # left by a killed run
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
                        deleted += 1
                continue
            entries.append((st.st_mtime, st.st_size, entry.path))
    total = sum(size for _, size, _ in entries)
    count = len(entries)
    entries.sort()
    for _, size, path in entries:
        if total <= max_bytes and count <= max_entries:
            break
        with contextlib.suppress(OSError):
            os.unlink(path)
            deleted += 1
        total -= size
        count -= 1
    return deleted
