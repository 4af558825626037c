"""Discovery: command-line paths -> Go package folders to analyse.

A Go package is one folder. Every argument names a file, a folder (analysed recursively, as
linters do, unlike `go build dir`), or a Go pattern `dir/...` (the same as `dir`). While walking
we skip what the go tool skips (`vendor`, `testdata`, names starting with `.` or `_`) plus the
user's exclude globs; a folder named on the command line is always entered.

Files named on the command line (pre-commit passes every staged file) still obey the skip rules
and excludes, and bring their whole folder along as context: siblings hold the methods and
fields a rule needs, but findings are reported on the named files only.

Discovery never raises for a bad entry on disk: dangling symlinks, loops, unreadable folders
and non-regular `.go` entries become `problems`; arguments that do not exist are `missing`.
Paths are POSIX (this module assumes os.sep == "/").
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Sequence
from fnmatch import fnmatchcase

import attrs

# Go's own skips (go help packages); on by default, off with default_excludes=False.
_SKIPPED_DIRS = frozenset({"vendor", "testdata"})
# Never source code and possibly huge: skipped even with default_excludes=False.
_VCS_DIRS = frozenset({".git", ".hg", ".svn", ".bzr", ".jj"})
# The generated-code marker must precede the package clause; headers are short.
_HEAD_BYTES = 8192
_GEN_PREFIX = b"// Code generated "
_GEN_SUFFIX = b" DO NOT EDIT."
_GO_DIRECTIVE = re.compile(rb'^[ \t]*go[ \t]+"?(\d+)\.(\d+)', re.MULTILINE)
# Go assumes this language version for a go.mod without a `go` line.
_GO_MOD_DEFAULT = (1, 16)


@attrs.frozen
class FolderJob:
    folder: str  # absolute POSIX path, symlinks resolved
    files: tuple[str, ...]  # every .go file of the folder, for context (resolved, sorted)
    report_on: tuple[str, ...]  # the subset to report findings on
    go_version: tuple[int, int] | None  # from the nearest go.mod; None when there is none
    module_root: str | None  # folder of that go.mod


@attrs.frozen
class Discovery:
    jobs: tuple[FolderJob, ...]
    problems: tuple[tuple[str, str], ...]  # (absolute path as reached, message), sorted
    missing: tuple[str, ...]  # command-line arguments that do not exist, as given
    empty: tuple[str, ...] = ()  # folder arguments, as given, with no file to report on
    not_go: tuple[str, ...] = ()  # file arguments, as given, whose name is not *.go


def leading_comments(data: bytes) -> tuple[list[tuple[int, int]], int | None]:
    """The comments before a file's first code, as (start, end) byte ranges, and where that
    code starts: None when the bytes end first or a block comment is never closed."""
    found: list[tuple[int, int]] = []
    i = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    n = len(data)
    while i < n:
        if data[i] in b" \t\r\n":
            i += 1
        elif data.startswith(b"//", i):
            end = data.find(b"\n", i)
            end = n if end < 0 else end
            found.append((i, end))
            i = end + 1
        elif data.startswith(b"/*", i):
            end = data.find(b"*/", i + 2)
            if end < 0:
                return found, None
            found.append((i, end + 2))
            i = end + 2
        else:
            return found, i
    return found, None


def is_generated(data: bytes) -> bool:
    """Go's rule: a `// Code generated ... DO NOT EDIT.` line before the package clause.

    Only the first few KB are examined. Like go/ast, a marker line inside a block comment counts,
    and carriage returns are ignored.
    """
    head = data[:_HEAD_BYTES]
    if _GEN_PREFIX not in head:  # fast path: almost every file
        return False
    truncated = len(data) > _HEAD_BYTES
    for start, end in leading_comments(head)[0]:
        text = head[start:end]
        if text.startswith(b"//"):
            if truncated and end == len(head):
                return False  # the line may go on past what we read
            if _is_marker(text):
                return True
        elif any(_is_marker(line) for line in text.split(b"\n")):
            return True
    return False


_PACKAGE_NAME = re.compile(
    rb"package(?:[ \t\r\n]|/\*.*?\*/)+([A-Za-z_\x80-\xff][\w\x80-\xff]*)", re.S
)


def package_clause(data: bytes) -> tuple[int, str] | None:
    """(where a file's package clause starts, its name), read from the bytes: what precedes
    the clause may only be blanks and comments. None when the bytes are anything less plain."""
    start = leading_comments(data)[1]
    if start is None:
        return None
    m = _PACKAGE_NAME.match(data, start)
    if m is None or not m.group(1).isascii():
        return None
    return start, m.group(1).decode()


def _is_marker(line: bytes) -> bool:
    line = line.replace(b"\r", b"")
    return (
        line.startswith(_GEN_PREFIX)
        and line.endswith(_GEN_SUFFIX)
        and len(line) >= len(_GEN_PREFIX) + len(_GEN_SUFFIX)  # the two must not overlap
    )


_GO_MOD_CACHE: dict[str, tuple[tuple[int, int] | None, str | None]] = {}


def go_version_of(folder: str) -> tuple[tuple[int, int] | None, str | None]:
    """(language version, module root) from the nearest go.mod at or above `folder`.

    `go 1.22.3` and `go 1.23rc1` give (1, 22) and (1, 23); a go.mod without a `go` line means
    go 1.16, as for the go tool. (None, None) when there is no go.mod. Cached per folder.
    """
    chain: list[str] = []
    current = os.path.abspath(folder)
    result: tuple[tuple[int, int] | None, str | None] = (None, None)
    while True:
        cached = _GO_MOD_CACHE.get(current)
        if cached is not None:
            result = cached
            break
        chain.append(current)
        go_mod = os.path.join(current, "go.mod")
        if os.path.isfile(go_mod):  # isfile: never open a FIFO or folder named go.mod
            result = (_read_go_directive(go_mod), current)
            break
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    for visited in chain:
        _GO_MOD_CACHE[visited] = result
    return result


def clear_go_version_cache() -> None:
    """For long-lived processes (editors, tests) where go.mod files change."""
    _GO_MOD_CACHE.clear()


def _read_go_directive(go_mod: str) -> tuple[int, int] | None:
    try:
        with open(go_mod, "rb") as f:
            data = f.read()
    except OSError:
        return None
    match = _GO_DIRECTIVE.search(data)
    if match is None:
        return _GO_MOD_DEFAULT
    return int(match[1]), int(match[2])


@attrs.frozen
class _Glob:
    pattern: str
    dir_only: bool


def _compile_excludes(patterns: Sequence[str]) -> tuple[_Glob, ...]:
    globs: list[_Glob] = []
    for pattern in patterns:
        while pattern.startswith("./"):
            pattern = pattern[2:]
        dir_only = False
        if pattern.endswith("/**"):
            pattern, dir_only = pattern[:-3], True
        elif pattern.endswith("/"):
            pattern, dir_only = pattern.rstrip("/"), True
        if not pattern:
            continue
        globs.append(_Glob(pattern, dir_only))
        if pattern.startswith("**/"):  # fnmatch's `*` spans `/` but needs the leading `/`
            globs.append(_Glob(pattern[3:], dir_only))
    return tuple(globs)


def _excluded(globs: tuple[_Glob, ...], rel: str, name: str, is_dir: bool) -> bool:
    return any(
        (is_dir or not g.dir_only) and (fnmatchcase(rel, g.pattern) or fnmatchcase(name, g.pattern))
        for g in globs
    )


def _path_excluded(globs: tuple[_Glob, ...], rel_path: str) -> bool:
    """A file is excluded when its path, its name, or any parent folder matches."""
    parts = rel_path.split("/")
    for k in range(1, len(parts)):
        if _excluded(globs, "/".join(parts[:k]), parts[k - 1], True):
            return True
    return _excluded(globs, rel_path, parts[-1], False)


def matches_any(patterns: Sequence[str], rel_path: str) -> bool:
    """Exclude-style glob matching for a relative POSIX file path (used for per-file-ignores)."""
    return _path_excluded(_compile_excludes(patterns), rel_path)


def posix_path(path: str, sep: str = os.sep) -> str:
    """A path as goconc keeps it on every system: with `/` (Windows takes `C:/src/a.go` as
    well as `C:\\src\\a.go`), so paths compare, join and print the same everywhere."""
    return path if sep == "/" else path.replace(sep, "/")


def _rel(path: str, root: str) -> str:
    return os.path.relpath(path, root).replace(os.sep, "/")


def _join_rel(rel: str, name: str) -> str:
    return name if rel == "." else f"{rel}/{name}"


@attrs.define
class _Folder:
    """What we learned about one real folder."""

    logical: str  # the first absolute path it was reached by (for messages and globs)
    rel: str  # `logical` relative to the exclude root
    files: list[str] | None = None  # resolved .go files, once listed
    walked: bool = False
    explicit: set[str] = attrs.Factory(set)


class _Walker:
    def __init__(
        self, cwd: str, exclude: Sequence[str], exclude_root: str, default_excludes: bool
    ) -> None:
        self.cwd = cwd
        self.exclude_root = exclude_root
        self.globs = _compile_excludes(exclude)
        self.default_excludes = default_excludes
        self.folders: dict[str, _Folder] = {}
        self.visited: set[tuple[int, int]] = set()
        self.problems: set[tuple[str, str]] = set()
        # A file reached through a symlink: its real path -> the path it was reached by, where
        # a problem reading it is reported (the real path may be anything: /proc/<pid>/mem).
        self.reached_as: dict[str, str] = {}
        self.missing: list[str] = []
        self.not_go: list[str] = []
        # Folder arguments: (as given, logical path, the real folders it reached, including
        # those walked before from another argument).
        self.folder_args: list[tuple[str, str, list[str]]] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.add((path, message))

    def os_problem(self, path: str, err: OSError, *, reading: bool = False) -> None:
        if err.errno == errno.ELOOP:
            self.problem(path, "symlink loop")
        elif err.errno == errno.ENOENT and os.path.islink(path):
            self.problem(path, "dangling symlink")
        elif isinstance(err, PermissionError):
            self.problem(path, "permission denied")
        else:
            self.problem(
                path, ("cannot read file: " if reading else "") + (err.strerror or str(err))
            )

    def skip_name(self, name: str, is_dir: bool) -> bool:
        if name in _VCS_DIRS and is_dir:
            return True
        if not self.default_excludes:
            return False
        return name[0] in "._" or (is_dir and name in _SKIPPED_DIRS)

    # -- arguments ------------------------------------------------------------------------

    def add_argument(self, arg: str) -> None:
        path = arg
        if path == "..." or path.endswith("/..."):  # Go pattern: same as the folder
            path = path[:-3] or "."
        logical = posix_path(os.path.normpath(os.path.join(self.cwd, path)))
        try:
            st = os.stat(logical)
        except FileNotFoundError:
            if os.path.islink(logical):
                self.problem(logical, "dangling symlink")
            else:
                self.missing.append(arg)
            return
        except NotADirectoryError:
            self.missing.append(arg)
            return
        except OSError as err:
            self.os_problem(logical, err)
            return
        if stat.S_ISDIR(st.st_mode):
            real = posix_path(os.path.realpath(logical))
            self.folder_args.append((arg, logical, [real]))
            self.walk(logical, real, (st.st_dev, st.st_ino))
        elif not logical.endswith(".go"):
            self.not_go.append(arg)
        elif not stat.S_ISREG(st.st_mode):
            self.problem(logical, "not a regular file")
        elif not self.explicit_file_skipped(logical):
            real = posix_path(os.path.realpath(logical))
            self.reached_as.setdefault(real, logical)
            folder_logical = os.path.dirname(logical)
            folder = self.folder(posix_path(os.path.realpath(folder_logical)), folder_logical)
            folder.explicit.add(real)

    def explicit_file_skipped(self, logical: str) -> bool:
        """Pre-commit passes every staged file: apply the walk's rules to its path too."""
        parts = [p for p in _rel(logical, self.cwd).split("/") if p not in ("", ".", "..")]
        for k, name in enumerate(parts):
            if self.skip_name(name, k < len(parts) - 1):
                return True
        return bool(self.globs) and _path_excluded(self.globs, _rel(logical, self.exclude_root))

    def folder(self, real: str, logical: str) -> _Folder:
        found = self.folders.get(real)
        if found is None:
            found = self.folders[real] = _Folder(logical, _rel(logical, self.exclude_root))
        return found

    # -- walking --------------------------------------------------------------------------

    def walk(self, logical: str, real: str, key: tuple[int, int]) -> None:
        if key in self.visited:
            return  # named twice, or already reached from another argument
        self.visited.add(key)
        ancestors: set[tuple[int, int]] = set()
        # Iterative DFS (trees can be deeper than Python's recursion limit); a None entry
        # marks the point where the folder on top of `current` has been fully walked.
        stack: list[tuple[str, str, tuple[int, int]] | None] = [(logical, real, key)]
        current: list[tuple[int, int]] = []  # keys of the folders from the root down
        while stack:
            item = stack.pop()
            if item is None:
                ancestors.discard(current.pop())
                continue
            logical, real, key = item
            ancestors.add(key)
            current.append(key)
            stack.append(None)
            subdirs = self.scan(self.folder(real, logical), real, recurse=True)
            for sub_logical, sub_real, sub_key in reversed(subdirs):
                if sub_key in ancestors:
                    self.problem(sub_logical, "symlink loop")
                elif sub_key not in self.visited:
                    self.visited.add(sub_key)
                    stack.append((sub_logical, sub_real, sub_key))
                elif self.folder_args:  # walked from elsewhere: this argument reaches it too
                    self.folder_args[-1][2].append(sub_real)

    def scan(
        self, folder: _Folder, real: str, *, recurse: bool
    ) -> list[tuple[str, str, tuple[int, int]]]:
        """List a folder's .go files into `folder`; return its sub-folders to walk."""
        files: list[str] = []
        subdirs: list[tuple[str, str, tuple[int, int]]] = []
        try:
            with os.scandir(real) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as err:
            self.os_problem(folder.logical, err)
            entries = []
        for entry in entries:
            name = entry.name
            if self.default_excludes and name[0] in "._":
                continue  # hidden and _ entries: skipped whatever they are or point to
            is_go = name.endswith(".go")
            path = f"{folder.logical}/{name}"
            try:
                is_link = entry.is_symlink()
                if is_link:
                    if not (is_go or recurse):
                        continue
                    mode = os.stat(entry.path).st_mode  # follows the link
                    is_dir, is_reg = stat.S_ISDIR(mode), stat.S_ISREG(mode)
                else:
                    is_dir = entry.is_dir(follow_symlinks=False)  # d_type: no syscall
                    is_reg = not is_dir and entry.is_file(follow_symlinks=False)
            except OSError as err:
                if is_go or err.errno == errno.ELOOP:
                    self.os_problem(path, err)
                continue  # a dangling link not named .go may be anything: ignore it
            if is_dir:
                if not recurse or self.skip_name(name, True):
                    continue
                rel = _join_rel(folder.rel, name)
                if self.globs and _excluded(self.globs, rel, name, True):
                    continue
                try:
                    st = os.stat(entry.path) if is_link else entry.stat(follow_symlinks=False)
                except OSError as err:
                    self.os_problem(path, err)
                    continue
                sub_real = posix_path(os.path.realpath(entry.path)) if is_link else f"{real}/{name}"
                subdirs.append((path, sub_real, (st.st_dev, st.st_ino)))
            elif is_go:
                if not is_reg:
                    self.problem(path, "not a regular file")  # FIFO, socket, device: never open
                    continue
                if self.globs and _excluded(self.globs, _join_rel(folder.rel, name), name, False):
                    continue
                if is_link:
                    target = posix_path(os.path.realpath(entry.path))
                    self.reached_as.setdefault(target, path)
                    files.append(target)
                else:
                    files.append(f"{real}/{name}")
        folder.files = files
        folder.walked = folder.walked or recurse
        return subdirs

    # -- results --------------------------------------------------------------------------

    def jobs(self) -> tuple[FolderJob, ...]:
        jobs: list[FolderJob] = []
        reported: dict[str, str] = {}  # resolved file -> folder that reports it
        for real in sorted(self.folders):
            folder = self.folders[real]
            if folder.files is None:  # only explicit files so far: list siblings for context
                self.scan(folder, real, recurse=False)
            files = set(folder.files or ())
            files.update(folder.explicit)
            candidates = files if folder.walked else folder.explicit
            report_on: list[str] = []
            for path in sorted(candidates):
                generated = self.generated(path)
                if generated is None:
                    files.discard(path)
                elif not generated:
                    report_on.append(path)
            if not report_on:
                continue
            version, module_root = go_version_of(real)
            jobs.append(
                FolderJob(real, tuple(sorted(files)), tuple(report_on), version, module_root)
            )
            for path in report_on:
                reported.setdefault(path, real)
        return _dedupe_reports(jobs, reported)

    def empty_arguments(self, jobs: Sequence[FolderJob]) -> tuple[str, ...]:
        """The folder arguments below which no job reports on a file. A folder counts as below
        an argument by its real path or by the path it was first reached by (a symlinked
        sub-folder), so an argument also reached from another argument is not empty."""
        reached = [(job.folder, self.folders[job.folder].logical) for job in jobs]
        return tuple(
            arg
            for arg, logical, reals in self.folder_args
            if not any(
                _within(reached_as, logical) or any(_within(folder, real) for real in reals)
                for folder, reached_as in reached
            )
        )

    def generated(self, path: str) -> bool | None:
        """None when the file cannot be read (reported as a problem)."""
        try:
            # O_NONBLOCK: should a FIFO replace the file since we looked, open must not hang.
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            try:
                head = os.read(fd, _HEAD_BYTES + 1)
            finally:
                os.close(fd)
        except OSError as err:
            self.os_problem(self.reached_as.get(path, path), err, reading=True)
            return None
        return is_generated(head)


def _dedupe_reports(jobs: list[FolderJob], reported: dict[str, str]) -> tuple[FolderJob, ...]:
    """A file reached through symlinks from several folders is reported once: by its real
    folder when that folder reports it, else by the first folder in sorted order."""
    reporting = {job.folder: set(job.report_on) for job in jobs}
    owner = dict(reported)
    for path in reported:
        home = os.path.dirname(path)
        if path in reporting.get(home, ()):
            owner[path] = home
    result: list[FolderJob] = []
    for job in jobs:
        keep = tuple(p for p in job.report_on if owner[p] == job.folder)
        if keep:
            result.append(job if keep == job.report_on else attrs.evolve(job, report_on=keep))
    return tuple(result)


def _within(path: str, folder: str) -> bool:
    try:
        return os.path.commonpath([path, folder]) == os.path.normpath(folder)
    except ValueError:  # Windows: another drive
        return False


def discover(
    paths: Sequence[str],
    *,
    cwd: str,
    exclude: Sequence[str] = (),
    default_excludes: bool = True,
    exclude_root: str | None = None,
) -> Discovery:
    """Find the Go package folders to analyse for the command-line `paths` (default `.`).

    `exclude` globs are matched with fnmatch (case-sensitive; `*` also matches `/`) against
    the path relative to `exclude_root` (default `cwd`; pass the config file's folder) and
    against the base name; a pattern ending in `/` matches folders only. Folders whose job
    would report on nothing (empty, all generated) are left out.
    """
    cwd = posix_path(os.path.abspath(cwd))
    root = posix_path(os.path.abspath(exclude_root or cwd))
    walker = _Walker(cwd, exclude, root, default_excludes)
    for arg in paths or (".",):
        walker.add_argument(arg)
    jobs = walker.jobs()
    return Discovery(
        jobs,
        tuple(sorted(walker.problems)),
        tuple(walker.missing),
        walker.empty_arguments(jobs),
        tuple(walker.not_go),
    )
