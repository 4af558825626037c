"""Parsing only what is needed: the byte-level reads that decide, before any parse, which
files a rule or a lookup needs (packages.package_clause, tokens.may_occur and outline,
symbols.declared_names and declaration_mentions), the package index read name by name, and
the engine that parses a file only when something asks for its tree."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from tree_sitter import QueryCursor

from goconc.analyzer import source
from goconc.analyzer.matchers import kind_query
from goconc.analyzer.packages import discover, package_clause
from goconc.analyzer.parse import parse
from goconc.analyzer.source import SourceFile
from goconc.analyzer.symbols import (
    PackageIndex,
    declaration_mentions,
    declared_names,
    read_declarations,
)
from goconc.analyzer.tokens import TokenIndex, names_before, outline, word_pattern
from goconc.engine.model import Settings
from goconc.engine.registry import all_rules
from goconc.engine.runner import analyze_folder

ROOT = Path(__file__).resolve().parent.parent
# Every Go file the project holds: the rules' testdata and the corpus of real-style code.
GO_FILES = sorted(
    p
    for folder in (ROOT / "testdata", ROOT / "tests" / "testdata" / "corpus")
    for p in folder.rglob("*.go")
)


def test_there_is_go_code_to_check_the_supersets_against() -> None:
    assert len(GO_FILES) > 50


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"package foo\n", (0, "foo")),
        (b"// c\n/* d */ package  bar // e", (13, "bar")),
        (b"\xef\xbb\xbfpackage b_2;", (3, "b_2")),
        (b"package /* c */ z", (0, "z")),
        (b"packagex foo", None),  # not the keyword
        (b"x package y", None),  # something before the clause: left to the parser
        (b"/* never closed", None),
        (b"package \xc3\xa9t\xc3\xa9", None),  # a non-ASCII name: left to the parser
    ],
)
def test_package_clause_from_the_bytes(data: bytes, expected: tuple[int, str] | None) -> None:
    assert package_clause(data) == expected


@pytest.mark.parametrize("path", GO_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_byte_level_reads_agree_with_the_tree(path: Path) -> None:
    """What is read from the bytes before parsing is a superset of what the tree holds."""
    data = path.read_bytes()
    f = SourceFile(str(path), data, parse(data))
    root = f.root
    clause = package_clause(data)
    if clause is not None:
        name = next(c for c in root.named_children if c.type == "package_clause")
        assert clause[1] == f.text(name.named_children[0])
    # Every top-level declaration's name is in the outline's declared names.
    names, receivers, methods = declared_names(outline(data))
    decls = read_declarations(f)
    for decl in [*decls.types, *decls.vars, *decls.consts, *decls.funcs]:
        assert decl.name in names, decl.name
    for m in decls.methods:
        assert m.receiver_type in receivers and f"{m.receiver_type}.{m.name}" in methods
    # A go statement is never missed by the byte check.
    has_go = bool(QueryCursor(kind_query(frozenset({"go_statement"}))).captures(root))
    if has_go:
        assert TokenIndex(data, lambda: root).may_occur(b"go")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("func f() {\n\tgo g()\n}", True),
        ("func f() { go g() }", True),
        ("func f() {\n\tx(); go g()\n}", True),
        ("func f() {\n\tswitch {\n\tcase true: go g()\n\t}\n}", True),
        ("func f() {\n\t/* why */ go g()\n}", True),
        ("func f() {\n\tgo(g)()\n}", True),
        ("//go:build linux\n\nfunc f() {}", False),
        ('import "go/ast"\n\nfunc f() {}', False),
        ("func f() {\n\talgo := 1\n\t_ = algo\n}", False),
        ("// go there\nfunc f() {}", False),
    ],
)
def test_may_occur_go_needs_a_statement_start(code: str, expected: bool) -> None:
    data = f"package p\n\n{code}\n".encode()
    assert TokenIndex(data, lambda: parse(data).root_node).may_occur(b"go") is expected


def test_may_occur_names_are_whole_words() -> None:
    tokens = TokenIndex(b"package p\n\nfunc Closer() { Exit() }\n", lambda: parse(b"").root_node)
    assert tokens.may_occur(b"Exit") and not tokens.may_occur(b"Close")
    assert not tokens.may_occur(b"absent") and tokens.may_occur(b"(")


def test_outline_drops_gofmt_bodies_only() -> None:
    data = (
        b"package p\n\nfunc f() {\n\tvar hidden int\n\t_ = hidden\n}\n\n"
        b"func g() { var kept int }\n\nfunc h() {\n\tx()\n}\n  var shown int\n"
    )
    kept = outline(data)
    assert b"hidden" not in kept and b"func f() {}" in kept
    assert b"var kept int" in kept  # one line: not laid out as gofmt lays out a body
    assert b"shown" in kept  # an indented top-level declaration after a body


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ('import "sync"\n\nfunc f() {\n\tvar mu sync.Mutex\n\tmu.Lock()\n}', False),
        ('import "sync"\n\ntype T struct {\n\tmu sync.Mutex\n}', True),
        ('import "sync"\n\nfunc f() *sync.Mutex {\n\treturn nil\n}', True),
        ('import "sync"\n\nvar mu sync.Mutex', True),
        ('import s "sync"\n\nfunc f() {\n\ts.X()\n}', False),
        ('import "sync"; type T struct{ mu sync.Mutex }', True),
    ],
)
def test_declaration_mentions_skips_bodies_and_imports(code: str, expected: bool) -> None:
    data = f"package p\n\n{code}\n".encode()
    f = SourceFile("/x/p.go", data)
    assert declaration_mentions(f, word_pattern(frozenset({"sync"}))) is expected
    assert not f.parsed


def _files(sources: dict[str, bytes]) -> list[SourceFile]:
    return [SourceFile(f"/x/{name}", data) for name, data in sorted(sources.items())]


def test_the_index_reads_only_the_files_a_lookup_needs() -> None:
    files = _files(
        {
            "a.go": b"package p\n\ntype Pool struct{ n int }\n",
            "b.go": b"package p\n\nfunc helper() int {\n\tvar Pool int\n\treturn Pool\n}\n",
            "c.go": b"package p\n\nfunc (p *Pool) Get() int { return p.n }\n",
        }
    )
    index = PackageIndex("p", files)
    decl = index.types.get("Pool")
    assert decl is not None and decl.file.path == "/x/a.go"
    # b.go's `Pool` is a local in a body: never a candidate, never parsed.
    assert [f.parsed for f in files] == [True, False, False]
    assert index.method("Pool", "Get") is not None
    assert files[2].parsed and not files[1].parsed
    assert "helper" in index.funcs and all(f.parsed for f in files)


def test_the_later_file_wins_whatever_the_order_of_reading() -> None:
    sources = {
        "a_linux.go": b"package p\n\ntype T int\n\nfunc open() int { return 1 }\n",
        "a_windows.go": b"package p\n\ntype T string\n\nfunc open() int { return 2 }\n",
    }
    lazy = PackageIndex("p", _files(sources))
    first = lazy.funcs["open"]
    whole = PackageIndex("p", _files(sources))
    whole.complete_all()
    assert first.file.path == whole.funcs["open"].file.path == "/x/a_windows.go"
    assert lazy.declared_twice("T") and not lazy.declared_twice("open")
    assert list(whole.types) == ["T"]


def _parsed_paths(folder: Path, codes: set[str]) -> list[str]:
    parsed: list[str] = []
    original = source.parse_file

    def spy(data: bytes, budget: float | None = None) -> object:
        parsed.append(data.decode().split("\n", 1)[0])
        return original(data, budget)

    (job,) = discover([str(folder)], cwd=str(folder)).jobs
    mp = pytest.MonkeyPatch()
    mp.setattr(source, "parse_file", spy)
    try:
        analyze_folder(job, Settings(enabled=frozenset(codes)))
    finally:
        mp.undo()
    return sorted(parsed)


def test_a_file_no_rule_needs_is_not_parsed(tmp_path: Path) -> None:
    (tmp_path / "work.go").write_text(
        '// work\npackage p\n\nimport "sync"\n\nfunc run(n int) {\n\tvar wg sync.WaitGroup\n'
        "\tfor i := 0; i < n; i++ {\n\t\tgo func() {\n\t\t\twg.Add(1)\n\t\t\tdefer wg.Done()\n"
        "\t\t}()\n\t}\n\twg.Wait()\n}\n"
    )
    (tmp_path / "math.go").write_text(
        "// math\npackage p\n\nfunc add(a, b int) int {\n\treturn a + b\n}\n"
    )
    every = {r.meta.code for r in all_rules()}
    assert _parsed_paths(tmp_path, every) == ["// work"]


def test_a_holder_declared_without_sync_is_still_found(tmp_path: Path) -> None:
    """The copy rules read the declarations of the files that mention sync, and then of the
    files whose declarations mention what those declare (Inner, then Outer), to a fixpoint:
    a copy in a file that names neither sync nor Inner is still seen."""
    (tmp_path / "inner.go").write_text(
        'package p\n\nimport "sync"\n\ntype Inner struct {\n\tmu sync.Mutex\n\tn  int\n}\n'
    )
    (tmp_path / "outer.go").write_text("package p\n\ntype Outer struct {\n\tin Inner\n}\n")
    (tmp_path / "use.go").write_text(
        "package p\n\nfunc snapshot(o *Outer) Outer {\n\treturn *o\n}\n"
    )
    (tmp_path / "other.go").write_text("package p\n\nfunc twice(n int) int {\n\treturn 2 * n\n}\n")
    (job,) = discover([str(tmp_path)], cwd=str(tmp_path)).jobs
    result = analyze_folder(job, Settings(enabled=frozenset({"MU005"})))
    assert [(Path(d.span.path).name, d.code) for d in result.diagnostics] == [("use.go", "MU005")]
    parsed = _parsed_paths(tmp_path, {"MU005"})
    assert "package p" in parsed and len(parsed) == 3  # other.go is never parsed


def test_syntax_errors_are_told_for_parsed_files_only(tmp_path: Path) -> None:
    (tmp_path / "broken.go").write_text("package p\n\nfunc f() {\n\tgo g(\n}\n")
    (tmp_path / "plain.go").write_text("package p\n\nfunc h() int {\n\treturn 1 +\n}\n")
    (job,) = discover([str(tmp_path)], cwd=str(tmp_path)).jobs
    notes = analyze_folder(job, Settings(enabled=frozenset({"GR005"}))).notifications
    assert [(Path(n.path or "").name, "syntax error" in n.message) for n in notes] == [
        ("broken.go", True)
    ]


@pytest.mark.parametrize(
    ("line", "arrow", "expected"),
    [
        (b"\tch chan int", False, [b"ch"]),
        (b"var a, b chan int", False, [b"b", b"a"]),
        (b"\tx,y chan int", False, [b"y", b"x"]),
        (b"func f(in <-chan int)", True, [b"in"]),
        (b"x := make(chan int)", False, []),
        (b"\t1 chan", False, []),
    ],
)
def test_names_before_a_channel_type(line: bytes, arrow: bool, expected: list[bytes]) -> None:
    at = line.index(b"chan")
    if arrow:
        at = line.index(b"<-") + 2
    assert names_before(line, at, arrow=arrow) == expected


def test_byte_level_reads_stay_linear_on_hostile_files(tmp_path: Path) -> None:
    """One huge line, or thousands of unclosed groups and receivers: each byte-level read
    looks back or ahead a bounded distance, so none of these takes quadratic time."""
    hostile = {
        "groups.go": b"package p\n" + b"var (\n" * 100_000,
        "receivers.go": b"package p\n" + b"func (" * 100_000,
        "chans.go": b"package p\n\nvar " + b"a chan int; " * 100_000 + b"\n",
        "imports.go": b"package p\n\nimport " + b's "sync" ' * 100_000 + b"\n",
    }
    for name, data in hostile.items():
        (tmp_path / name).write_bytes(data)
    (job,) = discover([str(tmp_path)], cwd=str(tmp_path)).jobs
    started = time.monotonic()
    result = analyze_folder(job, Settings(enabled=frozenset(r.meta.code for r in all_rules())))
    assert time.monotonic() - started < 60
    assert not [n for n in result.notifications if n.crash]
