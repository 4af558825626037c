"""The layers of docs/architecture.md hold: `lint-imports` checks the contracts of
pyproject.toml (layers, no cycles, the analysis never imports the application, rules never
import each other), and the layers contract names every package under goconc/."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def test_import_contracts_are_kept() -> None:
    # The script next to this interpreter: the one the test extra installed.
    lint = Path(sys.executable).parent / "lint-imports"
    assert lint.exists(), "import-linter is missing: pip install -e '.[test]'"
    done = subprocess.run(
        [str(lint), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    kept = [c["name"] for c in _contracts()]
    assert f"Contracts: {len(kept)} kept, 0 broken." in done.stdout


def test_every_package_is_in_a_layer() -> None:
    (layers,) = [c["layers"] for c in _contracts() if c["type"] == "layers"]
    packages = {f"goconc.{p.parent.name}" for p in (ROOT / "goconc").glob("*/__init__.py")}
    assert isinstance(layers, list) and set(layers) == packages
