"""Reading a file that may be anything by the time we open it.

A path that held a Go file when it was discovered can hold a FIFO (an open would block
forever), a device (`/dev/zero`: a read never ends), or a symlink to either, when we come
back to it: to analyse it, to show a line of it, to hash it for the cache. Every such read
goes through ``read_regular``: opened without blocking, checked to be a regular file, and
read up to a limit.
"""

from __future__ import annotations

import errno
import os
import stat


class NotRegularFile(OSError):
    """The path is a FIFO, socket, device or folder."""


class FileTooLarge(OSError):
    """The file holds more bytes than the caller's limit."""


def read_regular(path: str, limit: int, *, follow: bool = True) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Raises NotRegularFile, FileTooLarge, or another OSError (the file is missing,
    unreadable, or, with ``follow=False``, a symlink). Never blocks on a FIFO or a device
    (``O_NONBLOCK``; the type is checked on the open descriptor, so a swap after a check
    cannot fool it)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(errno.EINVAL, "not a regular file", path)
        if info.st_size > limit:
            raise FileTooLarge(errno.EFBIG, f"larger than {limit} bytes", path)
        chunks: list[bytes] = []
        size, want = 0, info.st_size + 1  # one byte more: it may have grown since fstat
        while size <= limit:
            chunk = os.read(fd, min(want, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            want = 1 << 16
        if size > limit:
            raise FileTooLarge(errno.EFBIG, f"larger than {limit} bytes", path)
        return b"".join(chunks)
    finally:
        os.close(fd)
