"""Runs the enabled rules over folders of Go files, in parallel, and gathers the results.

A folder is the unit of work: its files are read, split into packages by their package
clause (`x` and `x_test`), walked once per file by all rules, and dropped before the next
folder, so memory stays at one package at a time. A file is parsed only when something needs
its tree: a rule whose tokens it may hold, or a declaration that another file's analysis
looks up (see symbols.py); most files of most packages are never parsed. Nothing a file or
a rule does can stop the others: every failure becomes a notification.
"""

from __future__ import annotations

import contextlib
import gc
import os
import queue
import signal
import threading
import time
import traceback
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from goconc.analyzer.diagnostics import Diagnostic, NoteLevel, Notification
from goconc.analyzer.facts import Package
from goconc.analyzer.fileio import FileTooLarge, NotRegularFile, read_regular
from goconc.analyzer.packages import FolderJob
from goconc.analyzer.parse import syntax_errors, syntax_warning
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.engine import suppress
from goconc.engine.model import MAX_FILE_BYTES, OVER_BUDGET, FolderResult, Settings
from goconc.engine.registry import all_rules, known_codes
from goconc.engine.walker import BatchedWalker

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing.connection import Connection

    from goconc.engine.cache import FolderCache, Pending


@attrs.frozen
class Part:
    """A share of a large folder's work, for one worker process: every rule over ``files``,
    except the package-wide ones (``Rule.package_wide``), which only the ``wide`` part runs,
    over every file. Its findings are raw (not yet through the folder's ignore directives):
    ``merge_parts`` finishes the folder from all its parts."""

    wide: bool
    files: tuple[str, ...]


def analyze_folder(
    job: FolderJob,
    settings: Settings,
    overrides: Mapping[str, bytes] | None = None,
    part: Part | None = None,
) -> FolderResult:
    """Analyse one folder, or one ``part`` of it; never raises.

    ``overrides`` maps paths (as in ``job.files``) to the bytes to analyse instead of what is
    on disk, such as an editor's unsaved buffers; such a path need not exist on disk."""
    try:
        return _analyze_folder(job, settings, overrides or {}, part)
    except Exception as err:  # a bug of ours outside any rule: lose this folder only
        note = Notification(
            NoteLevel.ERROR,
            f"internal error while analysing this folder: {err!r}",
            path=job.folder,
            detail=traceback.format_exc(),
            crash=True,
        )
        return FolderResult((), (note,), 0, 0)


def _analyze_folder(
    job: FolderJob, settings: Settings, overrides: Mapping[str, bytes], part: Part | None
) -> FolderResult:
    notes: list[Notification] = []
    report_on = set(job.report_on)
    told = part is None or part.wide  # what reading the files finds is told by one part
    files: list[SourceFile] = []
    for path in job.files:
        source = load_source(
            path, settings, notes, report=told and path in report_on, data=overrides.get(path)
        )
        if source is not None:
            files.append(source)
    packages: dict[str, list[SourceFile]] = {}
    for f in files:
        packages.setdefault(package_name(f), []).append(f)
    diagnostics: list[Diagnostic] = []
    rule_classes = [r for r in all_rules() if r.meta.code in settings.enabled]
    if part is not None and not part.wide:
        rule_classes = [r for r in rule_classes if not r.package_wide]
    walk_on = report_on if part is None else report_on & set(part.files)
    for name, pkg_files in sorted(packages.items()):
        if not any(f.path in (report_on if told else walk_on) for f in pkg_files):
            continue
        go_version = job.go_version or settings.default_go_version
        pkg = Package(name, job.folder, pkg_files, go_version)
        found, walked = _run_rules(pkg, rule_classes, settings, notes, walk_on, report_on)
        if part is None:
            diagnostics.extend(_finish(pkg_files, found, report_on, settings))
        else:  # the parent finishes them (merge_parts), but only this process has the trees
            diagnostics.extend(_without_guessed_fixes(pkg_files, _dedupe(found)))
        for f in pkg_files:
            if f.path in walked:
                if f.problem is not None:
                    notes.append(Notification(NoteLevel.WARNING, f.problem, path=f.path))
                else:
                    _syntax_warnings(f, notes, go_version)
        pkg.release()
    return FolderResult(tuple(diagnostics), _in_file_order(job, notes), len(files), len(packages))


def _in_file_order(job: FolderJob, notes: Iterable[Notification]) -> tuple[Notification, ...]:
    """Notes in the order of their files (each file's in the order told: reading it, then
    its syntax), then those about no file: the same whether the folder was split or not."""
    index = {path: i for i, path in enumerate(job.files)}
    return tuple(sorted(notes, key=lambda n: index.get(n.path or "", len(index))))


def load_source(
    path: str,
    settings: Settings,
    notes: list[Notification],
    *,
    report: bool,
    data: bytes | None = None,
) -> SourceFile | None:
    """Read one file (unless ``data`` is given: an editor's buffer); every problem becomes a
    notification, when the file is one to report on, and None. The file is parsed when
    first needed, under ``settings.parse_timeout`` when it is large enough to need one (a
    parse that runs out of time leaves it empty, with its ``problem`` told)."""

    def skip(message: str, level: NoteLevel = NoteLevel.WARNING) -> None:
        if report:
            notes.append(Notification(level, message, path=path))

    if data is None:
        data = _read(path, skip)
        if data is None:
            return None
    source = SourceFile(path, data, parse_budget=settings.parse_timeout or None)  # 0: no limit
    if report:
        _utf8_warning(source, notes)
        _nul_warning(source, notes)
    return source


def _read(path: str, skip: Callable[[str, NoteLevel], None]) -> bytes | None:
    try:
        return read_regular(path, MAX_FILE_BYTES)
    except NotRegularFile:
        skip("not a regular file; skipped", NoteLevel.WARNING)
    except FileTooLarge:
        skip(f"file is larger than {MAX_FILE_BYTES >> 20} MiB; skipped", NoteLevel.WARNING)
    except OSError as err:
        skip(f"cannot read file: {err.strerror or err}", NoteLevel.ERROR)
    return None


def _utf8_warning(source: SourceFile, notes: list[Notification]) -> None:
    try:
        source.data.decode("utf-8")
    except UnicodeDecodeError as err:
        line, column = source.position(err.start)
        notes.append(
            Notification(
                NoteLevel.WARNING, "invalid UTF-8", path=source.path, line=line, column=column
            )
        )


def _nul_warning(source: SourceFile, notes: list[Notification]) -> None:
    """Go rejects a NUL byte anywhere; said whether or not a rule parses the file."""
    at = source.data.find(b"\0")
    if at >= 0:
        line, column = source.position(at)
        notes.append(
            Notification(
                NoteLevel.WARNING,
                "NUL byte (not valid in Go source)",
                path=source.path,
                line=line,
                column=column,
            )
        )


def _syntax_warnings(
    source: SourceFile, notes: list[Notification], go_version: tuple[int, int] | None
) -> None:
    """Syntax errors of a file that was parsed (one that was not had nothing to analyse:
    what it fails to compile is for the compiler to say)."""
    errors = syntax_errors(source.tree)
    if errors:
        line, column = source.position(errors[0].start_byte)
        message = syntax_warning(errors, source.unread, go_version)
        notes.append(
            Notification(NoteLevel.WARNING, message, path=source.path, line=line, column=column)
        )


def package_name(f: SourceFile) -> str:
    clause = f.package_clause
    return clause[1] if clause is not None else ""


def _run_rules(
    pkg: Package,
    rule_classes: list[type[Rule]],
    settings: Settings,
    notes: list[Notification],
    walk_on: Container[str],
    report_on: Container[str],
) -> tuple[list[Diagnostic], set[str]]:
    """The rules over the files of ``pkg``: the findings, and the files of ``report_on`` that
    some rule acted in (parsed for their own sake: their syntax errors are told). A rule
    walks the files of ``walk_on`` (those reported on, or a part's share of them: see Part);
    a package-wide one (``Rule.package_wide``) every file. The
    other files matter to the rules only through the package's facts, which are made as they
    are asked for: a run that reports on one file of a large package reads what that file's
    analysis needs, and the findings in that file are those of a run on every file.

    A rule that raises loses what its failing method covers, and nothing more: the package
    (making the rule, ``applies_to_package``, ``end_package``), a file or a top-level
    declaration (see walker.py); each crash becomes a notification and every other finding
    is kept."""

    def crash(code: str, path: str, err: BaseException, at: tuple[int, int] | None = None) -> None:
        notes.append(
            Notification(
                NoteLevel.ERROR,
                f"rule {code} crashed: {err!r}",
                path=path,
                line=at[0] if at else None,
                column=at[1] if at else None,
                rule=code,
                detail="".join(traceback.format_exception(err)),
                crash=True,
            )
        )

    rules: list[Rule] = []
    for cls in rule_classes:
        try:
            rules.append(cls(pkg, settings.rule_options.get(cls.meta.code, {})))
        except Exception as err:
            crash(cls.meta.code, pkg.folder, err)
    applying: list[Rule] = []
    for rule in rules:
        try:
            if rule.applies_to_package():
                applying.append(rule)
        except Exception as err:
            crash(rule.meta.code, pkg.folder, err)
    walker = BatchedWalker(applying)
    wide = BatchedWalker([r for r in applying if r.package_wide])
    walked: set[str] = set()
    timed_out: set[str] = set()
    budget = settings.analysis_timeout

    def too_slow(path: str, what: str) -> None:
        notes.append(
            Notification(
                NoteLevel.WARNING,
                f"{what} {OVER_BUDGET} {budget:g}s; its findings are skipped "
                "(raise --analysis-timeout to analyse it)",
                path=path,
            )
        )

    found: list[Diagnostic] = []
    limits = _Budget(budget)
    for f in pkg.files:
        everyone = f.path in walk_on
        if not everyone and not wide.rules:
            continue
        try:
            with limits:
                used = walker if everyone else wide
                crashes = used.walk(f)
                if used.acted and f.path in report_on:
                    walked.add(f.path)
        except _OverBudget:
            timed_out.add(f.path)
            too_slow(f.path, "analysing this file")
            continue
        for c in crashes:
            at = f.position(c.at.start_byte) if c.at is not None else None
            crash(c.rule.meta.code, f.path, c.error, at)
    for rule in applying:
        try:
            with limits:
                rule.end_package()
        except _OverBudget:
            too_slow(pkg.folder, f"rule {rule.meta.code} on this package")
            continue
        except Exception as err:
            crash(rule.meta.code, pkg.folder, err)
            continue  # its findings in the package go with it
        found.extend(d for d in rule.diagnostics if d.span.path not in timed_out)
    return found, walked


class _OverBudget(BaseException):
    """The time budget of one file's analysis ran out (a BaseException, so that no rule's
    error handling can swallow it)."""


class _Budget:
    """A per-file time budget: ``with budget:`` raises _OverBudget in this thread once
    ``seconds`` have passed (0: no budget).

    A watchdog thread raises it asynchronously (PyThreadState_SetAsyncExc), so the budget
    holds on every platform and in any thread: SIGALRM exists neither on Windows nor for a
    thread other than the main one (the language server analyses in one). Like a signal
    handler's, the exception arrives between two bytecodes, so a long call into C (a parse)
    ends first; parses have their own budget (see parse.py)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds if seconds > 0 else 0.0
        self._watchdog: _Watchdog | None = None

    def __enter__(self) -> None:
        if self.seconds:
            # Looked up here, before the budget runs: __exit__ may take the exception, and
            # must then run no code that takes a lock (_WATCHDOG_LOCK) to find the watchdog.
            self._watchdog = _watchdog()
            self._watchdog.arm(self.seconds)

    def __exit__(self, exc_type: type[BaseException] | None, *_exc: object) -> None:
        if self._watchdog is not None and self._watchdog.disarm() and exc_type is not _OverBudget:
            # It ran out as the work ended; the exception, withdrawn before it arrived, is
            # raised here rather than at some later bytecode outside the budget.
            raise _OverBudget


class _Deadline:
    """One budget of one thread. Whoever takes ``claim``'s item first ends it: ``disarm()``
    (the work finished in time) or the watchdog (it ran out, and the watchdog raises)."""

    __slots__ = ("at", "claim", "raised")

    def __init__(self, at: float) -> None:
        self.at = at
        self.claim = [True]  # list.pop() is atomic: exactly one taker
        self.raised = threading.Lock()  # held until the watchdog has raised the exception
        self.raised.acquire()


class _Watchdog:
    """One daemon thread per process that raises _OverBudget in the threads whose budget
    ran out, never in a thread that has left its budget.

    The exception can arrive at any bytecode of the budgeted thread, also in ``arm()`` and
    ``disarm()``, so these take no lock that others wait for: one arriving just after such a
    lock was acquired (in threading.Condition.__enter__, which is Python code) left it held
    for good, and every other thread's next budget, and the watchdog, waited on it forever.
    They only touch the thread's own ``_Deadline``, its entry in a dict and a SimpleQueue,
    whose operations are single calls into C."""

    def __init__(self) -> None:
        import ctypes

        self._set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
        self._c_ulong = ctypes.c_ulong
        self._py_object = ctypes.py_object
        self._deadlines: dict[int, _Deadline] = {}  # thread id -> its running budget
        self._wake: queue.SimpleQueue[None] = queue.SimpleQueue()
        self.pid = os.getpid()
        thread = threading.Thread(target=self._run, name="goconc-budget", daemon=True)
        if hasattr(signal, "pthread_sigmask"):
            # Started with every signal blocked (a thread inherits its creator's mask), so a
            # Ctrl-C or SIGTERM never lands in it and a mask the main thread sets holds.
            every = signal.valid_signals() - {signal.SIGKILL, signal.SIGSTOP}
            previous = signal.pthread_sigmask(signal.SIG_BLOCK, every)
            try:
                thread.start()
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        else:
            thread.start()

    def arm(self, seconds: float) -> None:
        """Start this thread's budget (one at a time per thread)."""
        self._deadlines[threading.get_ident()] = _Deadline(time.monotonic() + seconds)
        self._wake.put(None)

    def disarm(self) -> bool:
        """Stop this thread's budget; True if it had run out (the exception withdrawn if it
        has not arrived yet)."""
        thread = threading.get_ident()
        deadline = self._deadlines.pop(thread, None)
        if deadline is None:
            return False
        try:
            deadline.claim.pop()
            return False  # in time: the watchdog will not raise for it
        except IndexError:
            pass
        # The watchdog took it: wait until it has raised (the exception may arrive during
        # the wait, which is fine), then withdraw the exception should it not have arrived.
        deadline.raised.acquire()
        self._raise_in(thread, None)
        return True

    def _raise_in(self, thread: int, exc: type[BaseException] | None) -> None:
        # None must reach C as NULL (it withdraws a pending exception), not as Py_None.
        self._set_async_exc(self._c_ulong(thread), None if exc is None else self._py_object(exc))

    def _run(self) -> None:
        while True:
            now = time.monotonic()
            wake: float | None = None
            for thread, deadline in list(self._deadlines.items()):
                if not deadline.claim:
                    continue  # ended
                if deadline.at > now:
                    wake = deadline.at if wake is None else min(wake, deadline.at)
                    continue
                try:
                    deadline.claim.pop()
                except IndexError:
                    continue  # disarmed just now
                self._raise_in(thread, _OverBudget)
                deadline.raised.release()
            with contextlib.suppress(queue.Empty):
                self._wake.get(timeout=None if wake is None else wake - now)
            with contextlib.suppress(queue.Empty):
                while True:
                    self._wake.get_nowait()


_WATCHDOG: _Watchdog | None = None


def _watchdog() -> _Watchdog:
    """The process's watchdog, started on first use (and again in a forked child, which
    inherits the object but not its thread)."""
    global _WATCHDOG
    with _WATCHDOG_LOCK:
        if _WATCHDOG is None or _WATCHDOG.pid != os.getpid():
            _WATCHDOG = _Watchdog()
        return _WATCHDOG


_WATCHDOG_LOCK = threading.Lock()


def _finish(
    files: list[SourceFile],
    diagnostics: list[Diagnostic],
    report_on: set[str],
    settings: Settings,
) -> Iterator[Diagnostic]:
    by_file: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_file.setdefault(d.span.path, []).append(d)
    codes = known_codes()
    for f in files:
        if f.path not in report_on:
            continue
        found = suppress.apply(f, _dedupe(by_file.get(f.path, [])), codes, settings.enabled)
        found = _without_guessed_fixes([f], found)
        if settings.fingerprints and found:
            from goconc.engine.fingerprint import LineHashes

            hashes = LineHashes(f.data)
            found = [
                attrs.evolve(d, line_hash=hashes[d.span.line - 1])
                if d.span.line - 1 < len(hashes)
                else d
                for d in found
            ]
        yield from found


def _without_guessed_fixes(files: list[SourceFile], found: list[Diagnostic]) -> list[Diagnostic]:
    """Edits worked out on a tree the parser recovered from errors are guesses, which need
    not clear their finding: a file that does not parse gets no fixes. (A finding with
    fixes was made on its file's tree, so that file has been parsed.)"""
    broken = {f.path for f in files if f.parsed and f.tree.root_node.has_error}
    if not broken:
        return found
    return [attrs.evolve(d, fixes=()) if d.fixes and d.span.path in broken else d for d in found]


# A folder is split over the worker processes when it has at least this many files to
# report on: one package of hundreds of files would otherwise keep one process busy long
# after the others are done. Each part makes the facts it needs again, so small folders are
# cheaper whole.
SPLIT_FILES = 96


def parts_of(job: FolderJob, workers: int, run_bytes: int = 0) -> list[Part] | None:
    """How to split ``job`` over ``workers`` processes: shares of its files, dealt largest
    first to the lightest share, the first share lighter by a quarter of the folder's bytes,
    as its part also runs the package-wide rules over every file. None for a small folder,
    and for one of at most a worker's share of ``run_bytes`` (the bytes of every folder of
    the run): the other workers are kept busy by the other folders meanwhile, and the
    parts' facts made twice would only cost more (the standard library's runtime/)."""
    if workers <= 1 or len(job.report_on) < SPLIT_FILES:
        return None
    sizes = {path: _size(path) for path in job.report_on}
    if sum(sizes.values()) * workers <= run_bytes:
        return None
    loads = [sum(sizes.values()) // 4, *([0] * (workers - 1))]
    shares: list[list[str]] = [[] for _ in range(workers)]
    for path in sorted(job.report_on, key=lambda p: (-sizes[p], p)):
        k = loads.index(min(loads))
        shares[k].append(path)
        loads[k] += sizes[path]
    return [Part(k == 0, tuple(sorted(share))) for k, share in enumerate(shares)]


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def run_bytes(jobs: Sequence[FolderJob]) -> int:
    """The bytes of the files a run reports on, when some folder is large enough to split
    (0 otherwise, without a stat)."""
    if not any(len(job.report_on) >= SPLIT_FILES for job in jobs):
        return 0
    return sum(_size(path) for job in jobs for path in job.report_on)


def merge_parts(
    job: FolderJob, settings: Settings, results: Sequence[FolderResult]
) -> FolderResult:
    """The folder's result from its parts' (see Part): their findings through the folder's
    ignore directives and fingerprints, as ``analyze_folder`` gives them for the whole."""
    diagnostics = [d for r in results for d in r.diagnostics]
    notes: dict[Notification, None] = {}  # a syntax error two parts walked is told once
    for r in results:
        notes.update(dict.fromkeys(r.notifications))
    files = [
        f
        for path in job.report_on
        if (f := load_source(path, settings, [], report=False)) is not None
    ]
    finished = list(_finish(files, diagnostics, set(job.report_on), settings))
    wide = results[0]
    return FolderResult(tuple(finished), _in_file_order(job, notes), wide.files, wide.packages)


def _dedupe(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[str, int, int, str]] = set()
    out = []
    for d in diagnostics:
        key = (d.code, d.span.start_byte, d.span.end_byte, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def run(
    jobs: list[FolderJob],
    settings: Settings,
    workers: int,
    progress: Callable[[int, int], None] | None = None,
    cache: FolderCache | None = None,
) -> Iterator[FolderResult]:
    """Analyse every folder, in ``workers`` processes when there is enough work.

    With a ``cache``, folders are looked up in this process first (a hit costs a few stats and
    one small read, less than sending a task) and fresh results are stored as they arrive.
    """
    total = len(jobs)
    collect_less()

    def lookup(job: FolderJob) -> tuple[FolderResult | None, Pending | None]:
        return cache.lookup(job) if cache is not None else (None, None)

    if workers <= 1 or total == 0 or (total == 1 and parts_of(jobs[0], workers) is None):
        for i, job in enumerate(jobs, 1):
            found, pending = lookup(job)
            if found is None:
                found = analyze_folder(job, settings)
                if pending is not None and cache is not None:
                    cache.store(pending, found)
            yield found
            if progress:
                progress(i, total)
        return
    from concurrent.futures import Future, ProcessPoolExecutor  # not needed for small runs

    pool: ProcessPoolExecutor | None = None  # started on the first miss: none when all hit
    Task = FolderResult | Future[FolderResult] | list[Future[FolderResult]]
    items: dict[int, tuple[Task, Pending | None]] = {}
    again: dict[int, FolderResult] = {}  # analysed alone after a worker process died
    everything: int | None = None  # run_bytes(jobs), on the first miss
    completed = False
    try:
        # Biggest folders first, so that one large package does not finish last on its own;
        # submitted as we go, so that workers start while we look up the rest.
        for i in sorted(range(total), key=lambda i: -len(jobs[i].files)):
            found, pending = lookup(jobs[i])
            if found is not None:
                items[i] = (found, None)
                continue
            if pool is None:
                pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_init)
            if everything is None:
                everything = run_bytes(jobs)
            parts = parts_of(jobs[i], workers, everything)
            with _signals_held():  # the first submit forks the workers
                if parts is None:
                    items[i] = (pool.submit(analyze_folder, jobs[i], settings), pending)
                else:
                    items[i] = (
                        [pool.submit(analyze_folder, jobs[i], settings, None, p) for p in parts],
                        pending,
                    )
        # Results in the order of the jobs, whatever the number of workers or the cache.
        for i in range(total):
            item, pending = items[i]
            if isinstance(item, FolderResult):
                result = item
            elif i in again:
                result = again[i]
            else:
                try:
                    if isinstance(item, list):
                        result = merge_parts(jobs[i], settings, [f.result() for f in item])
                    else:
                        result = item.result()
                except Exception:  # a worker died (the OOM killer): every pending task failed
                    lost = [k for k in range(i, total) if _failed(items[k][0])]
                    found_again = _analyze_apart([jobs[k] for k in lost], settings, workers)
                    again = dict(zip(lost, found_again, strict=True))
                    result = again[i]
            if pending is not None and cache is not None:
                cache.store(pending, result)
            yield result
            if progress:
                progress(i + 1, total)
        completed = True
    finally:
        if pool is not None:
            if completed:
                pool.shutdown(wait=True)
            else:  # Ctrl-C, SIGTERM or an abandoned generator: do not wait for the workers
                _abandon(pool)


def _failed(item: object) -> bool:
    from concurrent.futures import Future

    if isinstance(item, list):
        return any(_failed(f) for f in item)
    return isinstance(item, Future) and item.exception() is not None


def _analyze_apart(
    jobs: Sequence[FolderJob], settings: Settings, workers: int
) -> list[FolderResult]:
    """Each folder in a fresh process of its own, ``workers`` at a time: for the folders left
    unfinished when a worker process died. Which of them killed it is unknown; each is tried
    once more, alone, so that a second death loses that folder only and is reported on it."""
    import multiprocessing
    from multiprocessing.connection import wait

    results: dict[int, FolderResult] = {}
    running: dict[int, tuple[multiprocessing.Process, Connection]] = {}
    todo = list(range(len(jobs)))[::-1]
    try:
        while todo or running:
            while todo and len(running) < max(1, workers):
                i = todo.pop()
                receive, send = multiprocessing.Pipe(duplex=False)
                child = multiprocessing.Process(
                    target=_analyze_in_child, args=(send, jobs[i], settings), daemon=True
                )
                with _signals_held():
                    child.start()
                send.close()
                running[i] = (child, receive)
            ready = wait([conn for _, conn in running.values()])  # a result, or EOF: it died
            for i, (child, conn) in list(running.items()):
                if conn not in ready:
                    continue
                try:
                    results[i] = conn.recv()
                except Exception:
                    child.join()
                    results[i] = _died(jobs[i], child.exitcode)
                conn.close()
                child.join()
                del running[i]
    finally:
        for child, conn in running.values():  # Ctrl-C, SIGTERM
            child.terminate()
            conn.close()
    return [results[i] for i in range(len(jobs))]


def _analyze_in_child(conn: Connection, job: FolderJob, settings: Settings) -> None:
    _worker_init()
    conn.send(analyze_folder(job, settings))
    conn.close()


def _died(job: FolderJob, exitcode: int | None) -> FolderResult:
    how = (
        f"killed by signal {-exitcode}, perhaps for lack of memory"
        if exitcode is not None and exitcode < 0
        else f"exit status {exitcode}"
    )
    note = Notification(
        NoteLevel.ERROR,
        "the process analysing this folder died, also when it was analysed alone "
        f"({how}); its files were not analysed",
        path=job.folder,
        crash=True,
    )
    return FolderResult((), (note,), 0, 0)


def _worker_init() -> None:
    """Ctrl-C reaches the whole process group: only the parent decides what to do with it.
    SIGTERM must kill a worker (a forked worker inherits the CLI's SIGTERM handler). Both
    were held while it was forked (``_signals_held``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)
    collect_less()


_HELD = {signal.SIGINT, signal.SIGTERM}


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM held (delivered when the block ends) while a worker is forked. In
    the parent, Python runs at-fork callbacks, where an exception from a signal handler is
    printed and lost: the interrupt would be missed and the run go on. In the child, they
    must wait until it ignores SIGINT (``_worker_init``)."""
    usable = hasattr(signal, "pthread_sigmask")
    if not usable or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def collect_less() -> None:
    """Run the cyclic garbage collector less often, in a process that analyses (`run`, its
    workers, the language server). An analysis allocates containers by the million and
    keeps a package's facts alive until its folder is done, so the default (a
    young-generation pass every 700 allocations) spends about a tenth of the run scanning
    live objects; passes every 50,000 halve that, for about 60 MB more at peak on the
    standard library's largest folder (benchmarks/bench.py; docs/performance.md)."""
    gc.set_threshold(50_000, 20, 20)


def _abandon(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and stop the workers (Python 3.11 has no public API)."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in workers:
        proc.terminate()
    # Let the pool's manager thread see its workers gone and close its wakeup pipe before the
    # interpreter exits: Python 3.11's exit hook writes to that pipe without a lock, and a
    # close racing with it prints a "Bad file descriptor" traceback on the way out.
    manager = getattr(pool, "_executor_manager_thread", None)
    if manager is not None:
        manager.join(timeout=2.0)
