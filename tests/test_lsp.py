"""`goconc lsp`: a real client exchange over stdio, and the buffer analysis behind it.

The end-to-end test spawns `python -m goconc lsp` and speaks JSON-RPC with Content-Length
framing through a tiny client below. Every wait has a timeout and the server is killed in a
`finally`, so a broken server fails the test instead of hanging it.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from goconc.analyzer.packages import FolderJob
from goconc.cli.lsp import analyse_buffers
from goconc.cli.main import PYGLS_MISSING, serve_lsp
from goconc.engine.model import Settings
from goconc.engine.registry import select_codes
from goconc.engine.runner import analyze_folder

FLAGGED = """package demo

import "sync"

func run(items []int) {
	var wg sync.WaitGroup
	for _, it := range items {
		go func() {
			wg.Add(1)
			defer wg.Done()
			_ = it
		}()
	}
	wg.Wait()
}
"""

CLEAN = """package demo

import "sync"

func run(items []int) {
	var wg sync.WaitGroup
	for _, it := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = it
		}()
	}
	wg.Wait()
}
"""

TIMEOUT = 30.0  # generous for a loaded CI machine; a hang still ends


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "go.mod").write_text("module demo\n\ngo 1.24\n")
    (tmp_path / "demo").mkdir()
    return tmp_path


# -- a tiny LSP client ------------------------------------------------------------------------


class Client:
    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdin is not None and proc.stdout is not None
        self.proc = proc
        self.stdin: IO[bytes] = proc.stdin
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.seen: list[dict[str, Any]] = []  # everything received, for failure messages
        self.next_id = 0
        threading.Thread(target=self._read, args=(proc.stdout,), daemon=True).start()

    def _read(self, out: IO[bytes]) -> None:
        try:
            while True:
                headers: dict[str, str] = {}
                while True:
                    line = out.readline()
                    if not line:
                        return
                    if line in (b"\r\n", b"\n"):
                        break
                    name, _, value = line.decode("ascii").partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = out.read(int(headers["content-length"]))
                self.messages.put(json.loads(body))
        finally:
            self.messages.put(None)  # end of stream

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.stdin.flush()

    def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        message: dict[str, Any] = {"method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    def request(self, method: str, params: dict[str, Any] | None = None) -> Any:
        self.next_id += 1
        msg_id = self.next_id
        message: dict[str, Any] = {"id": msg_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        reply = self.wait(lambda m: m.get("id") == msg_id and "method" not in m, f"reply {method}")
        assert "error" not in reply, reply
        return reply.get("result")

    def wait(self, match: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while True:
            left = deadline - time.monotonic()
            try:
                message = self.messages.get(timeout=max(left, 0.01))
            except queue.Empty:
                raise AssertionError(f"timed out waiting for {what}; got {self.seen}") from None
            if message is None:
                raise AssertionError(f"server closed its output waiting for {what}; {self.seen}")
            self.seen.append(message)
            if match(message):
                return message
            if "id" in message and "method" in message:  # a request from the server
                self.send({"id": message["id"], "result": None})

    def diagnostics(self, uri: str, version: int) -> list[dict[str, Any]]:
        """The next publishDiagnostics for `uri` at `version`."""
        message = self.wait(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == uri
                and m["params"].get("version") == version
            ),
            f"diagnostics for {uri} v{version}",
        )
        result: list[dict[str, Any]] = message["params"]["diagnostics"]
        return result


@pytest.fixture
def client(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    stderr = (tmp_path_factory.mktemp("lsp") / "stderr.txt").open("wb")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "goconc", "lsp"],
        cwd=repo,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        env=env,
    )
    try:
        yield Client(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=TIMEOUT)
        stderr.close()


def apply_edits(text: str, edits: list[dict[str, Any]]) -> str:
    """Apply LSP TextEdits (UTF-16 positions, all against the original text)."""
    lines = text.splitlines(keepends=True)

    def offset(pos: dict[str, int]) -> int:
        before = sum(len(line) for line in lines[: pos["line"]])
        line = lines[pos["line"]] if pos["line"] < len(lines) else ""
        units = 0
        for i, ch in enumerate(line):
            if units >= pos["character"]:
                return before + i
            units += 2 if ord(ch) > 0xFFFF else 1
        return before + len(line)

    spans = sorted(
        ((offset(e["range"]["start"]), offset(e["range"]["end"]), e["newText"]) for e in edits),
        reverse=True,
    )
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


# -- end to end ----------------------------------------------------------------------------


def test_lsp_session(repo: Path, client: Client) -> None:
    path = repo / "demo" / "a.go"
    path.write_text(CLEAN)  # on disk: clean; in the editor: the buggy buffer, never saved
    uri = path.resolve().as_uri()

    init = client.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": repo.as_uri(),
            "capabilities": {
                "general": {"positionEncodings": ["utf-8", "utf-16"]},
                "workspace": {"workspaceEdit": {"documentChanges": True}},
                "textDocument": {"publishDiagnostics": {"versionSupport": True}},
            },
        },
    )
    caps = init["capabilities"]
    assert caps["positionEncoding"] == "utf-16"  # our columns are UTF-16, whatever is offered
    assert caps["textDocumentSync"]["change"] == 1  # full
    assert caps["codeActionProvider"]["codeActionKinds"] == ["quickfix"]
    assert init["serverInfo"]["name"] == "goconc"
    client.notify("initialized", {})

    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "go", "version": 1, "text": FLAGGED}},
    )
    found = client.diagnostics(uri, 1)
    assert [d["code"] for d in found] == ["WG001"], found
    diag = found[0]
    # wg.Add(1) is on line 9 (0-based 8), after three tabs.
    assert diag["range"] == {
        "start": {"line": 8, "character": 3},
        "end": {"line": 8, "character": 12},
    }
    assert diag["severity"] == 1
    assert diag["source"] == "goconc"
    assert diag["codeDescription"]["href"].endswith("/docs/rules/WG001.md")
    assert "wg.Add" in diag["message"]
    assert "tags" not in diag
    related = diag["relatedInformation"]
    assert related and all(r["location"]["uri"] == uri for r in related)
    assert all(r["message"] for r in related)

    actions = client.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": diag["range"],
            "context": {"diagnostics": [diag]},
        },
    )
    titles = [a["title"] for a in actions]
    assert titles == ["Move wg.Add(1) before the go statement"], actions
    action = actions[0]
    assert action["kind"] == "quickfix" and action["isPreferred"] is True
    assert action["diagnostics"][0]["code"] == "WG001"
    (change,) = action["edit"]["documentChanges"]
    assert change["textDocument"] == {"uri": uri, "version": 1}
    assert sorted(change["edits"], key=lambda e: e["range"]["start"]["line"]) == [
        {  # insert before `go func() {`
            "range": {"start": {"line": 7, "character": 2}, "end": {"line": 7, "character": 2}},
            "newText": "wg.Add(1)\n\t\t",
        },
        {  # delete the Add's whole line
            "range": {"start": {"line": 8, "character": 0}, "end": {"line": 9, "character": 0}},
            "newText": "",
        },
    ]
    assert apply_edits(FLAGGED, change["edits"]) == CLEAN

    # A range away from the diagnostic gets nothing.
    far = {"start": {"line": 13, "character": 0}, "end": {"line": 13, "character": 1}}
    assert (
        client.request(
            "textDocument/codeAction",
            {"textDocument": {"uri": uri}, "range": far, "context": {"diagnostics": []}},
        )
        == []
    )

    client.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"text": CLEAN}],
        },
    )
    assert client.diagnostics(uri, 2) == []
    assert path.read_text() == CLEAN  # the buffer was never written

    assert client.request("shutdown") is None
    client.notify("exit")
    assert client.proc.wait(timeout=TIMEOUT) == 0


def test_lsp_debounces_typing(repo: Path, client: Client) -> None:
    """A burst of changes is analysed once, for the last text."""
    path = repo / "demo" / "a.go"
    path.write_text(CLEAN)
    uri = path.resolve().as_uri()
    client.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    client.notify("initialized", {})
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "go", "version": 1, "text": CLEAN}},
    )
    assert client.diagnostics(uri, 1) == []
    for version in range(2, 6):
        text = FLAGGED if version == 5 else CLEAN + "\n" * version
        client.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]},
        )
    found = client.diagnostics(uri, 5)
    assert [d["code"] for d in found] == ["WG001"]
    published = [
        m["params"].get("version")
        for m in client.seen
        if m.get("method") == "textDocument/publishDiagnostics"
    ]
    assert published == [1, 5]
    # Without documentChanges support, code actions use `changes`.
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": found[0]["range"], "context": {"diagnostics": []}},
    )
    assert list(actions[0]["edit"]["changes"]) == [uri]
    assert client.request("shutdown") is None
    client.notify("exit")
    assert client.proc.wait(timeout=TIMEOUT) == 0


# -- the analysis behind it -------------------------------------------------------------------


def test_analyze_folder_overrides(repo: Path) -> None:
    """The engine analyses overridden bytes instead of the file, also for a file not on disk."""
    folder = (repo / "demo").resolve()
    on_disk = folder / "a.go"
    on_disk.write_text(CLEAN)
    unsaved = folder / "b.go"
    job = FolderJob(str(folder), (str(on_disk),), (str(on_disk),), (1, 24), str(repo))
    settings = Settings(enabled=select_codes())
    assert analyze_folder(job, settings).diagnostics == ()
    found = analyze_folder(job, settings, {str(on_disk): FLAGGED.encode()}).diagnostics
    assert [d.code for d in found] == ["WG001"]
    assert on_disk.read_text() == CLEAN
    job = FolderJob(str(folder), (str(unsaved),), (str(unsaved),), (1, 24), str(repo))
    found = analyze_folder(job, settings, {str(unsaved): FLAGGED.encode()}).diagnostics
    assert [(d.code, d.span.path) for d in found] == [("WG001", str(unsaved))]
    assert not unsaved.exists()


def test_analyse_buffers_configuration(repo: Path) -> None:
    folder = (repo / "demo").resolve()
    a, b = folder / "a.go", folder / "new.go"
    a.write_text(CLEAN)
    buffers = {str(a): FLAGGED.encode(), str(b): b"package demo\n"}
    result = analyse_buffers(str(folder), buffers)
    assert [d.code for d in result.diagnostics[str(a)]] == ["WG001"]
    assert result.diagnostics[str(b)] == ()  # a new, unsaved file of the package

    suppressed = FLAGGED.replace("wg.Add(1)", "wg.Add(1) //goconc:ignore WG001 joined later")
    result = analyse_buffers(str(folder), {str(a): suppressed.encode()})
    assert result.diagnostics[str(a)] == ()

    (repo / ".goconc.toml").write_text('ignore = ["WG"]\n')
    assert analyse_buffers(str(folder), buffers).diagnostics[str(a)] == ()
    (repo / ".goconc.toml").write_text('exclude = ["demo/"]\n')
    assert analyse_buffers(str(folder), buffers).diagnostics[str(a)] == ()
    (repo / ".goconc.toml").write_text("select = [\n")
    result = analyse_buffers(str(folder), buffers)
    assert result.config_error and ".goconc.toml" in result.config_error


def test_missing_pygls(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "pygls", None)  # makes `import pygls...` fail
    monkeypatch.delitem(sys.modules, "goconc.cli.lsp_server", raising=False)
    assert serve_lsp() == 2
    assert capsys.readouterr().err == PYGLS_MISSING


def test_pygls_is_a_dependency_not_an_extra() -> None:
    # The README installs goconc without extras; `goconc lsp` must work after that.
    from importlib.metadata import requires

    needed = [r for r in requires("goconc") or () if r.startswith("pygls")]
    assert needed and not any("extra ==" in r for r in needed), needed


def test_check_does_not_import_pygls(tmp_path: Path) -> None:
    (tmp_path / "a.go").write_text("package a\n\nfunc f() {}\n")
    code = (
        "import sys\n"
        "from goconc.cli.main import main\n"
        "try:\n"
        f"    main(['check', '--no-cache', {str(tmp_path / 'a.go')!r}])\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0, exit.code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_analysis_errors_are_logged(monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash in the analysis becomes a window/logMessage; the server goes on."""
    import asyncio

    from lsprotocol import types as lsp

    from goconc.cli import lsp_server

    server = lsp_server.GoconcServer()
    logged: list[lsp.LogMessageParams] = []
    buffer = lsp_server._Buffer("file:///x/a.go", 1, b"package a\n")
    monkeypatch.setattr(server, "window_log_message", logged.append)
    monkeypatch.setattr(server, "_buffers", lambda folder: {"/x/a.go": buffer})

    def boom(folder: str, data: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(lsp_server, "analyse_buffers", boom)
    try:
        asyncio.run(server._analyse_later("/x", 0))
    finally:
        server.analysis.shutdown()
    assert [m.type for m in logged] == [lsp.MessageType.Error]
    assert "RuntimeError('boom')" in logged[0].message
    assert server.scheduled == {}
