"""Time goconc on a Go tree against the floor (reading and parsing every file once).

    python benchmarks/bench.py $(go env GOROOT)/src [--jobs 2] [--vet]

Prints files, bytes, single-process read+parse time, goconc's wall time and peak RSS,
their ratio, and with --vet the time of `go vet -copylocks -lostcancel -waitgroup
-loopclosure` over the same packages (run from a Go module root such as GOROOT/src).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time

from goconc.analyzer.packages import discover
from goconc.analyzer.parse import parse


def read_and_parse(paths: list[str]) -> tuple[int, float]:
    total = 0
    start = time.perf_counter()
    for path in paths:
        with open(path, "rb") as fh:
            data = fh.read()
        total += len(data)
        parse(data)
    return total, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("tree")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--vet", action="store_true")
    args = parser.parse_args()
    tree = os.path.abspath(args.tree)
    found = discover(["./..."], cwd=tree)
    paths = sorted({p for job in found.jobs for p in job.files})
    size, floor = read_and_parse(paths)
    print(f"files {len(paths)}  bytes {size / 1e6:.1f} MB  read+parse (1 process) {floor:.2f} s")

    start = time.perf_counter()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "goconc",
            "check",
            "./...",
            "--format",
            "json",
            "-q",
            "--jobs",
            str(args.jobs),
        ],
        cwd=tree,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"goconc --jobs {args.jobs}: {wall:.2f} s wall (exit {run.returncode}), "
        f"{wall / floor:.2f}x read+parse, peak RSS of one process {rss:.0f} MiB"
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
        print(f"go vet: {vet:.2f} s wall; goconc is {vet / wall:.1f}x faster")


if __name__ == "__main__":
    main()
