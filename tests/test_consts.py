"""Folding boolean constants (goconc/analyzer/consts.py) and pruning the CFG by them."""

from __future__ import annotations

import textwrap

import pytest
from tree_sitter import Node

from goconc.analyzer.cfg import build_cfg
from goconc.analyzer.facts import Package
from goconc.analyzer.matchers import call_args, descendants
from goconc.analyzer.parse import parse
from goconc.analyzer.source import SourceFile

_LIB = """package p

const (
\ton      = true
\toff     = false
\tnotOn   = !on
\tboth    = on && notOn
\ttyped   bool = true
\tcount   = 3
\tlevel   = iota
\tlevel2
)

type Flag bool

const named Flag = true

var changing = false

func helper() bool { return true }
"""


def _package(src: str, *more: tuple[str, str]) -> Package:
    files = [SourceFile("/virtual/lib.go", _LIB.encode(), parse(_LIB.encode()))]
    data = ("package p\n\n" + textwrap.dedent(src)).encode()
    files.append(SourceFile("/virtual/f.go", data, parse(data)))
    for name, text in more:
        extra = text.encode()
        files.append(SourceFile(f"/virtual/{name}", extra, parse(extra)))
    return Package("p", "/virtual", files, None)


def _cond(pkg: Package) -> tuple[Node, SourceFile]:
    """The condition of the first if statement in f.go."""
    file = pkg.files[1]
    stmt = descendants(file.root, frozenset({"if_statement"}))[0]
    cond = stmt.child_by_field_name("condition")
    assert cond is not None
    return cond, file


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        ("true", True),
        ("false", False),
        ("(false)", False),
        ("!true", False),
        ("!!false", False),
        ("on", True),
        ("off", False),
        ("notOn", False),
        ("both", False),
        ("typed", True),
        ("!off && on", True),
        ("on || x", True),
        ("x || on", True),  # either side decides: x runs, the branch is taken anyway
        ("off && x", False),
        ("x && off", False),
        ("off || on", True),
        ("on == true", True),
        ("off == true", False),
        ("on != off", True),
        ("true == !off", True),
        # Not constant: unknown.
        ("x", None),
        ("on && x", None),
        ("off || x", None),
        ("x == true", None),
        ("changing", None),  # a package variable
        ("helper()", None),
        ("count == 3", None),  # not a boolean fold
        ("level2 == level", None),
        ("named", None),  # a named boolean type: left alone
        ("undeclared", None),
    ],
)
def test_truth_of_expressions(expr: str, value: bool | None) -> None:
    pkg = _package(f"func f(x bool) {{\n\tif {expr} {{\n\t}}\n}}\n")
    cond, file = _cond(pkg)
    assert pkg.consts.truth(cond, file) is value


def test_local_constants_and_shadowing() -> None:
    pkg = _package(
        """
        func f() {
        \tconst quiet = true
        \tif quiet {
        \t}
        }

        func g() {
        \ton := helper()
        \tif on {
        \t}
        }

        func h() {
        \tif off {
        \t\tconst off = true
        \t}
        }

        func k() {
        \t{
        \t\tconst quiet = false
        \t\t_ = quiet
        \t}
        \tif quiet {
        \t}
        }
        """
    )
    file = pkg.files[1]
    conds = [
        s.child_by_field_name("condition")
        for s in descendants(file.root, frozenset({"if_statement"}))
    ]
    truth = [pkg.consts.truth(c, file) for c in conds]
    # f: the local constant; g: a variable shadows the package constant; h: the local
    # constant is declared inside the branch, the package one applies; k: the local constant
    # is out of scope and there is no package `quiet`.
    assert truth == [True, None, False, None]


def test_constant_declared_for_two_builds_is_unknown() -> None:
    pkg = _package(
        "func f() {\n\tif mode {\n\t}\n}\n",
        ("a_linux.go", "package p\n\nconst mode = true\n"),
        ("a_windows.go", "package p\n\nconst mode = false\n"),
    )
    cond, file = _cond(pkg)
    assert pkg.consts.truth(cond, file) is None


def test_parameters_fold_only_when_bound_and_never_written() -> None:
    pkg = _package(
        """
        func f(locked bool, other bool) {
        \tif !locked {
        \t}
        \tif other {
        \t}
        }

        func g(locked bool) {
        \tif helper() {
        \t\tlocked = false
        \t}
        \tif locked {
        \t}
        }

        func h(locked bool) {
        \tp := &locked
        \t_ = p
        \tif locked {
        \t}
        }
        """
    )
    file = pkg.files[1]
    r = pkg.resolver

    def env_for(func_name: str) -> dict[str, bool]:
        for fn in descendants(file.root, frozenset({"function_declaration"})):
            name = fn.child_by_field_name("name")
            if name is not None and file.text(name) == func_name:
                params = fn.child_by_field_name("parameters")
                assert params is not None
                idents = descendants(params, frozenset({"identifier"}))
                bound = {}
                for ident in idents:
                    b = r.binding(ident, file)
                    if b is not None and file.text(ident) == "locked":
                        bound[b.key] = True
                return bound
        raise LookupError(func_name)

    ifs = descendants(file.root, frozenset({"if_statement"}))
    conds = {file.text(s): s.child_by_field_name("condition") for s in ifs}
    f_env, g_env, h_env = env_for("f"), env_for("g"), env_for("h")
    first = next(c for t, c in conds.items() if t.startswith("if !locked"))
    second = next(c for t, c in conds.items() if t.startswith("if other"))
    assert pkg.consts.truth(first, file, f_env) is False
    assert pkg.consts.truth(first, file) is None  # unbound: unknown
    assert pkg.consts.truth(second, file, f_env) is None
    # Assigned in g, its address taken in h: the argument's value does not last.
    g_if, h_if = (s for s in ifs if file.text(s).startswith("if locked"))
    assert pkg.consts.truth(g_if.child_by_field_name("condition"), file, g_env) is None
    assert pkg.consts.truth(h_if.child_by_field_name("condition"), file, h_env) is None


def test_package_variables_fold_only_when_bound_by_name() -> None:
    pkg = _package(
        """
        func f() {
        \tif !changing {
        \t}
        }

        func g() {
        \tchanging := true
        \tif changing {
        \t}
        }
        """
    )
    file = pkg.files[1]
    ifs = descendants(file.root, frozenset({"if_statement"}))
    package_var, local = (s.child_by_field_name("condition") for s in ifs)
    env = {"pkg:changing": True}
    assert pkg.consts.truth(package_var, file, env) is False
    assert pkg.consts.truth(package_var, file) is None  # a variable: unknown unless bound
    assert pkg.consts.truth(package_var, file, {"pkg:other": True}) is None
    assert pkg.consts.truth(local, file, env) is None  # a local of the same name


def test_bad_input_is_unknown() -> None:
    pkg = _package("func f() {\n\tif (on {\n\t}\n}\n")
    file = pkg.files[1]
    for node in descendants(file.root, frozenset({"if_statement", "ERROR"})):
        assert pkg.consts.truth(node, file) in (None, True, False)
    assert pkg.consts.truth(None, file) is None


# -- the CFG without the branches constant conditions never take ----------------------------


def _build(src: str, values: dict[str, bool]) -> tuple[str, list[str]]:
    """The CFG of f with the named conditions fixed: (dump, texts of dead if bodies)."""
    data = ("package p\n\n" + textwrap.dedent(src)).encode()
    root = parse(data).root_node
    func = descendants(root, frozenset({"function_declaration"}))[0]

    def truth(cond: Node) -> bool | None:
        return values.get((cond.text or b"").decode())

    g = build_cfg(func, None, truth)
    dead = [(n.text or b"").decode() for b in g.blocks if not b.live for n in b.nodes if b.nodes]
    return g.format(), dead


def test_false_condition_makes_the_branch_dead() -> None:
    _, dead = _build(
        """
        func f() {
        \ta()
        \tif never {
        \t\treturn
        \t}
        \tb()
        }
        """,
        {"never": False},
    )
    assert dead == ["return"]


def test_true_condition_skips_else_and_falls_through() -> None:
    dump, dead = _build(
        """
        func f() {
        \tif always {
        \t\ta()
        \t} else {
        \t\tb()
        \t}
        \tc()
        }
        """,
        {"always": True},
    )
    assert dead == ["b()"]
    assert "c()" in dump


def test_true_condition_with_return_ends_the_function_there() -> None:
    _, dead = _build(
        """
        func f() {
        \tif always {
        \t\treturn
        \t}
        \tafter()
        }
        """,
        {"always": True},
    )
    assert dead == ["after()"]


def test_for_with_constant_condition() -> None:
    _, dead = _build(
        """
        func f() {
        \tfor never {
        \t\tbody()
        \t}
        \tfor always {
        \t\tspin()
        \t}
        \tafter()
        }
        """,
        {"never": False, "always": True},
    )
    # The first loop's body never runs; the second never ends (no break), so nothing after.
    assert dead == ["body()", "after()"]


def test_unknown_conditions_keep_both_edges() -> None:
    _, dead = _build(
        """
        func f() {
        \tif maybe {
        \t\treturn
        \t}
        \tafter()
        }
        """,
        {},
    )
    assert dead == []


def test_package_cfg_prunes_constants_and_specialises_by_env() -> None:
    pkg = _package(
        """
        func f(locked bool) {
        \tif off {
        \t\tdead()
        \t}
        \tif !locked {
        \t\tlockIt()
        \t}
        }
        """
    )
    file = pkg.files[1]
    func = descendants(file.root, frozenset({"function_declaration"}))[0]
    params = func.child_by_field_name("parameters")
    assert params is not None
    ident = descendants(params, frozenset({"identifier"}))[0]
    b = pkg.resolver.binding(ident, file)
    assert b is not None

    def dead(env: frozenset[tuple[str, bool]]) -> list[str]:
        g = pkg.cfg(func, file, env)
        return [file.text(n) for blk in g.blocks if not blk.live for n in blk.nodes]

    assert dead(frozenset()) == ["dead()"]
    assert dead(frozenset({(b.key, True)})) == ["dead()", "lockIt()"]
    assert dead(frozenset({(b.key, False)})) == ["dead()"]
    assert pkg.cfg(func, file) is pkg.cfg(func, file, frozenset())  # cached per env


def test_call_env_binds_the_constant_arguments_of_flag_parameters() -> None:
    pkg = _package(
        """
        func work(main bool, n int, quiet bool, loud bool) {
        \tif main {
        \t}
        \tif quiet {
        \t}
        \tloud = !loud
        \tif loud {
        \t}
        }

        func start(x bool) {
        \twork(false, 3, x, true)
        \twork(on, 1, !off, false)
        }
        """
    )
    file = pkg.files[1]
    r = pkg.resolver
    funcs = {
        file.text(name): fn
        for fn in descendants(file.root, frozenset({"function_declaration"}))
        if (name := fn.child_by_field_name("name")) is not None
    }
    work = funcs["work"]
    calls = descendants(funcs["start"], frozenset({"call_expression"}))
    params = descendants(work, frozenset({"parameter_declaration"}))
    key = {
        file.text(ident): b.key
        for p in params
        for ident in p.children_by_field_name("name")
        if (b := r.binding(ident, file)) is not None
    }

    def env(call: Node) -> set[tuple[str, bool]]:
        args = dict(zip(["main", "n", "quiet", "loud"], call_args(call), strict=True))
        return set(pkg.consts.call_env(args, work, file, file))

    # `x` is not a constant; `loud` is assigned in work (not a flag); `n` is not a bool.
    assert env(calls[0]) == {(key["main"], False)}
    assert env(calls[1]) == {(key["main"], True), (key["quiet"], True)}


def test_call_env_binds_whether_a_nilable_parameter_is_nil() -> None:
    pkg = _package(
        """
        type queue chan func()

        func run(tasks chan func(), done *int, m map[string]int, q queue) {
        \tif tasks != nil {
        \t}
        \tif nil == done {
        \t}
        \tif m != nil {
        \t}
        \tm = nil
        \tif q != nil {
        \t}
        }

        func relay(tasks chan func()) {
        \trun(tasks, nil, nil, nil)
        }

        func start(n int) {
        \trun(nil, &n, map[string]int{}, nil)
        \trun(make(chan func()), new(int), nil, nil)
        }
        """
    )
    file = pkg.files[1]
    r = pkg.resolver
    funcs = {
        file.text(name): fn
        for fn in descendants(file.root, frozenset({"function_declaration"}))
        if (name := fn.child_by_field_name("name")) is not None
    }
    run = funcs["run"]
    key = {
        file.text(ident): b.key
        for p in descendants(run, frozenset({"parameter_declaration"}))
        for ident in p.children_by_field_name("name")
        if (b := r.binding(ident, file)) is not None
    }

    def env(call: Node, outer: dict[str, bool] | None = None) -> set[tuple[str, bool]]:
        args = dict(zip(["tasks", "done", "m", "q"], call_args(call), strict=True))
        return set(pkg.consts.call_env(args, run, file, file, outer))

    first, second = (
        c
        for c in descendants(funcs["start"], frozenset({"call_expression"}))
        if file.text(c).startswith("run(")
    )
    # `m` is assigned in run (not a flag); `q` is of a named type (not followed).
    assert env(first) == {(key["tasks"], False), (key["done"], True)}
    assert env(second) == {(key["tasks"], True), (key["done"], True)}
    # A parameter passed on is as nil as the caller's own, when that is bound.
    relay = funcs["relay"]
    (call,) = (
        c for c in descendants(relay, frozenset({"call_expression"})) if file.text(c)[:4] == "run("
    )
    outer = next(
        b.key
        for p in descendants(relay, frozenset({"parameter_declaration"}))
        for ident in p.children_by_field_name("name")
        if (b := r.binding(ident, file)) is not None
    )
    assert pkg.consts.flag(r.binding(call_args(call)[0], file))  # type: ignore[arg-type]
    assert env(call, {outer: False}) == {(key["tasks"], False), (key["done"], False)}
    assert env(call) == {(key["done"], False)}
    # The conditions fold by the binding: `tasks != nil` and `nil == done`.
    conds = [
        c.child_by_field_name("condition") for c in descendants(run, frozenset({"if_statement"}))
    ]
    values = {key["tasks"]: False, key["done"]: True}
    assert pkg.consts.truth(conds[0], file, values) is False
    assert pkg.consts.truth(conds[1], file, values) is False
    assert pkg.consts.truth(conds[2], file, values) is None
