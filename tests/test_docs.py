"""docs/rules is generated from the rule docstrings and must not drift from them."""

from __future__ import annotations

from pathlib import Path

from goconc.cli.docgen import generate

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules"


def test_rule_pages_are_up_to_date() -> None:
    for path, text in generate(DOCS).items():
        assert path.exists(), f"{path.name} missing: run python -m goconc.cli.docgen"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is stale: run python -m goconc.cli.docgen"
        )
