"""SARIF 2.1.0 for GitHub code scanning and the VS Code SARIF viewer (see shared/SARIF.md).

The log is built from sarif-om classes and written by ``to_json``, our own serializer: sarif-om
has none, ``attr.asdict`` keeps snake_case names, and jschema_to_python drops every value equal
to its default (an explicit ``level: "warning"`` would vanish).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import attr
import sarif_om as om

from goconc.analyzer.diagnostics import (
    Diagnostic,
    Fix,
    Notification,
    Related,
    RuleMeta,
    RunResult,
    Severity,
    Span,
)
from goconc.report._common import (
    INFORMATION_URI,
    TOOL_NAME,
    SourceCache,
    stable_keys,
    tool_version,
    visible,
)

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
STABLE_KEY = "goconc/v1"
_MAX_DESCRIPTION = 1024  # GitHub's limit for short and full descriptions
_MAX_TAGS = 20  # GitHub's limit per rule
_PROBLEM_SEVERITY = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.NOTE: "recommendation",
}
# Written first, in this order, where present: makes logs readable (key order has no meaning).
_FIRST_KEYS = ("$schema", "version", "id", "ruleId", "ruleIndex", "level", "name", "message")
_REGION_KEYS = ("startLine", "startColumn", "endLine", "endColumn")
# "[text](4)" is an embedded link in a SARIF message (3.11.6): escape a "[" that would start one.
_LINK_LIKE = re.compile(r"\[(?=[^\]]*\]\(\d+\))")


def render(
    result: RunResult,
    *,
    color: bool = False,
    verbose: bool = False,
    include_suppressed: bool = False,
) -> str:
    log = build(result, verbose=verbose, include_suppressed=include_suppressed)
    return json.dumps(to_json(log), indent=2) + "\n"


def build(result: RunResult, *, verbose: bool = False, include_suppressed: bool = False) -> Any:
    """The log as sarif-om objects (a ``SarifLog``)."""
    uris = _Uris(result.root)
    rules = list(result.rules)
    known = {rule.code for rule in rules}
    for d in result.diagnostics:  # a code the registry does not list still needs a rule
        if d.code not in known:
            known.add(d.code)
            rules.append(RuleMeta(d.code, f"goconc-{d.code.lower()}", d.code, d.severity))
    index = {rule.code: i for i, rule in enumerate(rules)}
    sources = SourceCache(result.contents)
    keys = stable_keys(result, sources)
    results = [
        _result(d, index[d.code], uris, sources, keys[id(d)], include_suppressed)
        for d in visible(result, include_suppressed)
    ]
    driver = om.ToolComponent(
        name=TOOL_NAME,
        semantic_version=tool_version(result),
        information_uri=INFORMATION_URI,
        rules=[_rule(rule) for rule in rules],
        contents=None,
        language=None,
    )
    invocation = om.Invocation(
        # The tool ran to completion unless a rule (or the engine) crashed: results are missing.
        execution_successful=not any(n.crash or n.rule is not None for n in result.notifications),
        tool_execution_notifications=[
            _notification(n, uris, index, verbose) for n in result.notifications
        ],
    )
    run = om.Run(
        tool=om.Tool(driver=driver),
        invocations=[invocation],
        results=results,
        column_kind="utf16CodeUnits",
        original_uri_base_ids={SRCROOT: om.ArtifactLocation(uri=uris.root_uri)},
        # SourceFile counts a lone CR as a line end too; say so rather than rely on the default.
        newline_sequences=["\r\n", "\n", "\r"],
        language=None,
    )
    return om.SarifLog(version="2.1.0", schema_uri=SCHEMA_URI, runs=[run])


def to_json(value: Any) -> Any:
    """sarif-om objects as JSON values: schema property names, no None, no -1 sentinels."""
    if attr.has(type(value)):
        out: dict[str, Any] = {}
        for field in attr.fields(type(value)):
            item = getattr(value, field.name)
            if item is None or _is_unset(field, item):
                continue
            out[field.metadata.get("schema_property_name", field.name)] = to_json(item)
        return _ordered(out)
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def _ordered(obj: dict[str, Any]) -> dict[str, Any]:
    first = [key for key in (*_FIRST_KEYS, *_REGION_KEYS) if key in obj]
    return {**{key: obj[key] for key in first}, **obj}


def _is_unset(field: Any, value: Any) -> bool:
    # sarif-om marks "absent" integers (byteOffset, charOffset, index, id, rank, ...) with -1.
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and value == -1
        and field.default == -1
    )


def load_fingerprints(path: str | os.PathLike[str]) -> set[tuple[str, str]]:
    """(ruleId, primaryLocationLineHash) of every result in a SARIF log, for a baseline."""
    with open(path, encoding="utf-8") as f:
        log = json.load(f)
    pairs: set[tuple[str, str]] = set()
    for run in log.get("runs") or ():
        rules = ((run.get("tool") or {}).get("driver") or {}).get("rules") or []
        for res in run.get("results") or ():
            rule_id = res.get("ruleId")
            if rule_id is None:  # the id may be given only through the rule's index
                rule_index = res.get("ruleIndex", (res.get("rule") or {}).get("index"))
                if isinstance(rule_index, int) and 0 <= rule_index < len(rules):
                    rule_id = rules[rule_index].get("id")
            line_hash = (res.get("partialFingerprints") or {}).get("primaryLocationLineHash")
            if isinstance(rule_id, str) and isinstance(line_hash, str):
                pairs.add((rule_id, line_hash))
    return pairs


class _Uris:
    """Artifact locations: relative to the root under %SRCROOT%, else absolute file URIs."""

    def __init__(self, root: str) -> None:
        self.root = root.rstrip("/")
        self.root_uri = _file_uri(self.root + "/")

    def location(self, path: str) -> Any:
        if path.startswith(self.root + "/"):
            relative = _quote(path[len(self.root) + 1 :])
            return om.ArtifactLocation(uri=relative, uri_base_id=SRCROOT)
        return om.ArtifactLocation(uri=_file_uri(path))


def _file_uri(path: str) -> str:
    if re.match(r"[A-Za-z]:", path):  # a Windows drive keeps its colon: file:///C:/src/
        return "file:///" + path[:2] + _quote(path[2:])
    return "file://" + _quote(path)


def _quote(path: str) -> str:
    """The name's bytes percent-encoded (RFC 3986): a name that is not UTF-8 keeps its bytes
    (`bad%FFname.go`), where encoding the text would fail on its surrogate escapes."""
    return quote(os.fsencode(path), safe="/")


def _region(span: Span) -> Any:
    return om.Region(
        start_line=span.line,
        start_column=span.column,
        end_line=span.end_line,
        end_column=span.end_column,
    )


def _location(span: Span, uris: _Uris, message: str | None = None, id: int | None = None) -> Any:
    return om.Location(
        id=id,
        physical_location=om.PhysicalLocation(
            artifact_location=uris.location(span.path), region=_region(span)
        ),
        message=om.Message(text=_plain(message)) if message is not None else None,
    )


def _plain(text: str) -> str:
    return _LINK_LIKE.sub(r"\\[", text)


def _link_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _message(d: Diagnostic) -> str:
    """The message with its related locations linked: ``msg. See [a](1) and [b](2).``

    The rule's message stays the first sentence (GitHub's alert title); related locations
    follow as links, which GitHub shows only when they are referenced from the message.
    """
    text = _plain(d.message)
    if not d.related:
        return text
    links = [f"[{_link_text(r.message)}]({i})" for i, r in enumerate(d.related, 1)]
    listed = links[0] if len(links) == 1 else ", ".join(links[:-1]) + " and " + links[-1]
    return f"{text.rstrip('.')}. See {listed}."


def _result(
    d: Diagnostic,
    rule_index: int,
    uris: _Uris,
    sources: SourceCache,
    stable_key: str,
    include_suppressed: bool,
) -> Any:
    fingerprints = {STABLE_KEY: stable_key}
    line_hash = sources.line_hash(d)
    if line_hash:
        fingerprints["primaryLocationLineHash"] = line_hash
    suppressions: list[dict[str, str]] | None = None
    if include_suppressed:  # every result says whether it is suppressed, or none does
        suppressions = []
        if d.suppressed_by is not None:
            suppressions.append(
                {"kind": "inSource", "status": "accepted", "justification": d.suppressed_by}
            )
    return om.Result(
        rule_id=d.code,
        rule_index=rule_index,
        level=d.severity.value,
        message=om.Message(text=_message(d)),
        locations=[_location(d.span, uris)],
        related_locations=[
            _location(r.span, uris, r.message, id=i) for i, r in enumerate(d.related, 1)
        ]
        or None,
        code_flows=[_code_flow(d.flows, uris)] if d.flows else None,
        partial_fingerprints=fingerprints,
        fixes=[_fix(fix, uris) for fix in d.fixes] or None,
        suppressions=suppressions,
    )


def _code_flow(flows: Iterable[tuple[Related, ...]], uris: _Uris) -> Any:
    # One threadFlow per goroutine path; locations inline, never by index into the run.
    return om.CodeFlow(
        thread_flows=[
            om.ThreadFlow(
                locations=[
                    om.ThreadFlowLocation(
                        location=_location(step.span, uris, step.message), importance=None
                    )
                    for step in flow
                ]
            )
            for flow in flows
        ]
    )


def _fix(fix: Fix, uris: _Uris) -> Any:
    changes: dict[str, list[Any]] = {}
    for edit in fix.edits:  # grouped by file, in the order the files first appear
        changes.setdefault(edit.span.path, []).append(
            om.Replacement(
                deleted_region=_region(edit.span),  # an empty region is an insertion
                inserted_content=om.ArtifactContent(text=edit.text),
            )
        )
    return om.Fix(
        description=om.Message(text=_plain(fix.title)),
        artifact_changes=[
            om.ArtifactChange(artifact_location=uris.location(path), replacements=replacements)
            for path, replacements in changes.items()
        ],
        properties={"applicability": fix.applicability.value},
    )


def _rule(rule: RuleMeta) -> Any:
    tags = list(dict.fromkeys(rule.tags))[:_MAX_TAGS]
    return om.ReportingDescriptor(
        id=rule.code,
        name=rule.name,
        short_description=om.MultiformatMessageString(text=_limit(rule.summary)),
        full_description=om.MultiformatMessageString(text=_limit(_full_description(rule))),
        help=om.MultiformatMessageString(
            text=rule.docs or rule.summary, markdown=rule.docs or rule.summary
        ),
        help_uri=rule.help_uri,
        default_configuration=om.ReportingConfiguration(level=rule.severity.value),
        properties={
            "tags": tags,
            "precision": rule.precision,
            "problem.severity": _PROBLEM_SEVERITY[rule.severity],
        },
    )


def _full_description(rule: RuleMeta) -> str:
    """The first paragraph of the docs' "What it does" section, else the summary."""
    lines = rule.docs.splitlines()
    for i, line in enumerate(lines):
        if line.strip().lstrip("#").strip().lower() == "what it does" and line.startswith("#"):
            paragraph: list[str] = []
            for body in lines[i + 1 :]:
                if body.startswith("#") or (not body.strip() and paragraph):
                    break
                if body.strip():
                    paragraph.append(body.strip())
            if paragraph:
                return " ".join(paragraph)
            break
    return rule.summary


def _limit(text: str) -> str:
    return text if len(text) <= _MAX_DESCRIPTION else text[: _MAX_DESCRIPTION - 1] + "…"


def _notification(n: Notification, uris: _Uris, index: dict[str, int], verbose: bool) -> Any:
    locations = None
    if n.path is not None:
        region = None
        if n.line is not None:
            region = om.Region(start_line=n.line, start_column=n.column)
        locations = [
            om.Location(
                physical_location=om.PhysicalLocation(
                    artifact_location=uris.location(n.path), region=region
                )
            )
        ]
    rule = None
    if n.rule is not None:
        rule = om.ReportingDescriptorReference(id=n.rule, index=index.get(n.rule))
    return om.Notification(
        level=n.level.value,
        message=om.Message(text=_plain(n.message)),
        locations=locations,
        associated_rule=rule,
        exception=om.Exception(message=n.detail) if verbose and n.detail else None,
    )
