"""The language server behind `goconc lsp` (pygls, LSP over stdio).

- didOpen, didSave and (after a pause in typing, DEBOUNCE_SECONDS) didChange of a `.go` file
  analyse its folder with every open buffer of that folder in place of its file, and publish
  diagnostics for those buffers (see `lsp.analyse_buffers`).
- codeAction offers the fixes of the diagnostics under the cursor as quick fixes: safe ones
  preferred, unsafe ones titled "(unsafe)". Only for the document version that was analysed:
  a fix's edits are offsets into that text.
- Analyses run one at a time in a worker thread, so the server keeps answering; a result
  for a buffer that has changed since is dropped (a newer analysis is already scheduled).
- Nothing an analysis does can stop the server: errors go to the client's log.

Positions: goconc counts columns in UTF-16 code units, LSP's default and the one encoding
every client must support, so the server always negotiates UTF-16.
"""

from __future__ import annotations

import asyncio
import os
import sys
import traceback
from collections.abc import Generator, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import attrs
from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.uris import from_fs_path, to_fs_path

from goconc.analyzer import diagnostics as gd
from goconc.cli.lsp import BufferAnalysis, analyse_buffers

DEBOUNCE_SECONDS = 0.3  # wait for a pause in typing before analysing a changed buffer
SOURCE = "goconc"

_SEVERITY = {
    gd.Severity.ERROR: lsp.DiagnosticSeverity.Error,
    gd.Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    gd.Severity.NOTE: lsp.DiagnosticSeverity.Information,
}
_NOTE_LEVEL = {
    gd.NoteLevel.ERROR: lsp.MessageType.Error,
    gd.NoteLevel.WARNING: lsp.MessageType.Log,  # syntax errors while typing: not a warning
    gd.NoteLevel.NOTE: lsp.MessageType.Log,
}


class _Protocol(LanguageServerProtocol):
    @lsp_method(lsp.INITIALIZE)
    def lsp_initialize(
        self, params: lsp.InitializeParams
    ) -> Generator[Any, Any, lsp.InitializeResult]:
        # pygls takes the client's first preferred encoding (Neovim and Helix prefer UTF-8);
        # our columns are UTF-16, which a client must support, so offer only that.
        if params.capabilities.general is not None:
            params.capabilities.general.position_encodings = None
        return (yield from super().lsp_initialize(params))


@attrs.frozen
class _Analysed:
    """What was published for one document, kept for its code actions."""

    version: int
    found: tuple[tuple[gd.Diagnostic, lsp.Diagnostic], ...]


@attrs.frozen
class _Buffer:
    uri: str
    version: int
    data: bytes


class GoconcServer(LanguageServer):
    def __init__(self) -> None:
        from goconc.cli.shared import version

        super().__init__(
            SOURCE,
            version(),
            text_document_sync_kind=lsp.TextDocumentSyncKind.Full,
            protocol_cls=_Protocol,
        )
        self.analysed: dict[str, _Analysed] = {}  # uri -> last published
        self.scheduled: dict[str, asyncio.Task[None]] = {}  # folder -> pending analysis
        # One analysis at a time: the parser is per process and CPU is better spent in order.
        self.analysis = ThreadPoolExecutor(max_workers=1, thread_name_prefix="goconc-analysis")
        self.shutdown_requested = False

    def log(self, message: str, kind: lsp.MessageType = lsp.MessageType.Log) -> None:
        self.window_log_message(lsp.LogMessageParams(type=kind, message=message))

    # -- scheduling -------------------------------------------------------------------------

    def schedule(self, uri: str, delay: float) -> None:
        """Analyse the folder of `uri` after `delay` seconds, replacing a pending analysis."""
        path = _go_path(uri)
        if path is None:
            return
        folder = os.path.dirname(path)
        pending = self.scheduled.get(folder)
        if pending is not None:
            pending.cancel()  # a result for older text would be dropped anyway
        self.scheduled[folder] = asyncio.get_running_loop().create_task(
            self._analyse_later(folder, delay)
        )

    async def _analyse_later(self, folder: str, delay: float) -> None:
        try:
            if delay:
                await asyncio.sleep(delay)
            buffers = self._buffers(folder)
            loop = asyncio.get_running_loop()
            data = {path: b.data for path, b in buffers.items()}
            result = await loop.run_in_executor(self.analysis, analyse_buffers, folder, data)
            self._publish(buffers, result)
        except asyncio.CancelledError:
            raise
        except Exception as err:  # never let one analysis take the server down
            self.log(
                f"goconc: analysis of {folder} failed: {err!r}\n{traceback.format_exc()}",
                lsp.MessageType.Error,
            )
        finally:
            if self.scheduled.get(folder) is asyncio.current_task():
                del self.scheduled[folder]

    def _buffers(self, folder: str) -> dict[str, _Buffer]:
        """The open `.go` documents of `folder`, by real path."""
        found: dict[str, _Buffer] = {}
        for uri, doc in list(self.workspace.text_documents.items()):
            path = _go_path(uri)
            if path is not None and os.path.dirname(path) == folder:
                found[path] = _Buffer(uri, doc.version or 0, doc.source.encode("utf-8"))
        return found

    def _publish(self, buffers: Mapping[str, _Buffer], result: BufferAnalysis) -> None:
        if result.config_error is not None:
            self.log(f"goconc: {result.config_error}", lsp.MessageType.Error)
            return  # keep what is shown until the configuration is fixed
        for note in result.notifications:
            where = f"{note.path}:{note.line or 1}: " if note.path else ""
            self.log(f"goconc: {where}{note.message}", _NOTE_LEVEL[note.level])
        uris = {path: b.uri for path, b in buffers.items()}
        for path, buffer in buffers.items():
            doc = self.workspace.text_documents.get(buffer.uri)
            if doc is None or (doc.version or 0) != buffer.version:
                continue  # closed or changed meanwhile: its own analysis is on the way
            found = tuple((d, _diagnostic(d, uris)) for d in result.diagnostics.get(path, ()))
            self.analysed[buffer.uri] = _Analysed(buffer.version, found)
            self.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(
                    uri=buffer.uri,
                    version=buffer.version,
                    diagnostics=[lsp_d for _, lsp_d in found],
                )
            )

    def forget(self, uri: str) -> None:
        """A closed document: clear its diagnostics; its folder now reads it from disk."""
        self.analysed.pop(uri, None)
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )
        path = _go_path(uri)
        others = self._buffers(os.path.dirname(path)) if path is not None else {}
        if others:
            self.schedule(next(iter(others.values())).uri, 0)

    # -- code actions -----------------------------------------------------------------------

    def code_actions(self, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        only = params.context.only
        if only and not any(lsp.CodeActionKind.QuickFix.startswith(k) for k in only):
            return []
        uri = params.text_document.uri
        analysed = self.analysed.get(uri)
        doc = self.workspace.text_documents.get(uri)
        if analysed is None or doc is None or (doc.version or 0) != analysed.version:
            return []  # the edits are offsets into text the editor no longer shows
        versions = {u: d.version for u, d in self.workspace.text_documents.items()}
        uris = {p: u for u in versions if (p := _go_path(u)) is not None}
        document_changes = bool(
            (ws := self.client_capabilities.workspace)
            and ws.workspace_edit
            and ws.workspace_edit.document_changes
        )
        actions: list[lsp.CodeAction] = []
        for diag, lsp_diag in analysed.found:
            if not _intersects(lsp_diag.range, params.range):
                continue
            for fix in diag.fixes:
                safe = fix.applicability is gd.Applicability.SAFE
                actions.append(
                    lsp.CodeAction(
                        title=fix.title if safe else f"{fix.title} (unsafe)",
                        kind=lsp.CodeActionKind.QuickFix,
                        diagnostics=[lsp_diag],
                        is_preferred=safe,
                        edit=_workspace_edit(fix.edits, uris, versions, document_changes),
                    )
                )
        return actions


def build_server() -> GoconcServer:
    server = GoconcServer()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: GoconcServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: GoconcServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, DEBOUNCE_SECONDS)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: GoconcServer, params: lsp.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: GoconcServer, params: lsp.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]),
    )
    def code_action(ls: GoconcServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        return ls.code_actions(params)

    @server.feature(lsp.SHUTDOWN)
    def shutdown(ls: GoconcServer, *_: object) -> None:
        ls.shutdown_requested = True
        for task in ls.scheduled.values():
            task.cancel()
        ls.analysis.shutdown(wait=False, cancel_futures=True)

    return server


def run() -> int:
    """Serve on stdio; 0 after shutdown and exit, 1 after an exit without shutdown (LSP)."""
    server = build_server()
    # The protocol gets its own handle on fd 1 (pygls closes it on exit, and the CLI flushes
    # sys.stdout afterwards); a stray print goes to stderr instead of corrupting the stream.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    saved, sys.stdout = sys.stdout, sys.stderr
    try:
        server.start_io(sys.stdin.buffer, out)
    finally:
        sys.stdout = saved
        server.analysis.shutdown(wait=False, cancel_futures=True)
        if not out.closed:
            out.close()
    return 0 if server.shutdown_requested else 1


# -- conversions ----------------------------------------------------------------------------


def _go_path(uri: str) -> str | None:
    """The real path of a `file:` URI of a `.go` file, else None."""
    path = to_fs_path(uri)
    if path is None or not path.endswith(".go"):
        return None
    return os.path.realpath(path).replace(os.sep, "/")


def _range(span: gd.Span) -> lsp.Range:
    # Span: 1-based lines and 1-based UTF-16 columns; LSP: both 0-based, UTF-16 by default.
    return lsp.Range(
        start=lsp.Position(line=span.line - 1, character=span.column - 1),
        end=lsp.Position(line=span.end_line - 1, character=span.end_column - 1),
    )


def _uri(path: str, uris: Mapping[str, str]) -> str:
    """The client's own URI for an open document, so that it matches what the editor shows."""
    return uris.get(path) or from_fs_path(path) or path


def _diagnostic(d: gd.Diagnostic, uris: Mapping[str, str]) -> lsp.Diagnostic:
    from goconc.engine.registry import find

    meta = find(d.code)
    return lsp.Diagnostic(
        range=_range(d.span),
        severity=_SEVERITY[d.severity],
        code=d.code,
        code_description=lsp.CodeDescription(href=meta.help_uri) if meta else None,
        source=SOURCE,
        message=d.message,
        related_information=[
            lsp.DiagnosticRelatedInformation(
                location=lsp.Location(uri=_uri(r.span.path, uris), range=_range(r.span)),
                message=r.message,
            )
            for r in d.related
        ]
        or None,
    )


def _intersects(a: lsp.Range, b: lsp.Range) -> bool:
    """Ranges overlap or touch: a cursor at either end of a diagnostic still gets its fix."""

    def key(p: lsp.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _workspace_edit(
    edits: Iterable[gd.Edit],
    uris: Mapping[str, str],
    versions: Mapping[str, int | None],
    document_changes: bool,
) -> lsp.WorkspaceEdit:
    by_uri: dict[str, list[lsp.TextEdit]] = {}
    for e in edits:
        by_uri.setdefault(_uri(e.span.path, uris), []).append(
            lsp.TextEdit(range=_range(e.span), new_text=e.text)
        )
    if not document_changes:
        return lsp.WorkspaceEdit(changes=by_uri)
    # With versions the editor refuses the edit if the text changed after we answered.
    return lsp.WorkspaceEdit(
        document_changes=[
            lsp.TextDocumentEdit(
                text_document=lsp.OptionalVersionedTextDocumentIdentifier(
                    uri=uri, version=versions.get(uri)
                ),
                edits=list(text_edits),
            )
            for uri, text_edits in by_uri.items()
        ]
    )
