"""Build-constraint variants: files of one package that exclude each other are alternatives,
not one program (constraints.py), and symbol lookup, call resolution and summaries never
take one build's declaration for another's."""

from __future__ import annotations

import pytest
from tree_sitter import Node

from goconc.analyzer.calls import callee, callees
from goconc.analyzer.constraints import NONE, Constraint, compatible, file_constraint
from goconc.analyzer.facts import Package
from goconc.analyzer.matchers import descendants
from goconc.analyzer.parse import parse
from goconc.analyzer.source import SourceFile
from goconc.analyzer.summaries import classify_chan_use


def _c(name: str, header: str = "") -> Constraint:
    return file_constraint(f"/src/p/{name}", f"{header}\npackage p\n".encode())


@pytest.mark.parametrize(
    ("name", "header", "expected"),
    [
        ("x.go", "", None),
        ("x_linux.go", "", "linux"),
        ("x_amd64.go", "", "amd64"),
        ("x_linux_amd64.go", "", ("&&", "linux", "amd64")),
        ("x_windows_test.go", "", "windows"),
        ("x_linux_arm64_test.go", "", ("&&", "linux", "arm64")),
        ("x_test.go", "", None),
        ("linux.go", "", None),  # no `_` before the system: not a constraint (Go 1.4 on)
        ("x_unix.go", "", None),  # unix is a build tag, never a file name suffix
        ("x.pb_linux.go", "", None),  # the name is cut at its first dot
        ("x_other.go", "", None),
        ("x.go", "//go:build unix", "unix"),
        ("x.go", "// Copyright\n\n//go:build !windows && (amd64 || arm64)", None),
        ("x.go", "// +build linux darwin\n// +build cgo", ("&&", ("||", "linux", "darwin"), "cgo")),
        ("x.go", "//go:build linux\n// +build darwin", "linux"),  # go:build wins
        ("x.go", "//go:build linux &&", None),  # malformed: no constraint
        ("x.go", "//go:build linux && windows", None),  # no build satisfies it: none either
        ("x_windows.go", "//go:build amd64", ("&&", "windows", "amd64")),
    ],
)
def test_file_constraints(name: str, header: str, expected: object) -> None:
    found = _c(name, header)
    if name == "x.go" and header.startswith("// Copyright"):
        assert found.expr == ("&&", ("!", "windows"), ("||", "amd64", "arm64"))
    else:
        assert found.expr == expected


def test_a_constraint_after_the_package_clause_is_no_constraint() -> None:
    data = b"package p\n\n//go:build windows\n"
    assert file_constraint("/src/p/x.go", data) == NONE


@pytest.mark.parametrize(
    ("a", "b", "together"),
    [
        (("x_linux.go", ""), ("y_windows.go", ""), False),
        (("x_linux.go", ""), ("y.go", ""), True),
        (("x_linux.go", ""), ("y.go", "//go:build unix"), True),
        (("x_darwin.go", ""), ("y.go", "//go:build !unix"), False),
        (("x_windows.go", ""), ("y.go", "//go:build !unix"), True),
        (("x.go", "//go:build unix"), ("y.go", "//go:build !unix"), False),
        (("x_android.go", ""), ("y.go", "//go:build !linux"), False),  # android is linux too
        (("x_ios.go", ""), ("y_darwin.go", ""), True),
        (("x_illumos.go", ""), ("y.go", "//go:build solaris"), True),
        (("x_amd64.go", ""), ("y_arm64.go", ""), False),
        (("x_amd64.go", ""), ("y_linux.go", ""), True),
        (("x_js.go", ""), ("y_amd64.go", ""), False),  # no js build on amd64
        (("x.go", "//go:build integration"), ("y.go", "//go:build !integration"), False),
        (("x.go", "//go:build integration"), ("y.go", "//go:build cgo"), True),
        (("x.go", "//go:build go1.21"), ("y.go", "//go:build !go1.21"), False),
        (("x.go", "//go:build go1.21"), ("y.go", "//go:build !go1.22"), True),
        (("x.go", "//go:build gc"), ("y.go", "//go:build gccgo"), False),
        (("x_test.go", ""), ("y_linux.go", ""), True),
        (("x.go", "// +build !windows"), ("y_windows.go", ""), False),
    ],
)
def test_compatible(a: tuple[str, str], b: tuple[str, str], together: bool) -> None:
    ca, cb = _c(*a), _c(*b)
    assert compatible(ca, cb) is together
    assert compatible(cb, ca) is together


def test_many_free_tags_are_taken_as_compatible() -> None:
    tags = [f"t{i}" for i in range(12)]
    a = _c("x.go", "//go:build " + " && ".join(tags))
    b = _c("y.go", "//go:build !t0")
    assert compatible(a, b)  # beyond the bound: not proven apart


def test_hostile_constraint_lines_do_not_crash() -> None:
    deep = "//go:build " + "(" * 5000 + "linux" + ")" * 5000
    assert _c("x.go", deep) == NONE
    assert _c("x.go", "//go:build " + " || ".join(["linux"] * 3000)) == NONE
    assert _c("x.go", "//go:build " + " && ".join(["linux"] * 400)) == NONE
    assert _c("x.go", "// +build " + ",".join(["linux"] * 400)) == NONE
    assert _c("x.go", "//go:build " + " || ".join(["linux"] * 20)).expr is not None


# -- the package: declarations per build ---------------------------------------------------

_SHARED = """package p

import "os"

func run(sigs chan os.Signal) {
	listen(sigs)
	for range sigs {
	}
}
"""
_UNIX = """//go:build unix

package p

import (
	"os"
	"os/signal"
)

func listen(c chan os.Signal) { signal.Notify(c) }
"""
_WINDOWS = """package p

import "os"

func listen(_ chan os.Signal) {}
"""
_LINUX = """package p

import "os"

func linuxOnly(sigs chan os.Signal) {
	listen(sigs)
}
"""


def _package(files: dict[str, str]) -> tuple[Package, dict[str, SourceFile]]:
    sources = {
        name: SourceFile(f"/src/p/{name}", text.encode(), parse(text.encode()))
        for name, text in files.items()
    }
    return Package("p", "/src/p", list(sources.values()), None), sources


def _call(f: SourceFile, text: str) -> Node:
    for node in descendants(f.root, frozenset({"call_expression"})):
        if f.text(node) == text:
            return node
    raise LookupError(text)


_FILES = {"a.go": _SHARED, "b_linux.go": _LINUX, "sig_unix.go": _UNIX, "sig_windows.go": _WINDOWS}


def test_every_variant_is_in_the_index_and_the_caller_decides() -> None:
    pkg, files = _package(_FILES)
    index, r = pkg.index, pkg.resolver
    last = index.funcs["listen"]
    assert [d.file.path.rsplit("/", 1)[1] for d in index.variants(last)] == [
        "sig_unix.go",
        "sig_windows.go",
    ]
    # From a file every build compiles, both variants may run: the call is no single one.
    shared = _call(files["a.go"], "listen(sigs)")
    assert callee(shared, files["a.go"], r) is None
    assert {c.decl.file.path for c in callees(shared, files["a.go"], r)} == {
        "/src/p/sig_unix.go",
        "/src/p/sig_windows.go",
    }
    # From a Linux-only file, only the unix variant can be linked.
    linux = _call(files["b_linux.go"], "listen(sigs)")
    found = callee(linux, files["b_linux.go"], r)
    assert found is not None and found.decl.file.path == "/src/p/sig_unix.go"


def test_a_channel_escapes_when_any_variant_lets_it_escape() -> None:
    pkg, files = _package(_FILES)
    f = files["a.go"]
    arg = _call(f, "listen(sigs)").child_by_field_name("arguments")
    assert arg is not None
    use = arg.named_children[0]
    assert classify_chan_use(pkg, use, f)[0] == "escape"
    # With the stub alone, it is not handed on.
    alone, alone_files = _package({"a.go": _SHARED, "sig_windows.go": _WINDOWS})
    g = alone_files["a.go"]
    arg = _call(g, "listen(sigs)").child_by_field_name("arguments")
    assert arg is not None
    assert classify_chan_use(alone, arg.named_children[0], g)[0] == "neutral"


def test_variants_that_agree_give_their_common_answer() -> None:
    closes = "package p\n\nfunc done(c chan int) { close(c) }\n"
    pkg, files = _package(
        {
            "a.go": "package p\n\nfunc run(c chan int) {\n\tdone(c)\n}\n",
            "d_unix.go": closes,
            "d_windows.go": closes,
        }
    )
    f = files["a.go"]
    arg = _call(f, "done(c)").child_by_field_name("arguments")
    assert arg is not None
    assert classify_chan_use(pkg, arg.named_children[0], f)[0] == "close"


def test_a_field_is_what_the_variants_that_have_it_agree_on() -> None:
    pkg, _ = _package(
        {
            "a.go": "package p\n\nfunc use(s *state) { _ = s.mu }\n",
            "s_unix.go": 'package p\n\nimport "sync"\n\n'
            "type state struct {\n\tmu sync.Mutex\n\tfd int\n\tn int\n}\n",
            "s_windows.go": 'package p\n\nimport "sync"\n\n'
            "type state struct {\n\tmu sync.RWMutex\n\th uintptr\n\tn int\n}\n",
        }
    )
    r = pkg.resolver
    st = next(iter(pkg.index.type_variants("state")))
    owner = r.type_from_node(st.node.child_by_field_name("name"), st.file)
    assert owner is not None
    assert r.field(owner, "mu") is None  # Mutex here, RWMutex there: unknown
    fd = r.field(owner, "fd")
    assert fd is not None and str(fd[1]) == "int"  # only unix has it: its code uses that one
    assert {f.name for f, _ in r.fields_of(owner)} == {"fd", "h", "n"}


def test_a_result_is_what_the_linked_variants_agree_on() -> None:
    pkg, files = _package(
        {
            "a.go": "package p\n\nfunc use() {\n\tp := open()\n\tq := size()\n\t_, _ = p, q\n}\n",
            "a_darwin.go": "package p\n\nfunc darwinUse() {\n\tp := open()\n\t_ = p\n}\n",
            "o_linux.go": "package p\n\ntype epoll struct{}\n\nfunc open() *epoll { return nil }"
            "\n\nfunc size() int { return 1 }\n",
            "o_darwin.go": "package p\n\ntype kqueue struct{}\n\nfunc open() *kqueue { return nil }"
            "\n\nfunc size() int { return 2 }\n",
        }
    )
    r = pkg.resolver

    def type_of(file: str, name: str) -> str | None:
        f = files[file]
        ident = next(n for n in descendants(f.root, frozenset({"identifier"})) if f.text(n) == name)
        t = r.type_of(ident, f)
        return str(t) if t is not None else None

    assert type_of("a.go", "p") is None  # *epoll on Linux, *kqueue on macOS
    assert type_of("a.go", "q") == "int"
    assert type_of("a_darwin.go", "p") == "*kqueue"
