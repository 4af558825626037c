"""Config discovery, loading and every validation error, each with its line."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest

from goconc.cli.config import (
    Config,
    ConfigError,
    check_codes,
    find_config,
    load_config,
)

KNOWN = ("WG001", "WG002", "MU001", "MU002", "CX001", "CH001", "GR001")

FULL = """\
# every key
select = ["MU", "CX001"]
ignore = ["MU002"]
extend-select = ["GR"]
exclude = ["gen/", "*_mock.go"]
jobs = 4
parse-timeout = 2.5
default-excludes = false
go-version = "1.22.3"

[per-file-ignores]
"*_test.go" = ["MU001", "WG"]

[rules.CX001]
timeout-calls = ["time.After"]
nested = { depth = 2, names = ["a", "b"] }
"""


def write(folder: Path, name: str, text: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return str(path)


def error(path: str, known: tuple[str, ...] = KNOWN) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path, known)
    return str(info.value)


# -- finding ---------------------------------------------------------------------------------


def test_found_by_walking_up(tmp_path: Path) -> None:
    config = write(tmp_path, ".goconc.toml", "")
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert find_config(str(tmp_path / "a" / "b")) == config
    assert find_config(str(tmp_path)) == config


def test_goconc_toml_wins_over_pyproject_in_the_same_folder(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.goconc]\n")
    config = write(tmp_path, ".goconc.toml", "")
    assert find_config(str(tmp_path)) == config


def test_pyproject_without_our_table_is_passed_over(tmp_path: Path) -> None:
    outer = write(tmp_path, "pyproject.toml", '[tool.goconc]\nselect = ["MU"]\n')
    write(tmp_path / "inner", "pyproject.toml", "[tool.ruff]\nline-length = 100\n")
    assert find_config(str(tmp_path / "inner")) == outer
    assert load_config(outer, KNOWN).select == ("MU",)


def test_pyproject_with_a_dotted_table_and_a_broken_one(tmp_path: Path) -> None:
    dotted = write(tmp_path / "a", "pyproject.toml", '[tool]\ngoconc.select = ["MU"]\n')
    assert find_config(str(tmp_path / "a")) == dotted
    broken = write(tmp_path / "b", "pyproject.toml", "[tool.goconc\nselect = 1\n")
    assert find_config(str(tmp_path / "b")) == broken  # ours: report the syntax error
    write(tmp_path / "c", "pyproject.toml", "[tool.other\n")
    assert find_config(str(tmp_path / "c")) == find_config(str(tmp_path))


def test_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    write(tmp_path, ".goconc.toml", "")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "sub").mkdir()
    assert find_config(str(repo / "sub")) is None
    config = write(repo, ".goconc.toml", "")  # the root itself is checked
    assert find_config(str(repo / "sub")) == config
    # a .git file (worktree, submodule) counts too
    work = tmp_path / "wt"
    write(work, ".git", "gitdir: elsewhere\n")
    assert find_config(str(work)) is None


def test_not_found_and_defaults(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    assert find_config(str(tmp_path)) is None
    assert load_config(None, KNOWN) == Config()
    assert Config().path is None and Config().root is None


# -- loading ---------------------------------------------------------------------------------


def test_full_config(tmp_path: Path) -> None:
    path = write(tmp_path, ".goconc.toml", FULL)
    config = load_config(path, KNOWN)
    assert config.path == path and config.root == str(tmp_path)
    assert config.select == ("MU", "CX001")
    assert config.ignore == ("MU002",)
    assert config.extend_select == ("GR",)
    assert config.exclude == ("gen/", "*_mock.go")
    assert config.per_file_ignores == (("*_test.go", ("MU001", "WG")),)
    assert config.jobs == 4 and config.parse_timeout == 2.5
    assert config.default_excludes is False and config.go_version == (1, 22)
    options = config.rule_options["CX001"]
    assert options == {
        "timeout-calls": ("time.After",),
        "nested": {"depth": 2, "names": ("a", "b")},
    }
    assert pickle.loads(pickle.dumps(config)) == config
    assert hash(config) == hash(load_config(path, KNOWN))


def test_rule_options_are_read_only(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ".goconc.toml", FULL), KNOWN)
    with pytest.raises(TypeError):
        config.rule_options["CX001"]["x"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        config.rule_options["XX"] = {}  # type: ignore[index]


def test_same_config_from_pyproject(tmp_path: Path) -> None:
    body = FULL.replace("[per-file-ignores]", "[tool.goconc.per-file-ignores]")
    body = body.replace("[rules.CX001]", "[tool.goconc.rules.CX001]")
    text = '[project]\nname = "x"\n\n[tool.goconc]\n' + body
    from_pyproject = load_config(write(tmp_path / "p", "pyproject.toml", text), KNOWN)
    from_goconc = load_config(write(tmp_path / "g", ".goconc.toml", FULL), KNOWN)
    assert attr_values(from_pyproject) == attr_values(from_goconc)


def attr_values(config: Config) -> tuple[object, ...]:
    return (
        config.select,
        config.ignore,
        config.extend_select,
        config.exclude,
        config.per_file_ignores,
        config.rule_options,
        config.jobs,
        config.parse_timeout,
        config.default_excludes,
        config.go_version,
    )


def test_pyproject_without_our_table_gives_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "pyproject.toml", "[tool.ruff]\n")
    assert load_config(path, KNOWN) == Config(path=path)


def test_prefixes_and_all_are_accepted(tmp_path: Path) -> None:
    text = 'select = ["ALL", "M", "MU", "MU0", "MU001"]\nignore = ["C"]\n'
    config = load_config(write(tmp_path, ".goconc.toml", text), KNOWN)
    assert config.select == ("ALL", "M", "MU", "MU0", "MU001") and config.ignore == ("C",)


def test_per_file_ignores_lookup(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ".goconc.toml", FULL), KNOWN)
    assert config.ignored_for("pkg/a_test.go") == ("MU001", "WG")
    assert config.ignored_for("pkg/a.go") == ()
    assert config.per_file_ignored("pkg/a_test.go", "WG002")
    assert not config.per_file_ignored("pkg/a_test.go", "MU002")
    text = '[per-file-ignores]\n"cmd/**" = ["ALL"]\n"gen/" = ["MU"]\n'
    config = load_config(write(tmp_path, ".goconc.toml", text), KNOWN)
    assert config.per_file_ignored("cmd/tool/main.go", "CX001")
    assert config.per_file_ignored("a/gen/x.go", "MU001")
    assert not config.per_file_ignored("gen.go", "MU001")


# -- errors ----------------------------------------------------------------------------------


def test_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, ".goconc.toml", 'select = ["MU"]\njobs = = 3\n')
    assert re.fullmatch(rf"{re.escape(path)}:2:\d+: .+", error(path))
    path = write(tmp_path, "pyproject.toml", '[tool.goconc]\nselect = ["MU"\n')
    assert error(path).startswith(f"{path}:")


def test_unknown_key_names_key_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, ".goconc.toml", 'select = ["MU"]\n\nextend_select = ["WG"]\n')
    assert error(path) == (
        f"{path}:3: extend_select: unknown key; did you mean 'extend-select'? (keys are kebab-case)"
    )
    path = write(tmp_path, ".goconc.toml", "selct = []\n")
    assert error(path) == f"{path}:1: selct: unknown key; did you mean 'select'?"


def test_unknown_key_in_pyproject_is_found_in_our_table(tmp_path: Path) -> None:
    text = "[tool.other]\nbogus = 1\n\n[tool.goconc]\njobs = 2\nbogus = 1\n"
    path = write(tmp_path, "pyproject.toml", text)
    assert error(path).startswith(f"{path}:6: bogus: unknown key")


def test_unknown_code_named_with_the_line_of_the_item(tmp_path: Path) -> None:
    text = 'select = ["MU"]\nignore = [\n    "WG001",\n    "XX9",\n]\n'
    path = write(tmp_path, ".goconc.toml", text)
    assert error(path) == f"{path}:4: ignore: unknown rule code or prefix 'XX9'"
    path = write(tmp_path, ".goconc.toml", 'extend-select = ["mu001"]\n')
    assert error(path) == (
        f"{path}:1: extend-select: unknown rule code or prefix 'mu001';"
        " did you mean 'MU001'? (codes are upper-case)"
    )
    path = write(tmp_path, ".goconc.toml", 'select = ["CX002"]\n')
    assert (
        error(path)
        == f"{path}:1: select: unknown rule code or prefix 'CX002'; did you mean 'CX001'?"
    )


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('select = "MU"', 1, "select: expected a list of strings, got string"),
        ("ignore = [1, 2]", 1, "ignore: expected a list of strings, got array"),
        ('\nexclude = ["ok", ""]', 2, "exclude: empty string"),
        ("exclude = {a = 1}", 1, "exclude: expected a list of strings, got table"),
        ('jobs = "4"', 1, "jobs: expected an integer, got string"),
        ("jobs = true", 1, "jobs: expected an integer, got boolean"),
        ("jobs = -1", 1, "jobs: expected 0 (one per CPU) or more, got -1"),
        ('parse-timeout = "1s"', 1, "parse-timeout: expected a number of seconds, got string"),
        (
            "parse-timeout = -1",
            1,
            "parse-timeout: expected a number of seconds, 0 for no limit, got -1",
        ),
        (
            "parse-timeout = nan",
            1,
            "parse-timeout: expected a number of seconds, 0 for no limit, got nan",
        ),
        ('default-excludes = "no"', 1, "default-excludes: expected true or false, got string"),
        (
            'go-version = "go1.22"',
            1,
            "go-version: expected a Go version string such as \"1.22\", got 'go1.22'",
        ),
        (
            "go-version = 1.22",
            1,
            'go-version: expected a Go version string such as "1.22", got 1.22',
        ),
        (
            'per-file-ignores = ["a"]',
            1,
            "per-file-ignores: expected a table of glob = [codes], got array",
        ),
        (
            '[per-file-ignores]\n"a.go" = "MU"',
            2,
            'per-file-ignores."a.go": expected a list of strings, got string',
        ),
        (
            '[per-file-ignores]\n"a.go" = ["MU"]\n"*_test.go" = [\n  "WG",\n  "NOPE",\n]',
            5,
            "per-file-ignores.\"*_test.go\": unknown rule code or prefix 'NOPE'",
        ),
        ("rules = 3", 1, "rules: expected a table of [rules.CODE] tables, got integer"),
        (
            "jobs = 1\n\n[rules.MU]\nx = 1",
            3,
            "rules.MU: unknown rule code (options need a full code)",
        ),
        ("[rules]\nCX001 = 5", 2, "rules.CX001: expected a table of options, got integer"),
        (
            "rules = { CX001 = { a = 1 }, XX001 = { b = 2 } }",
            1,
            "rules.XX001: unknown rule code (options need a full code)",
        ),
        ("[rules]\nCX001.limit = 3\nZZ001.limit = 3", 3, "rules.ZZ001: unknown rule code"),
    ],
)
def test_type_errors_name_key_and_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path, ".goconc.toml", text + "\n")
    assert error(path).startswith(f"{path}:{line}: {message}")


def test_type_error_lines_in_pyproject(tmp_path: Path) -> None:
    text = (
        '[project]\nname = "x"\njobs = "unrelated"\n\n'
        '[tool.goconc]\nselect = ["MU"]\njobs = "many"\n\n'
        "[tool.goconc.rules.CX001]\nlimit = 3\n\n[tool.goconc.rules.CH009]\nx = 1\n"
    )
    path = write(tmp_path, "pyproject.toml", text)
    assert error(path) == f"{path}:7: jobs: expected an integer, got string"
    path = write(tmp_path, "pyproject.toml", text.replace('jobs = "many"\n', ""))
    assert error(path).startswith(f"{path}:11: rules.CH009: unknown rule code")
    path = write(tmp_path, "pyproject.toml", "[tool]\ngoconc = 3\n")
    assert error(path) == f"{path}: expected a table"


def test_unreadable_and_undecodable_files(tmp_path: Path) -> None:
    path = str(tmp_path / "missing.toml")
    assert error(path).startswith(f"{path}: cannot read: ")
    bad = tmp_path / ".goconc.toml"
    bad.write_bytes(b'select = ["\xff"]\n')
    assert error(str(bad)) == f"{bad}: not valid UTF-8 (byte 11)"


def test_deep_nesting_is_an_error_not_a_crash(tmp_path: Path) -> None:
    # tomllib recurses per level: 500 nested arrays gave a RecursionError traceback, also
    # from a pyproject.toml that is not ours at all.
    deep = "[" * 500 + "]" * 500
    other = write(tmp_path / "a", "pyproject.toml", f'[project]\nname = "x"\nv = {deep}\n')
    assert find_config(str(tmp_path / "a")) != other
    ours = write(tmp_path / "b", ".goconc.toml", f"[rules.MU001]\nx = {deep}\n")
    assert find_config(str(tmp_path / "b")) == ours
    assert error(ours) == f"{ours}: arrays or tables nested too deeply to read"
    # Deep enough to read, too deep to be options (they would be frozen, keyed and pickled).
    nine = write(tmp_path / "c", ".goconc.toml", "[rules.MU001]\nx = [[[[[[[[1]]]]]]]]\n")
    assert error(nine) == f"{nine}:1: rules.MU001: options nested more than 8 levels deep"


# -- check_codes (shared with --select/--ignore) --------------------------------------------


def test_check_codes() -> None:
    check_codes(["ALL", "MU", "WG00", "CX001"], KNOWN, "--select")
    with pytest.raises(ConfigError, match=r"^--ignore: unknown rule code or prefix 'ZZ'$"):
        check_codes(["MU", "ZZ"], KNOWN, "--ignore")
    with pytest.raises(ConfigError, match=r"^--select: unknown rule code or prefix ''$"):
        check_codes([""], KNOWN, "--select")


# -- the documentation's examples -----------------------------------------------------------

CATALOGUE = (
    *(f"WG00{i}" for i in range(1, 4)),
    *(f"CH00{i}" for i in range(1, 5)),
    *(f"MU00{i}" for i in range(1, 7)),
    *(f"CX00{i}" for i in range(1, 4)),
    *(f"GR00{i}" for i in range(1, 6)),
)


def test_documented_examples_load(tmp_path: Path) -> None:
    docs = Path(__file__).parent.parent / "docs" / "configuration.md"
    blocks = re.findall(r"```toml\n(.*?)```", docs.read_text(), re.DOTALL)
    assert len(blocks) == 2
    for block in blocks:
        name = "pyproject.toml" if "[tool.goconc]" in block else ".goconc.toml"
        config = load_config(write(tmp_path / name.strip("."), name, block), CATALOGUE)
        assert config.exclude and config.per_file_ignores
    path = write(tmp_path, ".goconc.toml", 'select = ["MU"]\n\nignore = [\n  "WG0001",\n]\n')
    assert error(path, CATALOGUE).endswith(
        ":4: ignore: unknown rule code or prefix 'WG0001'; did you mean 'WG001'?"
    )


def test_rule_options_are_checked_against_the_rule(tmp_path: Path) -> None:
    text = 'jobs = 1\n\n[rules.CX001]\nfoo = 1\n\n[rules.MU001]\nlimit = 3\nbar = "x"\n'
    path = write(tmp_path, ".goconc.toml", text)
    with pytest.raises(ConfigError) as info:
        load_config(path, KNOWN, {"CX001": (), "MU001": ("limit",)})
    assert str(info.value) == f"{path}:4: rules.CX001.foo: unknown option; CX001 has no options"
    with pytest.raises(ConfigError) as info:
        load_config(path, KNOWN, {"CX001": ("foo",), "MU001": ("limit",)})
    assert str(info.value) == f"{path}:8: rules.MU001.bar: unknown option; MU001 takes limit"
    config = load_config(path, KNOWN, {"CX001": ("foo",), "MU001": ("bar", "limit")})
    assert config.rule_options["MU001"] == {"limit": 3, "bar": "x"}


@pytest.mark.parametrize(
    ("text", "jobs", "timeout"), [("jobs = 0", 0, None), ("parse-timeout = 0", None, 0.0)]
)
def test_zero_means_what_it_means_on_the_command_line(
    tmp_path: Path, text: str, jobs: int | None, timeout: float | None
) -> None:
    # jobs = 0: one per CPU; parse-timeout = 0: no limit (as --jobs 0, --parse-timeout 0).
    config = load_config(write(tmp_path, ".goconc.toml", text), KNOWN)
    assert (config.jobs, config.parse_timeout) == (jobs, timeout)
