"""Every console example in README.md and docs/ is run, and its output is what goconc prints.

A ```console block holds commands, each on a line starting with `$ goconc` (and ending in
`< FILE` to give it FILE on stdin), and after each command what it prints (stdout and
stderr, interleaved as a terminal shows them). The commands of one document run in order in
one fresh copy of docs/testdata/demo, a small Go module (with a `.git`, so it is its own
repository root); an example can use a file an earlier one wrote. In the expected output
`...` stands for any text, for what changes from run to run (timings) or would be too long
to show.

After a change of goconc's output, `GOCONC_UPDATE_EXAMPLES=1 python -m pytest
tests/test_doc_examples.py` writes what goconc now prints into the examples without `...`;
review the diff.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "docs" / "testdata" / "demo"
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```console\n(.*?)^```$", re.M | re.S)


def examples(text: str) -> list[tuple[str, str]]:
    """(command line, expected output) of every console block, in order."""
    found: list[tuple[str, str]] = []
    for block in BLOCK.findall(text):
        lines = block.splitlines()
        assert lines and lines[0].startswith("$ "), f"a console block starts with $:\n{block}"
        for line in lines:
            if line.startswith("$ "):
                found.append((line[2:], ""))
            else:
                command, output = found[-1]
                found[-1] = (command, output + line + "\n")
    return found


def expected_pattern(expected: str) -> re.Pattern[str]:
    parts = (re.escape(part) for part in expected.split("..."))
    return re.compile(".*?".join(parts), re.S)


def run(command: str, cwd: Path, cache: Path) -> str:
    words = shlex.split(command)
    assert words[0] == "goconc", f"examples run goconc only: {command}"
    stdin = b""
    if "<" in words:  # `< FILE`, the one redirection the examples use
        at = words.index("<")
        stdin = (cwd / words[at + 1]).read_bytes()
        words = words[:at] + words[at + 2 :]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "GOCONC_CACHE_DIR": str(cache)}
    env.pop("NO_COLOR", None)
    done = subprocess.run(
        [sys.executable, "-m", "goconc", *words[1:]],
        cwd=cwd,
        env=env,
        input=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one stream, in the order it was written (unbuffered)
        timeout=120,
    )
    return done.stdout.decode("utf-8").replace("\r\n", "\n")


def _documents_with_examples() -> list[Path]:
    return [p for p in DOCUMENTS if examples(p.read_text(encoding="utf-8"))]


def test_the_examples_are_found() -> None:
    names = {p.name for p in _documents_with_examples()}
    assert {"README.md", "usage.md", "output.md", "configuration.md"} <= names


def _block(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"$ {command}\n{output}" for command, output in pairs)


@pytest.mark.parametrize("document", _documents_with_examples(), ids=lambda p: p.name)
def test_console_examples(document: Path, tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    shutil.copytree(DEMO, demo)
    (demo / ".git").mkdir()
    text = document.read_text(encoding="utf-8")
    update = os.environ.get("GOCONC_UPDATE_EXAMPLES") == "1"
    failures: list[str] = []
    blocks: list[str] = []
    for block in BLOCK.findall(text):
        pairs = examples(f"```console\n{block}```\n")
        for i, (command, expected) in enumerate(pairs):
            actual = run(command, demo, tmp_path / "cache")
            if expected_pattern(expected).fullmatch(actual):
                continue
            if update and "..." not in expected:
                pairs[i] = (command, actual)
                continue
            diff = difflib.unified_diff(
                expected.splitlines(), actual.splitlines(), "shown", "printed", lineterm=""
            )
            failures.append(f"$ {command}\n" + "\n".join(diff))
        blocks.append(_block(pairs))
    if update:
        parts = iter(blocks)
        document.write_text(
            BLOCK.sub(lambda _: f"```console\n{next(parts)}```", text), encoding="utf-8"
        )
    assert not failures, f"{document.name}: examples differ from goconc's output\n" + "\n".join(
        failures
    )


@pytest.mark.parametrize(
    ("expected", "actual", "matches"),
    [
        ("a\nb\n", "a\nb\n", True),
        ("a\nb\n", "a\nc\n", False),
        ("a\nb\n", "a\nb\nc\n", False),  # nothing left over
        ('"seconds": ...\n}\n', '"seconds": 0.125\n}\n', True),
        ("a\n...\nz\n", "a\nb\nc\nz\n", True),
        ("(x)\n", "(x)\n", True),  # no regular expressions in what is shown
        ("a.b\n", "axb\n", False),
    ],
)
def test_expected_output_matching(expected: str, actual: str, matches: bool) -> None:
    assert bool(expected_pattern(expected).fullmatch(actual)) is matches


def test_blocks_are_read_as_commands_and_output() -> None:
    text = "x\n```console\n$ goconc a\nout 1\nout 2\n$ goconc b\n```\n```sh\n$ goconc c\n```\n"
    assert examples(text) == [("goconc a", "out 1\nout 2\n"), ("goconc b", "")]
