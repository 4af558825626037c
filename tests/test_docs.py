"""docs/rules is generated from the rule docstrings and must not drift from them; the
commands the docs give a new user name things that exist."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from goconc.cli.docgen import generate
from tests.test_workflows import MINIMUM_MAJOR

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "rules"
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_rule_pages_are_up_to_date() -> None:
    for path, text in generate(DOCS).items():
        assert path.exists(), f"{path.name} missing: run python -m goconc.cli.docgen"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is stale: run python -m goconc.cli.docgen"
        )


def _tags() -> set[str] | None:
    try:
        done = subprocess.run(
            ["git", "tag", "--list"], cwd=ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return set(done.stdout.split())


def test_docs_name_goconc_revisions_that_exist() -> None:
    # `rev: v0.1.0` and `goconc/goconc@v0.1.0` named a tag that was never made: pre-commit
    # and the action then fail on the user's first run.
    tags = _tags()
    if tags is None:
        pytest.skip("not a git checkout")
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        refs = re.findall(r"goconc/goconc@([\w.-]+)", text) + re.findall(r"\brev: (\S+)", text)
        for ref in refs:
            assert ref in {"main", "COMMIT"} or ref in tags or re.fullmatch("[0-9a-f]{40}", ref), (
                f"{page.name} names goconc revision {ref!r}, which is no tag of this repository"
            )


def test_docs_install_goconc_from_where_it_is() -> None:
    # goconc is not on PyPI until the first release: `pip install goconc` finds nothing.
    allowed = re.compile(
        r"pip install (-e )?(\.|\"\.\[test\]\"|git\+https://github\.com/goconc/goconc)(\s|$)"
    )
    for page in PAGES:
        for line in page.read_text(encoding="utf-8").splitlines():
            for command in re.findall(r"pip install [^`#;&]*", line):
                assert allowed.match(command), f"{page.name}: {command.strip()}"


def test_docs_use_supported_versions_of_actions() -> None:
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for action, major in re.findall(r"uses: ([\w/-]+)@v(\d+)", text):
            if action in MINIMUM_MAJOR:
                assert int(major) >= MINIMUM_MAJOR[action], f"{page.name}: {action}@v{major}"


ARCHITECTURE = ROOT / "docs" / "architecture.md"
GOCONC = ROOT / "goconc"


def _described() -> dict[str, tuple[str, str]]:
    """{module path under goconc/: (its layer heading, its line)} from "## The modules"."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("\n## The modules\n", 1)[1].split("\n## ", 1)[0]
    found: dict[str, tuple[str, str]] = {}
    layer = ""
    for line in section.splitlines():
        if line.startswith("### "):
            layer = line[4:].split()[0]  # "cli/"
        elif line.startswith("- `") and "`: " in line:
            path, description = line[3:].split("`: ", 1)
            assert description.strip(), f"{path}: no description"
            found[path] = (layer, line)
    return found


def test_every_module_is_described_under_its_layer() -> None:
    described = _described()
    layers = {layer for layer, _ in described.values()}
    for path in sorted(GOCONC.rglob("*.py")):
        rel = path.relative_to(GOCONC).as_posix()
        if rel == "__init__.py":
            continue
        if path.name == "__init__.py":
            assert f"{path.parent.name}/" in layers, f"no section for {path.parent.name}/"
            continue
        assert rel in described, f"docs/architecture.md does not describe {rel}"
        layer, _ = described[rel]
        # __main__.py is the application's second entry point.
        assert rel.startswith(layer) or (rel == "__main__.py" and layer == "cli/"), rel
    stale = [p for p in described if not (GOCONC / p).exists()]
    assert not stale, f"docs/architecture.md describes modules that do not exist: {stale}"


@pytest.mark.parametrize("name", [".goconc.toml", "pyproject.toml"])
def test_configuration_examples_load(name: str, tmp_path: Path) -> None:
    from goconc.cli.config import load_config
    from goconc.engine.registry import known_codes, option_names

    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    block = re.search(rf"### `{re.escape(name)}`\n\n```toml\n(.*?)```", text, re.S)
    assert block, name
    (tmp_path / name).write_text(block.group(1), encoding="utf-8")
    config = load_config(str(tmp_path / name), known_codes(), option_names())
    assert config.select or config.extend_select


def _in_words(count: int) -> str:
    """10 to 49 as the README writes them: "Twenty-four"."""
    ones = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    tens = {1: "Ten", 2: "Twenty", 3: "Thirty", 4: "Forty"}
    return tens[count // 10] + (f"-{ones[count % 10 - 1]}" if count % 10 else "")


def test_readme_counts_the_rules() -> None:
    from goconc.engine.registry import all_metas

    count = sum(1 for m in all_metas() if not m.code.startswith("GC"))
    assert f"{_in_words(count)} rules" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_names_the_opt_in_rules() -> None:
    from goconc.engine.registry import all_metas

    metas = [m for m in all_metas() if not m.code.startswith("GC")]
    opt_in = sorted(m.code for m in metas if m.preview)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = re.search(r"\(((?:[A-Z]{2}\d{3},?\s*)+)\) are in the\s+opt-in tier", readme)
    assert listed is not None
    assert sorted(re.findall(r"[A-Z]{2}\d{3}", listed.group(1))) == opt_in
    assert f"{_in_words(len(metas) - len(opt_in))} run by default" in readme
