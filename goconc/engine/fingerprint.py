"""codeql-action's ``primaryLocationLineHash`` of the lines of a file.

A port of ``hash()`` in github/codeql-action ``src/fingerprints.ts``: the file is decoded as
UTF-8 (invalid bytes become U+FFFD) and read as UTF-16 code units; spaces and tabs are skipped;
CRLF and lone CR become LF. Each line's hash is a rolling hash (base 37, modulo 2**64) over the
100 code units that start at the line's first kept unit, running across line ends and, past the
end of the file, over 65535 and then zeros. The value is the hash in lower-case hex without
leading zeros, ``:``, and the 1-based count of lines so far with the same hash.

Lines are numbered as ``SourceFile`` numbers them (LF, CRLF and lone CR all end a line; a file
ending in a line terminator has a final empty line), so index ``i`` is the hash of line ``i + 1``.
"""

from __future__ import annotations

import re
import sys
from array import array
from collections.abc import Sequence
from typing import overload

_MASK = (1 << 64) - 1
_BASE = 37
_WINDOW = 100
_EOF = 65535
_LF = 0x0A

# CR LF and lone CR both become LF. Only an LF directly after the CR is folded: codeql-action
# resets its "previous was CR" flag on a skipped space or tab, so "\r \n" is two line ends.
_NEWLINES = re.compile("\r\n?")


def _code_units(data: bytes) -> array[int]:
    """The hashed UTF-16 code units: line ends normalised, spaces and tabs removed."""
    text = data.decode("utf-8", "replace")
    text = _NEWLINES.sub("\n", text).replace(" ", "").replace("\t", "")
    units = array("H", text.encode("utf-16-le"))
    if sys.byteorder == "big":
        units.byteswap()
    return units


class LineHashes(Sequence[str]):
    """``primaryLocationLineHash`` of each line of one file; index 0 is line 1.

    Only the lines asked for are hashed (a finding's file is hashed at a handful of lines,
    not unit by unit): each hash is computed directly over its 100-unit window, and its count
    is the number of earlier line starts whose window holds the same units (found by
    ``bytes.find``), which is what equal hashes mean short of a 64-bit collision.
    """

    def __init__(self, data: bytes) -> None:
        units = _code_units(data)
        units.append(_EOF)
        units.extend([0] * _WINDOW)
        self._units = units
        self._bytes = units.tobytes()
        # Every line starts at unit 0 or right after an LF; the EOF marker starts a last line
        # when the file is empty or ends with a line terminator.
        lf = array("H", [_LF]).tobytes()
        starts = [0]
        end = 2 * (len(units) - 1 - _WINDOW)  # the LFs of the text, not the padding
        i = self._bytes.find(lf, 0, end)
        while i >= 0:
            if i % 2 == 0:
                starts.append(i // 2 + 1)
            i = self._bytes.find(lf, i + 1, end)
        self._starts = starts
        self._start_set = frozenset(starts)

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        start = self._starts[index]
        value = 0
        for unit in self._units[start : start + _WINDOW]:
            value = (value * _BASE + unit) & _MASK
        return f"{value:x}:{self._same_windows(start)}"

    def _same_windows(self, start: int) -> int:
        """How many line starts up to ``start`` begin the same 100 units."""
        data = self._bytes
        window = data[2 * start : 2 * (start + _WINDOW)]
        count = 0
        i = data.find(window, 0, 2 * start + len(window))
        while i >= 0:
            if i % 2 == 0 and i // 2 in self._start_set:
                count += 1
            i = data.find(window, i + 1, 2 * start + len(window))
        return count


def line_hashes(data: bytes) -> list[str]:
    """``primaryLocationLineHash`` of every line of ``data`` (tests and small files)."""
    return list(LineHashes(data))
