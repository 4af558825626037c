"""codeql-action's ``primaryLocationLineHash``, computed for every line of a file.

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

_MASK = (1 << 64) - 1
_BASE = 37
_WINDOW = 100
_EOF = 65535
_LF = 0x0A
_BASE_POW = pow(_BASE, _WINDOW, 1 << 64)  # weight of the unit that leaves the window

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


def line_hashes(data: bytes) -> list[str]:
    """``primaryLocationLineHash`` of every line of ``data``; index 0 is line 1."""
    units = _code_units(data)
    # Every line starts at index 0 or right after an LF, and the EOF marker starts a last line
    # when the file is empty or ends with a line terminator.
    starts = [0]
    starts.extend(i + 1 for i, unit in enumerate(units) if unit == _LF)
    units.append(_EOF)
    units.extend([0] * _WINDOW)

    hashes: list[str] = []
    counts: dict[str, int] = {}
    pending = iter(starts)
    next_start = next(pending)
    value = 0
    for i, unit in enumerate(units):
        leaving = units[i - _WINDOW] if i >= _WINDOW else 0
        value = (value * _BASE + unit - _BASE_POW * leaving) & _MASK
        # The window [start, start + 100) is complete once its last unit has been added.
        if i == next_start + _WINDOW - 1:
            key = format(value, "x")
            counts[key] = counts.get(key, 0) + 1
            hashes.append(f"{key}:{counts[key]}")
            next_start = next(pending, -1)
            if next_start < 0:
                break
    return hashes
