"""action.yml, the composite GitHub Action: inputs, steps and outputs refer to each other
correctly, inputs never reach a script's text, and the goconc step's script really runs."""

from __future__ import annotations

import json
import os
import re
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
    found = [s for s in _steps(action) if s.get("id") == "goconc"]
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
            assert step.get("shell") in ("bash", "python"), step.get("name")  # composite: needed


def test_steps_refer_to_each_other(action: dict[str, Any]) -> None:
    setup = _step(action, "actions/setup-python")
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    steps = _steps(action)
    assert steps.index(setup) == 0  # goconc is installed into that Python
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert "$GITHUB_ACTION_PATH" in install["run"]  # the action's own checkout of goconc
    check = _goconc_step(action)
    assert steps.index(install) < steps.index(check)
    assert check["env"] == {
        "GOCONC_PATHS": "${{ inputs.paths }}",
        "GOCONC_ARGS": "${{ inputs.args }}",
    }
    sarif = "goconc.sarif"  # what the step writes: test_the_goconc_step_runs runs it
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


def _run_step(action: dict[str, Any], cwd: Path, args: str, paths: str) -> tuple[int, str]:
    """The goconc step's script as the runner runs a `shell: python` step: `python FILE`."""
    check = _goconc_step(action)
    assert check["shell"] == "python"
    script = cwd / "step.py"
    script.write_text(check["run"])
    env = {
        **os.environ,
        "GOCONC_ARGS": args,
        "GOCONC_PATHS": paths,
        "GITHUB_OUTPUT": str(cwd / "github_output"),
    }
    done = subprocess.run(
        [sys.executable, str(script)], cwd=cwd, env=env, capture_output=True, text=True
    )
    script.unlink()
    return done.returncode, done.stderr


def _sarif_paths(cwd: Path) -> list[str]:
    log = json.loads((cwd / "goconc.sarif").read_text())
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"WG001"}
    return sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results)


def test_the_goconc_step_runs(action: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "go.mod").write_text("module demo\n\ngo 1.24\n")
    source = (
        'package demo\n\nimport "sync"\n\nfunc run(n int) {\n\tvar wg sync.WaitGroup\n'
        "\tfor i := 0; i < n; i++ {\n\t\tgo func() {\n\t\t\twg.Add(1)\n\t\t\tdefer wg.Done()\n"
        "\t\t}()\n\t}\n\twg.Wait()\n}\n"
    )
    for name in ("pkg/a.go", "gen/b.go", "genx.go", "dir with space/c.go", "keep/d.go"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(source)
    # Split as a shell splits words: the quotes group "dir with space/" and are removed (kept,
    # they would exclude nothing); `gen*` reaches goconc unexpanded, as an exclude glob (a
    # shell would have expanded it to `gen genx.go`, and genx.go would be analysed).
    code, err = _run_step(
        action, tmp_path, "--no-cache --exclude gen* --exclude 'dir with space/'", "./..."
    )
    assert code == 0, err  # --exit-zero: findings do not fail the step
    assert _sarif_paths(tmp_path) == ["keep/d.go", "pkg/a.go"]
    assert (tmp_path / "github_output").read_text() == "sarif-file=goconc.sarif\n"
    # Several paths, one of them quoted.
    code, err = _run_step(action, tmp_path, "--no-cache", 'pkg "dir with space"')
    assert code == 0, err
    assert _sarif_paths(tmp_path) == ["dir%20with%20space/c.go", "pkg/a.go"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("--exclude 'unterminated", "cannot split the args or paths input"),
        ("--frobnicate", "--frobnicate"),  # goconc's usage error fails the step
    ],
)
def test_the_goconc_step_fails_on_bad_args(
    action: dict[str, Any], tmp_path: Path, args: str, message: str
) -> None:
    (tmp_path / "a.go").write_text("package demo\n")
    code, err = _run_step(action, tmp_path, args, "./...")
    assert code == 2 and message in err, err
    assert not (tmp_path / "github_output").exists()
