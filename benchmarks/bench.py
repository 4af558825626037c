"""Time goconc on a Go tree against the floor (reading and parsing every file once).

    python benchmarks/bench.py $(go env GOROOT)/src [--jobs 2] [--uncached] [--vet]
        [--no-default-excludes] [--repeat 3]
    python benchmarks/bench.py $(go env GOROOT)/src --pre-commit log/slog

Prints files, bytes, single-process read+parse time, then goconc's wall time and peak RSS
(of the parent process and of the largest worker) for a cold run (empty cache, in a temporary
folder) and a warm re-run on the unchanged tree, with their ratio. --uncached adds a run with
--no-cache (the cost of the cache on a cold run); --vet the time of `go vet -copylocks
-lostcancel -waitgroup -loopclosure` over the same packages (run from a Go module root such
as GOROOT/src). --pre-commit FOLDER times `goconc check` on three files of that folder (relative
to the tree), as a pre-commit hook runs it: a fresh process, cold then warm cache.

--repeat N measures the floor and the runs N times, one round after the other, and adds the
median of the rounds' ratios: on a shared machine whose speed drifts from minute to minute,
a ratio taken within one round is steadier than one taken across rounds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import goconc as goconc_package
from goconc.analyzer.packages import discover
from goconc.analyzer.parse import parse

# Runs goconc's CLI in this child and reports, on exit, its own peak RSS and its workers',
# and the CPU seconds of all of them.
_MEASURED = """
import atexit, resource, sys
def report():
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    sys.stderr.write(f"\\nBENCH-RSS {me.ru_maxrss // 1024} {kids.ru_maxrss // 1024} {cpu}\\n")
atexit.register(report)
sys.argv = ["goconc", *sys.argv[1:]]
from goconc.cli.main import main
main()
"""


def read_and_parse(paths: list[str]) -> tuple[int, float, float]:
    """Bytes, wall seconds and CPU seconds."""
    total = 0
    cpu = time.process_time()
    start = time.perf_counter()
    for path in paths:
        with open(path, "rb") as fh:
            data = fh.read()
        total += len(data)
        parse(data)
    return total, time.perf_counter() - start, time.process_time() - cpu


def _bytecode_kept(folder: str) -> dict[str, str]:
    """The environment, but with .pyc files written (to `folder`/pyc) and used.

    An installed package has its bytecode compiled; with PYTHONDONTWRITEBYTECODE=1 (as set in
    some development shells) every start would recompile every module, about 0.1 s.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = os.path.join(folder, "pyc")
    if _snapshot:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (_snapshot, env.get("PYTHONPATH"))))
    return env


_snapshot = ""  # a frozen copy of goconc's code, so the runs measure one and the same version


def _take_snapshot(folder: str) -> None:
    """Copy goconc's package aside: an edit to the checkout during the benchmark (others at
    work) would change the cache's code stamp and turn the warm run into a cold one."""
    global _snapshot
    package = os.path.dirname(os.path.abspath(goconc_package.__file__))
    _snapshot = os.path.join(folder, "snapshot")
    shutil.copytree(
        package, os.path.join(_snapshot, "goconc"), ignore=shutil.ignore_patterns("__pycache__")
    )


def goconc(
    args: list[str], cwd: str, cache_dir: str
) -> tuple[float, int, tuple[int, int, float] | None]:
    """Wall seconds, exit code, and (parent, largest worker) peak RSS in MiB with the CPU
    seconds of all processes."""
    env = _bytecode_kept(cache_dir)
    env["GOCONC_CACHE_DIR"] = cache_dir
    start = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-c", _MEASURED, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    rss = None
    for line in run.stderr.splitlines():
        if line.startswith("BENCH-RSS "):
            parent, workers, cpu = line.split()[1:]
            rss = int(parent), int(workers), float(cpu)
    return wall, run.returncode, rss


def describe(
    name: str, wall: float, code: int, rss: tuple[int, int, float] | None, floor: float
) -> str:
    memory = f", peak RSS parent {rss[0]} MiB, largest worker {rss[1]} MiB" if rss else ""
    cpu = f", CPU {rss[2]:.2f} s" if rss else ""
    return f"{name}: {wall:.2f} s wall (exit {code}), {wall / floor:.2f}x read+parse{cpu}{memory}"


def pre_commit(tree: str, folder: str, cache_dir: str) -> None:
    where = os.path.join(tree, folder)
    names = sorted(n for n in os.listdir(where) if n.endswith(".go"))
    picked = [n for n in names if not n.endswith("_test.go")][:3]
    # The console script as installed, without shims: what a hook would run.
    script = os.path.join(os.path.dirname(sys.executable), "goconc")
    command = [script] if os.access(script, os.X_OK) else [sys.executable, "-m", "goconc"]
    env = _bytecode_kept(cache_dir)

    def timed(*args: str, cache: str = "") -> float:
        env["GOCONC_CACHE_DIR"] = os.path.join(cache_dir, cache or "none")
        start = time.perf_counter()
        subprocess.run([*command, *args], cwd=where, env=env, capture_output=True)
        return time.perf_counter() - start

    timed("check", "-q", "--no-cache", *picked)  # compiles the bytecode
    cold = min(timed("check", "-q", *picked, cache=f"cold{i}") for i in range(3))
    warm = min(timed("check", "-q", *picked, cache="cold0") for _ in range(3))
    bare = min(timed("version") for _ in range(3))
    print(
        f"pre-commit: goconc check {' '.join(picked)} in {folder} ({len(names)} .go files), "
        f"best of 3: cold cache {cold:.2f} s, warm {warm:.2f} s "
        f"(`goconc version` alone {bare:.2f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("tree")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--vet", action="store_true")
    parser.add_argument("--uncached", action="store_true", help="also time --no-cache")
    parser.add_argument("--pre-commit", metavar="FOLDER", help="only the pre-commit case")
    parser.add_argument("--repeat", type=int, default=1, help="rounds (median ratio of each)")
    parser.add_argument(
        "--no-default-excludes",
        action="store_true",
        help="include vendor/, testdata/ and generated files (as goconc's flag of that name)",
    )
    args = parser.parse_args()
    tree = os.path.abspath(args.tree)
    with tempfile.TemporaryDirectory(prefix="goconc-bench-") as cache_dir:
        _take_snapshot(cache_dir)
        if args.pre_commit:
            pre_commit(tree, args.pre_commit, cache_dir)
            return
        found = discover(["./..."], cwd=tree, default_excludes=not args.no_default_excludes)
        paths = sorted({p for job in found.jobs for p in job.files})
        check = ["check", "./...", "--format", "json", "-q", "--jobs", str(args.jobs)]
        if args.no_default_excludes:
            check.append("--no-default-excludes")
        ratios: dict[str, list[float]] = {}
        for round_ in range(1, args.repeat + 1):
            if args.repeat > 1:
                print(f"-- round {round_}")
            size, floor, floor_cpu = read_and_parse(paths)
            print(
                f"files {len(paths)}  bytes {size / 1e6:.1f} MB  folders {len(found.jobs)}  "
                f"read+parse (1 process) {floor:.2f} s (CPU {floor_cpu:.2f} s)"
            )
            cache = os.path.join(cache_dir, f"round{round_}")
            if args.uncached:
                wall, code, rss = goconc([*check, "--no-cache"], tree, cache)
                print(describe(f"goconc --jobs {args.jobs} --no-cache", wall, code, rss, floor))
                ratios.setdefault("--no-cache", []).append(wall / floor)
            cold, code, rss = goconc(check, tree, cache)
            print(describe(f"goconc --jobs {args.jobs} cold cache", cold, code, rss, floor))
            ratios.setdefault("cold cache", []).append(cold / floor)
            if rss:  # steadier than wall times where the machine's speed drifts
                share = rss[2] / args.jobs / floor_cpu
                print(f"cold CPU / {args.jobs} processes = {share:.2f}x the floor's CPU")
                ratios.setdefault("cold CPU per process", []).append(share)
            warm, code, rss = goconc(check, tree, cache)
            print(describe(f"goconc --jobs {args.jobs} warm cache", warm, code, rss, floor))
            print(f"warm/cold {warm / cold:.1%}")
        if args.repeat > 1:
            print(
                "median of the rounds' ratios to read+parse: "
                + ", ".join(f"{name} {statistics.median(r):.2f}x" for name, r in ratios.items())
            )

    go = shutil.which("go")
    if args.vet and go:
        start = time.perf_counter()
        subprocess.run(
            [go, "vet", "-copylocks", "-lostcancel", "-waitgroup", "-loopclosure", "./..."],
            cwd=tree,
            capture_output=True,
            text=True,
        )
        vet = time.perf_counter() - start
        print(f"go vet: {vet:.2f} s wall; goconc (cold) is {vet / cold:.1f}x faster")


if __name__ == "__main__":
    main()
