"""The figures of issue 17 for one Go tree: a cold run against the parse floor, and the
edit-check loop of pre-commit hooks and editors.

    python benchmarks/speed.py TREE [--jobs 2] [--edit PATH] [--lsp] [--repeat 1]

Prints the tree's files and MB, the time to read and parse every file once in one process
(the floor), then `goconc check ./... --no-cache --jobs N`: wall time, its ratio to the
floor, and the peak RSS of the parent and of the largest worker process.

With ``--edit PATH`` (a .go file, relative to TREE) it copies TREE to a temporary folder
(the checkout is never written), runs `goconc check ./...` there to fill a cache, then, as a
developer's loop does: `goconc check ./... --format sarif` and `--select MU001` on the
unchanged tree (format and selection served by the cache), then appends a line to PATH and
times a fresh `goconc check PATH` (what a pre-commit hook runs), and the same again (warm). With
``--lsp`` also the language server's analysis (`cli/lsp.analyse_buffers`, the protocol left
out) of PATH's buffer: on opening it, then after an edit of the buffer.

The machine's load changes the figures: the script prints `uptime`'s load averages first.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import bench  # benchmarks/bench.py: the floor and a measured goconc process

from goconc.analyzer.packages import discover


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def cold(tree: str, jobs: int, cache_dir: str) -> None:
    found = discover(["./..."], cwd=tree)
    paths = sorted({p for job in found.jobs for p in job.files})
    size, floor, floor_cpu = bench.read_and_parse(paths)
    biggest = max(found.jobs, key=lambda j: len(j.files))
    print(
        f"{tree}: {len(paths)} files, {size / 1e6:.1f} MB, {len(found.jobs)} folders "
        f"(largest {os.path.relpath(biggest.folder, tree)}, {len(biggest.files)} files); "
        f"read+parse (1 process) {floor:.2f} s (CPU {floor_cpu:.2f} s)",
        flush=True,
    )
    check = ["check", "./...", "--format", "json", "-q", "--no-cache", "--jobs", str(jobs)]
    wall, code, rss = bench.goconc(check, tree, os.path.join(cache_dir, "cold"))
    largest = f", peak RSS parent {rss[0]} MiB, largest worker {rss[1]} MiB" if rss else ""
    # CPU per process against the floor's CPU: steadier than wall times on a loaded machine.
    cpu = (
        f", CPU {rss[2]:.1f} s = {rss[2] / jobs / floor_cpu:.2f}x the floor per process"
        if rss
        else ""
    )
    print(
        f"goconc --jobs {jobs} --no-cache: {wall:.2f} s (exit {code}), "
        f"{wall / floor:.2f}x the floor{cpu}{largest}",
        flush=True,
    )


def parts(tree: str, jobs: int) -> None:
    """The largest folder's CPU seconds in one process, and of each part it is split into
    for ``jobs`` workers (engine/runner.py: parts_of): on idle cores, the longest part is
    the folder's wall time. CPU seconds move less with the machine's load than wall times."""
    from goconc.engine.model import Settings
    from goconc.engine.registry import select_codes
    from goconc.engine.runner import Part, analyze_folder, collect_less, parts_of

    found = discover(["./..."], cwd=tree)
    biggest = max(found.jobs, key=lambda j: len(j.files))
    settings = Settings(select_codes())
    collect_less()

    def cpu(part: Part | None = None) -> float:
        start = time.process_time()
        analyze_folder(biggest, settings, None, part)
        return time.process_time() - start

    whole = cpu()
    shares = [cpu(p) for p in parts_of(biggest, jobs) or []]
    split = ", ".join(f"{t:.1f}" for t in shares) or "not split"
    print(
        f"largest folder {os.path.relpath(biggest.folder, tree)}: CPU {whole:.1f} s in one "
        f"process; its parts for {jobs} workers: {split} s"
        + (f" (longest {max(shares) / whole:.0%} of one process)" if shares else ""),
        flush=True,
    )


def edit_loop(tree: str, edited: str, jobs: int, cache_dir: str, lsp: bool) -> None:
    copy = os.path.join(cache_dir, "tree")
    shutil.copytree(tree, copy, ignore=shutil.ignore_patterns(".git"), symlinks=True)
    cache = os.path.join(cache_dir, "loop")
    env = bench._bytecode_kept(cache_dir)
    env["GOCONC_CACHE_DIR"] = cache

    def timed(*args: str) -> str:
        """Wall seconds, and CPU seconds of the process and its workers."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "goconc", *args], cwd=copy, env=env, capture_output=True
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        return f"{wall:.2f} s (CPU {cpu:.2f} s)"

    full = timed("check", "./...", "-q", "--exit-zero", "--jobs", str(jobs))
    print(f"full run filling the cache: {full}", flush=True)
    sarif = timed("check", "./...", "-q", "--exit-zero", "--format", "sarif", "--jobs", str(jobs))
    select = timed("check", "./...", "-q", "--exit-zero", "--select", "MU001", "--jobs", str(jobs))
    print(
        f"unchanged tree again: --format sarif {sarif}, --select MU001 {select}",
        flush=True,
    )
    path = os.path.join(copy, edited)
    with open(path, "ab") as fh:
        fh.write(b"\n// an edit\n")
    after = timed("check", edited, "-q", "--exit-zero")
    again = timed("check", edited, "-q", "--exit-zero")
    print(
        f"after editing {edited}: `goconc check {edited}` {after}, again (unchanged) {again}",
        flush=True,
    )
    if lsp:
        from goconc.cli.lsp import analyse_buffers

        with open(path, "rb") as source:
            data = source.read()
        real = os.path.realpath(path)
        folder = os.path.dirname(real)

        def analysed(buffer: bytes) -> str:
            start, cpu = time.perf_counter(), time.process_time()
            analyse_buffers(folder, {real: buffer})
            return f"{time.perf_counter() - start:.2f} s (CPU {time.process_time() - cpu:.2f} s)"

        opened = analysed(data)
        changed = analysed(data + b"\n// typing\n")
        print(
            f"language server (analyse_buffers, in process): open {opened}, "
            f"after an edit {changed}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tree")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--edit", metavar="PATH", help="a .go file of TREE for the edit loop")
    parser.add_argument("--lsp", action="store_true", help="with --edit: the language server")
    parser.add_argument("--no-cold", action="store_true", help="only the edit loop")
    parser.add_argument(
        "--parts", action="store_true", help="CPU of the largest folder, whole and split"
    )
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    tree = os.path.abspath(args.tree)
    for round_ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="goconc-speed-") as cache_dir:
            bench._take_snapshot(cache_dir)
            print(f"-- round {round_ + 1}, {load()}", flush=True)
            if not args.no_cold:
                cold(tree, args.jobs, cache_dir)
            if args.parts:
                parts(tree, args.jobs)
            if args.edit:
                edit_loop(tree, args.edit, args.jobs, cache_dir, args.lsp)
            print(f"-- {load()}", flush=True)


if __name__ == "__main__":
    main()
