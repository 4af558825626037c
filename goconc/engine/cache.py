"""On-disk cache of per-folder results, so that a re-run only analyses what changed.

A folder's result depends on goconc's own code, the Settings, the FolderJob and the bytes of
its files, and on nothing else (`analyze_folder` reads only the job's files). So:

* result entries ``r/<content key>``: the pickled FolderResult, keyed by a hash of the code
  stamp, the Settings, the job and every file's content hash. Content is the truth.
* stat entries ``s/<stat key>``: the content key, keyed by the same but with each file's
  (dev, inode, size, mtime_ns, ctime_ns) instead of its content, so a warm run stats files
  and reads nothing. ctime cannot be set by `os.utime`, so a write that restores size and
  mtime still changes the key (as git's index does). A stat entry is only written when every
  file was last changed more than `RACY_SECONDS` before we looked: a later write within the
  same timestamp tick could otherwise leave the stat tuple unchanged ("racy git").

The code stamp hashes the content of goconc's own .py files (about 70 files, 770 KB: a few
milliseconds) plus the Python version and the tree-sitter binding files: a version number
alone would miss edits during development, and rule codes would miss a changed rule. It is
computed again at the end of a run that stored something: if goconc was edited meanwhile (a
worker may have imported a newer module), that run's entries are deleted.

Every operation is best effort and never raises: a missing, partial or corrupt entry is a
miss (and is overwritten), writes go to a temporary file then `os.replace`, so concurrent
runs and readers never see a partial entry. Results with a crash notification are never
stored, so a bug is not hidden by the cache. Entries are pruned, oldest first, at most once
an hour, beyond `MAX_BYTES` or `MAX_ENTRIES`.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import pickle
import stat
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from goconc.analyzer.packages import FolderJob
from goconc.engine.model import MAX_FILE_BYTES, FolderResult, Settings

FORMAT = "v1"  # bump when the layout or the key recipe changes
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

    def __init__(self, directory: str, settings: Settings) -> None:
        self.root = os.path.join(directory, FORMAT)
        self._results = os.path.join(self.root, "r")
        self._stats = os.path.join(self.root, "s")
        base = hashlib.blake2b(code_stamp(), digest_size=32)
        base.update(repr(_canon(settings)).encode())
        self._base = base
        self.hits = self.misses = self.stored = 0
        self._written: list[str] = []  # result entries stored by this run

    @classmethod
    def open(cls, directory: str, settings: Settings) -> FolderCache | None:
        """The cache in `directory`, or None when it cannot be used safely."""
        try:
            cache = cls(os.path.abspath(directory), settings)
            for folder in (directory, cache.root, cache._results, cache._stats):
                os.makedirs(folder, mode=0o700, exist_ok=True)
            st = os.stat(cache.root)
            # Unpickling runs code: refuse a folder that someone else could write to.
            if st.st_uid != os.getuid() or st.st_mode & 0o022:
                return None
            tag = os.path.join(directory, "CACHEDIR.TAG")
            if not os.path.exists(tag):
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
        job_part = repr(_canon(job)).encode()
        h = self._base.copy()
        h.update(b"stat\0" + job_part)
        h.update(repr(stats).encode())
        stat_key = h.hexdigest()
        # A stat entry exists only for tuples that were not racy when written; a change since
        # then would have moved ctime, so the tuple still matching means the bytes did too.
        content_key = self._read_text(os.path.join(self._stats, stat_key))
        if content_key is not None:
            found = self._load(content_key)
            if found is not None:
                self.hits += 1
                return found, None
        content_key = self._content_key(job, job_part, stats)
        if content_key is None:
            return None, None
        found = self._load(content_key)
        if found is not None:
            if not racy:
                self._write(os.path.join(self._stats, stat_key), content_key.encode())
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

    def _load(self, content_key: str) -> FolderResult | None:
        path = os.path.join(self._results, content_key)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
                st = os.fstat(fh.fileno())
            found = pickle.loads(data)
        except FileNotFoundError:
            return None
        except Exception:  # partial or corrupt (or from an incompatible build): a miss
            return None
        if not isinstance(found, FolderResult):
            return None
        if time.time() - st.st_mtime > TOUCH_AFTER_SECONDS:  # keep used entries from pruning
            with contextlib.suppress(OSError):
                os.utime(path)
        return found

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
            again = self._content_key(job, repr(_canon(job)).encode(), None)
            if again != pending.content_key:
                return
        data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        path = os.path.join(self._results, pending.content_key)
        if not self._write(path, data):
            return
        self.stored += 1
        self._written.append(path)
        if not pending.racy:
            self._write(os.path.join(self._stats, pending.stat_key), pending.content_key.encode())

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

    def _read_text(self, path: str) -> str | None:
        try:
            with open(path, "rb") as fh:
                text = fh.read(200).decode("ascii")
        except (OSError, UnicodeDecodeError):
            return None
        return text if len(text) == 64 and all(c in "0123456789abcdef" for c in text) else None

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
            if time.time() - os.stat(marker).st_mtime < PRUNE_EVERY_SECONDS:
                return
        except OSError:
            pass
        with contextlib.suppress(OSError):
            with open(marker, "wb"):
                pass
            prune(self.root)


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
                st = entry.stat()
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
