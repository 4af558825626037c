"""`goconc lsp`: what the language server analyses, without the protocol.

An editor's open buffers replace their files on disk; the folder's other `.go` files are read
from disk, because sibling files hold the fields and methods the rules need. Configuration is
found from the folder as `goconc check` finds it, and re-read on every analysis, so an edit of
`.goconc.toml` applies at the next keystroke. Nothing is ever written.

The protocol side (pygls) lives in `lsp_server.py`, which imports this module; `goconc lsp`
(cli/main.py) imports it only then: pygls is a dependency of goconc, but `goconc check` must
not pay for importing it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from goconc.analyzer.diagnostics import Diagnostic, Notification

if TYPE_CHECKING:
    from goconc.analyzer.packages import FolderJob


@attrs.frozen
class BufferAnalysis:
    """The live findings of each analysed buffer (suppressed ones left out)."""

    diagnostics: Mapping[str, tuple[Diagnostic, ...]]  # real path -> findings, every buffer
    notifications: tuple[Notification, ...] = ()
    config_error: str | None = None  # set when .goconc.toml is broken: nothing was analysed


def analyse_buffers(folder: str, buffers: Mapping[str, bytes]) -> BufferAnalysis:
    """Analyse the package(s) of `folder` with `buffers` (real paths in `folder` -> bytes)
    in place of the files on disk, and report on the buffers only.

    A buffer that `.goconc.toml` excludes, that the default skips leave out (`vendor/`,
    `testdata/`, `_x` and `.x` relative to the configuration's folder), or that is generated
    code gets no findings.
    """
    from goconc.analyzer.packages import clear_go_version_cache, posix_path
    from goconc.cli.config import ConfigError, find_config, load_config
    from goconc.engine.model import PARSE_TIMEOUT, Settings
    from goconc.engine.registry import known_codes, option_names, select_codes
    from goconc.engine.runner import analyze_folder, collect_less

    empty: dict[str, tuple[Diagnostic, ...]] = {path: () for path in buffers}
    try:
        config = load_config(find_config(folder), known_codes(), option_names())
    except ConfigError as err:
        return BufferAnalysis(empty, config_error=str(err))
    settings = Settings(
        enabled=select_codes(
            config.select, config.ignore, config.extend_select, preview=config.preview
        ),
        rule_options={k: dict(v) for k, v in config.rule_options.items()},
        parse_timeout=PARSE_TIMEOUT if config.parse_timeout is None else config.parse_timeout,
        default_go_version=config.go_version,
    )
    clear_go_version_cache()  # a long-lived process: go.mod may have changed since
    # Analysed under goconc's own spelling of paths (with /), reported under the caller's.
    native = {posix_path(path): path for path in buffers}
    buffers = {posix_path(path): data for path, data in buffers.items()}
    folder = posix_path(folder)
    cwd = config.root or folder
    job = buffer_job(
        folder,
        buffers,
        cwd=cwd,
        exclude=config.exclude,
        default_excludes=config.default_excludes,
        exclude_root=config.root,
    )
    if job is None:
        return BufferAnalysis(empty)
    collect_less()  # as `goconc check` does: the default collector rescans the facts
    result = analyze_folder(job, settings, overrides=buffers)
    by_path = dict(empty)
    for d in sorted(result.diagnostics, key=lambda d: d.sort_key()):
        if d.suppressed_by is not None:
            continue
        rel = os.path.relpath(d.span.path, cwd).replace(os.sep, "/")
        if config.per_file_ignored(rel, d.code):
            continue
        path = native.get(d.span.path, d.span.path)
        by_path[path] = (*by_path.get(path, ()), d)
    return BufferAnalysis(by_path, result.notifications)


def buffer_job(
    folder: str,
    buffers: Mapping[str, bytes],
    *,
    cwd: str,
    exclude: Sequence[str],
    default_excludes: bool,
    exclude_root: str | None,
) -> FolderJob | None:
    """The job that analyses `buffers` (real paths in `folder` -> bytes, saved or not) with
    the folder's other `.go` files from disk and reports on the buffers; None when the
    excludes, the default skips (judged as for `goconc check FILE...` run in `cwd`) or a
    generated-code header leave no buffer to report on. Used by the language server and by
    `goconc check -` (a file on stdin)."""
    from goconc.analyzer.packages import FolderJob, discover, go_version_of, is_generated

    on_disk = sorted(p for p in buffers if os.path.isfile(p))
    # Discovery applies the excludes and skips and lists the siblings.
    found = (
        discover(
            on_disk,
            cwd=cwd,
            exclude=exclude,
            default_excludes=default_excludes,
            exclude_root=exclude_root,
        ).jobs
        if on_disk  # no paths would mean the whole of `cwd`
        else ()
    )
    job = next((j for j in found if j.folder == folder), None)
    files = set(job.files) if job else set()
    report_on = set(job.report_on) if job else set()
    unsaved = {p for p in buffers if p not in on_disk}  # new files the editor has not saved
    if unsaved:
        if job is None:
            files.update(_go_files(folder))
        files.update(unsaved)
        report_on.update(unsaved)
    report_on = {p for p in report_on if p in buffers and not is_generated(buffers[p])}
    if not report_on:
        return None
    if job is None:
        version, module_root = go_version_of(folder)
        job = FolderJob(folder, (), (), version, module_root)
    return attrs.evolve(job, files=tuple(sorted(files)), report_on=tuple(sorted(report_on)))


def _go_files(folder: str) -> list[str]:
    """The regular `.go` files of a folder, for a job that discovery did not make."""
    from goconc.analyzer.packages import posix_path

    try:
        with os.scandir(folder) as it:
            return [
                posix_path(os.path.realpath(e.path))
                for e in it
                if e.name.endswith(".go") and e.name[0] not in "._" and e.is_file()
            ]
    except OSError:
        return []
