"""action.yml, the composite GitHub Action: inputs, steps and outputs refer to each other
correctly, inputs never reach a script's text, and the goconc step's script really runs."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML is in the test extra")

ROOT = Path(__file__).resolve().parents[1]
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
INPUT_REF = re.compile(r"\binputs\.([A-Za-z0-9_-]+)")


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    with open(ROOT / "action.yml", encoding="utf-8") as fh:
        loaded = yaml.safe_load(fh)
    assert isinstance(loaded, dict)
    return loaded


def _steps(action: dict[str, Any]) -> list[dict[str, Any]]:
    steps = action["runs"]["steps"]
    assert isinstance(steps, list)
    return steps


def _step(action: dict[str, Any], uses: str) -> dict[str, Any]:
    found = [s for s in _steps(action) if str(s.get("uses", "")).startswith(uses + "@")]
    assert len(found) == 1, uses
    return found[0]


def _goconc_step(action: dict[str, Any]) -> dict[str, Any]:
    found = [s for s in _steps(action) if "goconc check" in s.get("run", "")]
    assert len(found) == 1
    return found[0]


def _input_refs(value: Any) -> set[str]:
    """Inputs named in ${{ }} expressions and in `if:` conditions (implicitly expressions)."""
    text = json.dumps(value)
    refs = {m for e in EXPRESSION.findall(text) for m in INPUT_REF.findall(e)}
    return refs


def test_metadata(action: dict[str, Any]) -> None:
    assert action["name"] and action["description"]
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"paths", "args", "python-version", "upload", "category"}
    for name, spec in action["inputs"].items():
        assert spec.get("description"), name
        assert isinstance(spec.get("default"), str), name  # inputs are strings
    assert action["inputs"]["upload"]["default"] == "true"


def test_every_input_is_used_and_every_use_is_declared(action: dict[str, Any]) -> None:
    used = _input_refs(action["runs"]) | {
        m for s in _steps(action) for m in INPUT_REF.findall(str(s.get("if", "")))
    }
    assert used == set(action["inputs"])


def test_inputs_never_reach_a_script_text(action: dict[str, Any]) -> None:
    # Interpolating an input into `run:` lets its value inject shell code; use env instead.
    for step in _steps(action):
        if "run" in step:
            assert not EXPRESSION.search(step["run"]), step.get("name")
            assert step.get("shell") == "bash", step.get("name")  # composite steps need one


def test_steps_refer_to_each_other(action: dict[str, Any]) -> None:
    setup = _step(action, "actions/setup-python")
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    steps = _steps(action)
    assert steps.index(setup) == 0  # goconc is installed into that Python
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert "$GITHUB_ACTION_PATH" in install["run"]  # the action's own checkout of goconc
    check = _goconc_step(action)
    assert steps.index(install) < steps.index(check)
    command = next(line for line in check["run"].splitlines() if "goconc check" in line)
    words = shlex.split(command)
    assert words[words.index("--format") + 1] == "sarif"
    assert "--exit-zero" in words  # findings are alerts, not a failed step
    sarif = words[words.index("--output") + 1]
    assert "$GOCONC_PATHS" in words and "$GOCONC_ARGS" in words
    assert check["env"] == {
        "GOCONC_PATHS": "${{ inputs.paths }}",
        "GOCONC_ARGS": "${{ inputs.args }}",
    }
    upload = _step(action, "github/codeql-action/upload-sarif")
    assert steps.index(check) < steps.index(upload)
    assert upload["with"]["sarif_file"] == sarif
    assert upload["with"]["category"] == "${{ inputs.category }}"
    assert INPUT_REF.findall(upload["if"]) == ["upload"] and "'true'" in upload["if"]
    # The output names the file the step wrote, through the step's id.
    output = action["outputs"]["sarif-file"]["value"]
    step_id, name = re.fullmatch(r"\$\{\{ steps\.(\S+)\.outputs\.(\S+) \}\}", output).groups()  # type: ignore[union-attr]
    assert check["id"] == step_id
    assert f"{name}={sarif}" in check["run"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_goconc_step_runs(action: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "go.mod").write_text("module demo\n\ngo 1.24\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.go").write_text(
        'package demo\n\nimport "sync"\n\nfunc run(n int) {\n\tvar wg sync.WaitGroup\n'
        "\tfor i := 0; i < n; i++ {\n\t\tgo func() {\n\t\t\twg.Add(1)\n\t\t\tdefer wg.Done()\n"
        "\t\t}()\n\t}\n\twg.Wait()\n}\n"
    )
    # Expanded by the shell, `--exclude gen*` would become `--exclude gen genx.go`: genx.go
    # would then be analysed as a named path instead of excluded.
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "b.go").write_text((tmp_path / "pkg" / "a.go").read_text())
    (tmp_path / "genx.go").write_text((tmp_path / "pkg" / "a.go").read_text())
    check = _goconc_step(action)
    out = tmp_path / "github_output"
    env = {
        **os.environ,
        "GOCONC_ARGS": "--no-cache --exclude gen*",
        "GOCONC_PATHS": "./...",
        "GITHUB_OUTPUT": str(out),
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
    }
    done = subprocess.run(
        ["bash", "-e", "-c", check["run"]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr  # --exit-zero: findings do not fail the step
    log = json.loads((tmp_path / "goconc.sarif").read_text())
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["WG001"]
    uri = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "pkg/a.go"
    assert out.read_text() == "sarif-file=goconc.sarif\n"
