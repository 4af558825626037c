"""Configuration: `.goconc.toml`, or the `[tool.goconc]` table of `pyproject.toml`.

Keys are kebab-case. Everything is validated when loaded, and every error names the file and,
where we can find it, the line: tomllib reports lines only for syntax errors, so for the rest
we locate the key (and the offending list item) by scanning the text.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import Any, TypeVar, cast

import attrs

from goconc.analyzer.packages import matches_any

CONFIG_NAME = ".goconc.toml"
PYPROJECT_NAME = "pyproject.toml"
_PYPROJECT_TABLE = ("tool", "goconc")
# Rule options are flat lists and tables; deeper ones are a mistake (and would recurse
# through freezing, cache keys and pickling).
MAX_OPTION_NESTING = 8


class ConfigError(Exception):
    """A configuration problem; the message reads `path:LINE: message` when the line is known."""


_V_co = TypeVar("_V_co", covariant=True)


class FrozenMapping(Mapping[str, _V_co]):
    """A read-only, hashable, picklable mapping: a Config must cross process boundaries, and
    MappingProxyType cannot be pickled."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, _V_co] | None = None) -> None:
        self._data: dict[str, _V_co] = dict(data or {})

    def __getitem__(self, key: str) -> _V_co:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        return f"FrozenMapping({self._data!r})"

    def __getstate__(self) -> dict[str, _V_co]:
        return self._data

    def __setstate__(self, state: dict[str, _V_co]) -> None:
        self._data = state


def _freeze(value: object) -> object:
    """TOML tables and arrays -> FrozenMapping and tuple, recursively."""
    if isinstance(value, Mapping):
        return FrozenMapping({str(k): _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def _freeze_options(
    value: Mapping[str, Mapping[str, object]],
) -> Mapping[str, Mapping[str, object]]:
    return FrozenMapping(
        {code: cast(Mapping[str, object], _freeze(options)) for code, options in value.items()}
    )


@attrs.frozen
class Config:
    path: str | None = None  # the file it came from (absolute), None for defaults
    select: tuple[str, ...] = ()  # codes or prefixes; empty = all default rules
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()  # globs, added to the default skips, relative to `root`
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (glob, codes)
    rule_options: Mapping[str, Mapping[str, object]] = attrs.field(
        factory=FrozenMapping, converter=_freeze_options
    )  # [rules.CODE] tables, as the rule receives them
    jobs: int | None = None  # worker processes; None or 0 = one per CPU
    parse_timeout: float | None = None  # seconds per file; 0 = no limit
    default_excludes: bool = True  # false: also analyse vendor/, testdata/, .x and _x
    preview: bool = False  # also enable the opt-in tier of rules
    go_version: tuple[int, int] | None = None  # for folders without a go.mod

    @property
    def root(self) -> str | None:
        """The folder globs are relative to: the config file's folder."""
        return None if self.path is None else os.path.dirname(self.path)

    def ignored_for(self, rel_path: str) -> tuple[str, ...]:
        """Codes and prefixes that per-file-ignores turn off for a file (POSIX path relative
        to `root`), matched like `exclude` globs."""
        codes: list[str] = []
        for glob, ignored in self.per_file_ignores:
            if matches_any((glob,), rel_path):
                codes.extend(c for c in ignored if c not in codes)
        return tuple(codes)

    def per_file_ignored(self, rel_path: str, code: str) -> bool:
        """Whether per-file-ignores drop a finding of rule `code` in this file."""
        return any(c == "ALL" or code.startswith(c) for c in self.ignored_for(rel_path))


# -- finding the file ---------------------------------------------------------------------


def find_config(start: str) -> str | None:
    """The nearest `.goconc.toml`, or `pyproject.toml` with a [tool.goconc] table, at or
    above `start`; the search stops after the first folder that contains `.git`."""
    current = os.path.abspath(start)
    if os.path.isfile(current):
        current = os.path.dirname(current)
    while True:
        candidate = os.path.join(current, CONFIG_NAME)
        if os.path.isfile(candidate):
            return candidate
        candidate = os.path.join(current, PYPROJECT_NAME)
        if os.path.isfile(candidate) and _has_goconc_table(candidate):
            return candidate
        parent = os.path.dirname(current)
        if parent == current or os.path.lexists(os.path.join(current, ".git")):
            return None
        current = parent


def _has_goconc_table(pyproject: str) -> bool:
    try:
        with open(pyproject, "rb") as f:
            text = f.read().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):  # tomllib recurses per nesting level
        return "goconc" in text  # ours but broken: load_config will report the error
    tool = data.get("tool")
    return isinstance(tool, dict) and "goconc" in tool


# -- codes ----------------------------------------------------------------------------------


def check_codes(codes: Iterable[str], known_codes: Collection[str], where: str) -> None:
    """Raise ConfigError for a code that is neither "ALL", a known code, nor a prefix of one."""
    for code in codes:
        if _known(code, known_codes):
            continue
        raise ConfigError(
            f"{where}: unknown rule code or prefix {code!r}{_hint(code, known_codes)}"
        )


def _known(code: str, known_codes: Collection[str]) -> bool:
    return code == "ALL" or (bool(code) and any(k.startswith(code) for k in known_codes))


def _hint(code: str, known_codes: Collection[str]) -> str:
    if code != code.upper() and _known(code.upper(), known_codes):
        return f"; did you mean {code.upper()!r}? (codes are upper-case)"
    close = difflib.get_close_matches(code, sorted(known_codes), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


# -- loading --------------------------------------------------------------------------------


def load_config(
    path: str | None,
    known_codes: Collection[str],
    option_names: Mapping[str, Collection[str]] | None = None,
) -> Config:
    """Read and validate a config file; None gives the defaults. With `option_names` (code ->
    the keys its [rules.CODE] table may hold) an unknown option key is an error too."""
    if path is None:
        return Config()
    path = os.path.abspath(path)
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror or err}") from err
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not valid UTF-8 (byte {err.start})") from err
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(_syntax_error(path, text, err)) from err
    except RecursionError as err:  # tomllib recurses per level of nested arrays and tables
        raise ConfigError(f"{path}: arrays or tables nested too deeply to read") from err
    prefix: tuple[str, ...] = ()
    if os.path.basename(path) == PYPROJECT_NAME:
        prefix = _PYPROJECT_TABLE
        tool = data.get("tool", {})
        table = tool.get("goconc", {}) if isinstance(tool, dict) else {}
    else:
        table = data
    loader = _Loader(path, _Locator(text, prefix), known_codes, option_names)
    if not isinstance(table, dict):
        raise loader.error((), "expected a table")
    return loader.load(table)


def _syntax_error(path: str, text: str, err: tomllib.TOMLDecodeError) -> str:
    message = str(err)
    match = re.search(r" \(at line (\d+), column (\d+)\)$", message)
    if match:
        return f"{path}:{match[1]}:{match[2]}: {message[: match.start()]}"
    if message.endswith(" (at end of document)"):
        return f"{path}:{text.count(chr(10)) + 1}: {message}"
    return f"{path}: {message}"


_KEY_PART = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*""")
_HEADER = re.compile(r"^\s*\[\[?([^\]]*)\]")
_ASSIGN = re.compile(r"""^\s*((?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.\s-])+?)\s*=""")


def _split_key(text: str) -> tuple[str, ...] | None:
    """`a."b.c".d` -> ("a", "b.c", "d"); None when it is not a plain dotted key."""
    parts: list[str] = []
    pos = 0
    while True:
        match = _KEY_PART.match(text, pos)
        if match is None:
            return None
        part = match[1]
        parts.append(part[1:-1] if part[0] in "\"'" else part)
        pos = match.end()
        if pos == len(text):
            return tuple(parts)
        if text[pos] != ".":
            return None
        pos += 1


class _Locator:
    """Finds the line of a key (and of a value inside it) in the TOML text. Best effort: it
    knows headers, dotted keys and quoted keys, not multi-line strings."""

    def __init__(self, text: str, prefix: tuple[str, ...]) -> None:
        self.lines = text.splitlines()
        self.prefix = prefix
        # (line number, full key path, is a header) for every header and key line
        self.keys: list[tuple[int, tuple[str, ...], bool]] = []
        table: tuple[str, ...] = ()
        for number, line in enumerate(self.lines, 1):
            header = _HEADER.match(line)
            if header:
                table = _split_key(header[1]) or ()
                self.keys.append((number, table, True))
                continue
            assign = _ASSIGN.match(line)
            if assign:
                key = _split_key(assign[1])
                if key is not None:
                    self.keys.append((number, table + key, False))

    def line(self, key_path: tuple[str, ...], needle: str | None = None) -> int | None:
        full = self.prefix + key_path
        found: int | None = None
        for number, path, _ in self.keys:  # exact key, or a longer dotted key inside it
            if path[: len(full)] == full:
                found = number
                break
        if found is None:  # inline table: the nearest enclosing key
            best = -1
            for number, path, is_header in self.keys:
                if not is_header and len(path) > best and full[: len(path)] == path:
                    found, best = number, len(path)
        if found is None or needle is None:
            return found
        return self._find_value(found, needle)

    def _find_value(self, start: int, needle: str) -> int:
        quoted = re.compile(rf"""(["']){re.escape(needle)}\1""")
        key_lines = {number for number, _, _ in self.keys}
        for number in range(start, len(self.lines) + 1):
            if number != start and number in key_lines:
                break
            if quoted.search(self.lines[number - 1]):
                return number
        return start


_Validator = Callable[["_Loader", tuple[str, ...], Any], object]


class _Loader:
    def __init__(
        self,
        path: str,
        locator: _Locator,
        known_codes: Collection[str],
        option_names: Mapping[str, Collection[str]] | None = None,
    ) -> None:
        self.path = path
        self.locator = locator
        self.known_codes = known_codes
        self.option_names = option_names

    def where(self, key_path: tuple[str, ...], needle: str | None = None) -> str:
        line = self.locator.line(key_path, needle) if key_path else None
        return self.path if line is None else f"{self.path}:{line}"

    def error(
        self, key_path: tuple[str, ...], message: str, needle: str | None = None
    ) -> ConfigError:
        name = _dotted(key_path)
        return ConfigError(
            f"{self.where(key_path, needle)}: {name + ': ' if name else ''}{message}"
        )

    def load(self, table: dict[str, Any]) -> Config:
        values: dict[str, object] = {}
        for key, value in table.items():
            spec = _KEYS.get(key)
            if spec is None:
                raise self.error((key,), "unknown key" + _key_hint(key))
            field, validate = spec
            values[field] = validate(self, (key,), value)
        return Config(path=self.path, **values)  # type: ignore[arg-type]

    # -- value checks ---------------------------------------------------------------------

    def strings(self, key: tuple[str, ...], value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, f"expected a list of strings, got {_toml_type(value)}")
        for item in value:
            if not item:
                raise self.error(key, "empty string", needle="")
        return tuple(value)

    def codes(self, key: tuple[str, ...], value: Any) -> tuple[str, ...]:
        codes = self.strings(key, value)
        for code in codes:
            check_codes((code,), self.known_codes, f"{self.where(key, code)}: {_dotted(key)}")
        return codes

    def globs(self, key: tuple[str, ...], value: Any) -> tuple[str, ...]:
        return self.strings(key, value)

    def per_file_ignores(
        self, key: tuple[str, ...], value: Any
    ) -> tuple[tuple[str, tuple[str, ...]], ...]:
        if not isinstance(value, dict):
            raise self.error(key, f"expected a table of glob = [codes], got {_toml_type(value)}")
        return tuple((glob, self.codes((*key, glob), codes)) for glob, codes in value.items())

    def rules(self, key: tuple[str, ...], value: Any) -> Mapping[str, Mapping[str, object]]:
        if not isinstance(value, dict):
            raise self.error(
                key, f"expected a table of [rules.CODE] tables, got {_toml_type(value)}"
            )
        for code, options in value.items():
            if code not in self.known_codes:
                hint = _hint(code, self.known_codes)
                raise self.error(
                    (*key, code), f"unknown rule code (options need a full code){hint}"
                )
            if not isinstance(options, dict):
                raise self.error(
                    (*key, code), f"expected a table of options, got {_toml_type(options)}"
                )
            if _nesting(options) > MAX_OPTION_NESTING:
                raise self.error(
                    (*key, code), f"options nested more than {MAX_OPTION_NESTING} levels deep"
                )
            if self.option_names is not None:
                self.option_keys((*key, code), options, self.option_names.get(code, ()))
        return value  # the converter freezes it

    def option_keys(
        self, key: tuple[str, ...], options: dict[str, Any], allowed: Collection[str]
    ) -> None:
        for name in options:
            if name not in allowed:
                takes = f"takes {', '.join(sorted(allowed))}" if allowed else "has no options"
                raise self.error((*key, name), f"unknown option; {key[-1]} {takes}")

    # jobs and seconds mean what --jobs and --parse-timeout mean: 0 is one per CPU, no limit.

    def jobs(self, key: tuple[str, ...], value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected an integer, got {_toml_type(value)}")
        if value < 0:
            raise self.error(key, f"expected 0 (one per CPU) or more, got {value}")
        return value

    def seconds(self, key: tuple[str, ...], value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"expected a number of seconds, got {_toml_type(value)}")
        if not (value >= 0 and math.isfinite(value)):
            raise self.error(key, f"expected a number of seconds, 0 for no limit, got {value}")
        return float(value)

    def boolean(self, key: tuple[str, ...], value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {_toml_type(value)}")
        return value

    def go_version(self, key: tuple[str, ...], value: Any) -> tuple[int, int]:
        match = (
            re.fullmatch(r"(\d+)\.(\d+)(?:\.\d+|(?:rc|beta)\d+)?", value)
            if isinstance(value, str)
            else None
        )
        if match is None:
            raise self.error(key, f'expected a Go version string such as "1.22", got {value!r}')
        return int(match[1]), int(match[2])


_KEYS: dict[str, tuple[str, _Validator]] = {
    "select": ("select", _Loader.codes),
    "ignore": ("ignore", _Loader.codes),
    "extend-select": ("extend_select", _Loader.codes),
    "exclude": ("exclude", _Loader.globs),
    "per-file-ignores": ("per_file_ignores", _Loader.per_file_ignores),
    "rules": ("rule_options", _Loader.rules),
    "jobs": ("jobs", _Loader.jobs),
    "parse-timeout": ("parse_timeout", _Loader.seconds),
    "default-excludes": ("default_excludes", _Loader.boolean),
    "preview": ("preview", _Loader.boolean),
    "go-version": ("go_version", _Loader.go_version),
}


def _nesting(value: object) -> int:
    """How many arrays and tables deep ``value`` goes (a loop: it may go deep)."""
    deepest = 0
    todo: list[tuple[object, int]] = [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            todo.extend((v, depth + 1) for v in item)
    return deepest


def _dotted(key_path: tuple[str, ...]) -> str:
    """A key path as TOML spells it: rules.CX001, per-file-ignores."*_test.go"."""
    return ".".join(k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else f'"{k}"' for k in key_path)


def _key_hint(key: str) -> str:
    kebab = key.replace("_", "-")
    if kebab in _KEYS:
        return f"; did you mean {kebab!r}? (keys are kebab-case)"
    close = difflib.get_close_matches(key, sorted(_KEYS), n=1)
    return f"; did you mean {close[0]!r}?" if close else f" (known keys: {', '.join(_KEYS)})"


def _toml_type(value: object) -> str:
    names = {
        bool: "boolean",
        int: "integer",
        float: "float",
        str: "string",
        list: "array",
        dict: "table",
    }
    return names.get(type(value), type(value).__name__)
