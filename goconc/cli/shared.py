"""What the commands share: exit codes, UsageError, the version and writing a file whole.

A module of its own so that the graph command and the language server need not import the
entry point (cli/main.py), which imports them.
"""

from __future__ import annotations

import contextlib
import os

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


def write_atomically(path: str, text: str) -> None:
    """Write the whole file or nothing: a temporary file in the same folder, then rename."""
    import tempfile

    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".goconc-", suffix=".tmp", dir=folder)
    except OSError as err:
        raise UsageError(f"cannot write {path}: {err.strerror or err}") from err
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise UsageError(f"cannot write {path}: {err.strerror or err}") from err
        raise
