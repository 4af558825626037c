"""What the commands share: exit codes, UsageError, the version and writing a file whole.

A module of its own so that the graph command and the language server need not import the
entry point (cli/main.py), which imports them.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from goconc.analyzer.packages import Discovery

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, as a shell reports it


class UsageError(Exception):
    """A problem with the command line or configuration: one line, exit 2."""


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("goconc")
    except PackageNotFoundError:
        return "0.0.0+unknown"


def check_paths(discovery: Discovery) -> None:
    """A named path that does not exist, is not Go, or holds no Go file to report on is an
    error: in CI, a typo must not turn the check into one that always passes."""
    if discovery.missing:
        raise UsageError(f"no such file or directory: {discovery.missing[0]}")
    if discovery.not_go:
        raise UsageError(f"{discovery.not_go[0]}: not a Go file")
    if discovery.empty:
        raise UsageError(
            f"no Go files to analyse in {', '.join(discovery.empty)} (skipped: vendor/, "
            "testdata/, . and _ folders, generated files, exclude globs)"
        )


def check_output(path: str) -> None:
    """Refuse, before any work, an output path that cannot be written: its folder is missing
    or is not a folder, or the path is a folder."""
    real = os.path.realpath(path)
    folder = os.path.dirname(real)
    if os.path.isdir(real):
        raise UsageError(f"cannot write {path}: it is a directory")
    if not os.path.isdir(folder):
        raise UsageError(f"cannot write {path}: no such directory: {os.path.dirname(path) or '.'}")


def write_atomically(path: str, text: str | bytes) -> None:
    """Write `text` (UTF-8) or bytes (a diff) to `path` as the report or graph output.

    A regular file (or a new one) gets the whole text or nothing: a temporary file in the same
    folder is renamed over it, keeping the replaced file's mode (a new file gets the mode the
    umask gives, as with a shell's `>`). A symlink is followed and its target replaced. Any
    other existing file (a device such as /dev/null, a FIFO) is written directly: replacing
    it would put a regular file in its place.
    """
    import stat
    import tempfile

    data = text.encode("utf-8", "backslashreplace") if isinstance(text, str) else text
    real = os.path.realpath(path)
    try:
        existing = os.stat(real)
    except FileNotFoundError:
        existing = None
    except OSError as err:
        raise UsageError(f"cannot write {path}: {err.strerror or err}") from err
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        try:
            with open(real, "wb") as fh:
                fh.write(data)
        except OSError as err:
            raise UsageError(f"cannot write {path}: {err.strerror or err}") from err
        return
    mode = stat.S_IMODE(existing.st_mode) if existing else 0o666 & ~_umask()
    try:
        fd, tmp = tempfile.mkstemp(prefix=".goconc-", suffix=".tmp", dir=os.path.dirname(real))
    except OSError as err:
        raise UsageError(f"cannot write {path}: {err.strerror or err}") from err
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)  # mkstemp makes it 0600
        if existing is not None and hasattr(os, "chown"):
            with contextlib.suppress(OSError):  # allowed to root, or to keep one's own group
                os.chown(tmp, existing.st_uid, existing.st_gid)
        os.replace(tmp, real)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise UsageError(f"cannot write {path}: {err.strerror or err}") from err
        raise


def _umask() -> int:
    """The process's umask; reading it means setting it, so set it straight back."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
