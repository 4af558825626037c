"""primaryLocationLineHash must equal what github/codeql-action computes on upload."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goconc.analyzer.parse import parse
from goconc.analyzer.source import SourceFile
from goconc.engine.fingerprint import LineHashes, line_hashes

# Test vectors of codeql-action's src/fingerprints.test.ts ("hash" test), verbatim.
CODEQL_VECTORS: list[tuple[str, list[str]]] = [
    ("", ["c129715d7a2bc9a3:1"]),
    (
        " a\nb\n  \t\tc\n d",
        ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"],
    ),
    (
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
        [
            "8b7cf3e952e7aeb2:1",
            "b1ae1287ec4718d9:1",
            "bff680108adb0fcc:1",
            "c6805c5e1288b612:1",
            "b86d3392aea1be30:1",
            "e6ceba753e1a442:1",
        ],
    ),
    *(
        (
            text,
            [
                "e9496ae3ebfced30:1",
                "fb7c023a8b9ccb3f:1",
                "ce8ba1a563dcdaca:1",
                "e20e36e16fcb0cc8:1",
                "b3edc88f2938467e:1",
                "c8e28b0b4002a3a0:1",
                "c129715d7a2bc9a3:1",
            ],
        )
        for text in (
            " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
            " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
            " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
            " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
        )
    ),
    (
        "Lorem ipsum dolor sit amet.\n" * 10,
        [
            "a7f2ff13bc495cf2:1",
            "a7f2ff13bc495cf2:2",
            "a7f2ff13bc495cf2:3",
            "a7f2ff13bc495cf2:4",
            "a7f2ff13bc495cf2:5",
            "a7f2ff13bc495cf2:6",
            "a7f2ff1481e87703:1",
            "a9cf91f7bbf1862b:1",
            "55ec222b86bcae53:1",
            "cc97dc7b1d7d8f7b:1",
            "c129715d7a2bc9a3:1",
        ],
    ),
    (
        "x = 2\nx = 1\nprint(x)\nx = 3\nprint(x)\nx = 4\nprint(x)\n",
        [
            "e54938cc54b302f1:1",
            "bb609acbe9138d60:1",
            "1131fd5871777f34:1",
            "5c482a0f8b35ea28:1",
            "54517377da7028d2:1",
            "2c644846cb18d53e:1",
            "f1b89f20de0d133:1",
            "c129715d7a2bc9a3:1",
        ],
    ),
]

# codeql-action's "addFingerprints" test: src/testdata/testFile{1,2}.js and the hashes that
# fingerprinting.expected.sarif records for line 1 and line 2.
TEST_FILE_1 = b"var a = 0;\nvar b = 0;\nvar c = 0;\nvar d = 0;\n"
TEST_FILE_2 = b"var foo = 0;\nvar bar = 0;\nvar baz = 0;\nvar qux = 0;\n"

# Computed by a line-for-line BigInt port of fingerprints.ts hash() run under Node, reading the
# files with fs.createReadStream(path, "utf8") in 7-byte chunks: pins non-ASCII text, astral
# characters, a BOM, invalid UTF-8 and CR/space/LF mixes to Node's decoding.
NODE_VECTORS: list[tuple[bytes, list[str]]] = [
    (
        'package main\n\n// héllo 😀 世界\nfunc main() {\n\ts := "naïve"\n\t_ = s\n}\n'.encode(),
        [
            "6a42c895132a9a83:1",
            "d3cb35ff28be6340:1",
            "a43ea7dae463c5d6:1",
            "f627710440cb686f:1",
            "7ace76bf640d8c14:1",
            "1859b5ca68d9f7f:1",
            "32dce9ccfdbc9d3e:1",
            "c129715d7a2bc9a3:1",
        ],
    ),
    (
        b"\xef\xbb\xbfpackage p\r\n\r\nvar x = 1\r\n",
        ["ce937ad5c654cc83:1", "4f7276778167e04e:1", "836af93fb4e2d8dc:1", "c129715d7a2bc9a3:1"],
    ),
    (
        b"a\xffb\n\xe2\x82\nc\xed\xa0\x80\n\xf0\x80\x80z",
        ["cf2cca28ce39a9c1:1", "ed2365da5d70a92b:1", "92e0966822863a88:1", "dfe46767bd1cb8bc:1"],
    ),
    (
        b"a\r \nb\r\t\nc",
        [
            "c52f781a43dbc195:1",
            "73409ca04f7d2c2e:1",
            "b0367d257df6d03c:1",
            "1c206f60a702cfe8:1",
            "188ff2f224477a1e:1",
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), CODEQL_VECTORS)
def test_codeql_action_vectors(text: str, expected: list[str]) -> None:
    assert line_hashes(text.encode("utf-8")) == expected
    # The codeql test's own check: one hash per line as /\r\n|\r|\n/ splits them.
    assert len(expected) == len(re.split(r"\r\n|\r|\n", text))


def test_codeql_action_add_fingerprints_vectors() -> None:
    assert line_hashes(TEST_FILE_1)[0] == "5e4d5a9cf1294ad9:1"
    assert line_hashes(TEST_FILE_2)[1] == "f7592a95a9381ac0:1"


@pytest.mark.parametrize(("data", "expected"), NODE_VECTORS)
def test_node_vectors(data: bytes, expected: list[str]) -> None:
    assert line_hashes(data) == expected


def reference(data: bytes) -> list[str]:
    """fingerprints.ts hash() transcribed statement by statement (a ring buffer, signed 64-bit)."""
    block = 100
    mask = (1 << 64) - 1
    first_mod = pow(37, block, 1 << 64)
    window = [0] * block
    line_numbers = [-1] * block
    state = {"hash": 0, "index": 0, "line": 0, "start": True, "cr": False}
    counts: dict[str, int] = {}
    out: list[tuple[int, str]] = []

    def output() -> None:
        value = format(state["hash"], "x")
        counts[value] = counts.get(value, 0) + 1
        out.append((line_numbers[state["index"]], f"{value}:{counts[value]}"))
        line_numbers[state["index"]] = -1

    def update(current: int) -> None:
        index = state["index"]
        begin = window[index]
        window[index] = current
        state["hash"] = (37 * state["hash"] + current - first_mod * begin) & mask
        state["index"] = (index + 1) % block

    def process(current: int) -> None:
        if current in (0x20, 0x09) or (state["cr"] and current == 0x0A):
            state["cr"] = False
            return
        if current == 0x0D:
            current = 0x0A
            state["cr"] = True
        else:
            state["cr"] = False
        if line_numbers[state["index"]] != -1:
            output()
        if state["start"]:
            state["start"] = False
            state["line"] += 1
            line_numbers[state["index"]] = state["line"]
        if current == 0x0A:
            state["start"] = True
        update(current)

    encoded = data.decode("utf-8", "replace").encode("utf-16-le")
    for i in range(0, len(encoded), 2):
        process(int.from_bytes(encoded[i : i + 2], "little"))
    process(65535)
    for _ in range(block):
        if line_numbers[state["index"]] != -1:
            output()
        update(0)
    assert [n for n, _ in out] == list(range(1, len(out) + 1))
    return [h for _, h in out]


PIECES = [b" ", b"\t", b"\r", b"\n", b"\r\n", b"x", b"{", b"\xc3\xa9", b"\xf0\x9f\x98\x80"]
PIECES += [b"\xe4\xb8\xad", b"\xef\xbb\xbf", b"\xff", b"\xe2\x82", b"\xed\xa0\x80"]
files = st.lists(st.sampled_from(PIECES), max_size=400).map(b"".join)


@settings(max_examples=300, deadline=None)
@given(files)
def test_matches_a_literal_port(data: bytes) -> None:
    assert line_hashes(data) == reference(data)


@settings(max_examples=200, deadline=None)
@given(files)
def test_one_hash_per_source_file_line(data: bytes) -> None:
    # Line i of a Span (SourceFile's numbering) is hash i - 1: LF, CRLF and lone CR end lines
    # in both, and a file ending in a line end has a final empty line in both.
    source = SourceFile("/x.go", data, parse(data))
    assert len(line_hashes(data)) == len(source.line_starts)


def test_identical_lines_are_counted() -> None:
    data = b"\n".join([b"mu.Lock()"] * 3 + [b"x"] * 200)
    hashes = line_hashes(data)
    # The three mu.Lock() windows reach different distances into the x lines: all distinct.
    assert len(set(hashes[:3])) == 3
    # From line 4 on, 100-unit windows of "x\nx\n..." repeat until the end of file is in reach.
    repeated = hashes[3:6]
    assert len({h.split(":")[0] for h in repeated}) == 1
    assert [h.split(":")[1] for h in repeated] == ["1", "2", "3"]


@settings(max_examples=200, deadline=None)
@given(files, st.lists(st.integers(min_value=0, max_value=500), max_size=8))
def test_lines_asked_for_alone_hash_as_in_the_whole_file(data: bytes, picks: list[int]) -> None:
    # Reporters hash only the lines with findings, each on its own: same value and count.
    whole = reference(data)
    asked = LineHashes(data)
    for i in picks:
        if i < len(whole):
            assert asked[i] == whole[i]
    assert len(asked) == len(whole)
