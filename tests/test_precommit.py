"""The pre-commit hook for real: pre-commit installs goconc from a clone of this working tree
into its own virtualenv (pip, from PyPI for tree-sitter and the rest) and runs it on staged
files of a scratch repository.

It needs git, pre-commit (in the ``test`` extra) and network access to PyPI. It takes about
20-40 s, nearly all of it pip installing goconc's dependencies into pre-commit's environment,
which is made once per test session. ``GOCONC_SKIP_PRECOMMIT=1`` skips it (offline runs).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("pre_commit", reason="pre-commit is in the test extra")
pytestmark = [
    pytest.mark.skipif(shutil.which("git") is None, reason="needs git"),
    pytest.mark.skipif(
        os.environ.get("GOCONC_SKIP_PRECOMMIT") == "1", reason="GOCONC_SKIP_PRECOMMIT=1"
    ),
]

ROOT = Path(__file__).resolve().parents[1]
# Build and tool leftovers are not part of the source; .git is never copied or touched.
_NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    "__pycache__",
    "*.egg-info",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "build",
    "dist",
    ".venv*",
)

BUG = """package demo

import "sync"

func run(items []int, use func(int)) {
	var wg sync.WaitGroup
	for _, it := range items {
		go func() {
			wg.Add(1)
			defer wg.Done()
			use(it)
		}()
	}
	wg.Wait()
}
"""

CLEAN = BUG.replace("\t\tgo func() {\n\t\t\twg.Add(1)\n", "\t\twg.Add(1)\n\t\tgo func() {\n")


def _env(home: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "goconc tests",
        "GIT_AUTHOR_EMAIL": "tests@goconc.invalid",
        "GIT_COMMITTER_NAME": "goconc tests",
        "GIT_COMMITTER_EMAIL": "tests@goconc.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull,  # no user hooks, signing or templates
        "GIT_CONFIG_NOSYSTEM": "1",
        "PRE_COMMIT_HOME": str(home),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "VIRTUAL_ENV"):
        env.pop(name, None)  # set when the suite itself runs inside a git hook or a venv
    return env


def _git(env: dict[str, str], cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, dict[str, str]]]:
    """A committed copy of the working tree (pre-commit needs a rev), and pre-commit's home."""
    base = tmp_path_factory.mktemp("precommit")
    env = _env(base / "home")
    clone = base / "goconc"
    shutil.copytree(ROOT, clone, ignore=_NOT_SOURCE, symlinks=True)
    _git(env, clone, "init", "-q")
    _git(env, clone, "add", "-A")
    _git(env, clone, "commit", "-q", "--no-verify", "-m", "snapshot for the pre-commit test")
    yield clone, _git(env, clone, "rev-parse", "HEAD"), env


def _project(tmp_path: Path, clone: Path, rev: str, env: dict[str, str]) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    _git(env, project, "init", "-q")
    (project / "go.mod").write_text("module demo\n\ngo 1.24\n")
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {clone}\n    rev: {rev}\n    hooks:\n      - id: goconc\n"
    )
    _git(env, project, "add", "go.mod", ".pre-commit-config.yaml")
    return project


def _run(project: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # `pre-commit run` checks the staged files, as `git commit` would.
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--color", "never"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_staged_bug_fails_the_hook(hooks: tuple[Path, str, dict[str, str]], tmp_path: Path) -> None:
    clone, rev, env = hooks
    project = _project(tmp_path, clone, rev, env)
    (project / "worker").mkdir()
    (project / "worker" / "pool.go").write_text(BUG)
    _git(env, project, "add", "worker/pool.go")
    done = _run(project, env)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Failed" in output
    assert "- exit code: 1" in output  # findings, not a crash (that would be 2)
    # Text output, paths as pre-commit passed them (relative to the repository root).
    assert "worker/pool.go:9:4: WG001 wg.Add is called inside the goroutine" in output
    # The hook wrote nothing: no report file, no modified source.
    assert _git(env, project, "status", "--porcelain", "--untracked-files=all") == "\n".join(
        ["A  .pre-commit-config.yaml", "A  go.mod", "A  worker/pool.go"]
    )


def test_clean_code_passes_and_unstaged_bugs_are_not_checked(
    hooks: tuple[Path, str, dict[str, str]], tmp_path: Path
) -> None:
    clone, rev, env = hooks
    project = _project(tmp_path, clone, rev, env)
    (project / "worker").mkdir()
    (project / "worker" / "pool.go").write_text(CLEAN)
    _git(env, project, "add", "worker/pool.go")
    (project / "scratch").mkdir()
    (project / "scratch" / "wip.go").write_text(BUG)  # untracked: not part of the commit
    done = _run(project, env)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Passed" in output and "WG001" not in output
