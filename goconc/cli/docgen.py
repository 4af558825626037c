"""docs/rules/<CODE>.md from the rules' docstrings: one source for the docs, `goconc rule`
and SARIF help. Regenerate with `python -m goconc.cli.docgen`; a test checks they match."""

from __future__ import annotations

import sys
from pathlib import Path

from goconc.analyzer.diagnostics import RuleMeta


def rule_markdown(meta: RuleMeta) -> str:
    fix = meta.fix.value if meta.fix else "none"
    tags = ", ".join(meta.tags)
    return (
        f"# {meta.code} `{meta.name}`\n\n"
        f"{meta.summary}\n\n"
        f"Level: **{meta.severity.value}** · Fix: **{fix}** · Precision: {meta.precision}"
        f" · Tier: {_tier(meta)} · Tags: {tags}\n\n"
        f"{_tier_note(meta)}"
        f"{meta.docs.strip()}\n"
    )


def _tier(meta: RuleMeta) -> str:
    return "opt-in" if meta.preview else "default"


def _tier_note(meta: RuleMeta) -> str:
    if not meta.preview:
        return ""
    return (
        f"> This rule is in the **opt-in tier**: its measured precision on real repositories is "
        f"below the default tier's bar (see [precision](../precision.md)). Enable it with "
        f"`--select {meta.code}`, or with `--preview` (or `preview = true` in the "
        f"configuration) for every opt-in rule a selection names.\n\n"
    )


def index_markdown(metas: tuple[RuleMeta, ...]) -> str:
    rows = "\n".join(
        f"| [{m.code}]({m.code}.md) | `{m.name}` | {m.severity.value} | {_tier(m)} | {m.summary} |"
        for m in metas
    )
    return (
        "# Rules\n\nRules of the default tier run unless deselected; opt-in rules run when "
        "selected by code or with `--preview` ([why](../precision.md)).\n\n"
        f"| code | name | level | tier | summary |\n|---|---|---|---|---|\n{rows}\n"
    )


def generate(folder: Path) -> dict[Path, str]:
    from goconc.engine.registry import all_metas

    metas = all_metas()
    pages = {folder / f"{m.code}.md": rule_markdown(m) for m in metas}
    pages[folder / "README.md"] = index_markdown(metas)
    return pages


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules")
    folder.mkdir(parents=True, exist_ok=True)
    for path, text in generate(folder).items():
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
