"""The per-folder result cache: warm hits, invalidation, corruption, concurrency, crashes."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from goconc.analyzer.diagnostics import NoteLevel, Notification
from goconc.analyzer.packages import FolderJob, discover
from goconc.cli.main import main
from goconc.engine import cache as cache_mod
from goconc.engine import runner as engine
from goconc.engine.cache import FolderCache, prune
from goconc.engine.model import FolderResult, Settings
from goconc.engine.registry import known_codes
from goconc.engine.runner import run

FLAGGED = """package {pkg}

import "sync"

func run(items []int) {{
	var wg sync.WaitGroup
	for _, it := range items {{
		go func() {{
			wg.Add(1)
			defer wg.Done()
			_ = it
		}}()
	}}
	wg.Wait()
}}
"""

HELPER = """package {pkg}

func helper() int {{ return 1 }}
"""


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("GOCONC_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    for pkg in ("alpha", "beta"):
        (root / pkg).mkdir(parents=True)
        (root / pkg / "main.go").write_text(FLAGGED.format(pkg=pkg))
        (root / pkg / "util.go").write_text(HELPER.format(pkg=pkg))
    return root


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Folders that analyze_folder was called for (in this process: use --jobs 1)."""
    calls: list[str] = []
    real = engine.analyze_folder

    def analyze(job: FolderJob, settings: Settings) -> FolderResult:
        calls.append(os.path.basename(job.folder))
        return real(job, settings)

    monkeypatch.setattr(engine, "analyze_folder", analyze)
    return calls


def check(
    args: list[str],
    cwd: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[int, str]:
    monkeypatch.chdir(cwd)
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--format", "json", "--jobs", "1", *args])
    out, _ = capsys.readouterr()
    return int(exit_info.value.code or 0), out


def entries(cache_dir: Path, kind: str = "r") -> list[Path]:
    folder = cache_dir / cache_mod.FORMAT / kind
    if not folder.exists():
        return []
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def strip_timing(out: str) -> str:
    return "\n".join(line for line in out.splitlines() if '"seconds"' not in line)


def test_warm_run_is_identical_and_analyses_nothing(
    tree: Path,
    cache_dir: Path,
    spy: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cache_mod, "RACY_SECONDS", 0.0)  # files just written: trust stats
    cold = check(["./..."], tree, capsys, monkeypatch)
    assert sorted(spy) == ["alpha", "beta"]
    assert cold[0] == 1
    assert len(entries(cache_dir)) == 2 and len(entries(cache_dir, "s")) == 2
    spy.clear()
    reads: list[str] = []
    real_key = FolderCache._content_key

    def content_key(self: FolderCache, job: FolderJob, *rest: object) -> str | None:
        reads.append(job.folder)
        return real_key(self, job, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(FolderCache, "_content_key", content_key)
    warm = check(["./..."], tree, capsys, monkeypatch)
    assert spy == []
    assert reads == []  # the stat fast path: no file was read for the cache
    assert warm[0] == cold[0]
    assert strip_timing(warm[1]) == strip_timing(cold[1])


@pytest.mark.parametrize("racy_seconds", [0.0, cache_mod.RACY_SECONDS])
def test_same_size_and_mtime_edit_invalidates_only_its_folder(
    tree: Path,
    cache_dir: Path,
    spy: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    racy_seconds: float,
) -> None:
    monkeypatch.setattr(cache_mod, "RACY_SECONDS", racy_seconds)
    check(["./..."], tree, capsys, monkeypatch)
    spy.clear()
    target = tree / "alpha" / "util.go"
    before = target.stat()
    text = target.read_text()
    target.write_text(text.replace("return 1", "return 2"))
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = target.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    check(["./..."], tree, capsys, monkeypatch)
    assert spy == ["alpha"]
    spy.clear()
    check(["./..."], tree, capsys, monkeypatch)
    assert spy == []


def test_touch_without_change_hits_by_content(
    tree: Path,
    cache_dir: Path,
    spy: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    check(["./..."], tree, capsys, monkeypatch)
    spy.clear()
    os.utime(tree / "beta" / "main.go")  # as after a git checkout: new stat, same bytes
    check(["./..."], tree, capsys, monkeypatch)
    assert spy == []


def test_narrower_selection_format_and_files_reuse_the_entry(
    tree: Path,
    cache_dir: Path,
    spy: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--select/--ignore, --format and naming some files filter a wider entry: no analysis,
    and the output of a cold run asked the same."""
    check(["./..."], tree, capsys, monkeypatch)
    asked = [
        ["./...", "--select", "CX"],
        ["./...", "--ignore", "WG001"],
        ["./...", "--select", "WG001", "--format", "sarif"],
        ["alpha/main.go"],
        ["alpha/util.go", "beta"],
    ]
    warm = []
    for args in asked:
        spy.clear()
        warm.append(check(args, tree, capsys, monkeypatch))
        assert spy == [], args
    for args, found in zip(asked, warm, strict=True):
        cold = check([*args, "--no-cache"], tree, capsys, monkeypatch)
        assert strip_timing(found[1]) == strip_timing(cold[1]), args
        assert found[0] == cold[0]
    assert warm[0][0] == 0 and warm[1][0] == 0 and warm[2][0] == 1 and warm[3][0] == 1


def test_changing_settings_invalidates_and_narrow_entries_keep_the_wide_one(
    tree: Path,
    cache_dir: Path,
    spy: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tree / ".goconc.toml").write_text("")
    check(["./..."], tree, capsys, monkeypatch)
    (tree / ".goconc.toml").write_text('go-version = "1.21"\n')
    spy.clear()
    check(["./..."], tree, capsys, monkeypatch)
    assert sorted(spy) == ["alpha", "beta"]
    (tree / "alpha" / "util.go").write_text(HELPER.format(pkg="alpha") + "\n// edited\n")
    spy.clear()
    check(["alpha/util.go", "--select", "CX"], tree, capsys, monkeypatch)  # a narrow entry
    check(["./..."], tree, capsys, monkeypatch)  # the wide one, in the folder's slot
    assert spy == ["alpha", "alpha"]
    spy.clear()
    check(["alpha/util.go", "--select", "CX"], tree, capsys, monkeypatch)
    check(["./..."], tree, capsys, monkeypatch)
    assert spy == []


def test_unused_ignore_is_told_again_for_a_narrower_selection(
    tree: Path,
    cache_dir: Path,
    spy: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tree / "alpha" / "util.go").write_text(
        HELPER.format(pkg="alpha")
        + "\n//goconc:ignore CX001,WG001 kept for the test\nfunc other() {}\n"
    )
    check(["./..."], tree, capsys, monkeypatch)
    spy.clear()
    warm = check(["./...", "--select", "GC,WG"], tree, capsys, monkeypatch)
    assert spy == []
    assert "//goconc:ignore WG001 suppresses nothing here" in warm[1]
    assert "CX001" not in warm[1]
    cold = check(["./...", "--select", "GC,WG", "--no-cache"], tree, capsys, monkeypatch)
    assert strip_timing(warm[1]) == strip_timing(cold[1])


def test_corrupt_entry_is_a_miss_and_is_replaced(
    tree: Path,
    cache_dir: Path,
    spy: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cold = check(["./..."], tree, capsys, monkeypatch)
    spy.clear()
    results = entries(cache_dir)
    results[0].write_bytes(b"\x80\x05not an entry")
    results[1].write_bytes(forged(b'{"not": "a result"}'))
    warm = check(["./..."], tree, capsys, monkeypatch)
    assert sorted(spy) == ["alpha", "beta"]
    assert strip_timing(warm[1]) == strip_timing(cold[1])
    for path in entries(cache_dir):
        assert set(json.loads(payload(path))) == {"kind", "key", "folder", "body"}


def forged(body: bytes) -> bytes:
    """An entry with a valid checksum over ``body``: what only a deliberate forger makes."""
    return hashlib.blake2b(body, digest_size=32).hexdigest().encode() + b"\n" + body


def payload(entry: Path) -> bytes:
    checksum, _, rest = entry.read_bytes().partition(b"\n")
    assert checksum == hashlib.blake2b(rest, digest_size=32).hexdigest().encode()
    return rest


def test_flipped_bits_are_misses_never_different_results(
    tree: Path,
    cache_dir: Path,
    spy: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Pickled entries: of 40 single-bit flips, 11 gave silently different results (an end
    # column 16 -> 17) and 5 a traceback. Now each entry carries its checksum.
    monkeypatch.setattr(cache_mod, "RACY_SECONDS", 0.0)  # stat entries too
    cold = check(["./..."], tree, capsys, monkeypatch)
    for entry in [*entries(cache_dir), *entries(cache_dir, "s")]:
        good = entry.read_bytes()
        for at in range(0, len(good), max(1, len(good) // 40)):
            spy.clear()
            bad = bytearray(good)
            bad[at] ^= 1 << (at % 8)
            entry.write_bytes(bytes(bad))
            warm = check(["./..."], tree, capsys, monkeypatch)
            assert strip_timing(warm[1]) == strip_timing(cold[1])
            # A damaged result: that folder is analysed again. A damaged stat entry: found
            # again by content.
            assert len(spy) == (1 if entry.parent.name == "r" else 0)
            entry.write_bytes(good)


def test_forged_entries_are_misses(
    tree: Path,
    cache_dir: Path,
    spy: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cold = check(["./..."], tree, capsys, monkeypatch)
    alpha, beta = entries(cache_dir)
    if b"/alpha" not in alpha.read_bytes():
        alpha, beta = beta, alpha
    good = beta.read_bytes()
    # With a valid checksum: beta's entry holding alpha's result, an entry naming another
    # key, a body of the wrong shape, a span that ends before it starts, a path of another
    # folder, and JSON nested deeper than the decoder goes.
    entry = json.loads(payload(beta))
    theirs = json.loads(payload(alpha))
    wrong_result = {**entry, "body": theirs["body"]}
    wrong_key = {**entry, "key": theirs["key"]}
    result = entry["body"]["result"]
    shape = {**entry, "body": {**entry["body"], "result": {**result, "files": "2"}}}
    diagnostic = result["diagnostics"][0]
    backwards = json.loads(json.dumps(entry))
    backwards["body"]["result"]["diagnostics"][0]["span"] = [*diagnostic["span"][:5], 9, 3]
    elsewhere = json.loads(json.dumps(entry))
    elsewhere["body"]["result"]["diagnostics"][0]["span"][0] = "/etc/passwd"
    # What the entry says it covers: a file of another folder, codes that are not strings.
    covers = entry["body"]["covers"]
    other_file = json.loads(json.dumps(entry))
    other_file["body"]["covers"]["report_on"] = [*covers["report_on"], "/etc/passwd"]
    codes = json.loads(json.dumps(entry))
    codes["body"]["covers"]["enabled"] = [1, 2]
    for body in (wrong_result, wrong_key, shape, backwards, elsewhere, other_file, codes):
        spy.clear()
        beta.write_bytes(forged(json.dumps(body).encode()))
        warm = check(["./..."], tree, capsys, monkeypatch)
        assert strip_timing(warm[1]) == strip_timing(cold[1]) and spy == ["beta"]
    spy.clear()
    beta.write_bytes(forged(b"[" * 100_000 + b"]" * 100_000))
    assert strip_timing(check(["./..."], tree, capsys, monkeypatch)[1]) == strip_timing(cold[1])
    assert spy == ["beta"]
    assert beta.read_bytes() == good  # rewritten by the miss


def test_stat_entry_of_another_folder_is_a_miss(
    tree: Path,
    cache_dir: Path,
    spy: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A stat entry that points at another folder's result used to be trusted.
    monkeypatch.setattr(cache_mod, "RACY_SECONDS", 0.0)
    cold = check(["./..."], tree, capsys, monkeypatch)
    first, second = entries(cache_dir, "s")
    first.write_bytes(second.read_bytes())  # copied: its key is not the file's name
    stat_entry = json.loads(payload(second))
    results = [json.loads(payload(e)) for e in entries(cache_dir)]
    other = next(r["key"] for r in results if r["folder"] != stat_entry["folder"])
    second.write_bytes(forged(json.dumps({**stat_entry, "body": other}).encode()))
    spy.clear()
    warm = check(["./..."], tree, capsys, monkeypatch)
    assert strip_timing(warm[1]) == strip_timing(cold[1])
    assert spy == []  # both found again by content, each its own


def test_same_files_in_another_folder_are_their_own(
    tree: Path,
    cache_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    check(["./..."], tree, capsys, monkeypatch)
    copy = tmp_path / "copy"
    shutil.copytree(tree, copy)
    code, out = check(["./..."], copy, capsys, monkeypatch)
    assert code == 1 and len(entries(cache_dir)) == 4
    paths = {f["path"] for f in json.loads(out)["findings"]}
    assert paths == {"alpha/main.go", "beta/main.go"}  # relative to the copy, not the tree


def test_entries_are_never_executed_nor_waited_on_nor_followed(
    tree: Path,
    cache_dir: Path,
    tmp_path: Path,
    spy: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cache_mod, "RACY_SECONDS", 0.0)
    cold = check(["./..."], tree, capsys, monkeypatch)
    results, stats = entries(cache_dir), entries(cache_dir, "s")
    # A pickle that runs code when loaded (a cache folder restored from another branch).
    planted = tmp_path / "planted"

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.mkdir, (str(planted),))

    results[0].write_bytes(pickle.dumps(Payload()))
    # A FIFO (opening it to read would block) and a symlink to a good entry elsewhere.
    results[1].unlink()
    os.mkfifo(results[1])
    outside = tmp_path / "outside"
    outside.write_bytes(stats[0].read_bytes())
    stats[0].unlink()
    stats[0].symlink_to(outside)
    marker = cache_dir / cache_mod.FORMAT / "last-prune"
    marker.unlink()
    os.mkfifo(marker)  # opened to write at the end of a run that stored something
    monkeypatch.setattr(cache_mod, "PRUNE_EVERY_SECONDS", 0.0)
    spy.clear()
    warm = check(["./..."], tree, capsys, monkeypatch)
    assert strip_timing(warm[1]) == strip_timing(cold[1])
    assert sorted(spy) == ["alpha", "beta"] and not planted.exists()


def test_cache_folders_that_are_links_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    (folder / cache_mod.FORMAT).mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (folder / cache_mod.FORMAT / "r").symlink_to(elsewhere)
    assert FolderCache.open(str(folder), Settings(enabled=frozenset())) is None


def test_goconc_version_is_in_the_key(tree: Path, cache_dir: Path) -> None:
    jobs = list(discover(["./..."], cwd=str(tree)).jobs)
    settings = Settings(enabled=known_codes())
    for version, hits in (("1.0", 0), ("1.0", 2), ("1.1", 0)):
        cache = FolderCache.open(str(cache_dir), settings, version)
        assert cache is not None
        list(run(jobs, settings, 1, cache=cache))
        assert cache.hits == hits


def test_truncated_entry_is_a_miss(
    tree: Path,
    cache_dir: Path,
    spy: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    check(["./..."], tree, capsys, monkeypatch)
    spy.clear()
    for path in entries(cache_dir):
        path.write_bytes(path.read_bytes()[:20])
    assert check(["./..."], tree, capsys, monkeypatch)[0] == 1
    assert sorted(spy) == ["alpha", "beta"]


def test_no_cache_writes_nothing(
    tree: Path,
    cache_dir: Path,
    spy: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    check(["./...", "--no-cache"], tree, capsys, monkeypatch)
    assert not cache_dir.exists()
    check(["./...", "--no-cache"], tree, capsys, monkeypatch)
    assert sorted(spy) == ["alpha", "alpha", "beta", "beta"]


def test_cache_dir_option_beats_environment(
    tree: Path,
    cache_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = tmp_path / "elsewhere"
    check(["./...", "--cache-dir", str(other)], tree, capsys, monkeypatch)
    assert not cache_dir.exists()
    assert len(entries(other)) == 2
    assert (other / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172")


def test_default_folder_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GOCONC_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_mod.default_cache_dir() == str(tmp_path / "goconc")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_mod.default_cache_dir() == str(tmp_path / ".cache" / "goconc")


def test_crash_results_are_not_cached(
    tree: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def crashing(job: FolderJob, settings: Settings) -> FolderResult:
        calls.append(job.folder)
        note = Notification(NoteLevel.ERROR, "boom", path=job.folder, crash=True)
        return FolderResult((), (note,), 0, 0)

    monkeypatch.setattr(engine, "analyze_folder", crashing)
    jobs = list(discover(["./..."], cwd=str(tree)).jobs)
    settings = Settings(enabled=known_codes())
    for _ in range(2):
        cache = FolderCache.open(str(cache_dir), settings)
        assert cache is not None
        results = list(run(jobs, settings, 1, cache=cache))
        assert all(r.notifications[0].crash for r in results)
    assert len(calls) == 4
    assert entries(cache_dir) == []


def test_parallel_run_with_cache_matches_uncached(tree: Path, cache_dir: Path) -> None:
    for i in range(4):  # enough folders for the pool
        (tree / f"gamma{i}").mkdir()
        (tree / f"gamma{i}" / "main.go").write_text(FLAGGED.format(pkg=f"gamma{i}"))
    jobs = list(discover(["./..."], cwd=str(tree)).jobs)
    settings = Settings(enabled=known_codes())
    plain = list(run(jobs, settings, 2))
    cache = FolderCache.open(str(cache_dir), settings)
    assert cache is not None
    cold = list(run(jobs, settings, 2, cache=cache))
    assert cache.stored == len(jobs)
    warm_cache = FolderCache.open(str(cache_dir), settings)
    assert warm_cache is not None
    warm = list(run(jobs, settings, 2, cache=warm_cache))
    assert warm_cache.hits == len(jobs) and warm_cache.misses == 0
    assert plain == cold == warm


def test_concurrent_threads_share_a_cache(tree: Path, cache_dir: Path) -> None:
    jobs = list(discover(["./..."], cwd=str(tree)).jobs)
    settings = Settings(enabled=known_codes())
    expected = list(run(jobs, settings, 1))
    outcomes: list[list[FolderResult]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                cache = FolderCache.open(str(cache_dir), settings)
                assert cache is not None
                outcomes.append(list(run(jobs, settings, 1, cache=cache)))
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(outcomes) == 20 and all(o == expected for o in outcomes)


def test_concurrent_processes_share_a_cache(tree: Path, cache_dir: Path) -> None:
    env = {**os.environ, "GOCONC_CACHE_DIR": str(cache_dir)}
    command = [sys.executable, "-m", "goconc", "check", "./...", "--format", "json"]
    runs = [
        subprocess.Popen(command, cwd=tree, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in runs]
    assert [p.returncode for p in runs] == [1, 1, 1]
    assert len({strip_timing(o) for o in outputs}) == 1
    assert len(entries(cache_dir)) == 2


def test_unsafe_cache_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    (folder / cache_mod.FORMAT).mkdir(parents=True)
    os.chmod(folder / cache_mod.FORMAT, 0o777)
    assert FolderCache.open(str(folder), Settings(enabled=frozenset())) is None


def test_unwritable_cache_folder_does_not_break_the_run(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, out = check(["./...", "--cache-dir", str(blocker / "sub")], tree, capsys, monkeypatch)
    assert code == 1 and '"WG001"' in out


def test_prune_deletes_oldest_first(tmp_path: Path) -> None:
    root = tmp_path / cache_mod.FORMAT
    (root / "r").mkdir(parents=True)
    (root / "s").mkdir()
    for i in range(6):
        path = root / "r" / f"{i:064x}"
        path.write_bytes(b"x" * 100)
        os.utime(path, (1000 + i, 1000 + i))
    stale = root / "s" / ".tmp-dead"
    stale.write_bytes(b"")
    os.utime(stale, (1000, 1000))
    assert prune(str(root), max_bytes=10_000, max_entries=4) == 3
    assert sorted(p.name[-1] for p in (root / "r").iterdir()) == ["2", "3", "4", "5"]
    assert prune(str(root), max_bytes=250, max_entries=100) == 2
    assert sorted(p.name[-1] for p in (root / "r").iterdir()) == ["4", "5"]


def test_code_change_changes_the_stamp(tmp_path: Path) -> None:
    package = tmp_path / "goconc"
    (package / "rules").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    rule = package / "rules" / "wg001.py"
    rule.write_text("LIMIT = 1\n")
    (package / "notes.txt").write_text("not code")
    first = cache_mod.stamp_of(str(package))
    assert cache_mod.stamp_of(str(package)) == first
    (package / "notes.txt").write_text("still not code")
    assert cache_mod.stamp_of(str(package)) == first
    rule.write_text("LIMIT = 2\n")
    assert cache_mod.stamp_of(str(package)) != first
    assert cache_mod.code_stamp() is cache_mod.code_stamp()  # computed once per process


def test_code_edit_during_the_run_discards_its_entries(
    tree: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = list(discover(["./..."], cwd=str(tree)).jobs)
    settings = Settings(enabled=known_codes())
    cache = FolderCache.open(str(cache_dir), settings)
    assert cache is not None
    list(run(jobs, settings, 1, cache=cache))
    assert len(entries(cache_dir)) == 2
    monkeypatch.setattr(cache_mod, "_package_stamp", lambda: b"edited meanwhile")
    cache.close()
    assert entries(cache_dir) == []


def test_every_result_of_the_testdata_round_trips_through_json() -> None:
    # No result goconc produces is refused by the strict decoder (it would always miss).
    from goconc.engine.codec import result_from_json, result_to_json

    root = Path(__file__).parent.parent / "testdata"
    jobs = discover([str(root)], cwd=str(root), default_excludes=False).jobs
    settings = Settings(enabled=known_codes(), fingerprints=True)
    seen = 0
    for job in jobs:
        result = engine.analyze_folder(job, settings)
        text = json.dumps(result_to_json(result))
        assert result_from_json(json.loads(text)) == result
        seen += len(result.diagnostics)
    assert seen > 100
