"""Does the analysis of one package grow linearly with the package?

    python benchmarks/linear.py [--files 25] [--repeat 3] [--keep DIR]

Writes a synthetic Go package of FILES files, then the same package grown x2, x4 and x8 (more
files of the same shape: a type with a mutex and a channel per file, methods of one shared
server type in every file, functions that lock, send, spawn goroutines and call each other
across files), analyses each with every rule in this process (one worker's share of a run, no
cache) and prints the CPU seconds of each size, the median of ``--repeat`` runs, and the ratio
of each size to the one before: linear is 2.0, and the target is at most 2.2 per doubling.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from goconc.analyzer.packages import FolderJob
from goconc.engine.model import Settings
from goconc.engine.registry import all_rules
from goconc.engine.runner import analyze_folder


def shared_file(files: int) -> str:
    fields = "\n".join(f"\tpart{i} *Part{i}" for i in range(files))
    return f"""package synth

import "sync"

// Server is what every file adds methods to, as large services do.
type Server struct {{
\tmu    sync.Mutex
\tstate sync.RWMutex
\tquit  chan struct{{}}
\tin    chan int
\twg    sync.WaitGroup
{fields}
}}

func NewServer() *Server {{
\treturn &Server{{quit: make(chan struct{{}}), in: make(chan int, 8)}}
}}
"""


def part_file(i: int, files: int) -> str:
    j = (i * 7 + 3) % files  # calls reach other files
    k = (i * 13 + 5) % files
    return f"""package synth

import (
\t"sync"
\t"time"
)

type Part{i} struct {{
\tmu    sync.Mutex
\tcount int
\tout   chan int
\tnext  *Part{j}
}}

func (p *Part{i}) Add(n int) {{
\tp.mu.Lock()
\tdefer p.mu.Unlock()
\tp.count += n
}}

func (p *Part{i}) Publish(v int) {{
\tp.mu.Lock()
\tp.out <- v
\tp.mu.Unlock()
}}

func (p *Part{i}) Forward() {{
\tp.mu.Lock()
\tif p.next != nil {{
\t\tp.next.Add(p.count)
\t}}
\tp.mu.Unlock()
}}

func snapshot{i}(p *Part{i}) Part{i} {{
\treturn *p
}}

func (s *Server) getPart{i}() *Part{i} {{
\ts.state.RLock()
\tdefer s.state.RUnlock()
\treturn s.part{i}
}}

func (s *Server) handle{i}(v int) {{
\ts.mu.Lock()
\tp := s.getPart{i}()
\ts.mu.Unlock()
\tif p == nil {{
\t\treturn
\t}}
\tp.Add(v)
\ts.handle{j}Later(v)
}}

func (s *Server) handle{i}Later(v int) {{
\ts.wg.Add(1)
\tgo func() {{
\t\tdefer s.wg.Done()
\t\tselect {{
\t\tcase s.in <- v:
\t\tcase <-s.quit:
\t\t}}
\t}}()
}}

func (s *Server) loop{i}() {{
\tticker := time.NewTicker(time.Second)
\tdefer ticker.Stop()
\tfor {{
\t\tselect {{
\t\tcase <-s.quit:
\t\t\treturn
\t\tcase v := <-s.in:
\t\t\ts.handle{k}(v)
\t\tcase <-ticker.C:
\t\t\ts.mu.Lock()
\t\t\tif p := s.part{i}; p != nil {{
\t\t\t\tp.Forward()
\t\t\t}}
\t\t\ts.mu.Unlock()
\t\t}}
\t}}
}}

func (s *Server) start{i}() {{
\tgo s.loop{i}()
\tvar once sync.Once
\tonce.Do(func() {{ s.handle{i}(0) }})
}}
"""


def write_package(folder: str, files: int) -> list[str]:
    os.makedirs(folder, exist_ok=True)
    paths = [os.path.join(folder, "server.go")]
    with open(paths[0], "w") as fh:
        fh.write(shared_file(files))
    for i in range(files):
        path = os.path.join(folder, f"part{i:04d}.go")
        with open(path, "w") as fh:
            fh.write(part_file(i, files))
        paths.append(path)
    return paths


def analyse(folder: str, paths: list[str]) -> tuple[float, int]:
    """CPU seconds of one analysis, and its number of findings."""
    settings = Settings(frozenset(r.meta.code for r in all_rules()), analysis_timeout=0)
    job = FolderJob(
        folder=folder,
        files=tuple(paths),
        report_on=tuple(paths),
        go_version=(1, 21),
        module_root=None,
    )
    start = time.process_time()
    result = analyze_folder(job, settings)
    return time.process_time() - start, len(result.diagnostics)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=25, help="files at x1")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", metavar="DIR", help="write the packages there and keep them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="goconc-linear-") as tmp:
        root = args.keep or tmp
        previous = 0.0
        worst = 0.0
        for factor in (1, 2, 4, 8):
            folder = os.path.join(root, f"x{factor}")
            paths = write_package(folder, args.files * factor)
            runs = [analyse(folder, paths) for _ in range(args.repeat)]
            cpu = statistics.median(t for t, _ in runs)
            ratio = cpu / previous if previous else 0.0
            worst = max(worst, ratio)
            print(
                f"x{factor}: {len(paths)} files, {runs[0][1]} findings, "
                f"CPU {cpu:.2f} s (median of {args.repeat})"
                + (f", x{ratio:.2f} the size before" if previous else ""),
                flush=True,
            )
            previous = cpu
        print(f"worst ratio per doubling: {worst:.2f} (target <= 2.2)")


if __name__ == "__main__":
    main()
