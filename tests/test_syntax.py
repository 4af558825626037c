"""Go the grammar is too old for (Go 1.26 `new(expr)`, shadowed builtins, Go 1.27 generic
methods) is read with no syntax notification and analysed through; the notifications that
remain say what they are; each Go release's language changes are read (testdata/syntax)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tree_sitter import Node

from goconc.analyzer.calls import callee
from goconc.analyzer.facts import Package
from goconc.analyzer.matchers import descendants
from goconc.analyzer.packages import discover
from goconc.analyzer.parse import (
    READS_GO,
    Newer,
    newer_syntax,
    parse,
    syntax_errors,
    syntax_warning,
)
from goconc.analyzer.source import SourceFile
from goconc.engine.model import Settings
from goconc.engine.registry import all_rules
from goconc.engine.runner import analyze_folder
from tests.golden import analyze

ROOT = Path(__file__).resolve().parent.parent
RELEASES = ROOT / "testdata" / "syntax"
EVERY_RULE = frozenset(r.meta.code for r in all_rules())

_DECLS = """package p

import (
	"strings"
	"sync"
	"time"
)

type Celsius float64

type T struct {
	mu   sync.Mutex
	name string
	next *T
}

func (t T) Name() string { return t.name }

func half(x float64) float64 { return x / 2 }

func Ident[X any](x X) X { return x }

type List[E any] struct{ items []E }

var global sync.Mutex

"""


def _package(body: str, decls: str = _DECLS) -> tuple[Package, SourceFile]:
    data = (decls + body).encode()
    f = SourceFile("/virtual/p.go", data, parse(data))
    return Package("p", "/virtual", [f], None), f


def _named(f: SourceFile, kind: str, text: str) -> Node:
    for node in descendants(f.root, frozenset({kind})):
        if f.text(node) == text:
            return node
    raise LookupError(text)


# Every kind of operand the Go spec allows `new` (an expression since Go 1.26, or a type),
# with the type `p := new(...)` points to, where goconc can know it (None: unknown).
NEW_OPERANDS = [
    # literals of each kind
    ("42", "int"),
    ("0x2a", "int"),
    ("1_000", "int"),
    ("2.5", "float64"),
    ("1e3", "float64"),
    ("2i", "complex128"),
    ("'x'", "rune"),
    ('"text"', "string"),
    ("`raw`", "string"),
    ("true", "bool"),
    # composite literals
    ("[]int{1, 2}", "[]int"),
    ("[2]string{}", "[]string"),
    ("[...]int{1}", "[]int"),
    ("map[string]int{}", "map"),
    ("T{name: s}", "T"),
    ("&T{}", "*T"),
    ("struct{ X int }{1}", "struct"),
    ("List[int]{}", "List"),
    # function literals
    ("func() int { return 1 }", "func"),
    # unary and binary expressions
    ("-n", "int"),
    ("!ok", "bool"),
    ("^n", "int"),
    ("&t", "*T"),
    ("*tp", "T"),
    ("n + 1", "int"),
    ("3 * time.Second", None),  # an untyped constant times a package's constant: unknown
    ("n << 2", "int"),
    ("n > 2", "bool"),
    ("ok && n == 1", "bool"),
    # calls
    ("half(1)", "float64"),
    ("strings.ToUpper(s)", None),  # another package's function: unknown
    ("t.Name()", "string"),
    ("len(xs)", "int"),
    ("time.Now()", "time.Time"),
    # selectors, index, slice expressions, type assertions
    ("t.name", "string"),
    ("t.next", "*T"),
    ("tp.mu", "sync.Mutex"),
    ("xs[0]", "int"),
    ("m[s]", "T"),
    ("xs[1:]", None),  # slice expressions are not typed
    ("s[1:]", None),
    ("v.(T)", "T"),
    # conversions
    ("int64(n)", "int64"),
    ("Celsius(2)", "Celsius"),
    ("[]byte(s)", "[]byte"),
    ("(*T)(tp)", "*T"),
    # parenthesised, receive, generic instantiation
    ("(n)", "int"),
    ("(n + 1)", "int"),
    ("<-ch", "int"),
    ("Ident[int](n)", None),
    ("Ident(n)", None),
    # values written like types
    ("n", "int"),
    ("global", "sync.Mutex"),
    ("t.mu", "sync.Mutex"),
    # types
    ("sync.Mutex", "sync.Mutex"),
    ("int", "int"),
    ("T", "T"),
    ("*T", "*T"),
    ("[]string", "[]string"),
    ("map[string]int", "map"),
    ("chan int", "chan int"),
    ("func() error", "func"),
    ("struct{}", "struct"),
    ("interface{ M() }", "interface"),
    ("List[int]", "List"),
]


@pytest.mark.parametrize(("operand", "points_to"), NEW_OPERANDS)
def test_new_reads_every_operand(operand: str, points_to: str | None) -> None:
    body = f"""func f(n int, ok bool, s string, t T, tp *T, xs []int, m map[string]T,
	v any, ch chan int) {{
	p := new({operand})
	_ = p
}}
"""
    pkg, f = _package(body)
    assert syntax_errors(f.tree) == []
    call = _named(f, "call_expression", f"new({operand})")
    fn = call.child_by_field_name("function")
    assert fn is not None and f.text(fn) == "new"  # read from the file, whatever was parsed
    assert pkg.resolver.is_builtin(fn, f, "new")
    p = _named(f, "identifier", "p")
    t = pkg.resolver.type_of(p, f)
    assert t is not None and t.kind == "pointer"
    assert (str(t.elem) if t.elem is not None else None) == points_to


def test_a_type_operand_keeps_its_type_node_next_to_masked_calls() -> None:
    pkg, f = _package("func f(n int) {\n\ta := new(n + 1)\n\tm := new(sync.Mutex)\n}\n")
    assert syntax_errors(f.tree) == []
    arg = _named(f, "call_expression", "new(sync.Mutex)").child_by_field_name("arguments")
    assert arg is not None and [c.type for c in arg.named_children] == ["qualified_type"]
    # The masked call keeps every byte offset: its nodes' text is the file's.
    masked = _named(f, "call_expression", "new(n + 1)")
    assert masked.text == b"n_w(n + 1)" and f.text(masked) == "new(n + 1)"
    assert str(pkg.resolver.type_of(_named(f, "identifier", "m"), f)) == "*sync.Mutex"


def test_a_mutex_from_new_is_still_a_mutex_in_a_file_that_needs_masking(tmp_path: Path) -> None:
    (tmp_path / "a.go").write_text(
        'package p\n\nimport "sync"\n\nvar limit, ch = new(3 * 4), make(chan int)\n\n'
        "func send() {\n\tmu := new(sync.Mutex)\n\tmu.Lock()\n"
        "\tch <- *limit\n\tmu.Unlock()\n}\n"
    )
    found = analyze(tmp_path, ["MU001"])
    assert [(d.code, d.span.line) for d in found] == [("MU001", 10)]


@pytest.mark.parametrize(
    ("decl", "call", "result"),
    [
        ("func new(size int, name string) *T { return &T{name: name} }", 'new(5, "x")', "*T"),
        ("func new(name string) *T { return &T{name: name} }", 'new("x")', "*T"),
        ("func make(a, b int) T { return T{} }", "make(1, 2)", "T"),
    ],
)
def test_a_package_function_named_new_or_make(decl: str, call: str, result: str) -> None:
    pkg, f = _package(f"{decl}\n\nfunc g() {{\n\tr := {call}\n\t_ = r\n}}\n")
    assert syntax_errors(f.tree) == []
    node = _named(f, "call_expression", call)
    target = callee(node, f, pkg.resolver)
    assert target is not None and target.decl.name == call.split("(")[0]
    assert str(pkg.resolver.type_of(_named(f, "identifier", "r"), f)) == result


def test_a_local_function_named_new() -> None:
    _, f = _package(
        "func g() int {\n\tnew := func(a, b int) int { return a + b }\n\treturn new(1, 2)\n}\n"
    )
    assert syntax_errors(f.tree) == []


def test_generic_methods_are_read_as_methods() -> None:
    pkg, f = _package(
        "func (t *T) Each[X any](f func(*T) X) []X {\n\tt.mu.Lock()\n\tdefer t.mu.Unlock()\n"
        "\treturn []X{f(t)}\n}\n\nfunc (l List[E]) Map[R any, S ~[]R](f func(E) R) S {\n"
        "\treturn nil\n}\n"
    )
    assert syntax_errors(f.tree) == []
    each = pkg.index.method("T", "Each")
    assert each is not None and each.receiver_name == "t" and each.receiver_pointer
    assert pkg.index.method("List", "Map") is not None


def test_masks_skip_strings_comments_methods_and_types() -> None:
    data = (
        b'package p\n\nvar s = "new(3)" // make(1, 2)\nvar r = `new(4)`\n'
        b"var m = x.new(5)\n/* new(6) */\nvar t = new(struct{ a, b int })\n"
        b"var u = make(map[string]int, 2)\nvar bad = )\n"
    )
    assert newer_syntax(data) == []


def test_nested_new_calls_are_each_read() -> None:
    data = b"package p\n\nvar x = new(new(3))\nvar y = new(*new(int))\n"
    found = newer_syntax(data)
    outer, inner = data.index(b"new(new"), data.index(b"new(3")
    deref = data.index(b"new(*")  # `*new(int)` is no type; `int` is one
    assert [(n.what, n.start, n.replacement) for n in found] == [
        ("new(expr)", outer, b"n_w"),
        ("new(expr)", inner, b"n_w"),
        ("new(expr)", deref, b"n_w"),
    ]
    assert not parse(data).root_node.has_error


def test_a_shadowing_call_is_not_told_as_new_syntax() -> None:
    data = b"package p\n\nvar x = new(5, 6)\nvar y = make(7)\nvar z = new(8)\n"
    assert [(n.what, n.since) for n in newer_syntax(data)] == [
        ("a call of a function named new", None),
        ("a call of a function named make", None),
        ("new(expr)", (1, 26)),
    ]
    errors = syntax_errors(parse(b"package p\n\nvar x = (\n"))
    assert errors
    message = syntax_warning(errors, tuple(newer_syntax(data)[:1]), None)
    assert message.startswith("a call of a function named new is syntax tree-sitter-go")


def test_hostile_nesting_stays_linear() -> None:
    depth = 20_000
    data = b"package p\n\nvar x = " + b"new(" * depth + b"1" + b")" * depth + b"\n"
    # The arguments test-parsed add up to twice the file at most: the outer calls are left
    # as the grammar reads them.
    assert 0 < len(newer_syntax(data)) < depth // 10


# -- what a remaining notification says --------------------------------------------------


def _notes(folder: Path, go_mod: str | None = None) -> list[str]:
    if go_mod is not None:
        (folder / "go.mod").write_text(f"module example\n\ngo {go_mod}\n")
    (job,) = discover([str(folder)], cwd=str(folder)).jobs
    result = analyze_folder(job, Settings(enabled=EVERY_RULE))
    return [n.message for n in result.notifications]


_BROKEN = "package p\n\nfunc f() {\n\tgo\n}\n"


def test_a_real_syntax_error_is_told_as_one(tmp_path: Path) -> None:
    (tmp_path / "a.go").write_text(_BROKEN)
    (message,) = _notes(tmp_path, "1.24")
    assert message.startswith("syntax error") and message.endswith("; analysed around it")
    assert "newer" not in message


def test_an_error_in_a_module_newer_than_goconc_reads_may_be_new_syntax(tmp_path: Path) -> None:
    (tmp_path / "a.go").write_text(_BROKEN)
    newer = f"{READS_GO[0]}.{READS_GO[1] + 1}"
    (message,) = _notes(tmp_path, newer)
    assert message.startswith("syntax error")
    assert f"syntax newer than Go {READS_GO[0]}.{READS_GO[1]}" in message
    assert "tree-sitter-go" in message


def test_syntax_left_unread_is_named_with_its_release() -> None:
    # What a parse that ran out of time before reading `new(1)` through reports.
    errors = syntax_errors(parse(b"package p\n\nvar x = new(1 +)\n"))
    unread = (Newer("new(expr)", (1, 26), 20, 23, b"n_w"),)
    message = syntax_warning(errors, unread, (1, 26))
    assert message.startswith("new(expr) (Go 1.26) is syntax tree-sitter-go ")
    assert message.endswith("does not read; analysed around it")


def test_declarations_after_a_cascading_error_are_still_analysed(tmp_path: Path) -> None:
    # An unclosed literal: the parser reads the rest of the file into the broken function,
    # whose goroutine is still analysed.
    source = (
        'package p\n\nimport "sync"\n\nfunc broken() {\n\tx := []int{1,\n}\n\n'
        "func run(items []int) {\n\tvar wg sync.WaitGroup\n\tfor range items {\n"
        "\t\tgo func() {\n\t\t\twg.Add(1)\n\t\t\tdefer wg.Done()\n\t\t}()\n\t}\n"
        "\twg.Wait()\n}\n"
    )
    (tmp_path / "a.go").write_text(source)
    tops = [c.type for c in parse(source.encode()).root_node.named_children]
    assert tops == ["package_clause", "import_declaration", "function_declaration"]
    found = analyze(tmp_path, ["WG001"])
    assert [(d.code, d.span.line) for d in found] == [("WG001", 13)]
    (message,) = _notes(tmp_path)
    assert message.startswith("syntax error")


# -- each release's language changes ----------------------------------------------------


@pytest.mark.parametrize("path", sorted(RELEASES.glob("go1*.go")), ids=lambda p: p.name)
def test_each_release_parses(path: Path) -> None:
    data = path.read_bytes()
    assert syntax_errors(parse(data)) == []


def test_the_releases_are_all_there() -> None:
    names = {p.name for p in RELEASES.glob("go1*.go")}
    assert names == {f"go1{minor}.go" for minor in range(18, READS_GO[1] + 1)}


def test_the_release_files_are_read_with_no_notification() -> None:
    (job,) = discover([str(RELEASES)], cwd=str(RELEASES)).jobs
    result = analyze_folder(job, Settings(enabled=EVERY_RULE))
    assert result.notifications == ()
    assert result.diagnostics == ()
    # Every file was read (a rule needed it, or a declaration was looked up in it).
    pkg_files = [SourceFile(str(p), p.read_bytes()) for p in sorted(RELEASES.glob("*.go"))]
    pkg = Package("syntax", str(RELEASES), pkg_files, (1, 27))
    funcs = {d.qualified_name for d in pkg.index.all_functions()}
    assert {"Use118", "Registry.Collect", "Registry.Find", "Use126", "Cache.Put"} <= funcs
