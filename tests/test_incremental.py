"""Runs that reuse earlier work report what a cold run reports.

A run that reports on some files of a package walks only those for most rules (the others
matter through the package's facts), and the cache serves narrower runs from wider entries
(engine/cache.py): after each edit of a sequence, the cached answers for one file, for the
whole package and for a narrower selection are those of a cold `--no-cache` run.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from goconc.analyzer.packages import discover
from goconc.cli.main import main
from goconc.engine.model import Settings
from goconc.engine.registry import known_codes
from goconc.engine.runner import analyze_folder

TESTDATA = Path(__file__).resolve().parent.parent / "testdata"

STORE = """package shop

import "sync"

type Store struct {
	mu    sync.Mutex
	items map[string]int
	audit *Audit
	done  chan struct{}
}

func (s *Store) Put(k string, v int) {
	s.mu.Lock()
	s.items[k] = v
	s.audit.Record(k)
	s.mu.Unlock()
}

func (s *Store) Get(k string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.items[k]
}
"""

AUDIT = """package shop

import "sync"

type Audit struct {
	mu    sync.Mutex
	log   []string
	store *Store
	out   chan string
}

func (a *Audit) Record(k string) {
	a.mu.Lock()
	a.log = append(a.log, k)
	a.mu.Unlock()
}

func (a *Audit) Replay() {
	a.mu.Lock()
	for _, k := range a.log {
		a.store.Get(k)
	}
	a.mu.Unlock()
}
"""

WORKERS = """package shop

import "sync"

func Start(s *Store, keys []string) {
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Add(1)
		go func(k string) {
			defer wg.Done()
			s.Put(k, 1)
		}(k)
	}
	wg.Wait()
}
"""

# (file, old text, new text): each edit changes what another file's findings depend on.
EDITS = [
    # Replay no longer calls into Store: the lock-order cycle goes away.
    ("audit.go", "\t\ta.store.Get(k)\n", "\t\t_ = k\n"),
    # Record sends while holding its lock, and Put (in another file) holds the store's.
    ("audit.go", "\ta.log = append(a.log, k)\n", "\ta.log = append(a.log, k)\n\ta.out <- k\n"),
    # The cycle is back, through a new helper in a new place of the file.
    ("audit.go", "\t\t_ = k\n", "\t\ta.lookup(k)\n"),
    (
        "audit.go",
        "func (a *Audit) Replay",
        "func (a *Audit) lookup(k string) { a.store.Get(k) }\n\nfunc (a *Audit) Replay",
    ),
    # Get stops locking: the cycle goes again, from the other side.
    ("store.go", "\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n\treturn", "\treturn"),
    # A goroutine that may skip Done, counted in another file.
    (
        "workers.go",
        "\t\t\tdefer wg.Done()\n\t\t\ts.Put(k, 1)\n",
        '\t\t\tif k == "" {\n\t\t\t\treturn\n\t\t\t}\n\t\t\ts.Put(k, 1)\n\t\t\twg.Done()\n',
    ),
]


def check(args: list[str], cwd: Path, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit):
        main(["check", "--format", "json", "--jobs", "1", *args])
    out, _ = capsys.readouterr()
    return "\n".join(line for line in out.splitlines() if '"seconds"' not in line)


def test_cached_and_partial_runs_match_cold_runs_after_each_edit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "src"
    (root / "shop").mkdir(parents=True)
    (root / "go.mod").write_text("module example.com/shop\n\ngo 1.22\n")
    for name, text in (("store.go", STORE), ("audit.go", AUDIT), ("workers.go", WORKERS)):
        (root / "shop" / name).write_text(text)
    monkeypatch.setenv("GOCONC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(root)
    asked = [
        ["./..."],
        ["shop/audit.go"],
        ["shop/store.go", "shop/workers.go"],
        ["./...", "--select", "MU"],
        ["shop/workers.go", "--ignore", "MU001"],
    ]
    outputs = set()
    for step in range(len(EDITS) + 1):
        if step:
            name, old, new = EDITS[step - 1]
            path = root / "shop" / name
            text = path.read_text()
            assert old in text
            path.write_text(text.replace(old, new, 1))
        check(["./..."], root, capsys)  # a full run first, as an editor or a hook follows
        for args in asked:
            warm = check(args, root, capsys)
            cold = check([*args, "--no-cache"], root, capsys)
            assert warm == cold, (step, args)
            outputs.add(cold)
    assert len(outputs) > len(asked) + 3  # the edits changed what is found


@pytest.mark.parametrize("folder", sorted(p.name for p in TESTDATA.iterdir() if p.is_dir()))
def test_reporting_on_one_file_finds_what_the_whole_package_finds_there(folder: str) -> None:
    settings = Settings(frozenset(known_codes()), analysis_timeout=0)
    for job in discover([str(TESTDATA / folder)], cwd=str(TESTDATA)).jobs:
        whole = analyze_folder(job, settings)
        for path in job.report_on:
            alone = analyze_folder(attrs.evolve(job, report_on=(path,)), settings)
            assert sorted(alone.diagnostics, key=lambda d: d.sort_key()) == sorted(
                (d for d in whole.diagnostics if d.span.path == path), key=lambda d: d.sort_key()
            ), path
            assert set(alone.notifications) == {n for n in whole.notifications if n.path == path}, (
                path
            )


def test_a_folder_split_over_processes_finds_what_one_process_finds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from goconc.engine import runner

    settings = Settings(frozenset(known_codes()), analysis_timeout=0, fingerprints=True)
    jobs = list(discover([str(TESTDATA)], cwd=str(TESTDATA)).jobs)
    whole = list(runner.run(jobs, settings, 1))
    monkeypatch.setattr(runner, "SPLIT_FILES", 2)
    # Each folder is a small share of the run: none is split, unless the run is small.
    everything = runner.run_bytes(jobs)
    assert all(runner.parts_of(j, 2, everything) is None for j in jobs)
    monkeypatch.setattr(runner, "run_bytes", lambda jobs: 0)
    split = list(runner.run(jobs, settings, 2))
    assert sum(runner.parts_of(j, 2) is not None for j in jobs) > 5
    assert [sorted(r.diagnostics, key=lambda d: d.sort_key()) for r in split] == [
        sorted(r.diagnostics, key=lambda d: d.sort_key()) for r in whole
    ]
    assert [r.notifications for r in split] == [r.notifications for r in whole]
    assert [(r.files, r.packages) for r in split] == [(r.files, r.packages) for r in whole]


def test_a_split_folder_gives_no_fixes_in_a_file_that_does_not_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from goconc.engine import runner

    # A finding with a fix in each file; a.go does not parse. Nothing else parses them in
    # the parent (no ignore directive), so it must be told by the part that did.
    for name, tail in (("a.go", "\nfunc broken( {\n"), ("b.go", "")):
        (tmp_path / name).write_text(
            'package p\n\nimport "sync"\n\n'
            f"type T{name[0]} struct {{\n\tmu sync.Mutex\n\tn  int\n}}\n\n"
            f"func (t *T{name[0]}) Get(k int) int {{\n\tt.mu.Lock()\n\tif k < 0 {{\n"
            "\t\treturn 0\n\t}\n\tt.mu.Unlock()\n\treturn t.n\n}\n" + tail
        )
    settings = Settings(frozenset({"MU003"}), analysis_timeout=0)
    jobs = list(discover([str(tmp_path)], cwd=str(tmp_path)).jobs)
    whole = list(runner.run(jobs, settings, 1))
    monkeypatch.setattr(runner, "SPLIT_FILES", 2)
    assert runner.parts_of(jobs[0], 2) is not None
    split = list(runner.run(jobs, settings, 2))
    fixed = {d.span.path.rsplit("/", 1)[1] for r in whole for d in r.diagnostics if d.fixes}
    assert fixed == {"b.go"}
    assert split == whole
