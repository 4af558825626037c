"""Text, JSON and GitHub Actions output."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from goconc.analyzer.diagnostics import Diagnostic, NoteLevel, Notification, Severity
from goconc.report import FORMATS, render
from goconc.report.github import escape_data, escape_property
from goconc.report.text import format_notification
from tests.helpers_report import (
    GO_SOURCE,
    line_hash,
    rule_crash,
    run_result,
    span,
    span_of,
    syntax_warning,
    wg_diagnostic,
    write,
)

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def go_file(tmp_path: Path) -> str:
    return write(tmp_path, "cmd/app/main.go", GO_SOURCE)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_ends_with_a_newline(fmt: str, go_file: str, tmp_path: Path) -> None:
    for result in (run_result(tmp_path), run_result(tmp_path, (wg_diagnostic(go_file),))):
        assert render(fmt, result).endswith("\n")


# --- text -------------------------------------------------------------------------------------


def test_text_finding_snippet_related_and_fix(go_file: str, tmp_path: Path) -> None:
    out = render("text", run_result(tmp_path, (wg_diagnostic(go_file),)))
    assert out == (
        "cmd/app/main.go:8:3: WG001 wg.Add is called inside the goroutine it counts\n"
        "  8 |         wg.Add(1) // é😀\n"
        "    |         ^^^^^^^^^\n"
        "  cmd/app/main.go:7:2: the go statement\n"
        "  cmd/app/main.go:11:2: wg.Wait\n"
        "  fix (safe): Move wg.Add(1) before the go statement\n"
        "\n"
        "Found 1 problem (1 error) in 12 files.\n"
    )
    assert not ANSI.search(out)


def test_text_caret_under_non_ascii_and_wide_characters(tmp_path: Path) -> None:
    path = write(tmp_path, "a.go", 'package p\n\nvar s = "é中😀"; var t = 1\n')
    target = span_of(path, "t = 1")
    # UTF-16 units: é 1, 中 1, 😀 2; byte columns would say 26 and code points 20.
    assert target.column == 21
    out = render("text", run_result(tmp_path, (Diagnostic("CH003", "m", target, Severity.NOTE),)))
    first, source_line, carets = out.splitlines()[:3]
    assert first == "a.go:3:21: CH003 m"
    assert source_line == '  3 | var s = "é中😀"; var t = 1'
    # Display cells: é 1, 中 and 😀 two each, so "t" is 21 cells in (not 20 units).
    assert carets == "    | " + " " * 21 + "^^^^^"


def test_text_tabs_are_expanded_alike_in_line_and_carets(tmp_path: Path) -> None:
    path = write(tmp_path, "a.go", "package p\n\nfunc f() {\n\t  \tch <- 1\n}\n")
    target = span_of(path, "ch")
    out = render("text", run_result(tmp_path, (Diagnostic("CH003", "m", target, Severity.NOTE),)))
    _, source_line, carets = out.splitlines()[:3]
    assert source_line == "  4 |         ch <- 1"
    assert carets == "    |         ^^"


def test_text_multiline_span_underlines_to_end_of_line(go_file: str, tmp_path: Path) -> None:
    target = span_of(go_file, "go func() {\n\t\twg.Add")
    diagnostic = Diagnostic("CH003", "m", target, Severity.NOTE)
    lines = render("text", run_result(tmp_path, (diagnostic,))).splitlines()
    assert lines[1:3] == ["  7 |     go func() {", "    |     ^^^^^^^^^^^"]


def test_text_empty_span_gets_one_caret(go_file: str, tmp_path: Path) -> None:
    diagnostic = Diagnostic("CH003", "m", span_of(go_file, "wg.Wait", empty=True), Severity.NOTE)
    lines = render("text", run_result(tmp_path, (diagnostic,))).splitlines()
    assert lines[2] == "     |     ^"


def test_text_omits_unreadable_or_vanished_lines(go_file: str, tmp_path: Path) -> None:
    diagnostics = (
        Diagnostic(
            "CH003", "gone", span((tmp_path / "gone.go").as_posix(), 1, 1, 1, 2), Severity.NOTE
        ),
        Diagnostic("CH003", "past the end", span(go_file, 99, 1, 99, 2), Severity.NOTE),
    )
    lines = render("text", run_result(tmp_path, diagnostics)).splitlines()
    assert lines == [
        "cmd/app/main.go:99:1: CH003 past the end",
        "",
        "gone.go:1:1: CH003 gone",
        "",
        "Found 2 problems (2 notes) in 12 files.",
    ]


def test_text_paths_outside_cwd_are_absolute(go_file: str, tmp_path: Path) -> None:
    result = run_result(tmp_path, (wg_diagnostic(go_file),), cwd=tmp_path / "cmd" / "app")
    assert render("text", result).startswith("main.go:8:3: WG001 ")
    result = run_result(tmp_path, (wg_diagnostic(go_file),), cwd=tmp_path / "other")
    assert render("text", result).startswith(f"{go_file}:8:3: WG001 ")
    result = run_result(tmp_path, (wg_diagnostic(go_file),), cwd=tmp_path / "cm")
    assert render("text", result).startswith(f"{go_file}:8:3: WG001 ")  # not a path prefix


def test_text_summary_lines(go_file: str, tmp_path: Path) -> None:
    def summary(*diagnostics: Diagnostic, files: int = 12, **options: Any) -> str:
        result = run_result(tmp_path, diagnostics, files=files)
        return render("text", result, **options).splitlines()[-1]

    error = wg_diagnostic(go_file)
    warning = wg_diagnostic(go_file, severity=Severity.WARNING, code="LK002")
    note = wg_diagnostic(go_file, severity=Severity.NOTE, code="CH003")
    suppressed = wg_diagnostic(go_file, suppressed_by="reviewed")
    assert summary() == "No problems found in 12 files."
    assert summary(files=1) == "No problems found in 1 file."
    assert summary(error, error, warning) == "Found 3 problems (2 errors, 1 warning) in 12 files."
    assert summary(warning, note, note) == "Found 3 problems (1 warning, 2 notes) in 12 files."
    assert summary(suppressed) == "No problems found in 12 files."
    assert summary(error, suppressed, include_suppressed=True) == (
        "Found 1 problem (1 error) in 12 files. 1 suppressed."
    )


def test_text_suppressed_only_with_flag(go_file: str, tmp_path: Path) -> None:
    result = run_result(tmp_path, (wg_diagnostic(go_file, suppressed_by="Add is before go"),))
    assert "WG001" not in render("text", result)
    first = render("text", result, include_suppressed=True).splitlines()[0]
    assert first.endswith("counts (suppressed: Add is before go)")


def test_text_colour_only_when_asked(go_file: str, tmp_path: Path) -> None:
    result = run_result(tmp_path, (wg_diagnostic(go_file),))
    plain = render("text", result)
    coloured = render("text", result, color=True)
    assert ANSI.search(coloured)
    assert "\x1b[1;31mWG001\x1b[0m" in coloured
    assert ANSI.sub("", coloured) == plain


def test_text_control_characters_in_source_are_neutralised(tmp_path: Path) -> None:
    path = write(tmp_path, "a.go", 'package p\n\nvar s = "\x1b[31m"; var t = 1\n')
    diagnostic = Diagnostic("CH003", "m", span_of(path, "t = 1"), Severity.NOTE)
    out = render("text", run_result(tmp_path, (diagnostic,)))
    assert "\x1b" not in out
    _, source_line, carets = out.splitlines()[:3]
    assert carets.index("^") == source_line.index("t = 1")


def test_text_crlf_and_bom_files(tmp_path: Path) -> None:
    path = write(tmp_path, "a.go", b"\xef\xbb\xbfpackage p\r\n\r\nvar t = 1\r\n")
    diagnostic = Diagnostic("CH003", "m", span_of(path, "t = 1"), Severity.NOTE)
    lines = render("text", run_result(tmp_path, (diagnostic,))).splitlines()
    assert lines[:3] == ["a.go:3:5: CH003 m", "  3 | var t = 1", "    |     ^^^^^"]
    first = Diagnostic("CH003", "m", span_of(path, "package"), Severity.NOTE)
    lines = render("text", run_result(tmp_path, (first,))).splitlines()
    assert lines[:3] == ["a.go:1:1: CH003 m", "  1 | package p", "    | ^^^^^^^"]


def test_format_notification(go_file: str, tmp_path: Path) -> None:
    cwd = tmp_path.resolve().as_posix()
    assert format_notification(syntax_warning(go_file), cwd) == (
        "cmd/app/main.go:3:1: warning: syntax error: unexpected '}'"
    )
    crash = rule_crash(go_file)
    assert (
        format_notification(crash, cwd) == "cmd/app/main.go: error: rule WG001 crashed on this file"
    )
    assert format_notification(crash, cwd, verbose=True).splitlines() == [
        "cmd/app/main.go: error: rule WG001 crashed on this file",
        "    Traceback (most recent call last):",
        "      ...",
        "    KeyError: 'x'",
    ]
    note = Notification(NoteLevel.NOTE, "3 files skipped")
    assert format_notification(note, cwd) == "goconc: note: 3 files skipped"


def test_notifications_are_not_in_text_output(go_file: str, tmp_path: Path) -> None:
    out = render("text", run_result(tmp_path, (), (syntax_warning(go_file),)))
    assert out == "No problems found in 12 files.\n"


# --- json -------------------------------------------------------------------------------------

_POSITION = {
    "path": {"type": "string"},
    "line": {"type": "integer", "minimum": 1},
    "column": {"type": "integer", "minimum": 1},
    "end_line": {"type": "integer", "minimum": 1},
    "end_column": {"type": "integer", "minimum": 1},
}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


# The schema that docs/output.md documents, as a test: changing it needs a version bump.
JSON_SCHEMA_V1 = _object(
    {
        "version": {"const": 1},
        "tool": _object({"name": {"const": "goconc"}, "version": {"type": "string"}}),
        "findings": {
            "type": "array",
            "items": _object(
                {
                    "code": {"type": "string"},
                    "name": {"type": ["string", "null"]},
                    "level": {"enum": ["error", "warning", "note"]},
                    **_POSITION,
                    "message": {"type": "string"},
                    "related": {
                        "type": "array",
                        "items": _object({**_POSITION, "message": {"type": "string"}}),
                    },
                    "fixes": {
                        "type": "array",
                        "items": _object(
                            {
                                "title": {"type": "string"},
                                "applicability": {"enum": ["safe", "unsafe"]},
                                "edits": {
                                    "type": "array",
                                    "items": _object({**_POSITION, "text": {"type": "string"}}),
                                },
                            }
                        ),
                    },
                    "fingerprint": {"type": ["string", "null"]},
                    "suppressed": {"type": ["string", "null"]},
                }
            ),
        },
        "notifications": {
            "type": "array",
            "items": _object(
                {
                    "level": {"enum": ["error", "warning", "note"]},
                    "message": {"type": "string"},
                    "path": {"type": ["string", "null"]},
                    "line": {"type": ["integer", "null"]},
                    "column": {"type": ["integer", "null"]},
                    "rule": {"type": ["string", "null"]},
                    "crash": {"type": "boolean"},
                    "detail": {"type": "string"},
                }
            ),
        },
        "summary": _object(
            {
                "files": {"type": "integer"},
                "packages": {"type": "integer"},
                "findings": {"type": "integer"},
                "suppressed": {"type": "integer"},
                "seconds": {"type": "number"},
            }
        ),
    }
)


def json_output(result: Any, **options: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(render("json", result, **options))
    jsonschema.Draft7Validator(JSON_SCHEMA_V1).validate(doc)
    return doc


def test_json_document(go_file: str, tmp_path: Path) -> None:
    result = run_result(tmp_path, (wg_diagnostic(go_file),), (rule_crash(go_file),))
    doc = json_output(result)
    assert doc["version"] == 1
    assert doc["tool"] == {"name": "goconc", "version": "0.1.0"}
    assert doc["summary"] == {
        "files": 12,
        "packages": 3,
        "findings": 1,
        "suppressed": 0,
        "seconds": 0.25,
    }
    (finding,) = doc["findings"]
    assert finding == {
        "code": "WG001",
        "name": "waitgroup-add-in-goroutine",
        "level": "error",
        "path": "cmd/app/main.go",
        "line": 8,
        "column": 3,
        "end_line": 8,
        "end_column": 12,
        "message": "wg.Add is called inside the goroutine it counts",
        "related": [
            {
                "path": "cmd/app/main.go",
                "line": 7,
                "column": 2,
                "end_line": 7,
                "end_column": 11,
                "message": "the go statement",
            },
            {
                "path": "cmd/app/main.go",
                "line": 11,
                "column": 2,
                "end_line": 11,
                "end_column": 11,
                "message": "wg.Wait",
            },
        ],
        "fixes": [
            {
                "title": "Move wg.Add(1) before the go statement",
                "applicability": "safe",
                "edits": [
                    {
                        "path": "cmd/app/main.go",
                        "line": 8,
                        "column": 3,
                        "end_line": 8,
                        "end_column": 19,
                        "text": "",
                    },
                    {
                        "path": "cmd/app/main.go",
                        "line": 7,
                        "column": 2,
                        "end_line": 7,
                        "end_column": 2,
                        "text": "wg.Add(1)\n\t",
                    },
                ],
            }
        ],
        "fingerprint": line_hash(go_file, 8),
        "suppressed": None,
    }
    assert doc["notifications"] == [
        {
            "level": "error",
            "message": "rule WG001 crashed on this file",
            "path": "cmd/app/main.go",
            "line": None,
            "column": None,
            "rule": "WG001",
            "crash": True,
            "detail": "",
        }
    ]
    verbose = json_output(result, verbose=True)
    assert verbose["notifications"][0]["detail"].startswith("Traceback")


def test_json_suppressed_unknown_rule_and_computed_fingerprint(
    go_file: str, tmp_path: Path
) -> None:
    suppressed = wg_diagnostic(go_file, suppressed_by="guarded by ch")
    unknown = Diagnostic("XX999", "m", span_of(go_file, "wg.Wait()"), Severity.WARNING)
    result = run_result(tmp_path, (suppressed, unknown), cwd="/somewhere/else")
    doc = json_output(result)
    (finding,) = doc["findings"]
    assert finding["code"] == "XX999" and finding["name"] is None
    assert finding["path"] == go_file  # absolute outside cwd
    assert finding["fingerprint"] == line_hash(go_file, 11)  # computed: engine left it empty
    assert doc["summary"]["findings"] == 1 and doc["summary"]["suppressed"] == 1
    both = json_output(result, include_suppressed=True)
    assert [f["suppressed"] for f in both["findings"]] == ["guarded by ch", None]


def test_json_clean_run_and_non_ascii(tmp_path: Path) -> None:
    doc = json_output(run_result(tmp_path, seconds=1.23456))
    assert doc["findings"] == [] and doc["notifications"] == []
    assert doc["summary"]["seconds"] == 1.235
    path = write(tmp_path, "ü/a.go", 'package p\n\nvar s = "😀"; var t = 1\n')
    diagnostic = Diagnostic("CH003", "t → unused", span_of(path, "t = 1"), Severity.NOTE)
    text = render("json", run_result(tmp_path, (diagnostic,)))
    assert text.isascii()
    (finding,) = json.loads(text)["findings"]
    assert (finding["path"], finding["column"]) == ("ü/a.go", 19)
    assert finding["message"] == "t → unused"


# --- github -----------------------------------------------------------------------------------


def test_github_escaping_matches_the_actions_toolkit() -> None:
    assert escape_data("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext: a,b"
    assert escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"


def test_github_commands(go_file: str, tmp_path: Path) -> None:
    warning = Diagnostic(
        "LK002", "50% of paths: a, then b", span_of(go_file, "wg.Wait()"), Severity.WARNING
    )
    note = Diagnostic("CH003", "m", span(go_file, 1, 1, 1, 8), Severity.NOTE)
    notes = (syntax_warning(go_file), Notification(NoteLevel.ERROR, "config: bad, very"))
    lines = render("github", run_result(tmp_path, (wg_diagnostic(go_file), warning, note), notes))
    assert lines.splitlines() == [
        "::notice file=cmd/app/main.go,line=1,col=1,endLine=1,endColumn=8,title=CH003::m",
        "::error file=cmd/app/main.go,line=8,col=3,endLine=8,endColumn=12,title=WG001::"
        "wg.Add is called inside the goroutine it counts"
        "%0Acmd/app/main.go:7:2: the go statement"
        "%0Acmd/app/main.go:11:2: wg.Wait"
        "%0Afix (safe): Move wg.Add(1) before the go statement",
        "::warning file=cmd/app/main.go,line=11,col=2,endLine=11,endColumn=11,title=LK002::"
        "50%25 of paths: a, then b",
        "::warning file=cmd/app/main.go,line=3,col=1,title=goconc::syntax error: unexpected '}'",
        "::error title=goconc::config: bad, very",
        "goconc: 3 problems in 12 files.",
    ]


def test_github_paths_with_special_characters_and_suppressed(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b:c/x.go", "package p\n")
    diagnostic = Diagnostic(
        "CH003", "m", span(path, 1, 1, 1, 2), Severity.ERROR, suppressed_by="ok, fine"
    )
    result = run_result(tmp_path, (diagnostic,))
    assert render("github", result) == "goconc: no problems found in 12 files.\n"
    (line, _) = render("github", result, include_suppressed=True).splitlines()
    assert line == (
        "::notice file=a%2Cb%3Ac/x.go,line=1,col=1,endLine=1,endColumn=2,"
        "title=CH003 (suppressed%3A ok%2C fine)::m"
    )
