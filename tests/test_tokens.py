"""Finding nodes from their tokens (tokens.py), anchored rules in the walk, and the local
bindings that types.py finds name by name."""

from __future__ import annotations

import random
import re
from typing import ClassVar

import pytest
from tree_sitter import Node

from goconc.analyzer.diagnostics import RuleMeta, Severity
from goconc.analyzer.facts import Package
from goconc.analyzer.packages import discover
from goconc.analyzer.parse import parse
from goconc.analyzer.rule import Rule
from goconc.analyzer.source import SourceFile
from goconc.analyzer.tokens import mentions_any, word_pattern
from goconc.analyzer.types import FunctionScopes
from goconc.engine.model import Settings
from goconc.engine.runner import analyze_folder
from goconc.engine.walker import BatchedWalker

SOURCE = b"""package p

// go and close in a comment; gopher, closer and algo are longer names.
func f(ch chan int, wg *W) {
	go g() // go
	s := "go close"
	(wg.Add)(1)
	wg.Add(1)
	close(ch)
	closer(ch)
	_ = s
}
"""


def source_file(data: bytes = SOURCE) -> SourceFile:
    return SourceFile("/x/p.go", data, parse(data))


def texts(f: SourceFile, nodes: list[Node]) -> list[str]:
    return [f.text(n) for n in nodes]


def test_token_nodes_are_exact_tokens_outside_comments_and_strings() -> None:
    f = source_file()
    assert texts(f, f.tokens.token_nodes(b"go")) == ["go"]
    assert [n.type for n in f.tokens.token_nodes(b"go")] == ["go"]
    assert [n.type for n in f.tokens.token_nodes(b"close")] == ["identifier"]
    assert f.tokens.token_nodes(b"absent") == []
    assert f.tokens.present(b"gopher") and not f.tokens.present(b"absent")


def test_anchored_climbs_to_the_nearest_node_of_the_kind() -> None:
    f = source_file()
    assert texts(f, f.tokens.anchored(b"go", "go_statement")[1]) == ["go g()"]
    # `close` -> call; `Add` -> selector -> call; `(wg.Add)` -> parenthesized -> call.
    assert texts(f, f.tokens.anchored(b"close", "call_expression")[1]) == ["close(ch)"]
    assert texts(f, f.tokens.anchored(b"Add", "call_expression")[1]) == [
        "(wg.Add)(1)",
        "wg.Add(1)",
    ]
    # A kind more than three levels up is not reached.
    assert f.tokens.anchored(b"go", "source_file")[1] == []


def test_anchored_in_a_range_matches_the_whole_file_answer() -> None:
    data = SOURCE + b"\nfunc h() {\n\tgo g()\n}\n"
    whole = source_file(data)
    ranged = source_file(data)
    decls = [d for d in ranged.root.named_children if d.type == "function_declaration"]
    found = [
        n
        for d in decls
        for n in ranged.tokens.anchored_in(b"go", "go_statement", d.start_byte, d.end_byte)
    ]
    assert [n.start_byte for n in found] == whole.tokens.anchored(b"go", "go_statement")[0]


def test_named_and_selectors() -> None:
    f = source_file()
    assert len(f.tokens.named("ch", "identifier")) == 3
    assert texts(f, f.tokens.selectors("Add")) == ["wg.Add", "wg.Add"]


class _GoSpy(Rule):
    meta: ClassVar[RuleMeta] = RuleMeta("ZZ101", "go-spy", "test", Severity.NOTE)
    anchors = {"go_statement": (b"go",), "call_expression": (b"close", b"ch")}
    seen: ClassVar[list[str]] = []

    def visit_go_statement(self, node: Node) -> None:
        self.seen.append("go " + self.file.text(node))

    def visit_call_expression(self, node: Node) -> None:
        self.seen.append("call " + self.file.text(node))


class _Idle(_GoSpy):
    meta: ClassVar[RuleMeta] = RuleMeta("ZZ102", "idle", "test", Severity.NOTE)

    def applies_to_package(self) -> bool:
        return False


def test_an_anchored_rule_sees_its_nodes_once_in_document_order() -> None:
    f = source_file()
    pkg = Package("p", "/x", [f], None)
    _GoSpy.seen = []
    assert BatchedWalker([_GoSpy(pkg)]).walk(f) == []
    # `close(ch)` is reached from both its tokens, `closer(ch)` from `ch` alone: each runs once.
    assert _GoSpy.seen == ["go go g()", "call close(ch)", "call closer(ch)"]


def test_anchors_must_cover_every_hook() -> None:
    with pytest.raises(TypeError, match="anchors"):

        class _Bad(Rule):  # a hook whose nodes no token leads to
            meta: ClassVar[RuleMeta] = RuleMeta("ZZ103", "bad", "test", Severity.NOTE)
            anchors = {"go_statement": (b"go",)}

            def visit_call_expression(self, node: Node) -> None:
                pass


def test_a_rule_that_does_not_apply_is_not_run(tmp_path: object, monkeypatch: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "p.go").write_bytes(SOURCE)
    (job,) = discover([str(folder)], cwd=str(folder)).jobs
    mp = pytest.MonkeyPatch()
    mp.setattr("goconc.engine.runner.all_rules", lambda: [_GoSpy, _Idle])
    try:
        _GoSpy.seen = []
        analyze_folder(job, Settings(enabled=frozenset({"ZZ101"})))
        assert len(_GoSpy.seen) == 3
        _GoSpy.seen = []
        analyze_folder(job, Settings(enabled=frozenset({"ZZ102"})))
        assert _GoSpy.seen == []
    finally:
        mp.undo()


SCOPES = b"""package p

func f(a...int, p*T, c<-chan int, _ int) (err error) {
	var x[4]int
	y, e := g(a, p)
	_ = e
	for i, v := range x {
		_ = i + v
	}
	select {
	case m, ok := <-c:
		_, _ = m, ok
	}
	switch t := any(y).(type) {
	default:
		_ = t
	}
	if y := 2; y > 0 {
		_ = y
	}
	use(y.z, y)
	return err
}
"""


@pytest.mark.parametrize(
    ("name", "kinds"),
    [
        ("a", ["param"]),
        ("p", ["param"]),
        ("c", ["param"]),
        ("_", []),
        ("err", ["result"]),
        ("e", ["short"]),
        ("x", ["var"]),
        ("y", ["short", "short"]),
        ("i", ["range"]),
        ("m", ["recv"]),
        ("ok", ["recv"]),
        ("t", ["typeswitch"]),
        ("use", []),
    ],
)
def test_bindings_are_found_name_by_name(name: str, kinds: list[str]) -> None:
    f = source_file(SCOPES)
    top = next(d for d in f.root.named_children if d.type == "function_declaration")
    assert [b.kind for b in FunctionScopes(f, top).bindings(name)] == kinds


def test_lookup_takes_the_innermost_binding() -> None:
    f = source_file(SCOPES)
    top = next(d for d in f.root.named_children if d.type == "function_declaration")
    scopes = FunctionScopes(f, top)
    inner = SCOPES.index(b"_ = y") + 4
    outer = SCOPES.index(b"y)\n\treturn")
    node_inner = f.root.descendant_for_byte_range(inner, inner + 1)
    node_outer = f.root.descendant_for_byte_range(outer, outer + 1)
    assert node_inner is not None and node_outer is not None
    b_inner, b_outer = scopes.lookup(node_inner), scopes.lookup(node_outer)
    assert b_inner is not None and b_outer is not None and b_inner is not b_outer
    assert SCOPES[b_inner.ident.start_byte - 3 : b_inner.ident.start_byte] == b"if "


def _flat_pattern(names: frozenset[str]) -> re.Pattern[bytes]:
    """A plain alternation of the names: what word_pattern's prefix tree must match alike."""
    return re.compile(rb"(?:" + b"|".join(re.escape(n.encode()) for n in sorted(names)) + rb")\b")


def test_word_pattern_matches_what_a_flat_alternation_matches() -> None:
    rng = random.Random(7)
    letters = "abm_uX"
    for _ in range(2000):
        names = frozenset(
            "".join(rng.choice(letters) for _ in range(rng.randint(1, 5)))
            for _ in range(rng.randint(1, 12))
        )
        words = ("".join(rng.choice(letters + " .é") for _ in range(7)) for _ in range(30))
        text = " ".join(words).encode()
        spans = [m.span() for m in word_pattern(names).finditer(text)]
        assert spans == [m.span() for m in _flat_pattern(names).finditer(text)], names


def test_word_pattern_nests_shared_prefixes_and_takes_long_names_flat() -> None:
    assert word_pattern(frozenset({"mu", "mutex", "mtx"})).pattern == rb"(?:m(?:tx|u(?:tex)?))\b"
    long_name = "x" * 300  # generated code: nesting as deep as the name is not wanted
    pattern = word_pattern(frozenset({long_name, "x"}))
    assert pattern.pattern.startswith(b"(?:x|xxx")
    assert mentions_any(pattern, long_name.encode() + b" ")
    assert not mentions_any(pattern, b"xx ")


def test_present_rules_out_a_token_that_holds_an_absent_one() -> None:
    f = SourceFile("/x/p.go", b"package p\n\nfunc f() { t.Fatalf() }\n")
    assert f.tokens.present(b"Fatal") and f.tokens.present(b"Fatalf")
    assert not f.tokens.present(b"Fatalln")
    g = SourceFile("/x/q.go", b"package p\n\nfunc f() { t.Errorf() }\n")
    assert not g.tokens.present(b"Fatal") and not g.tokens.present(b"Fatalf")
    h = SourceFile("/x/r.go", b"package p\n\nfunc f() { t.Fatalf() }\n")
    assert h.tokens.present(b"Fatalf")  # asked first: nothing to rule it out with


def test_word_pattern_of_hostile_names_compiles_deep_in_the_stack() -> None:
    # `a`, `aa`, ... nest one group per byte: 200 of them would need more of Python's stack
    # than a rule called deep in the analysis has left.
    names = frozenset("a" * k for k in range(1, 201))

    def nested(depth: int) -> re.Pattern[bytes]:
        return nested(depth - 1) if depth else word_pattern(names)

    pattern = nested(800)
    assert mentions_any(pattern, b"x := " + b"a" * 200 + b"\n")
    assert not mentions_any(pattern, b"a" * 201)
