"""The ecosystem check: goconc over pinned public repositories, against our verdicts.

    python benchmarks/ecosystem/ecosystem.py checkout [--mirror DIR]   # fetch what is missing
    python benchmarks/ecosystem/ecosystem.py run [--repo NAME] [--record]
    python benchmarks/ecosystem/ecosystem.py list unjudged|false|noise|true|new|all
        [--repo NAME] [--rule CODE] [--json]
    python benchmarks/ecosystem/ecosystem.py judged ../shared/ecosystem/judged-findings.json

`run` analyses every checkout present under the ecosystem root (``--root``, default
``$GOCONC_ECOSYSTEM_ROOT``, else ``benchmarks/ecosystem/checkouts``; one folder per repository,
named as in ``manifest.toml``) as a new user would (``goconc check ./...``, every rule of both
tiers selected), then prints, per rule: findings, judged, true, false, noise, precision
T/(T+F), the noise share of the judged, and the findings not yet judged; and what changed since
the last recorded run (``last-run.jsonl``): findings that are new and findings that vanished,
with their verdicts. ``--record`` makes this run the recorded one. ``list`` prints findings of
the last run (from the results folder, without analysing again) for judging. ``judged`` says
where findings judged elsewhere stand in the last run: true ones still reported by default,
false ones gone, noise gone from the default output.

A finding is keyed so that it survives moved lines: repository, path, rule and a hash of the
flagged line's text and of the header of the function it is in (whitespace removed; the
second and later of identical lines in one function are told apart by their rank).
``verdicts.jsonl`` holds one judged finding per line:
that key, the line where it was judged (for people), ``verdict`` (true / false / noise) and a
one-line ``reason`` in our own words. No third-party code is committed: paths, hashes, line
numbers and verdicts only.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.toml"
VERDICTS = HERE / "verdicts.jsonl"
LAST_RUN = HERE / "last-run.jsonl"
VERDICT_KINDS = ("true", "false", "noise")
PRECISION_TARGET = 0.90
NOISE_LIMIT = 0.15
JUDGED_WANTED = 20


@dataclass(frozen=True)
class Repository:
    name: str  # owner/name
    commit: str
    dir: str  # folder under the root

    @classmethod
    def load_all(cls) -> list[Repository]:
        data = tomllib.loads(MANIFEST.read_text())
        return [
            cls(r["name"], r["commit"], r.get("dir", r["name"].split("/")[1]))
            for r in data["repository"]
        ]


def line_hash(lines: Sequence[str], number: int) -> str:
    """The key of line ``number`` (1-based) of a file: survives re-indentation and moves of
    the function, not edits of the line or of the function's header."""
    if not 0 < number <= len(lines):
        return "0" * 16
    text = _squeeze(lines[number - 1])
    header = ""
    for at in range(number - 1, -1, -1):  # the top-level func (gofmt: at column 0)
        if lines[at].startswith("func "):
            header = _squeeze(lines[at].split("{", 1)[0])
            break
    else:
        at = 0
    rank = sum(1 for line in lines[at : number - 1] if _squeeze(line) == text)
    key = f"{header}|{text}|{rank}" if rank else f"{header}|{text}"
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _squeeze(text: str) -> str:
    return "".join(text.split())


@dataclass(frozen=True)
class Finding:
    repo: str
    path: str  # from the repository root, POSIX
    rule: str
    line: int
    hash: str
    message: str = ""
    text: str = ""  # the flagged line, for people; never written to a committed file

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.repo, self.path, self.rule, self.hash)


@dataclass(frozen=True)
class Verdict:
    repo: str
    path: str
    rule: str
    hash: str
    line: int
    verdict: str
    reason: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.repo, self.path, self.rule, self.hash)


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError as err:
                sys.exit(f"{path}:{number}: {err}")


def load_verdicts(path: Path = VERDICTS) -> dict[tuple[str, str, str, str], Verdict]:
    verdicts: dict[tuple[str, str, str, str], Verdict] = {}
    for raw in read_jsonl(path):
        v = Verdict(
            str(raw["repo"]),
            str(raw["path"]),
            str(raw["rule"]),
            str(raw["hash"]),
            int(raw.get("line", 0)),
            str(raw["verdict"]),
            str(raw.get("reason", "")),
        )
        if v.verdict not in VERDICT_KINDS:
            sys.exit(f"{path}: {v.key}: verdict must be one of {VERDICT_KINDS}, not {v.verdict!r}")
        verdicts[v.key] = v  # a later line overrides an earlier one
    return verdicts


def root_dir(arg: str | None) -> Path:
    return Path(arg or os.environ.get("GOCONC_ECOSYSTEM_ROOT") or HERE / "checkouts").resolve()


_RESULTS: Path | None = None  # --results


def results_dir(root: Path) -> Path:
    """Where each run leaves goconc's JSON report per repository, for `list`."""
    return _RESULTS or root / ".goconc-results"


# -- running goconc --------------------------------------------------------------------------


def analyse(repo: Repository, root: Path, jobs: int, extra: list[str]) -> list[Finding]:
    checkout = root / repo.dir
    command = [
        sys.executable, "-m", "goconc", "check", "./...", "--format", "json", "--exit-zero",
        "--no-cache", "--jobs", str(jobs), "--isolated", "--select", "ALL", *extra,
    ]  # fmt: skip
    done = subprocess.run(command, cwd=checkout, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        sys.exit(f"goconc failed on {repo.name} (exit {done.returncode})")
    out = results_dir(root)
    out.mkdir(exist_ok=True)
    (out / f"{repo.dir}.json").write_text(done.stdout)
    return findings_of(repo, checkout, json.loads(done.stdout))


def _selection_arguments() -> list[str]:
    """Every rule of both tiers, where this goconc has an opt-in tier."""
    probe = subprocess.run(
        [sys.executable, "-m", "goconc", "check", "--help"], capture_output=True, text=True
    )
    return ["--preview"] if "--preview" in probe.stdout else []


def findings_of(repo: Repository, checkout: Path, report: dict[str, Any]) -> list[Finding]:
    found = []
    lines_of: dict[str, list[str]] = {}
    for item in report["findings"]:
        path = str(item["path"])
        if path not in lines_of:
            data = (checkout / path).read_bytes().decode("utf-8", "replace")
            lines_of[path] = data.split("\n")
        lines = lines_of[path]
        number = int(item["line"])
        text = lines[number - 1].strip() if 0 < number <= len(lines) else ""
        found.append(
            Finding(
                repo.name,
                path,
                item["code"],
                number,
                line_hash(lines, number),
                item["message"],
                text,
            )
        )
    return found


def load_results(repos: Iterable[Repository], root: Path) -> dict[str, list[Finding]]:
    found = {}
    for repo in repos:
        stored = results_dir(root) / f"{repo.dir}.json"
        if stored.exists():
            found[repo.name] = findings_of(repo, root / repo.dir, json.loads(stored.read_text()))
    return found


def load_last_run() -> dict[tuple[str, str, str, str], Finding]:
    last = {}
    for raw in read_jsonl(LAST_RUN):
        f = Finding(
            str(raw["repo"]),
            str(raw["path"]),
            str(raw["rule"]),
            int(raw["line"]),
            str(raw["hash"]),
        )
        last[f.key] = f
    return last


def record(found: dict[str, list[Finding]]) -> None:
    rows = sorted(
        (f for fs in found.values() for f in fs), key=lambda f: (f.repo, f.path, f.line, f.rule)
    )
    with LAST_RUN.open("w") as out:
        for f in rows:
            out.write(
                json.dumps(
                    {"repo": f.repo, "path": f.path, "rule": f.rule, "line": f.line, "hash": f.hash}
                )
                + "\n"
            )


# -- the table -------------------------------------------------------------------------------


def rule_tiers() -> dict[str, str]:
    """{code: "default" | "opt-in"}, from `goconc rules --format json`."""
    done = subprocess.run(
        [sys.executable, "-m", "goconc", "rules", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    tiers = {}
    for rule in json.loads(done.stdout):
        tiers[rule["code"]] = (
            "opt-in" if rule.get("preview") or rule.get("tier") == "opt-in" else "default"
        )
    return tiers


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def measure(
    findings: Iterable[Finding], verdicts: dict[tuple[str, str, str, str], Verdict]
) -> dict[str, collections.Counter[str]]:
    """{rule: Counter of findings, true, false, noise, unjudged}."""
    per_rule: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for f in findings:
        count = per_rule[f.rule]
        count["findings"] += 1
        v = verdicts.get(f.key)
        count[v.verdict if v else "unjudged"] += 1
    return per_rule


def precision_class(true: int, false: int) -> str:
    """SARIF's precision levels, from a measured T/(T+F)."""
    share = true / (true + false) if true + false else 1.0
    return (
        "very-high" if share >= 0.95 else "high" if share >= 0.90 else "medium" if share >= 0.75
        else "low"
    )  # fmt: skip


def table(
    found: dict[str, list[Finding]], verdicts: dict[tuple[str, str, str, str], Verdict]
) -> str:
    tiers = rule_tiers()
    per_rule = measure((f for fs in found.values() for f in fs), verdicts)
    head = (
        "rule",
        "tier",
        "findings",
        "judged",
        "true",
        "false",
        "noise",
        "precision",
        "noise%",
        "unjudged",
        "meets",
    )
    rows = [head]
    totals: collections.Counter[str] = collections.Counter()
    for rule in sorted(set(per_rule) | {c for c in tiers if not c.startswith("GC")}):
        c = per_rule[rule]
        judged = c["true"] + c["false"] + c["noise"]
        totals.update(c)
        prec = c["true"] / (c["true"] + c["false"]) if c["true"] + c["false"] else None
        noise = c["noise"] / judged if judged else None
        meets = (
            "-" if not c["findings"]
            else "yes" if (prec is None or prec >= PRECISION_TARGET) and (noise or 0) <= NOISE_LIMIT
            and (judged >= min(JUDGED_WANTED, c["findings"]))
            else "NO"
        )  # fmt: skip
        rows.append(
            (rule, tiers.get(rule, "?"), str(c["findings"]), str(judged), str(c["true"]),
             str(c["false"]), str(c["noise"]), _pct(c["true"], c["true"] + c["false"]),
             _pct(c["noise"], judged), str(c["unjudged"]), meets)
        )  # fmt: skip
    judged = totals["true"] + totals["false"] + totals["noise"]
    rows.append(
        ("all", "", str(totals["findings"]), str(judged), str(totals["true"]), str(totals["false"]),
         str(totals["noise"]), _pct(totals["true"], totals["true"] + totals["false"]),
         _pct(totals["noise"], judged), str(totals["unjudged"]), "")
    )  # fmt: skip
    return markdown(rows)


def repo_table(
    found: dict[str, list[Finding]], verdicts: dict[tuple[str, str, str, str], Verdict]
) -> str:
    rows = [("repository", "findings", "judged", "true", "false", "noise", "precision", "unjudged")]
    for repo, fs in sorted(found.items()):
        c = collections.Counter(
            (verdicts[f.key].verdict if f.key in verdicts else "unjudged") for f in fs
        )
        judged = c["true"] + c["false"] + c["noise"]
        rows.append(
            (repo, str(len(fs)), str(judged), str(c["true"]), str(c["false"]), str(c["noise"]),
             _pct(c["true"], c["true"] + c["false"]), str(c["unjudged"]))
        )  # fmt: skip
    return markdown(rows)


def markdown(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def changes(
    found: dict[str, list[Finding]], verdicts: dict[tuple[str, str, str, str], Verdict]
) -> str:
    last = load_last_run()
    if not last:
        return "No recorded run to compare with (run with --record to make one)."
    now = {f.key: f for fs in found.values() for f in fs}
    covered = set(found)  # repositories analysed in this run
    new = [f for k, f in now.items() if k not in last]
    gone = [f for k, f in last.items() if k not in now and f.repo in covered]
    out = [f"Since the recorded run: {len(new)} new, {len(gone)} vanished."]
    for title, items in (("new", new), ("vanished", gone)):
        for f in sorted(items, key=lambda f: (f.repo, f.path, f.line)):
            v = verdicts.get(f.key)
            tag = v.verdict if v else "unjudged"
            out.append(
                f"  {title:8} {tag:8} {f.rule} {f.repo} {f.path}:{f.line} {f.message}".rstrip()
            )
    return "\n".join(out)


# -- commands --------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> None:
    root = root_dir(args.root)
    repos = [r for r in Repository.load_all() if not args.repo or args.repo in r.name]
    verdicts = load_verdicts()
    extra = _selection_arguments()
    found: dict[str, list[Finding]] = {}
    for repo in repos:
        if not (root / repo.dir).is_dir():
            print(f"skipped {repo.name}: no checkout at {root / repo.dir}", file=sys.stderr)
            continue
        found[repo.name] = analyse(repo, root, args.jobs, extra)
        print(f"analysed {repo.name}: {len(found[repo.name])} findings", file=sys.stderr)
    print(table(found, verdicts))
    print()
    print(repo_table(found, verdicts))
    print()
    print(changes(found, verdicts))
    if args.record:
        if args.repo:
            sys.exit("--record needs the whole set (no --repo)")
        record(found)
        print(f"recorded {LAST_RUN.name}")


def cmd_list(args: argparse.Namespace) -> None:
    root = root_dir(args.root)
    verdicts = load_verdicts()
    found = load_results(Repository.load_all(), root)
    last = load_last_run() if args.which == "new" else {}
    for f in sorted(
        (f for fs in found.values() for f in fs), key=lambda f: (f.repo, f.path, f.line)
    ):
        if (args.repo and args.repo not in f.repo) or (
            args.rule and not f.rule.startswith(args.rule)
        ):
            continue
        v = verdicts.get(f.key)
        state = v.verdict if v else "unjudged"
        if (args.which == "new" and f.key in last) or args.which not in ("new", "all", state):
            continue
        if args.json:
            print(json.dumps({"repo": f.repo, "path": f.path, "rule": f.rule, "line": f.line,
                              "hash": f.hash, "message": f.message, "text": f.text,
                              "verdict": state, "reason": v.reason if v else ""}))  # fmt: skip
        else:
            print(f"{state:8} {f.rule} {f.repo} {f.path}:{f.line} [{f.hash}]\n    {f.message}")
            if v:
                print(f"    reason: {v.reason}")


def cmd_judged(args: argparse.Namespace) -> None:
    """Where findings judged elsewhere (a JSON list of {repository, commit, path, line, rule,
    verdict}) stand in the last run: a true one should still be reported by default, a false
    one not at all, a noise one not by default."""
    root = root_dir(args.root)
    repos = {r.name: r for r in Repository.load_all()}
    found = load_results(repos.values(), root)
    reported = {f.key for fs in found.values() for f in fs}
    tiers = rule_tiers()
    tally: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    wrong: list[str] = []
    for item in json.loads(Path(args.file).read_text()):
        repo = repos.get(item["repository"])
        if repo is None or repo.name not in found:
            tally[item["verdict"]]["not run"] += 1
            continue
        if item.get("commit") and item["commit"] != repo.commit:
            print(f"{repo.name}: judged at {item['commit'][:12]}, pinned at {repo.commit[:12]}",
                  file=sys.stderr)  # fmt: skip
        path = root / repo.dir / item["path"]
        lines = path.read_bytes().decode("utf-8", "replace").split("\n") if path.exists() else []
        key = (repo.name, item["path"], item["rule"], line_hash(lines, int(item["line"])))
        where = ("default" if tiers.get(item["rule"]) == "default" else "opt-in") if key in (
            reported) else "gone"  # fmt: skip
        tally[item["verdict"]][where] += 1
        expected = {"true": ("default",), "false": ("gone",), "noise": ("gone", "opt-in")}
        if where not in expected[item["verdict"]]:
            wrong.append(f"{item['verdict']:5} {where:7} {item['rule']} {repo.name} "
                         f"{item['path']}:{item['line']}")  # fmt: skip
    rows = [("verdict", "judged", "reported by default", "opt-in only", "gone", "not run")]
    for verdict in ("true", "false", "noise"):
        c = tally[verdict]
        rows.append((verdict, str(sum(c.values())), str(c["default"]), str(c["opt-in"]),
                     str(c["gone"]), str(c["not run"])))  # fmt: skip
    print(markdown(rows))
    if wrong:
        print(f"\n{len(wrong)} not where their verdict wants them:")
        print("\n".join(sorted(wrong)))


def cmd_checkout(args: argparse.Namespace) -> None:
    """Bring each repository of the manifest to the root at its pinned commit.

    From a local git directory where one is found under --mirror (``owner+name/repo``, as the
    session's fetch tool leaves them; files whose blobs are absent are skipped), else by a
    shallow clone from GitHub."""
    root = root_dir(args.root)
    root.mkdir(parents=True, exist_ok=True)
    for repo in Repository.load_all():
        dest = root / repo.dir
        if dest.exists():
            continue
        owner, name = repo.name.split("/")
        mirror = Path(args.mirror) / f"{owner}+{name}" / "repo" if args.mirror else None
        if mirror and mirror.is_dir():
            written, missing = materialize(mirror, repo.commit, dest)
            print(f"{repo.name}: {written} files from {mirror}, {missing} absent")
            continue
        tmp = dest.with_name(dest.name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        url = f"https://github.com/{repo.name}.git"
        subprocess.run(["git", "init", "-q", str(tmp)], check=True)
        subprocess.run(
            ["git", "-C", str(tmp), "fetch", "-q", "--depth", "1", url, repo.commit], check=True
        )
        subprocess.run(["git", "-C", str(tmp), "checkout", "-q", "FETCH_HEAD"], check=True)
        tmp.rename(dest)
        print(f"{repo.name}: cloned at {repo.commit[:12]}")


def materialize(gitdir: Path, commit: str, dest: Path) -> tuple[int, int]:
    """Write ``commit``'s files from ``gitdir`` into ``dest``; absent blobs are skipped."""
    listing = subprocess.run(
        ["git", "--git-dir", str(gitdir), "ls-tree", "-r", "-z", commit],
        capture_output=True,
        check=True,
    ).stdout
    entries: list[tuple[bytes, str]] = []
    for record_ in listing.split(b"\0"):
        if record_:
            meta, name = record_.split(b"\t", 1)
            mode, kind, sha = meta.split()
            if kind == b"blob" and mode != b"120000":
                entries.append((sha, os.fsdecode(name)))
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    cat = subprocess.Popen(
        ["git", "--git-dir", str(gitdir), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert cat.stdin and cat.stdout
    written = missing = 0
    for sha, path in entries:
        cat.stdin.write(sha + b"\n")
        cat.stdin.flush()
        header = cat.stdout.readline().split()
        if header[1] == b"missing":
            missing += 1
            continue
        data = cat.stdout.read(int(header[2]))
        cat.stdout.read(1)
        target = tmp / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written += 1
    cat.stdin.close()
    cat.wait()
    tmp.rename(dest)
    return written, missing


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--root", help="folder of the checkouts (default: $GOCONC_ECOSYSTEM_ROOT)")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="analyse the checkouts and print the table")
    run.add_argument("--repo", help="only repositories whose name contains this")
    run.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)
    run.add_argument("--record", action="store_true", help="make this run the recorded one")
    run.set_defaults(func=cmd_run)
    listing = sub.add_parser("list", help="print findings of the last run")
    listing.add_argument("which", choices=("unjudged", "true", "false", "noise", "new", "all"))
    listing.add_argument("--repo")
    listing.add_argument("--rule", help="a code or prefix")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)
    judged = sub.add_parser("judged", help="where findings judged elsewhere stand in the last run")
    judged.add_argument(
        "file", help="a JSON list of {repository, commit, path, line, rule, verdict}"
    )
    judged.set_defaults(func=cmd_judged)
    checkout = sub.add_parser("checkout", help="bring the manifest's repositories to the root")
    checkout.add_argument("--mirror", help="a folder of owner+name/repo git directories")
    checkout.set_defaults(func=cmd_checkout)
    parser.add_argument(
        "--results", help="folder of the raw reports (default: ROOT/.goconc-results)"
    )
    args = parser.parse_args(argv)
    global _RESULTS
    _RESULTS = Path(args.results).resolve() if args.results else None
    args.func(args)


if __name__ == "__main__":
    main()
