"""SARIF output: schema-valid, and every point of shared/SARIF.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest
import sarif_om as om

from goconc.analyzer.diagnostics import Diagnostic, NoteLevel, Notification, Related, Severity
from goconc.engine.fingerprint import line_hashes
from goconc.report import render
from goconc.report.sarif import load_fingerprints, to_json
from tests.helpers_report import (
    CH003,
    GO_SOURCE,
    LK002,
    WG001,
    line_hash,
    rule_crash,
    run_result,
    span,
    span_of,
    syntax_warning,
    validate_sarif,
    walk,
    wg_diagnostic,
    write,
)


def sarif(result: Any, **options: Any) -> dict[str, Any]:
    return validate_sarif(render("sarif", result, **options))


def only_run(log: dict[str, Any]) -> dict[str, Any]:
    assert len(log["runs"]) == 1
    run: dict[str, Any] = log["runs"][0]
    return run


@pytest.fixture
def go_file(tmp_path: Path) -> str:
    return write(tmp_path, "cmd/app/main.go", GO_SOURCE)


def test_clean_run_has_empty_results_and_the_log_shape(tmp_path: Path) -> None:
    text = render("sarif", run_result(tmp_path))
    assert text.endswith("\n")
    log = validate_sarif(text)
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["$schema"].rsplit("/", 1)[1].startswith("sarif-2.1.0")
    assert log["version"] == "2.1.0"
    run = only_run(log)
    assert run["results"] == []
    assert run["columnKind"] == "utf16CodeUnits"
    root_uri = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert root_uri == tmp_path.resolve().as_uri() + "/"
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]
    driver = run["tool"]["driver"]
    assert driver["name"] == "goconc"
    assert driver["semanticVersion"] == "0.1.0"
    assert driver["informationUri"] == "https://github.com/goconc/goconc"
    assert [rule["id"] for rule in driver["rules"]] == ["WG001", "LK002", "CH003"]


def test_full_log_validates_and_never_has_offsets_or_sentinels(go_file: str) -> None:
    flows_diag = Diagnostic(
        code="LK002",
        message="s.mu and s.other are locked in both orders",
        span=span_of(go_file, "wg.Wait()"),
        severity=Severity.WARNING,
        flows=((Related(span_of(go_file, "wg.Add(1)"), "locks s.mu"),),),
    )
    notes = (syntax_warning(go_file), rule_crash(go_file), Notification(NoteLevel.NOTE, "hi"))
    result = run_result(
        Path(go_file).parents[2],
        (wg_diagnostic(go_file), wg_diagnostic(go_file, suppressed_by="tested"), flows_diag),
        notes,
    )
    for options in ({}, {"include_suppressed": True, "verbose": True}):
        log = sarif(result, **options)
        keys = {key for key, _ in walk(log)}
        assert not keys & {"byteOffset", "charOffset", "byteLength", "charLength"}
        # Locations carry their uri inline; the only index is a crashed rule's reference.
        assert [v for k, v in walk(log) if k == "index"] == [0]
        assert all(value != -1 for _, value in walk(log))
        assert "rank" not in keys and "ruleIndex" in keys


def test_result_fields(go_file: str) -> None:
    diagnostic = wg_diagnostic(go_file)
    result = run_result(Path(go_file).parents[2], (diagnostic,))
    (res,) = only_run(sarif(result))["results"]
    assert res["ruleId"] == "WG001"
    assert res["ruleIndex"] == 0
    assert res["level"] == "error"
    assert res["kind"] == "fail"
    (location,) = res["locations"]
    assert "id" not in location and "message" not in location
    physical = location["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "cmd/app/main.go", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": 8, "startColumn": 3, "endLine": 8, "endColumn": 12}
    assert "suppressions" not in res


def test_explicit_level_even_when_it_equals_the_default(go_file: str) -> None:
    # "warning" is both the rule's default and sarif-om's attrs default: it must stay.
    diagnostic = wg_diagnostic(go_file, code="LK002", severity=Severity.WARNING)
    note = wg_diagnostic(go_file, code="CH003", severity=Severity.NOTE)
    run = only_run(sarif(run_result(Path(go_file).parents[2], (diagnostic, note))))
    assert [(r["ruleId"], r["ruleIndex"], r["level"]) for r in run["results"]] == [
        ("CH003", 2, "note"),
        ("LK002", 1, "warning"),
    ]
    levels = [r["defaultConfiguration"]["level"] for r in run["tool"]["driver"]["rules"]]
    assert levels == ["error", "warning", "note"]


def test_non_ascii_columns_pass_through_as_utf16(tmp_path: Path) -> None:
    path = write(tmp_path, "u.go", 'package p\n\nvar s = "é😀"; var t = 1\n')
    target = span_of(path, "t = 1")
    # é is one UTF-16 unit (two bytes), 😀 two units (four bytes, one code point): "t" is at
    # UTF-16 column 20, where byte columns would say 23 and code points 19.
    assert (target.column, target.end_column) == (20, 25)
    diagnostic = Diagnostic("CH003", "t is unused", target, Severity.NOTE)
    (res,) = only_run(sarif(run_result(tmp_path, (diagnostic,))))["results"]
    region = res["locations"][0]["physicalLocation"]["region"]
    assert (region["startColumn"], region["endColumn"]) == (20, 25)


def test_uris_are_percent_encoded_relative_or_absolute(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    inside = write(root, "dir with space/naïve.go", "package p\n")
    outside = write(tmp_path, "other dir/x.go", "package p\n")
    diagnostics = (
        Diagnostic("CH003", "inside", span(inside, 1, 1, 1, 8), Severity.NOTE),
        Diagnostic("CH003", "outside", span(outside, 1, 1, 1, 8), Severity.NOTE),
    )
    run = only_run(sarif(run_result(root, diagnostics)))
    by_message = {r["message"]["text"]: r for r in run["results"]}
    loc = by_message["inside"]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc == {"uri": "dir%20with%20space/na%C3%AFve.go", "uriBaseId": "%SRCROOT%"}
    loc = by_message["outside"]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc == {"uri": Path(outside).as_uri()}
    assert loc["uri"].endswith("/other%20dir/x.go")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == root.resolve().as_uri() + "/"


def test_root_with_special_characters_and_windows_drive() -> None:
    diagnostic = Diagnostic("CH003", "m", span("C:/src/my repo/a b.go", 1, 1, 1, 2), Severity.NOTE)
    run = only_run(sarif(run_result("C:/src/my repo", (diagnostic,))))
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///C:/src/my%20repo/"
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "a%20b.go", "uriBaseId": "%SRCROOT%"}


def test_related_locations_are_linked_from_the_message(go_file: str) -> None:
    diagnostic = wg_diagnostic(go_file)
    (res,) = only_run(sarif(run_result(Path(go_file).parents[2], (diagnostic,))))["results"]
    assert res["message"]["text"] == (
        "wg.Add is called inside the goroutine it counts. "
        "See [the go statement](1) and [wg.Wait](2)."
    )
    related = res["relatedLocations"]
    assert [r["id"] for r in related] == [1, 2]
    assert [r["message"]["text"] for r in related] == ["the go statement", "wg.Wait"]
    assert related[0]["physicalLocation"]["region"]["startLine"] == 7
    assert related[1]["physicalLocation"]["region"]["startLine"] == 11


def test_link_text_and_message_brackets_are_escaped(go_file: str) -> None:
    diagnostic = wg_diagnostic(
        go_file,
        message="results[i] is shared; see [x](3)",
        related=(
            Related(span_of(go_file, "wg.Wait()"), "results[i] written here"),
            Related(span_of(go_file, "go func()"), r"a \ b"),
            Related(span_of(go_file, "wg.Wait()"), "third"),
        ),
    )
    (res,) = only_run(sarif(run_result(Path(go_file).parents[2], (diagnostic,))))["results"]
    assert res["message"]["text"] == (
        r"results[i] is shared; see \[x](3). See [results\[i\] written here](1), "
        r"[a \\ b](2) and [third](3)."
    )
    assert [r["id"] for r in res["relatedLocations"]] == [1, 2, 3]


def test_code_flows_one_thread_flow_per_flow_inline(go_file: str) -> None:
    flows = (
        (
            Related(span_of(go_file, "go func()"), "goroutine 1 locks a"),
            Related(span_of(go_file, "wg.Add(1)"), "then locks b"),
        ),
        (Related(span_of(go_file, "wg.Wait()"), "main locks b, then a"),),
    )
    diagnostic = Diagnostic(
        "LK002",
        "a and b are locked in both orders",
        flows[0][0].span,
        Severity.WARNING,
        flows=flows,
    )
    (res,) = only_run(sarif(run_result(Path(go_file).parents[2], (diagnostic,))))["results"]
    (code_flow,) = res["codeFlows"]
    threads = code_flow["threadFlows"]
    assert len(threads) == 2
    steps = [[loc["location"]["message"]["text"] for loc in t["locations"]] for t in threads]
    assert steps == [["goroutine 1 locks a", "then locks b"], ["main locks b, then a"]]
    first = threads[0]["locations"][0]
    assert set(first) == {"location"}  # inline: no index into run.threadFlowLocations
    assert first["location"]["physicalLocation"]["region"]["startLine"] == 7
    assert "relatedLocations" not in res


def test_fixes_with_replacements_and_insertions(go_file: str) -> None:
    (res,) = only_run(sarif(run_result(Path(go_file).parents[2], (wg_diagnostic(go_file),))))[
        "results"
    ]
    (fix,) = res["fixes"]
    assert fix["description"]["text"] == "Move wg.Add(1) before the go statement"
    assert fix["properties"] == {"applicability": "safe"}
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "cmd/app/main.go", "uriBaseId": "%SRCROOT%"}
    deletion, insertion = change["replacements"]
    assert deletion == {
        "deletedRegion": {"startLine": 8, "startColumn": 3, "endLine": 8, "endColumn": 19},
        "insertedContent": {"text": ""},
    }
    assert insertion == {
        "deletedRegion": {"startLine": 7, "startColumn": 2, "endLine": 7, "endColumn": 2},
        "insertedContent": {"text": "wg.Add(1)\n\t"},
    }


def test_suppressed_results_only_with_the_flag(go_file: str) -> None:
    root = Path(go_file).parents[2]
    kept = wg_diagnostic(go_file)
    hidden = wg_diagnostic(
        go_file, span=span_of(go_file, "wg.Wait()"), suppressed_by="Add happens-before via ch"
    )
    result = run_result(root, (kept, hidden))
    default = only_run(sarif(result))["results"]
    assert len(default) == 1 and "suppressions" not in default[0]
    both = only_run(sarif(result, include_suppressed=True))["results"]
    assert [r.get("suppressions") for r in both] == [
        [],
        [{"kind": "inSource", "status": "accepted", "justification": "Add happens-before via ch"}],
    ]
    # Including suppressed results does not renumber the others' fingerprints.
    assert both[0]["partialFingerprints"] == default[0]["partialFingerprints"]


def test_notifications(go_file: str) -> None:
    root = Path(go_file).parents[2]
    warning = syntax_warning(go_file)
    outside = Notification(NoteLevel.ERROR, "cannot read /elsewhere/x.go", "/elsewhere/x.go")
    run = only_run(sarif(run_result(root, (), (warning, outside))))
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is True  # unreadable file: tool still completed
    first, second = invocation["toolExecutionNotifications"]
    assert first == {
        "level": "warning",
        "message": {"text": "syntax error: unexpected '}'"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "cmd/app/main.go", "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 3, "startColumn": 1},
                }
            }
        ],
    }
    assert second["level"] == "error"
    location = second["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "file:///elsewhere/x.go"}}


def test_a_crashed_rule_marks_the_run_unsuccessful(go_file: str) -> None:
    result = run_result(Path(go_file).parents[2], (), (rule_crash(go_file),))
    (invocation,) = only_run(sarif(result))["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["associatedRule"] == {"id": "WG001", "index": 0}
    assert "exception" not in note
    (invocation,) = only_run(sarif(result, verbose=True))["invocations"]
    assert invocation["toolExecutionNotifications"][0]["exception"] == {
        "message": "Traceback (most recent call last):\n  ...\nKeyError: 'x'"
    }


def test_an_engine_crash_outside_rules_marks_the_run_unsuccessful(go_file: str) -> None:
    folder = str(Path(go_file).parent)
    crash = Notification(NoteLevel.ERROR, "internal error", path=folder, crash=True)
    (invocation,) = only_run(sarif(run_result(Path(go_file).parents[2], (), (crash,))))[
        "invocations"
    ]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert "associatedRule" not in note
    location = note["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "cmd/app", "uriBaseId": "%SRCROOT%"}


def test_rules_metadata(tmp_path: Path) -> None:
    long_rule = attrs.evolve(
        CH003, summary="x" * 2000, tags=tuple(f"t{i}" for i in range(30)), docs=""
    )
    driver = only_run(sarif(run_result(tmp_path, rules=(WG001, LK002, long_rule))))["tool"][
        "driver"
    ]
    wg, lk, ch = driver["rules"]
    assert wg == {
        "id": "WG001",
        "name": "waitgroup-add-in-goroutine",
        "shortDescription": {"text": "wg.Add is called inside the goroutine it counts."},
        "fullDescription": {
            "text": "Checks for `wg.Add` called inside the goroutine that it counts."
        },
        "help": {"text": WG001.docs, "markdown": WG001.docs},
        "helpUri": "https://github.com/goconc/goconc/blob/main/docs/rules/WG001.md",
        "defaultConfiguration": {"enabled": True, "level": "error"},
        "properties": {
            "tags": ["concurrency", "goroutine-leak"],
            "precision": "very-high",
            "problem.severity": "error",
        },
    }
    assert lk["fullDescription"] == {"text": LK002.summary}  # no docs: the summary
    assert lk["help"] == {"text": LK002.summary, "markdown": LK002.summary}
    assert lk["properties"]["problem.severity"] == "warning"
    assert lk["properties"]["tags"] == ["concurrency", "deadlock", "external/cwe/cwe-833"]
    assert ch["properties"]["problem.severity"] == "recommendation"
    assert len(ch["properties"]["tags"]) == 20
    assert len(ch["shortDescription"]["text"]) == 1024
    assert len(ch["fullDescription"]["text"]) == 1024
    for rule in driver["rules"]:
        assert rule["name"] != rule["id"]
        assert "security-severity" not in rule["properties"]


def test_unknown_code_gets_a_rule(tmp_path: Path) -> None:
    diagnostic = Diagnostic("XX999", "m", span("/abs/a.go", 1, 1, 1, 2), Severity.WARNING)
    run = only_run(sarif(run_result(tmp_path, (diagnostic,), rules=(WG001,))))
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["WG001", "XX999"]
    assert run["results"][0]["ruleIndex"] == 1


def test_fingerprints(go_file: str) -> None:
    root = Path(go_file).parents[2]
    given = wg_diagnostic(go_file)
    computed = wg_diagnostic(go_file, span=span_of(go_file, "wg.Wait()"), line_hash="")
    run = only_run(sarif(run_result(root, (given, computed))))
    first, second = run["results"]
    assert first["partialFingerprints"]["primaryLocationLineHash"] == line_hash(go_file, 8)
    # Not filled in by the engine: computed from the file as codeql-action would.
    hashes = line_hashes(Path(go_file).read_bytes())
    assert second["partialFingerprints"]["primaryLocationLineHash"] == hashes[10]
    key = first["partialFingerprints"]["goconc/v1"]
    digest, count = key.split(":")
    assert len(digest) == 32 and int(digest, 16) >= 0 and count == "1"
    assert key != second["partialFingerprints"]["goconc/v1"]


def test_stable_fingerprint_survives_moves_and_reindentation(tmp_path: Path) -> None:
    def key(text: str, needle: str) -> str:
        path = write(tmp_path, "a.go", text)
        d = Diagnostic("CH003", "m", span_of(path, needle), Severity.NOTE, function="f")
        (res,) = only_run(sarif(run_result(tmp_path, (d,))))["results"]
        value: str = res["partialFingerprints"]["goconc/v1"]
        return value

    before = key("package p\n\nfunc f() {\n\tch <- 1\n}\n", "ch <- 1")
    moved = key("package p\n\n// doc\n\nfunc f() {\n        ch  <-  1\n}\n", "ch  <-  1")
    other = key("package p\n\nfunc f() {\n\tch <- 2\n}\n", "ch <- 2")
    assert before == moved
    assert before != other


def test_same_line_text_is_numbered(tmp_path: Path) -> None:
    path = write(tmp_path, "a.go", "package p\n\nfunc f() {\n\tmu.Lock()\n\tmu.Lock()\n}\n")
    diagnostics = tuple(
        Diagnostic("CH003", "m", span_of(path, "mu.Lock()", i), Severity.NOTE, function="f")
        for i in (1, 0)
    )
    results = only_run(sarif(run_result(tmp_path, diagnostics)))["results"]
    keys = [r["partialFingerprints"]["goconc/v1"] for r in results]
    assert keys[0].split(":")[0] == keys[1].split(":")[0]
    assert [k.split(":")[1] for k in keys] == ["1", "2"]


def test_missing_file_still_renders(tmp_path: Path) -> None:
    gone = (tmp_path / "gone.go").as_posix()
    diagnostic = Diagnostic("CH003", "m", span(gone, 3, 1, 3, 2), Severity.NOTE)
    (res,) = only_run(sarif(run_result(tmp_path, (diagnostic,))))["results"]
    assert set(res["partialFingerprints"]) == {"goconc/v1"}


def test_load_fingerprints_round_trip(go_file: str, tmp_path: Path) -> None:
    result = run_result(Path(go_file).parents[2], (wg_diagnostic(go_file),))
    log = tmp_path / "previous.sarif"
    log.write_text(render("sarif", result), encoding="utf-8")
    assert load_fingerprints(log) == {("WG001", line_hash(go_file, 8))}
    # A producer that names the rule only by index.
    data = json.loads(log.read_text(encoding="utf-8"))
    del data["runs"][0]["results"][0]["ruleId"]
    log.write_text(json.dumps(data), encoding="utf-8")
    assert load_fingerprints(str(log)) == {("WG001", line_hash(go_file, 8))}


def test_serializer_renames_drops_none_and_keeps_defaults() -> None:
    region = om.Region(start_line=1, start_column=2)
    assert to_json(region) == {"startLine": 1, "startColumn": 2}
    result = om.Result(message=om.Message(text="m"), level="warning", rule_index=0)
    assert to_json(result) == {
        "message": {"text": "m"},
        "kind": "fail",
        "level": "warning",
        "ruleIndex": 0,
    }
    assert to_json({"a": None, "b": [om.Message(text="x")]}) == {"b": [{"text": "x"}]}


def test_render_dispatch_and_lazy_imports(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown output format 'xml'"):
        render("xml", run_result(tmp_path))
    code = (
        "import sys, goconc.report as r; "
        "print(sorted(m for m in sys.modules if m.startswith(('sarif_om', 'goconc.report'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[1],
    ).stdout
    assert out.strip() == "['goconc.report']"


@pytest.mark.parametrize("rule", [WG001, LK002, CH003])
def test_problem_severity_mapping(tmp_path: Path, rule: Any) -> None:
    (descriptor,) = only_run(sarif(run_result(tmp_path, rules=(rule,))))["tool"]["driver"]["rules"]
    expected = {"error": "error", "warning": "warning", "note": "recommendation"}
    assert descriptor["properties"]["problem.severity"] == expected[rule.severity.value]
