"""GoKer recall: how many of GoKer's 68 blocking bugs goconc locates at the bug.

    python benchmarks/goker/goker.py --gobench DIR      # a checkout of timmyyuan/gobench
    python benchmarks/goker/goker.py --git-dir GITDIR   # its git directory: the pinned commit is
                                                        # extracted into a temporary folder
    ... [--json] [--labels FILE] [--default-tier]

The kernels (``gobench/goker/blocking/<project>/<id>/``) are analysed in one run of
``python -m goconc check DIR --format json --no-cache --select ALL`` (plus ``--preview`` when
the CLI has it): both tiers; ``--default-tier`` runs only the rules a user gets without
options. ``labels.toml``, next to this script, lists for each kernel the lines that are
"at the bug" (where goroutines hang, or the acquire/return/call that causes it), each with a
hash of its text, which is checked before anything is counted. A kernel is *located* when a
finding's primary line is one of its labelled lines, *flagged elsewhere* when it has findings
but none there, and *missed* when it has none. Findings on unlabelled lines are printed too:
they are the candidates for false alarms on the kernels.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labels.toml"
ROLES = ("hang", "cause")


class LabelError(Exception):
    """The labels file is malformed, or does not match the kernels it describes."""


def line_hash(text: str) -> str:
    """The first 16 hex digits of the SHA-256 of ``text`` with its whitespace squeezed."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Site:
    line: int
    sha: str
    role: str  # "hang" or "cause"
    note: str


@dataclass(frozen=True)
class Kernel:
    id: str  # project/number
    file: str  # the kernel's Go file, in its folder
    mechanism: str
    sites: tuple[Site, ...]

    @property
    def project(self) -> str:
        return self.id.split("/")[0]

    @property
    def lines(self) -> frozenset[int]:
        return frozenset(site.line for site in self.sites)


@dataclass(frozen=True)
class Labels:
    repository: str
    commit: str
    root: str  # the kernels' folder in the repository
    kernels: tuple[Kernel, ...]  # in a stable order: project, then number


def _sort_key(kernel_id: str) -> tuple[str, int, str]:
    project, _, number = kernel_id.partition("/")
    return (project, int(number) if number.isdigit() else -1, number)


def _require(table: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = table.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):  # bool is an int too
        raise LabelError(f"{where}: {key!r} must be a {kind.__name__}")
    return value


def load_labels(path: Path = LABELS) -> Labels:
    """Read and check the labels file (its shape only; `verify` checks it against the code)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise LabelError(f"{path}: {err}") from err
    pin = data.get("gobench")
    tables = data.get("kernels")
    if not isinstance(pin, dict) or not isinstance(tables, dict) or not tables:
        raise LabelError(f'{path}: needs a [gobench] table and [kernels."project/id"] tables')
    kernels = []
    for kernel_id, table in tables.items():
        where = f"{path}: kernel {kernel_id}"
        if kernel_id.count("/") != 1 or not isinstance(table, dict):
            raise LabelError(f"{where}: expected a table named project/id")
        sites = []
        for entry in _require(table, "sites", list, where):
            if not isinstance(entry, dict):
                raise LabelError(f"{where}: each site is a table")
            site = Site(
                line=_require(entry, "line", int, where),
                sha=_require(entry, "sha", str, where),
                role=_require(entry, "role", str, where),
                note=_require(entry, "note", str, where),
            )
            if site.line < 1 or len(site.sha) != 16 or site.role not in ROLES:
                raise LabelError(f"{where}: bad site {entry}")
            sites.append(site)
        if not sites or len({s.line for s in sites}) != len(sites):
            raise LabelError(f"{where}: needs at least one site, each line once")
        kernels.append(
            Kernel(
                id=kernel_id,
                file=_require(table, "file", str, where),
                mechanism=_require(table, "mechanism", str, where),
                sites=tuple(sorted(sites, key=lambda s: s.line)),
            )
        )
    kernels.sort(key=lambda k: _sort_key(k.id))
    return Labels(
        repository=_require(pin, "repository", str, f"{path}: [gobench]"),
        commit=_require(pin, "commit", str, f"{path}: [gobench]"),
        root=_require(pin, "root", str, f"{path}: [gobench]"),
        kernels=tuple(kernels),
    )


def verify(labels: Labels, kernels_dir: Path) -> list[str]:
    """Problems found comparing the labels with the kernel files under ``kernels_dir``."""
    problems = []
    for kernel in labels.kernels:
        path = kernels_dir / kernel.id / kernel.file
        try:
            text = path.read_text(encoding="utf-8").splitlines()
        except OSError as err:
            problems.append(f"{kernel.id}: cannot read {path}: {err.strerror}")
            continue
        for site in kernel.sites:
            if site.line > len(text):
                problems.append(f"{kernel.id}:{site.line}: past the end of {kernel.file}")
            elif line_hash(text[site.line - 1]) != site.sha:
                problems.append(
                    f"{kernel.id}:{site.line}: the line no longer matches its hash "
                    f"(now {line_hash(text[site.line - 1])}: {text[site.line - 1].strip()!r})"
                )
    return problems


@dataclass(frozen=True, order=True)
class Finding:
    kernel: str
    line: int
    code: str
    file: str
    message: str


def goconc_command(kernels_dir: Path, default_tier: bool = False) -> list[str]:
    """The one goconc run over every kernel: every rule of both tiers (``--preview`` only if
    this goconc knows it), or with ``default_tier`` the rules a user gets without options."""
    command = [sys.executable, "-m", "goconc", "check", str(kernels_dir)]
    command += ["--format", "json", "--no-cache", "--isolated", "--exit-zero"]
    if default_tier:
        return command
    command += ["--select", "ALL"]
    usage = subprocess.run(
        [sys.executable, "-m", "goconc", "check", "--help"], capture_output=True, text=True
    ).stdout
    if "--preview" in usage:
        command.append("--preview")
    return command


def run_goconc(command: Sequence[str]) -> dict[str, Any]:
    result = subprocess.run(command, capture_output=True, text=True)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        report = None
    if result.returncode != 0 or not isinstance(report, dict):
        raise RuntimeError(f"goconc failed (exit {result.returncode}): {result.stderr.strip()}")
    return report


def attribute(report: dict[str, Any], kernels_dir: Path) -> list[Finding]:
    """The report's findings, each with the kernel (project/id) its file belongs to."""
    base = kernels_dir.resolve()
    findings = []
    for item in report.get("findings", []):
        try:
            relative = Path(item["path"]).resolve().relative_to(base)
        except ValueError:
            continue
        if len(relative.parts) < 3:
            continue
        findings.append(
            Finding(
                kernel="/".join(relative.parts[:2]),
                line=int(item["line"]),
                code=str(item["code"]),
                file="/".join(relative.parts[2:]),
                message=str(item["message"]),
            )
        )
    return sorted(findings)


@dataclass
class Outcome:
    kernel: Kernel
    at_bug: list[Finding] = field(default_factory=list)
    elsewhere: list[Finding] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.at_bug:
            return "located"
        return "elsewhere" if self.elsewhere else "missed"


def classify(labels: Labels, findings: Sequence[Finding]) -> list[Outcome]:
    outcomes = {k.id: Outcome(k) for k in labels.kernels}
    for finding in findings:
        outcome = outcomes.get(finding.kernel)
        if outcome is None:
            continue
        on_site = finding.file == outcome.kernel.file and finding.line in outcome.kernel.lines
        (outcome.at_bug if on_site else outcome.elsewhere).append(finding)
    return list(outcomes.values())


def _brief(findings: Sequence[Finding]) -> str:
    return " ".join(f"{f.code}:{f.line}" for f in findings)


def render(labels: Labels, outcomes: Sequence[Outcome], command: Sequence[str]) -> str:
    total = len(outcomes)
    by_verdict: dict[str, list[Outcome]] = collections.defaultdict(list)
    for outcome in outcomes:
        by_verdict[outcome.verdict].append(outcome)
    # the kernels' folder by its place in gobench, so that the output does not name a temp dir
    shown = ["python -m goconc", command[3], labels.root, *command[5:]]
    out = [
        f"GoKer blocking kernels: {labels.repository}@{labels.commit[:12]}, {total} kernels",
        f"goconc: {' '.join(shown)}",
        "",
    ]
    width = max(len(o.kernel.id) for o in outcomes)
    for outcome in outcomes:
        line = f"{outcome.verdict:<10} {outcome.kernel.id:<{width}}"
        if outcome.at_bug:
            line += f"  at the bug: {_brief(outcome.at_bug)}"
        if outcome.elsewhere:
            line += f"  elsewhere: {_brief(outcome.elsewhere)}"
        out.append(line.rstrip())
    stray = [f for o in outcomes for f in o.elsewhere]
    located = len(by_verdict["located"])
    elsewhere = by_verdict["elsewhere"]
    out += [
        "",
        f"located at the bug: {located}/{total}",
        f"flagged elsewhere:  {len(elsewhere)}"
        + (f"  ({', '.join(o.kernel.id for o in elsewhere)})" if elsewhere else ""),
        f"missed:             {len(by_verdict['missed'])}",
        f"findings: {sum(len(o.at_bug) + len(o.elsewhere) for o in outcomes)}, "
        f"on labelled lines {sum(len(o.at_bug) for o in outcomes)}, "
        f"on unlabelled lines {len(stray)} (potential false alarms)",
    ]
    missed: dict[str, list[str]] = collections.defaultdict(list)
    for outcome in by_verdict["missed"]:
        missed[outcome.kernel.project].append(outcome.kernel.id.split("/")[1])
    if missed:
        out += ["", "missed, by project:"]
        out += [f"  {p} ({len(ids)}): {' '.join(ids)}" for p, ids in sorted(missed.items())]
    if stray:
        out += ["", "findings on unlabelled lines:"]
        out += [f"  {f.kernel}:{f.line} {f.code} {f.message}" for f in stray]
    return "\n".join(out)


def as_json(labels: Labels, outcomes: Sequence[Outcome]) -> str:
    def finding(f: Finding) -> dict[str, Any]:
        return {"line": f.line, "code": f.code, "file": f.file, "message": f.message}

    return json.dumps(
        {
            "commit": labels.commit,
            "located": sum(o.verdict == "located" for o in outcomes),
            "total": len(outcomes),
            "kernels": [
                {
                    "kernel": o.kernel.id,
                    "verdict": o.verdict,
                    "at_bug": [finding(f) for f in o.at_bug],
                    "elsewhere": [finding(f) for f in o.elsewhere],
                }
                for o in outcomes
            ],
        },
        indent=2,
    )


def extract(git_dir: Path, commit: str, root: str, dest: Path) -> Path:
    """Write ``root`` at ``commit`` of ``git_dir`` under ``dest``; return the extracted root."""
    archive = subprocess.run(
        ["git", "--git-dir", str(git_dir), "archive", "--format=tar", commit, root],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return dest / root


def measure(labels: Labels, kernels_dir: Path, emit_json: bool, default_tier: bool = False) -> int:
    if not kernels_dir.is_dir():
        print(f"no GoKer kernels at {kernels_dir}: is this a gobench checkout?", file=sys.stderr)
        return 2
    problems = verify(labels, kernels_dir)
    if problems:
        print(f"the labels do not match the kernels under {kernels_dir}:", file=sys.stderr)
        print("\n".join(f"  {p}" for p in problems), file=sys.stderr)
        return 2
    command = goconc_command(kernels_dir, default_tier)
    try:
        report = run_goconc(command)
    except RuntimeError as err:
        print(err, file=sys.stderr)
        return 2
    for note in report.get("notifications", []):
        print(f"goconc: {note}", file=sys.stderr)
    outcomes = classify(labels, attribute(report, kernels_dir))
    print(as_json(labels, outcomes) if emit_json else render(labels, outcomes, command))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--gobench", type=Path, help="a gobench checkout (default $GOCONC_GOBENCH)")
    source.add_argument("--git-dir", type=Path, help="a gobench git directory")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    parser.add_argument(
        "--default-tier", action="store_true", help="only the rules on by default (no --preview)"
    )
    args = parser.parse_args(argv)
    try:
        labels = load_labels(args.labels)
    except LabelError as err:
        print(err, file=sys.stderr)
        return 2
    if args.git_dir is not None:
        with tempfile.TemporaryDirectory(prefix="goker-") as tmp:
            try:
                kernels_dir = extract(args.git_dir, labels.commit, labels.root, Path(tmp))
            except subprocess.CalledProcessError as err:
                print(f"git archive failed: {err.stderr.decode().strip()}", file=sys.stderr)
                return 2
            return measure(labels, kernels_dir, args.json, args.default_tier)
    checkout = args.gobench or os.environ.get("GOCONC_GOBENCH")
    if not checkout:
        parser.error("give --gobench DIR or --git-dir GITDIR (or set $GOCONC_GOBENCH)")
    return measure(labels, Path(checkout) / labels.root, args.json, args.default_tier)


if __name__ == "__main__":
    sys.exit(main())
