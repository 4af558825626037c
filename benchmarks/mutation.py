"""Mutation testing of the rules: does the testdata notice when a rule's code is wrong?

    python benchmarks/mutation.py [--rule MU003 ...] [--module goconc/analyzer/locks.py]
        [--max 40] [--seed 1] [--survivors] [--pytest]

For each rule (default: every rule; its module is ``goconc/rules/<code>_*.py``) or each given
module, makes small deliberate mistakes (mutants) one at a time in a private copy of the
package and runs against each the rule's testdata (``testdata/<CODE>/``, as
tests/test_rules.py does), its documented examples and its fix goldens
(``tests/testdata/fixes/<CODE>/``): a mutant is *killed* when some expectation fails (or the
run crashes or hangs), *survived* when every expectation still holds. Prints, per rule,
killed/total and the surviving share; ``--survivors`` lists each survivor (file:line and what
was changed) so that it can be killed by a new test or explained as equivalent. ``--module``
mutates an analysis module instead, against every rule's testdata (``--rule`` narrows that).
``--pytest`` also runs ``pytest tests -k CODE`` for each mutant (much slower; kills mutants
that only the rule's other unit tests see).

The mistakes (one per mutant): a comparison turned (``==``/``!=``, ``<``/``<=``, ``in``/``not
in``, ``is``/``is not``), ``and``/``or`` swapped, a ``not`` dropped, an ``if`` negated, an
integer constant moved by one, a boolean constant flipped, ``+``/``-`` swapped, and a string in
a name list or a comparison replaced (name lists and exemptions are heuristics worth pinning).
The rule's metadata and docstrings are left alone. ``--max`` samples that many mutants per
module (seeded, so that runs compare); 0 takes them all.

A benchmark, not part of the test suite: all mutants of all rules take an hour or more.
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "goconc" / "rules"
TESTDATA = ROOT / "testdata"
TIMEOUT = 60.0  # seconds for one mutant's tests; a mutant that loops is killed by it

_COMPARE_SWAP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_SYMBOL = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}


@dataclass(frozen=True)
class Mutant:
    path: Path  # the module, in the private copy
    site: int  # the node's index in ast.walk order
    variant: int  # which of the node's mistakes (a comparison with several operators)
    line: int
    what: str


def _skipped(tree: ast.Module) -> set[int]:
    """ids of nodes never mutated: docstrings and the rule's metadata (RuleMeta(...))."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip.add(id(first.value))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "RuleMeta":
            skip.update(id(n) for n in ast.walk(node))
    return skip


def _string_sites(tree: ast.Module) -> set[int]:
    """ids of the string constants worth mutating: members of a literal collection (a name
    list) and operands of a comparison (an exemption)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        members: list[ast.expr | None] = []
        if isinstance(node, (ast.Set, ast.Tuple, ast.List)):
            members = list(node.elts)
        elif isinstance(node, ast.Dict):
            members = list(node.keys)
        elif isinstance(node, ast.Compare):
            members = [node.left, *node.comparators]
        found.update(
            id(m) for m in members if isinstance(m, ast.Constant) and isinstance(m.value, str)
        )
    return found


def _variants(node: ast.AST, strings: set[int]) -> list[str]:
    """What can be changed at ``node``, one description per mutant."""
    if isinstance(node, ast.Compare):
        return [
            f"{_SYMBOL[type(op)]} -> {_SYMBOL[_COMPARE_SWAP[type(op)]]}"
            for op in node.ops
            if type(op) in _COMPARE_SWAP
        ]
    if isinstance(node, ast.BoolOp):
        return ["and -> or" if isinstance(node.op, ast.And) else "or -> and"]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return ["not dropped"]
    if isinstance(node, ast.If):
        return ["if negated"]
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        return ["+ -> -" if isinstance(node.op, ast.Add) else "- -> +"]
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            return [f"{node.value} -> {not node.value}"]
        if isinstance(node.value, int):
            return [f"{node.value} -> {node.value + 1}"]
        if isinstance(node.value, str) and id(node) in strings:
            return [f"{node.value!r} -> 'MUTATED'"]
    return []


def mutants_of(path: Path) -> list[Mutant]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip, strings = _skipped(tree), _string_sites(tree)
    found = []
    for site, node in enumerate(ast.walk(tree)):
        if id(node) in skip:
            continue
        for variant, what in enumerate(_variants(node, strings)):
            found.append(Mutant(path, site, variant, getattr(node, "lineno", 0), what))
    return found


def _mutate(node: ast.AST, variant: int) -> ast.AST:
    """Mutant ``variant`` at ``node``: the node changed in place, or what replaces it."""
    if isinstance(node, ast.UnaryOp):
        return node.operand
    if isinstance(node, ast.Compare):
        ops = [i for i, op in enumerate(node.ops) if type(op) in _COMPARE_SWAP]
        i = ops[variant]
        node.ops[i] = _COMPARE_SWAP[type(node.ops[i])]()
    elif isinstance(node, ast.BoolOp):
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif isinstance(node, ast.If):
        node.test = ast.UnaryOp(ast.Not(), node.test)
    elif isinstance(node, ast.BinOp):
        node.op = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            node.value = not node.value
        elif isinstance(node.value, int):
            node.value = node.value + 1
        else:
            node.value = "MUTATED"
    return node


class _Replace(ast.NodeTransformer):
    def __init__(self, target: ast.AST, variant: int) -> None:
        self.target, self.variant = target, variant

    def generic_visit(self, node: ast.AST) -> ast.AST:
        if node is self.target:
            return _mutate(node, self.variant)
        return super().generic_visit(node)


def mutated_source(m: Mutant, source: str) -> str:
    """``source`` (the module's unchanged text) with mutant ``m``."""
    tree = ast.parse(source)
    target = next(n for i, n in enumerate(ast.walk(tree)) if i == m.site)
    tree = _Replace(target, m.variant).visit(tree)
    return ast.unparse(ast.fix_missing_locations(tree))


def rule_module(code: str) -> Path:
    found = sorted(RULES.glob(f"{code.lower()}_*.py"))
    if len(found) != 1:
        raise SystemExit(f"no single rule module for {code}: {found}")
    return found[0]


def all_codes() -> list[str]:
    """Every rule with a module and testdata."""
    return sorted(
        p.name
        for p in TESTDATA.iterdir()
        if p.is_dir() and any(RULES.glob(f"{p.name.lower()}_*.py"))
    )


# --- running one mutant's tests (in a child process, against the mutated copy) -------------


def _check(codes: list[str]) -> int:
    """The child: 1 if any testdata expectation or documented example of ``codes`` fails."""
    # PYTHONPATH is the mutated copy: its goconc, and its tests.golden
    import goconc
    from goconc.engine.registry import all_rules
    from tests.golden import analyze, check_folder

    assert Path(goconc.__file__).parent.parent != ROOT, "the real goconc, not the mutated copy"
    rules = {r.meta.code: r for r in all_rules()}
    for code in codes:
        root = TESTDATA / code
        for folder in [root, *sorted(p for p in root.rglob("*") if p.is_dir())]:
            if any(folder.glob("*.go")) and check_folder(folder, code):
                return 1
        if not _examples_hold(code, rules[code].meta.docs, analyze):
            return 1
        if not _fixes_hold(code):
            return 1
    return 0


def _fixes_hold(code: str) -> bool:
    """tests/testdata/fixes/<CODE>/: `check --fix` (and with --unsafe-fixes) turns input.go
    into expected.go (expected-unsafe.go), as tests/test_fixes.py checks."""
    import contextlib
    import io

    from goconc.cli.main import main

    case = ROOT / "tests" / "testdata" / "fixes" / code
    for unsafe, name in ((False, "expected.go"), (True, "expected-unsafe.go")):
        expected = case / name
        if not expected.is_file():
            continue
        with tempfile.TemporaryDirectory() as tmp:
            module = Path(tmp)
            (module / ".git").mkdir()
            go_mod = case / "go.mod"
            mod_text = go_mod.read_text() if go_mod.is_file() else "module demo\n\ngo 1.24\n"
            (module / "go.mod").write_text(mod_text)
            target = module / "demo.go"
            target.write_bytes((case / "input.go").read_bytes())
            flags = ["--fix", *(["--unsafe-fixes"] if unsafe else [])]
            cwd = os.getcwd()
            os.chdir(module)
            try:
                sink = io.StringIO()
                with (
                    contextlib.redirect_stdout(sink),
                    contextlib.redirect_stderr(sink),
                    contextlib.suppress(SystemExit),
                ):
                    main(["check", "--isolated", "--no-cache", *flags, "--select", code, "."])
            finally:
                os.chdir(cwd)
            if target.read_bytes() != expected.read_bytes():
                return False
    return True


def _examples_hold(code: str, docs: str, analyze: object) -> bool:
    import re

    example = re.search(r"## Example.*?```go\n(.*?)```", docs, re.S)
    instead = re.search(r"Use instead:\s*```go\n(.*?)```", docs, re.S)
    if example is None or instead is None:
        return True
    intro = re.search(r"## Example(.*?)```go", docs, re.S)
    version = re.search(r"`go (1\.\d+)`", intro.group(1)) if intro else None
    with tempfile.TemporaryDirectory() as tmp:
        for name, source, flagged in (
            ("ex", example.group(1), True),
            ("in", instead.group(1), False),
        ):
            folder = Path(tmp) / name
            folder.mkdir()
            (folder / "example.go").write_text(source, encoding="utf-8")
            if version is not None:
                (folder / "go.mod").write_text(f"module example\n\ngo {version.group(1)}\n")
            found = [d for d in analyze(folder, [code]) if d.code == code]  # type: ignore[operator]
            if bool(found) != flagged:
                return False
    return True


def _killed(copy: Path, codes: list[str], use_pytest: bool) -> bool:
    env = dict(os.environ, PYTHONPATH=str(copy), PYTHONDONTWRITEBYTECODE="1")
    env["GOCONC_CACHE_DIR"] = str(copy / ".cache")
    commands = [[sys.executable, str(Path(__file__).resolve()), "_check", *codes]]
    if use_pytest:
        commands.append(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-x",
                "-p",
                "no:cacheprovider",
                "tests",
                "-k",
                " or ".join(codes),
            ]
        )
    for command in commands:
        try:
            done = subprocess.run(
                command, cwd=copy, env=env, capture_output=True, timeout=TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            return True
        if done.returncode not in (0, 5):  # pytest's 5: no test selected
            return True
    return False


def _copy_tree() -> Path:
    copy = Path(tempfile.mkdtemp(prefix="goconc-mutants-"))
    shutil.copytree(ROOT / "goconc", copy / "goconc", ignore=shutil.ignore_patterns("__pycache__"))
    if (ROOT / "tests").exists():
        shutil.copytree(
            ROOT / "tests", copy / "tests", ignore=shutil.ignore_patterns("__pycache__")
        )
        os.symlink(TESTDATA, copy / "testdata")
        for name in ("pyproject.toml",):
            shutil.copy2(ROOT / name, copy / name)
    return copy


def run(
    targets: list[tuple[str, Path, list[str]]],
    sample: int,
    seed: int,
    survivors: bool,
    use_pytest: bool,
) -> None:
    copy = _copy_tree()
    try:
        print(f"{'target':<34} {'killed':>7} {'total':>6} {'survived':>9}  seconds", flush=True)
        totals = [0, 0]
        for label, module, codes in targets:
            start = time.monotonic()
            where = copy / module.relative_to(ROOT)  # mutants of the copy: the tree may change
            original = where.read_bytes()
            found = mutants_of(where)
            if sample and len(found) > sample:
                found = sorted(
                    random.Random(seed).sample(found, sample),
                    key=lambda m: (m.line, m.site, m.variant),
                )
            if _killed(copy, codes, use_pytest):
                raise SystemExit(f"{label}: the tests fail before any mutation")
            alive: list[Mutant] = []
            try:
                for m in found:
                    where.write_text(mutated_source(m, original.decode()), encoding="utf-8")
                    if not _killed(copy, codes, use_pytest):
                        alive.append(m)
            finally:
                where.write_bytes(original)
            killed = len(found) - len(alive)
            totals[0] += killed
            totals[1] += len(found)
            share = f"{len(alive) / len(found):.0%}" if found else "-"
            print(
                f"{label:<34} {killed:>7} {len(found):>6} {share:>9}  "
                f"{time.monotonic() - start:7.0f}",
                flush=True,
            )
            if survivors:
                for m in alive:
                    print(f"    survived {m.path.relative_to(copy)}:{m.line}: {m.what}", flush=True)
        if len(targets) > 1 and totals[1]:
            print(
                f"{'all':<34} {totals[0]:>7} {totals[1]:>6} "
                f"{(totals[1] - totals[0]) / totals[1]:>9.0%}"
            )
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    args_in = sys.argv[1:] if argv is None else argv
    if args_in[:1] == ["_check"]:
        raise SystemExit(_check(args_in[1:]))
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rule", action="append", default=[], help="rule code (repeatable)")
    parser.add_argument(
        "--module",
        action="append",
        default=[],
        type=Path,
        help="an analysis module to mutate, against the rules' testdata",
    )
    parser.add_argument("--max", type=int, default=40, help="mutants per module (0: all)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--survivors", action="store_true", help="list the surviving mutants")
    parser.add_argument("--pytest", action="store_true", help="also run pytest -k CODE")
    args = parser.parse_args(args_in)
    codes = [c.upper() for c in args.rule] or all_codes()
    targets: list[tuple[str, Path, list[str]]] = []
    if args.module:
        for module in args.module:
            path = module.resolve()
            targets.append((str(path.relative_to(ROOT)), path, codes))
    else:
        targets = [(code, rule_module(code), [code]) for code in codes]
    run(targets, args.max, args.seed, args.survivors, args.pytest)


if __name__ == "__main__":
    main()
