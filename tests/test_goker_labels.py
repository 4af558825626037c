"""benchmarks/goker: the labelled GoKer kernels are well-formed and still match gobench."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "goker" / "goker.py"
PROJECTS = {"cockroach", "etcd", "grpc", "hugo", "istio", "kubernetes", "moby", "serving"}
PROJECTS |= {"syncthing"}


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("goker_benchmark", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


goker = _load()


def test_labels_cover_the_68_blocking_kernels() -> None:
    labels = goker.load_labels()
    assert re.fullmatch(r"[0-9a-f]{40}", labels.commit)
    assert len(labels.kernels) == 68
    assert {k.project for k in labels.kernels} == PROJECTS
    for kernel in labels.kernels:
        project, number = kernel.id.split("/")
        assert kernel.file == f"{project}{number}_test.go", kernel.id
        assert kernel.mechanism.strip() and all(s.note.strip() for s in kernel.sites)
        assert 1 <= len(kernel.sites) <= 6, kernel.id
        assert any(s.role == "hang" for s in kernel.sites), f"{kernel.id}: no hang site"


def test_labels_match_the_pinned_kernels(tmp_path: Path) -> None:
    labels = goker.load_labels()
    if os.environ.get("GOCONC_GOBENCH"):
        kernels_dir = Path(os.environ["GOCONC_GOBENCH"]) / labels.root
    elif os.environ.get("GOCONC_GOBENCH_GIT"):
        git_dir = Path(os.environ["GOCONC_GOBENCH_GIT"])
        try:
            kernels_dir = goker.extract(git_dir, labels.commit, labels.root, tmp_path)
        except subprocess.CalledProcessError as err:
            pytest.fail(f"cannot extract {labels.commit} from {git_dir}: {err.stderr!r}")
    else:
        pytest.skip(
            "no gobench: set GOCONC_GOBENCH to a checkout of timmyyuan/gobench or "
            "GOCONC_GOBENCH_GIT to its git directory to check the labelled lines' hashes"
        )
    assert goker.verify(labels, kernels_dir) == []


def test_verify_reports_a_changed_line(tmp_path: Path) -> None:
    kernel_dir = tmp_path / "demo" / "1"
    kernel_dir.mkdir(parents=True)
    (kernel_dir / "demo1_test.go").write_text("package demo\n\nfunc f() {\n\tmu.Lock()\n}\n")
    labels_file = tmp_path / "labels.toml"
    sha = goker.line_hash("  mu.Lock()   ")  # whitespace is squeezed before hashing
    labels_file.write_text(
        '[gobench]\nrepository = "x/y"\ncommit = "c"\nroot = "r"\n'
        '[kernels."demo/1"]\nfile = "demo1_test.go"\nmechanism = "m"\n'
        f'sites = [{{ line = 4, sha = "{sha}", role = "hang", note = "n" }},'
        f' {{ line = 9, sha = "{sha}", role = "cause", note = "n" }}]\n'
    )
    problems = goker.verify(goker.load_labels(labels_file), tmp_path)
    assert problems == ["demo/1:9: past the end of demo1_test.go"]
    (kernel_dir / "demo1_test.go").write_text("package demo\n\nfunc f() {\n\tmu.RLock()\n}\n")
    problems = goker.verify(goker.load_labels(labels_file), tmp_path)
    assert len(problems) == 2 and "no longer matches" in problems[0]


@pytest.mark.parametrize(
    "site",
    [
        '{ line = 0, sha = "0123456789abcdef", role = "hang", note = "n" }',
        '{ line = 3, sha = "0123", role = "hang", note = "n" }',
        '{ line = 3, sha = "0123456789abcdef", role = "blocks", note = "n" }',
        '{ line = true, sha = "0123456789abcdef", role = "hang", note = "n" }',
        '{ line = 3, sha = "0123456789abcdef", role = "hang" }',
    ],
)
def test_malformed_sites_are_rejected(tmp_path: Path, site: str) -> None:
    labels_file = tmp_path / "labels.toml"
    labels_file.write_text(
        '[gobench]\nrepository = "x/y"\ncommit = "c"\nroot = "r"\n'
        f'[kernels."demo/1"]\nfile = "f.go"\nmechanism = "m"\nsites = [{site}]\n'
    )
    with pytest.raises(goker.LabelError):
        goker.load_labels(labels_file)


def test_findings_are_sorted_into_located_elsewhere_and_missed(tmp_path: Path) -> None:
    labels_file = tmp_path / "labels.toml"
    labels_file.write_text(
        '[gobench]\nrepository = "x/y"\ncommit = "c"\nroot = "r"\n'
        + "".join(
            f'[kernels."p/{n}"]\nfile = "p{n}_test.go"\nmechanism = "m"\n'
            f'sites = [{{ line = 7, sha = "0123456789abcdef", role = "hang", note = "n" }}]\n'
            for n in (1, 2, 3)
        )
    )
    labels = goker.load_labels(labels_file)
    base = tmp_path / "kernels"
    report = {
        "findings": [
            {"path": str(base / "p/1/p1_test.go"), "line": 7, "code": "MU001", "message": "a"},
            {"path": str(base / "p/1/p1_test.go"), "line": 9, "code": "CH002", "message": "b"},
            {"path": str(base / "p/2/p2_test.go"), "line": 8, "code": "MU003", "message": "c"},
            {"path": str(tmp_path / "other.go"), "line": 7, "code": "MU001", "message": "d"},
        ]
    }
    outcomes = goker.classify(labels, goker.attribute(report, base))
    assert [(o.kernel.id, o.verdict) for o in outcomes] == [
        ("p/1", "located"),
        ("p/2", "elsewhere"),
        ("p/3", "missed"),
    ]
    assert [f.code for f in outcomes[0].at_bug] == ["MU001"]
    assert [f.code for f in outcomes[0].elsewhere] == ["CH002"]
    text = goker.render(labels, outcomes, ["python", "-m", "goconc", "check", "dir"])
    assert "located at the bug: 1/3" in text
    assert "on unlabelled lines 2 (potential false alarms)" in text
    assert "  p (1): 3" in text
