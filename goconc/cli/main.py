"""Command line: goconc check | graph --locks | lsp | rule CODE | rules | version.

Imports are lazy: a pre-commit run on three files must start in well under a second.
Exit codes: 0 no findings, 1 findings, 2 usage, configuration or internal error.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from goconc.cli.shared import (
    EXIT_CLEAN,
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    UsageError,
    check_output,
    check_paths,
    version,
    write_atomically,
)
from goconc.report import FORMATS, STATISTICS_FORMATS

if TYPE_CHECKING:
    from goconc.analyzer.diagnostics import Diagnostic, Notification, RunResult
    from goconc.analyzer.packages import FolderJob
    from goconc.cli.baseline import Baseline
    from goconc.cli.config import Config
    from goconc.cli.fixes import FixRun
    from goconc.engine.cache import FolderCache
    from goconc.engine.model import Settings


def _codes(value: str) -> list[str]:
    # As written: codes are upper-case on the command line as in the configuration and in
    # //goconc:ignore; check_codes refuses `wg` with a hint.
    return [c.strip() for c in value.split(",") if c.strip()]


def _jobs(value: str) -> int:
    """0 or more; 0 means one per CPU, as `jobs = 0` in the configuration."""
    try:
        jobs = int(value)
    except ValueError:
        jobs = -1
    if jobs < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number, 0 for one per CPU: {value!r}")
    return jobs


def _seconds(value: str) -> float:
    """A budget in seconds; 0 turns it off, as in the configuration."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not (seconds >= 0 and math.isfinite(seconds)):
        raise argparse.ArgumentTypeError(f"expected seconds, 0 for no limit: {value!r}")
    return seconds


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="goconc", description="Find deadlocks and goroutine leaks in Go code."
    )
    parser.add_argument("--version", action="version", version=f"goconc {version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="analyse Go files, folders or ./... patterns")
    check.add_argument(
        "paths", nargs="*", help="files, folders, ./... or dir/... (default: .); - for stdin"
    )
    check.add_argument(
        "--stdin-filename",
        metavar="PATH",
        help="with - as the path: the file read from stdin is PATH (its package's other "
        "files are read from PATH's folder; findings are reported under PATH)",
    )
    check.add_argument(
        "--select",
        type=_codes,
        action="extend",
        default=None,
        metavar="CODES",
        help="only these rule codes or prefixes, e.g. MU,CX001",
    )
    check.add_argument(
        "--extend-select",
        type=_codes,
        action="extend",
        default=None,
        metavar="CODES",
        help="add rules to the configured selection",
    )
    check.add_argument(
        "--preview",
        action="store_true",
        default=None,
        help="also enable the opt-in rules (those below the default tier's measured precision)",
    )
    check.add_argument(
        "--ignore",
        type=_codes,
        action="extend",
        default=None,
        metavar="CODES",
        help="skip these rule codes or prefixes",
    )
    check.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (the default), concise (one line per finding), json, sarif or github",
    )
    check.add_argument(
        "--statistics",
        action="store_true",
        help="print how many findings each rule has, most first, instead of the findings",
    )
    check.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="write the report to FILE (atomically) instead of stdout",
    )
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    check.add_argument("--fix", action="store_true", help="apply safe fixes to the files in place")
    check.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="with --fix or --diff: also apply fixes that may change behaviour",
    )
    check.add_argument(
        "--diff",
        action="store_true",
        help="print a unified diff of what --fix would change, write nothing; exit 1 if any",
    )
    check.add_argument(
        "--baseline",
        metavar="FILE",
        help="report only findings not in this earlier SARIF log",
    )
    check.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        default=None,
        metavar="N",
        help="worker processes (default and 0: one per CPU)",
    )
    check.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip files or folders matching GLOB (repeatable)",
    )
    check.add_argument(
        "--per-file-ignores",
        action="append",
        default=[],
        metavar="GLOB:CODES",
        help="do not report CODES in files matching GLOB, e.g. '*_test.go:GR003,MU' "
        "(repeatable; added to the configuration's per-file-ignores)",
    )
    check.add_argument(
        "--no-default-excludes",
        action="store_true",
        help="also analyse vendor/, testdata/, hidden and _ folders",
    )
    check.add_argument("--config", metavar="FILE", help="use this .goconc.toml or pyproject.toml")
    check.add_argument("--isolated", action="store_true", help="ignore configuration files")
    check.add_argument(
        "--parse-timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="skip (and report) a file whose parse takes longer (default 10; 0: no limit)",
    )
    check.add_argument(
        "--analysis-timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="skip (and report) a file whose analysis takes longer (default 60; 0: no limit)",
    )
    check.add_argument(
        "--report-suppressed",
        action="store_true",
        help="include findings silenced by //goconc:ignore (SARIF suppressions)",
    )
    check.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text output: auto (on a terminal, unless NO_COLOR is set), always, never",
    )
    check.add_argument(
        "--no-color", dest="color", action="store_const", const="never", help="--color never"
    )
    check.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="print findings only: no summary, no notifications",
    )
    check.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="show tracebacks of internal errors, and what was analysed in how long",
    )
    check.add_argument(
        "--no-cache", action="store_true", help="neither read nor write the result cache"
    )
    check.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="keep the result cache in DIR (default: $GOCONC_CACHE_DIR, else ~/.cache/goconc)",
    )

    sub.add_parser("lsp", help="run the language server for editors (LSP over stdio)")

    rule = sub.add_parser("rule", help="show the documentation of a rule")
    rule.add_argument("code", help="a rule code (WG001) or name (waitgroup-add-in-goroutine)")

    rules = sub.add_parser("rules", help="list all rules")
    rules.add_argument("--format", choices=("text", "json"), default="text")

    graph = sub.add_parser("graph", help="draw each package's lock-order graph (DOT or Mermaid)")
    graph.add_argument("paths", nargs="*", help="files, folders, ./... or dir/... (default: .)")
    graph.add_argument("--locks", action="store_true", help="the lock-order graph (required)")
    graph.add_argument("--format", choices=("dot", "mermaid"), default="dot")
    graph.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    graph.add_argument(
        "--cycles-only",
        action="store_true",
        help="draw only the lock-order cycles (what MU002 reports), leave out the rest",
    )
    graph.add_argument(
        "--package",
        action="append",
        default=[],
        metavar="GLOB",
        help="draw only packages whose name or folder matches GLOB (repeatable)",
    )

    sub.add_parser("version", help="print the version")
    for command, command_parser in sub.choices.items():
        # Unknown options are reported with the usage of the command they were given to.
        command_parser.set_defaults(command_parser=command_parser, command=command)
    return parser


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that cleanup (temporary file, workers) runs."""


_signalled: int | None = None  # the signal _stop took, for main to see it was not lost


def _stop(signum: int, _frame: object) -> NoReturn:
    """The first SIGINT or SIGTERM: both are ignored from then on, so that a second Ctrl-C
    cannot interrupt the cleanup (a traceback instead of `goconc: interrupted`)."""
    import signal

    global _signalled
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _signalled = signum
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise _Terminated


def main(argv: Sequence[str] | None = None) -> NoReturn:
    import signal

    previous: dict[signal.Signals, Any] = {}
    with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
        for sig in (signal.SIGINT, signal.SIGTERM):
            # A SIGINT that is ignored (a background job) or handled by our caller stays so.
            if sig != signal.SIGINT or signal.getsignal(sig) is signal.default_int_handler:
                previous[sig] = signal.signal(sig, _stop)
    global _signalled
    _signalled = None
    try:
        code = _main(list(sys.argv[1:] if argv is None else argv))
        sys.stdout.flush()  # in here: a full disk is reported like any other write error
        if _signalled is not None:  # raised where Python prints an exception and drops it
            raise KeyboardInterrupt if _signalled == signal.SIGINT else _Terminated
    except BaseException as err:
        code = _failed(err)
    finally:
        for number, handler in previous.items():
            if argv is None:  # the program: a signal now would only spoil the way out
                signal.signal(number, signal.SIG_IGN)
            elif signal.getsignal(number) is _stop:  # in-process callers get theirs back
                signal.signal(number, handler)
    sys.exit(code)


def _failed(err: BaseException) -> int:
    """The exit code for what ended the run, said in one line on stderr (no traceback)."""
    if isinstance(err, SystemExit):
        raise err
    cause: BaseException | None = err
    while cause is not None:  # an interrupt inside an import arrives wrapped (RuntimeError)
        if isinstance(cause, KeyboardInterrupt):
            sys.stderr.write("goconc: interrupted\n")
            return EXIT_INTERRUPTED
        if isinstance(cause, _Terminated):
            sys.stderr.write("goconc: terminated\n")
            return EXIT_TERMINATED
        cause = cause.__cause__ or cause.__context__
    if isinstance(err, UsageError):
        sys.stderr.write(f"goconc: {err}\n")
    elif isinstance(err, OSError):
        # What escapes is a write to stdout (a file goconc opens by name is reported with
        # it): a closed pipe says nothing (as `head` expects), a full disk or EIO one line.
        if not isinstance(err, BrokenPipeError):
            where = f"{err.filename}: " if err.filename else "cannot write output: "
            sys.stderr.write(f"goconc: {where}{err.strerror or err}\n")
        with contextlib.suppress(OSError, ValueError):  # nor again when Python exits
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    else:  # a bug of ours: its traceback is the report to file
        import traceback

        traceback.print_exception(err)
        sys.stderr.write("goconc: internal error (a bug in goconc)\n")
    return EXIT_ERROR


def _main(argv: list[str]) -> int:
    parser = build_parser()
    if not argv:
        parser.print_help()
        return EXIT_ERROR
    try:
        args, unknown = parser.parse_known_args(argv)
        if unknown:
            getattr(args, "command_parser", parser).error(
                f"unrecognized arguments: {' '.join(unknown)}"
            )
    except SystemExit as exc:  # argparse: --help, --version, or a usage error
        return int(exc.code or 0) if exc.code in (0, None) else EXIT_ERROR
    if args.command == "lsp":
        return serve_lsp()
    if args.command == "version":
        print(f"goconc {version()}")
        return EXIT_CLEAN
    if args.command == "rules":
        return _list_rules(args.format)
    if args.command == "rule":
        return _show_rule(args.code)
    if args.command == "check":
        return _check(args)
    if args.command == "graph":
        from goconc.cli.graph import graph_command

        return graph_command(args)
    parser.print_help()
    return EXIT_ERROR


PYGLS_MISSING = (
    "goconc: `goconc lsp` needs pygls, a dependency of goconc that this Python lacks; "
    "install goconc again (pip install --force-reinstall goconc from where you got it)\n"
)


def serve_lsp() -> int:
    """Run the language server on stdin/stdout until the client says `exit`."""
    try:
        from goconc.cli import lsp_server
    except ModuleNotFoundError as err:
        if (err.name or "").split(".")[0] not in ("pygls", "lsprotocol", "cattrs"):
            raise
        sys.stderr.write(PYGLS_MISSING)
        return 2
    return lsp_server.run()


def _list_rules(fmt: str) -> int:
    from goconc.engine.registry import all_metas

    metas = all_metas()
    if fmt == "json":
        import json

        rows = [
            {
                "code": m.code,
                "name": m.name,
                "level": m.severity.value,
                "summary": m.summary,
                "fix": m.fix.value if m.fix else None,
                "tags": list(m.tags),
                "precision": m.precision,
                "preview": m.preview,
                "url": m.help_uri,
            }
            for m in metas
        ]
        print(json.dumps(rows, indent=2))
    else:
        for m in metas:
            fix = f" [fix: {m.fix.value}]" if m.fix else ""
            tier = "opt-in " if m.preview else "default"
            print(f"{m.code:<7} {m.name:<34} {m.severity.value:<8} {tier} {m.summary}{fix}")
    return EXIT_CLEAN


def _show_rule(code: str) -> int:
    from goconc.cli.docgen import rule_markdown
    from goconc.engine.registry import find

    meta = find(code)
    if meta is None:
        raise UsageError(f"unknown rule {code!r} (see `goconc rules`)")
    sys.stdout.write(rule_markdown(meta))
    return EXIT_CLEAN


def _load_config(args: argparse.Namespace, cwd: str) -> Config:
    from goconc.analyzer.packages import posix_path
    from goconc.cli.config import Config, ConfigError, find_config, load_config
    from goconc.engine.registry import known_codes, option_names
    from goconc.report._common import display_path

    if args.isolated:
        return Config(path=None)
    path = args.config
    if path is None:
        first = args.paths[0].removesuffix("...").rstrip("/") if args.paths else "."
        if args.paths == ["-"]:
            first = args.stdin_filename
        start = os.path.abspath(os.path.join(cwd, first or "."))
        path = find_config(start if os.path.isdir(start) else os.path.dirname(start))
    elif not os.path.isfile(path):
        raise UsageError(f"configuration file not found: {path}")
    try:
        return load_config(path, known_codes(), option_names())
    except ConfigError as err:
        # Messages start with the file's absolute path; show it as the reports show paths.
        message, absolute = str(err), os.path.abspath(path)
        if message.startswith(absolute + ":"):
            message = display_path(posix_path(absolute), cwd) + message[len(absolute) :]
        raise UsageError(message) from err


def _refuse_conflicts(args: argparse.Namespace) -> None:
    """Options that cannot mean anything together are refused, never silently dropped."""
    if args.unsafe_fixes and not (args.fix or args.diff):
        raise UsageError("--unsafe-fixes needs --fix or --diff")
    if args.fix and args.diff:
        raise UsageError("--fix and --diff: choose one (--diff shows what --fix would change)")
    if args.diff and args.format != "text":
        raise UsageError(f"--diff prints a unified diff; it cannot be --format {args.format}")
    if args.quiet and args.verbose:
        raise UsageError("--quiet and --verbose: choose one")
    if args.statistics and args.diff:
        raise UsageError("--statistics and --diff: choose one")
    if args.statistics and args.format not in STATISTICS_FORMATS:
        raise UsageError(f"--statistics has no --format {args.format} (use text or json)")
    if "-" in args.paths:
        if args.paths != ["-"]:
            raise UsageError("- (stdin) is the only path when given")
        if not args.stdin_filename:
            raise UsageError("- needs --stdin-filename PATH: where the file is, for its package")
        if args.fix or args.diff:
            raise UsageError("--fix and --diff change files; with - (stdin) there is none")
    elif args.stdin_filename:
        raise UsageError("--stdin-filename needs - (stdin) as the path")


def _check(args: argparse.Namespace) -> int:
    import time

    from goconc.analyzer.diagnostics import RunResult
    from goconc.analyzer.packages import posix_path
    from goconc.engine.registry import all_metas, known_codes

    started = time.monotonic()
    cwd = posix_path(os.getcwd())
    _refuse_conflicts(args)
    if args.output is not None:
        check_output(args.output)
    baseline = _baseline(args)
    config = _load_config(args, cwd)
    enabled = _enabled(args, config)
    jobs = args.jobs if args.jobs is not None else config.jobs
    jobs_n = jobs or os.cpu_count() or 1  # 0 or unset: one per CPU
    ignored = _ignored(config, _per_file_ignores(args.per_file_ignores, known_codes()), cwd)
    to_analyse, overrides, notes = _targets(args, config, cwd)
    settings = _settings(args, config, enabled, fingerprints=baseline is not None)
    cache = _open_cache(args, settings)
    diagnostics, more_notes, packages, fixrun = _analyse(
        args, to_analyse, overrides, settings, jobs_n, cache, ignored, cwd
    )
    notes.extend(more_notes)
    diagnostics.sort(key=lambda d: d.sort_key())
    result = RunResult(
        diagnostics=tuple(diagnostics),
        notifications=tuple(notes),
        rules=tuple(m for m in all_metas() if m.code in enabled),
        root=_repository_root(cwd),
        cwd=cwd,
        files=sum(len(job.report_on) for job in to_analyse),  # what was reported on
        packages=packages,
        seconds=time.monotonic() - started,
        tool_version=version(),
        contents=overrides or {},
    )
    if baseline is not None:
        result = _drop_known(result, baseline, args)
    code = _report(result, fixrun, args)
    if args.verbose:
        from goconc.report._common import plural

        sys.stderr.write(
            f"goconc: {plural(result.files, 'file')} reported on, "
            f"{plural(result.packages, 'package')} analysed in {result.seconds:.2f} s "
            f"with {plural(jobs_n, 'worker')}\n"
        )
    return code


def _baseline(args: argparse.Namespace) -> Baseline | None:
    """The --baseline SARIF log, read before any analysis so that a bad one fails fast."""
    if args.baseline is None:
        return None
    from goconc.cli.baseline import BaselineError, load

    try:
        return load(args.baseline)
    except BaselineError as err:
        raise UsageError(str(err)) from err


def _enabled(args: argparse.Namespace, config: Config) -> frozenset[str]:
    """The rule codes to run: the command line's selection over the configuration's."""
    from goconc.cli.config import ConfigError, check_codes
    from goconc.engine.registry import known_codes, select_codes

    codes = known_codes()
    try:
        for option in ("select", "ignore", "extend_select"):
            check_codes(getattr(args, option) or (), codes, f"--{option.replace('_', '-')}")
    except ConfigError as err:
        raise UsageError(str(err)) from err
    return select_codes(
        args.select if args.select is not None else config.select,
        [*config.ignore, *(args.ignore or ())],
        [*config.extend_select, *(args.extend_select or ())],
        preview=args.preview or config.preview,
    )


def _targets(
    args: argparse.Namespace, config: Config, cwd: str
) -> tuple[Sequence[FolderJob], dict[str, bytes] | None, list[Notification]]:
    """The folders to analyse, the file contents that stand in for files on disk (stdin),
    and a note for each path that could not be read."""
    from goconc.analyzer.diagnostics import NoteLevel, Notification
    from goconc.analyzer.packages import discover

    exclude = [*config.exclude, *args.exclude]
    default_excludes = config.default_excludes and not args.no_default_excludes
    if args.paths == ["-"]:
        jobs, overrides = _stdin_job(args.stdin_filename, cwd, exclude, default_excludes, config)
        return jobs, overrides, []
    discovery = discover(
        args.paths or ["."],
        cwd=cwd,
        exclude=exclude,
        default_excludes=default_excludes,
        exclude_root=config.root,
    )
    check_paths(discovery)
    notes = [
        Notification(
            NoteLevel.ERROR if "permission" in msg or "cannot read" in msg else NoteLevel.WARNING,
            msg,
            path=p,
        )
        for p, msg in discovery.problems
    ]
    return discovery.jobs, None, notes


def _settings(
    args: argparse.Namespace, config: Config, enabled: frozenset[str], *, fingerprints: bool
) -> Settings:
    from goconc.engine.model import ANALYSIS_TIMEOUT, PARSE_TIMEOUT, Settings

    parse_timeout = args.parse_timeout if args.parse_timeout is not None else config.parse_timeout
    return Settings(
        enabled=enabled,
        rule_options={k: dict(v) for k, v in config.rule_options.items()},
        parse_timeout=PARSE_TIMEOUT if parse_timeout is None else parse_timeout,  # 0: no limit
        analysis_timeout=(
            ANALYSIS_TIMEOUT if args.analysis_timeout is None else args.analysis_timeout
        ),
        # baselines match on fingerprints
        fingerprints=args.format == "sarif" or fingerprints,
        default_go_version=config.go_version,
    )


def _open_cache(args: argparse.Namespace, settings: Settings) -> FolderCache | None:
    if args.no_cache:
        return None
    from goconc.engine.cache import FolderCache, default_cache_dir

    cache = FolderCache.open(args.cache_dir or default_cache_dir(), settings, version())
    if cache is None and args.cache_dir and not args.quiet:
        sys.stderr.write(f"goconc: cannot use cache folder {args.cache_dir}; not caching\n")
    return cache


def _analyse(
    args: argparse.Namespace,
    to_analyse: Sequence[FolderJob],
    overrides: dict[str, bytes] | None,
    settings: Settings,
    jobs_n: int,
    cache: FolderCache | None,
    ignored: Callable[[Diagnostic], bool],
    cwd: str,
) -> tuple[list[Diagnostic], list[Notification], int, FixRun | None]:
    """Run the rules (and with --fix or --diff the fix rounds): the findings that no
    per-file ignore drops, the notes, how many packages were analysed, and the fix run."""
    from goconc.engine.runner import analyze_folder, run

    progress = _progress_printer() if sys.stderr.isatty() and not args.quiet else None
    diagnostics: list[Diagnostic] = []
    notes: list[Notification] = []
    packages = 0
    fixrun = None
    try:
        if args.fix or args.diff:
            fixrun = _fix(args, to_analyse, settings, jobs_n, cache, ignored, cwd, progress)
            diagnostics.extend(fixrun.diagnostics)  # per-file ignores already applied
            notes.extend(fixrun.notifications)
            packages = fixrun.packages
        else:
            results = (
                run(list(to_analyse), settings, jobs_n, progress, cache)
                if overrides is None
                else (analyze_folder(job, settings, overrides) for job in to_analyse)
            )
            for folder in results:
                diagnostics.extend(d for d in folder.diagnostics if not ignored(d))
                notes.extend(folder.notifications)
                packages += folder.packages
    finally:  # also on Ctrl-C: never leave a half progress line before other messages
        if progress:
            sys.stderr.write("\r\033[K")
    if cache is not None:
        cache.close()
    return diagnostics, notes, packages, fixrun


def _drop_known(result: RunResult, baseline: Baseline, args: argparse.Namespace) -> RunResult:
    """--baseline: only the findings the earlier log does not know."""
    import attrs

    from goconc.cli.baseline import filter_new
    from goconc.report._common import plural

    new, known = filter_new(result, baseline)
    if known and not args.quiet:
        sys.stderr.write(f"goconc: {plural(known, 'known problem')} in the baseline not shown\n")
    return attrs.evolve(result, diagnostics=tuple(new))


def _report(result: RunResult, fixrun: FixRun | None, args: argparse.Namespace) -> int:
    """Write the report (or the diff) and the fix summary; the exit status."""
    if fixrun is not None and args.diff:
        # As ruff's --diff: the diff only, exit 1 when it is not empty.
        _emit_text(fixrun.diff, args)
        _fix_summary(fixrun, args, _live(result), to_stdout=False)
        if any(n.crash for n in result.notifications):
            return EXIT_ERROR
        return EXIT_FINDINGS if fixrun.changed else EXIT_CLEAN
    _emit(result, args)
    if fixrun is not None:
        to_stdout = args.format in ("text", "concise") and not args.output
        _fix_summary(fixrun, args, _live(result), to_stdout=to_stdout)
    if any(n.crash for n in result.notifications):
        return EXIT_ERROR
    live = [d for d in result.diagnostics if d.suppressed_by is None]
    return EXIT_FINDINGS if live and not args.exit_zero else EXIT_CLEAN


def _per_file_ignores(values: Sequence[str], codes: Collection[str]) -> list[tuple[str, list[str]]]:
    """--per-file-ignores GLOB:CODES, each checked as the configuration's are."""
    from goconc.cli.config import ConfigError, check_codes

    found = []
    for value in values:
        glob, colon, listed = value.rpartition(":")
        rule_codes = [c.strip() for c in listed.split(",") if c.strip()]
        if not (colon and glob and rule_codes):
            raise UsageError(f"--per-file-ignores {value!r}: expected GLOB:CODES")
        try:
            check_codes(rule_codes, codes, f"--per-file-ignores {value!r}")
        except ConfigError as err:
            raise UsageError(str(err)) from err
        found.append((glob, rule_codes))
    return found


def _ignored(
    config: Config, extra: Sequence[tuple[str, Sequence[str]]], cwd: str
) -> Callable[[Diagnostic], bool]:
    """Whether per-file-ignores drop a finding: the configuration's (globs relative to its
    folder) or the command line's (relative to the current folder)."""
    from goconc.analyzer.packages import matches_any

    base = config.root or cwd

    def relative(path: str, folder: str) -> str:
        return os.path.relpath(path, folder).replace(os.sep, "/")

    def ignored(d: Diagnostic) -> bool:
        if config.per_file_ignores and config.per_file_ignored(relative(d.span.path, base), d.code):
            return True
        return any(
            matches_any((glob,), relative(d.span.path, cwd))
            and any(c == "ALL" or d.code.startswith(c) for c in codes)
            for glob, codes in extra
        )

    return ignored


def _stdin_job(
    filename: str, cwd: str, exclude: Sequence[str], default_excludes: bool, config: Config
) -> tuple[tuple[FolderJob, ...], dict[str, bytes]]:
    """`goconc check - --stdin-filename PATH`: the file on stdin stands for PATH (which need
    not exist), analysed with the other `.go` files of PATH's folder, as an editor's unsaved
    buffer is (see lsp.buffer_job); nothing to report on when PATH is excluded or skipped."""
    from goconc.analyzer.packages import posix_path
    from goconc.cli.lsp import buffer_job

    if not filename.endswith(".go"):
        raise UsageError(f"--stdin-filename {filename}: not a Go file")
    path = posix_path(os.path.realpath(os.path.join(cwd, filename)))
    data = sys.stdin.buffer.read()
    job = buffer_job(
        os.path.dirname(path),
        {path: data},
        cwd=cwd,
        exclude=exclude,
        default_excludes=default_excludes,
        exclude_root=config.root,
    )
    return ((job,) if job else ()), {path: data}


def _fix(
    args: argparse.Namespace,
    jobs: Sequence[FolderJob],
    settings: Settings,
    workers: int,
    cache: FolderCache | None,
    ignored: Callable[[Diagnostic], bool],
    cwd: str,
    progress: Callable[[int, int], None] | None,
) -> FixRun:
    """--fix / --diff: analyse, apply fixes, re-analyse until stable (see fixes.py)."""
    from goconc.cli.fixes import fix_until_stable
    from goconc.report._common import relative_path

    return fix_until_stable(
        list(jobs),
        settings,
        workers,
        cache,
        keep=lambda d: not ignored(d),
        unsafe=args.unsafe_fixes,
        dry_run=args.diff,
        display=lambda p: relative_path(p, cwd),
        progress=progress,
    )


def _live(result: RunResult) -> int:
    return sum(1 for d in result.diagnostics if d.suppressed_by is None)


def _fix_summary(
    fixrun: FixRun, args: argparse.Namespace, remaining: int, *, to_stdout: bool
) -> None:
    """ "Fixed N problems in F files; M remaining." ("Would fix" with --diff)."""
    if args.quiet:
        return
    verb = "Would fix" if args.diff else "Fixed"
    count = f"{fixrun.fixed} problem" + ("" if fixrun.fixed == 1 else "s")
    where = f" in {len(fixrun.changed)} file" + ("" if len(fixrun.changed) == 1 else "s")
    text = f"{verb} {count}{where if fixrun.changed else ''}; {remaining} remaining.\n"
    if not fixrun.converged:
        text += "goconc: some fixes did not converge; their files were left unchanged.\n"
    (sys.stdout if to_stdout else sys.stderr).write(text)


def _repository_root(cwd: str) -> str:
    """The nearest folder with a .git entry (the repository root), else cwd."""
    from goconc.analyzer.packages import posix_path

    folder = os.path.realpath(cwd)
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return posix_path(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            return posix_path(os.path.realpath(cwd))
        folder = parent


def _progress_printer() -> Callable[[int, int], None]:
    import time

    start = time.monotonic()

    def show(done: int, total: int) -> None:
        if time.monotonic() - start > 1.0:
            sys.stderr.write(f"\rgoconc: {done}/{total} folders")
            sys.stderr.flush()

    return show


def _emit_text(text: str | bytes, args: argparse.Namespace) -> None:
    if args.output:
        write_atomically(args.output, text)
    elif isinstance(text, bytes):  # a diff: the files' bytes as they are
        sys.stdout.flush()
        sys.stdout.buffer.write(text)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(text)


def _color(args: argparse.Namespace) -> bool:
    """--color auto colours a terminal unless NO_COLOR is set (no-color.org); always and never
    are what they say, NO_COLOR included."""
    if args.color != "auto":
        return bool(args.color == "always")
    return args.output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _emit(result: RunResult, args: argparse.Namespace) -> None:
    from goconc.report import render, render_statistics
    from goconc.report.text import format_notification

    if args.statistics:
        text = render_statistics(
            args.format, result, include_suppressed=args.report_suppressed, quiet=args.quiet
        )
    else:
        text = render(
            args.format,
            result,
            color=args.format in ("text", "concise") and _color(args),
            verbose=args.verbose,
            include_suppressed=args.report_suppressed,
            quiet=args.quiet,
        )
    if not args.quiet or any(n.crash for n in result.notifications):
        for note in result.notifications:
            if args.quiet and not note.crash:
                continue
            sys.stderr.write(format_notification(note, result.cwd, verbose=args.verbose) + "\n")
    if args.output:
        write_atomically(args.output, text)
    else:
        sys.stdout.write(text)
