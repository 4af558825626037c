"""Every rule against its testdata/<CODE>/ packages, and its documented examples."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from goconc.analyzer.parse import go_language, parse
from goconc.analyzer.rule import hooks_of
from goconc.engine.registry import all_rules
from tests.golden import analyze, check_folder, expectations

TESTDATA = Path(__file__).resolve().parent.parent / "testdata"
RULES = {r.meta.code: r for r in all_rules()}


def _packages() -> list[tuple[str, Path]]:
    found = []
    for code in sorted(RULES):
        root = TESTDATA / code
        for folder in [root, *sorted(p for p in root.rglob("*") if p.is_dir())]:
            if any(folder.glob("*.go")):
                found.append((code, folder))
    return found


MIN_CASES = 10  # flagged and clean testdata cases every rule has at least
# Rules that landed with fewer flagged cases, and the count they had: it may only grow, and
# the entry goes once the rule has MIN_CASES (the test says so).
STILL_SHORT: dict[str, int] = {}


def count_cases(root: Path, code: str) -> tuple[int, int]:
    """(flagged, clean) cases in testdata/<CODE>/: a flagged case is one `// want "CODE..."`
    expectation; a clean case is a function or method declaration in which no expectation
    of the rule lands."""
    flagged = clean = 0
    for folder in {p.parent for p in root.rglob("*.go")}:
        wants, _ = expectations(folder)
        lines: dict[str, set[int]] = {}
        for want in wants:
            if want.code == code and not want.todo:
                flagged += 1
                lines.setdefault(want.path, set()).add(want.line)
        for path in folder.glob("*.go"):
            marked = lines.get(str(path.resolve()), set())
            tree = parse(path.read_bytes())
            for decl in tree.root_node.named_children:
                if decl.type in ("function_declaration", "method_declaration"):
                    first, last = decl.start_point.row + 1, decl.end_point.row + 1
                    clean += not any(first <= line <= last for line in marked)
    return flagged, clean


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_has_ten_flagged_and_ten_clean_cases(code: str) -> None:
    flagged, clean = count_cases(TESTDATA / code, code)
    assert clean >= MIN_CASES, f"{code} has {clean} clean testdata cases"
    if code in STILL_SHORT:
        assert STILL_SHORT[code] <= flagged < MIN_CASES, f"{code}: update STILL_SHORT ({flagged})"
        return
    assert flagged >= MIN_CASES, f"{code} has {flagged} flagged testdata cases"


def test_testdata_cases_are_counted_by_declaration(tmp_path: Path) -> None:
    """A declaration in which an expectation of the rule lands (`// want +1` too) is not
    clean; one without is, whatever other rules expect in it."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "x.go").write_text(
        'package x\n\nfunc a() {\n\tgo f() // want "ZZ999" "ZZ999: twice"\n}\n\n'
        '// want +1 "ZZ999"\nfunc f() {}\n\nfunc g() {} // want "YY111"\n',
        encoding="utf-8",
    )
    (tmp_path / "sub" / "y.go").write_text("package sub\n\nfunc h() {\n}\n", encoding="utf-8")
    assert count_cases(tmp_path, "ZZ999") == (3, 2)


@pytest.mark.parametrize(
    ("code", "folder"), _packages(), ids=lambda v: str(v).split("testdata/")[-1]
)
def test_rule_testdata(code: str, folder: Path) -> None:
    problems = check_folder(folder, code)
    assert not problems, "\n".join(problems)


def _doc_blocks(docs: str) -> tuple[str, str]:
    example = re.search(r"## Example.*?```go\n(.*?)```", docs, re.S)
    instead = re.search(r"Use instead:\s*```go\n(.*?)```", docs, re.S)
    assert example and instead, "docs need an Example and a Use instead Go block"
    return example.group(1), instead.group(1)


@pytest.mark.parametrize("code", sorted(RULES))
def test_docs_examples(code: str, tmp_path: Path) -> None:
    docs = RULES[code].meta.docs
    for section in (
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "Use instead:",
        "## References",
    ):
        assert section in docs, f"{code} docs lack {section!r}"
    example, instead = _doc_blocks(docs)
    # "In a module whose `go.mod` says `go 1.22`:" before the Example: version-gated rules.
    intro = re.search(r"## Example(.*?)```go", docs, re.S)
    version = re.search(r"`go (1\.\d+)`", intro.group(1)) if intro else None
    for name, source, flagged in (("example", example, True), ("instead", instead, False)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "example.go").write_text(source, encoding="utf-8")
        if version is not None:
            (folder / "go.mod").write_text(f"module example\n\ngo {version.group(1)}\n")
        found = [d for d in analyze(folder, [code]) if d.code == code]
        assert bool(found) == flagged, f"{code} {name}: {[d.message for d in found]}"


def test_hook_names_are_node_kinds() -> None:
    language = go_language()
    kinds = {language.node_kind_for_id(i) for i in range(language.node_kind_count)}
    for rule in all_rules():
        for method, (_, kind) in hooks_of(rule).items():
            assert kind in kinds, (
                f"{rule.meta.code}.{method}: {kind!r} is not a tree-sitter-go node kind"
            )
