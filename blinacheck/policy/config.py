"""Project configuration: ``[tool.blinacheck]`` in pyproject.toml, or a blinacheck.toml.

Found by walking up from the current directory; the first directory that has one wins. In one
directory, ``blinacheck.toml`` wins over ``pyproject.toml`` (a note on stderr says so when both
configure blinacheck). ``--config FILE`` names the file, ``--isolated`` ignores every file.
Command-line options win over the file. Every key and value is checked before any plan is read:
an unknown key, an unknown rule id, a parameter the rule does not declare or of the wrong type,
a bad severity all end in :class:`ConfigError` (exit 2) naming the file, the line (found by a
light scan of the text; tomllib gives no positions) and the key. Reference: docs/configuration.md.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..engine.ruleset import RuleSet, RuleSetError, load, param_type
from ..plan.validation import did_you_mean as _did_you_mean
from ..results.files import FAIL_ON
from ..results.findings import Severity
from .overrides import CHECKS, FIXED, Policy
from .paths import PathPatterns

CONFIG_FILE = "blinacheck.toml"
PYPROJECT = "pyproject.toml"
DEFAULT_FAIL_ON = "warning"
KEYS = (
    "select",
    "ignore",
    "severity",
    "params",
    "rules",
    "fail-on",
    "per-file-ignores",
    "exclude",
    "serve",  # the CDS Hooks service's own table (docs/cds-hooks.md), read by blinacheck/serve
)
_SEVERITIES = ("error", "warning", "info")


class ConfigError(Exception):
    """A configuration problem, as one message ready for stderr (exit code 2)."""


@dataclass(frozen=True)
class ConfigFile:
    """A configuration table read from a file."""

    path: str
    data: dict[str, Any]
    prefix: tuple[str, ...] = ()  # ("tool", "blinacheck") in pyproject.toml
    text: str = ""

    @property
    def directory(self) -> str:
        return os.path.dirname(os.path.abspath(self.path))

    def error(self, key: Sequence[str | int], message: str) -> ConfigError:
        """An error at ``key`` (a path inside the blinacheck table)."""
        names = [k for k in key if isinstance(k, str)]
        line = _line_of(self.text, (*self.prefix, *names))
        where = f"{self.shown}:{line}" if line else self.shown
        dotted = ".".join((*self.prefix, *(_key_text(k) for k in key if isinstance(k, str))))
        dotted += "".join(f"[{k}]" for k in key if isinstance(k, int))
        return ConfigError(f"{where}: {dotted}: {message}")

    @property
    def shown(self) -> str:
        """The path as messages show it: relative when below the current directory."""
        relative = os.path.relpath(self.path)
        return self.path if relative.startswith("..") else relative


@dataclass(frozen=True)
class CommandLine:
    """The lint options that interact with the configuration file."""

    config: str | None = None
    isolated: bool = False
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    rule_dirs: tuple[str, ...] = ()
    builtin: bool = True
    fail_on: str | None = None


@dataclass(frozen=True)
class Settings:
    """The effective settings for one run."""

    ruleset: RuleSet
    policy: Policy
    fail_on: str = DEFAULT_FAIL_ON
    exclude: PathPatterns | None = None
    config: ConfigFile | None = None
    notes: tuple[str, ...] = field(default=())

    @classmethod
    def for_ruleset(cls, ruleset: RuleSet) -> Settings:
        """No configuration file: ``ruleset`` as given, overrides checked with their defaults."""
        return cls(ruleset=ruleset, policy=Policy.for_ruleset(ruleset))


# ----------------------------------------------------------------------------- finding the file


def find(start: str) -> tuple[str | None, list[str]]:
    """The configuration file that applies in ``start``, and notes for stderr."""
    directory = os.path.abspath(start)
    while True:
        own = os.path.join(directory, CONFIG_FILE)
        pyproject = os.path.join(directory, PYPROJECT)
        has_pyproject = os.path.isfile(pyproject) and _configures(pyproject)
        if os.path.isfile(own):
            notes = []
            if has_pyproject:
                notes.append(
                    f"note: using {own}; the [tool.blinacheck] table in {pyproject} is ignored "
                    f"({CONFIG_FILE} wins in the same directory)"
                )
            return own, notes
        if has_pyproject:
            return pyproject, []
        parent = os.path.dirname(directory)
        if parent == directory:
            return None, []
        directory = parent


def _configures(pyproject: str) -> bool:
    """Whether a pyproject.toml has a [tool.blinacheck] table (a cheap text test first)."""
    try:
        with open(pyproject, "rb") as handle:
            raw = handle.read()
    except OSError:
        return False
    if b"blinacheck" not in raw:
        return False
    return read(pyproject).data is not None


def read(path: str, *, named: bool = False) -> ConfigFile:
    """Read a configuration file. In pyproject.toml, the [tool.blinacheck] table.

    A pyproject.toml without the table gives ``data=None`` unless it was ``named`` with
    ``--config``, where it is an error.
    """
    shown = ConfigFile(path, {}).shown
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise ConfigError(
            f"{shown}: cannot read the configuration: {exc.strerror or exc}"
        ) from None
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise ConfigError(f"{shown}: the configuration is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        # tomllib ends its message with "(at line L, column C)": put that where editors look.
        message = str(exc)
        at = re.search(r" \(at line (\d+), column (\d+)\)$", message)
        if at:
            shown, message = f"{shown}:{at[1]}:{at[2]}", message[: at.start()]
        raise ConfigError(f"{shown}: invalid TOML: {message}") from None
    if os.path.basename(path) == PYPROJECT:
        tool = data.get("tool")
        table = tool.get("blinacheck") if isinstance(tool, dict) else None
        if table is None and named:
            raise ConfigError(f"{shown}: has no [tool.blinacheck] table")
        if table is not None and not isinstance(table, dict):
            raise ConfigError(f"{shown}: tool.blinacheck must be a table")
        return ConfigFile(path, table, ("tool", "blinacheck"), text)  # type: ignore[arg-type]
    return ConfigFile(path, data, (), text)


def locate(cli: CommandLine, cwd: str | None = None) -> tuple[ConfigFile | None, list[str]]:
    if cli.isolated:
        if cli.config:
            raise ConfigError("--config and --isolated cannot be used together")
        return None, []
    if cli.config:
        if not os.path.isfile(cli.config):
            raise ConfigError(f"--config {cli.config}: no such file")
        return read(cli.config, named=True), []
    path, notes = find(cwd or os.getcwd())
    return (read(path) if path else None), notes


# ----------------------------------------------------------------------------- resolving


def resolve(cli: CommandLine, cwd: str | None = None) -> Settings:
    """Read the configuration, load the rules, apply both: the settings for one lint run."""
    config, notes = locate(cli, cwd)
    data: dict[str, Any] = config.data if config else {}
    if config:
        _check_keys(config)
    rule_dirs = _rule_dirs(config) if config else []
    for directory in cli.rule_dirs:  # command line after the file; a directory only once
        if os.path.realpath(directory) not in map(os.path.realpath, rule_dirs):
            rule_dirs.append(directory)
    try:
        loaded = load(rule_dirs, builtin=cli.builtin)
    except RuleSetError as exc:
        raise ConfigError("invalid rule set:\n" + "\n".join(str(p) for p in exc.problems)) from None
    known = {rule.id for rule in loaded.rules}

    select: set[str] | None = None
    ignored: set[str] = set()
    if config:
        if "select" in data:
            select = set(_ids(config, "select", known, checks=False))
        ignored = set(_ids(config, "ignore", known))
    enabled = set(select) if select is not None else set(known)
    enabled -= ignored
    # The command line runs after the file, ruff-style: --select replaces the selection
    # (re-enabling a rule the file ignores), --ignore removes from it.
    if cli.select is not None:
        enabled = set(_cli_ids("--select", cli.select, known, checks=False))
    cli_ignored = set(_cli_ids("--ignore", cli.ignore, known))
    enabled -= cli_ignored
    check_off = {i for i in (ignored | cli_ignored) if i in CHECKS}

    severity = _severity(config, known) if config else {}
    params = _params(config, loaded) if config else {}
    rules = []
    for rule in loaded.rules:
        if rule.id not in enabled:
            continue
        if rule.id in params:
            rule = rule.with_params(params[rule.id])
        if rule.id in severity:
            rule = rule.with_severity(severity[rule.id])
        rules.append(rule)
    ruleset = RuleSet(rules)

    base = config.directory if config else os.getcwd()
    per_file = _per_file_ignores(config, known, base) if config else ()
    exclude = _strings(config, ("exclude",)) if config else []
    policy = replace(
        Policy.for_ruleset(ruleset, loaded=loaded),
        ignore=frozenset(check_off),
        severity={k: v for k, v in severity.items() if k in CHECKS},
        per_file_ignores=per_file,
    )
    file_fail_on = _fail_on(config) if config else None  # checked even when --fail-on wins
    fail_on = cli.fail_on or file_fail_on or DEFAULT_FAIL_ON
    return Settings(
        ruleset=ruleset,
        policy=policy,
        fail_on=fail_on,
        exclude=PathPatterns(exclude, base) if exclude else None,
        config=config,
        notes=tuple(notes),
    )


def _check_keys(config: ConfigFile) -> None:
    for key in config.data:
        if key not in KEYS:
            hint = _did_you_mean(key, KEYS)
            raise config.error((key,), f"unknown key{hint}; the keys are: {', '.join(KEYS)}")


def _rule_dirs(config: ConfigFile) -> list[str]:
    dirs = []
    for index, entry in enumerate(_strings(config, ("rules",))):
        path = os.path.join(config.directory, entry)
        if not os.path.isdir(path):
            raise config.error(
                ("rules", index), f"'{entry}' is not a directory (relative to {config.directory})"
            )
        dirs.append(os.path.normpath(path))
    return dirs


def _strings(config: ConfigFile, key: tuple[str, ...]) -> list[str]:
    value = config.data.get(key[0], [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise config.error(key, 'must be a list of strings, e.g. ["a", "b"]')
    return value


def _ids(config: ConfigFile, key: str, known: set[str], *, checks: bool = True) -> list[str]:
    """The rule ids listed under ``key``, each one checked."""
    value = config.data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise config.error((key,), 'must be a list of rule ids, e.g. ["it-on-infusion-day-1"]')
    for index, rule in enumerate(value):
        problem = _id_problem(rule, known, checks=checks)
        if problem:
            raise config.error((key, index), problem)
    return value


def _cli_ids(
    option: str, values: Sequence[str], known: set[str], *, checks: bool = True
) -> list[str]:
    ids = [part.strip() for value in values for part in value.split(",") if part.strip()]
    for rule in ids:
        problem = _id_problem(rule, known, checks=checks)
        if problem:
            raise ConfigError(f"{option}: {problem}")
    return ids


def _id_problem(rule: str, known: set[str], *, checks: bool) -> str | None:
    if rule in FIXED:
        return f"'{rule}' cannot be configured: it reports a plan or rule that was not checked"
    if rule in CHECKS:
        if checks:
            return None
        return (
            f"'{rule}' is a check of overrides, always on; it can be ignored or re-graded, "
            "not selected"
        )
    if rule not in known:
        return f"unknown rule id '{rule}'{_did_you_mean(rule, known | set(CHECKS))}"
    return None


def _table(config: ConfigFile, key: str) -> dict[str, Any]:
    value = config.data.get(key, {})
    if not isinstance(value, dict):
        raise config.error((key,), "must be a table, e.g. [tool.blinacheck." + key + "] or {...}")
    return value


def _severity(config: ConfigFile, known: set[str]) -> dict[str, Severity]:
    result = {}
    for rule, value in _table(config, "severity").items():
        problem = _id_problem(rule, known, checks=True)
        if problem:
            raise config.error(("severity", rule), problem)
        if value not in _SEVERITIES:
            raise config.error(
                ("severity", rule), f"{value!r} is not a severity; use one of: error, warning, info"
            )
        result[rule] = Severity.parse(value)
    return result


def _params(config: ConfigFile, loaded: RuleSet) -> dict[str, dict[str, Any]]:
    rules = loaded.by_id()
    result: dict[str, dict[str, Any]] = {}
    for rule_id, values in _table(config, "params").items():
        if rule_id not in rules:
            problem = _id_problem(rule_id, set(rules), checks=False) or ""
            if rule_id in CHECKS:
                problem = f"'{rule_id}' has no parameters"
            raise config.error(("params", rule_id), problem)
        if not isinstance(values, dict):
            raise config.error(("params", rule_id), "must be a table of parameter = value")
        declared = rules[rule_id].params
        checked = {}
        for name, value in values.items():
            if name not in declared:
                names = ", ".join(sorted(declared)) or "none"
                raise config.error(
                    ("params", rule_id, name),
                    f"rule '{rule_id}' has no parameter '{name}'"
                    f"{_did_you_mean(name, declared)} (its parameters: {names})",
                )
            converted = _typed(value, declared[name])
            if converted is None:
                raise config.error(
                    ("params", rule_id, name),
                    f"must be {_kind(declared[name])} like the rule's default "
                    f"{toml_value(declared[name])}, not {toml_value(value)}",
                )
            checked[name] = converted
        result[rule_id] = checked
    return result


def _kind(default: Any) -> str:
    """The type of a parameter, in words."""
    return {
        "bool": "true or false",
        "int": "a whole number",
        "double": "a number",
        "string": "a text",
        "list<bool>": "a list of true/false values",
        "list<int>": "a list of whole numbers",
        "list<double>": "a list of numbers",
        "list<string>": "a list of texts",
    }.get(param_type(default), "a list")


def toml_value(value: Any) -> str:
    """A value as it is written in TOML (true, "text", [1, 2])."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return repr(value) if isinstance(value, int | float) else str(value)


def _typed(value: Any, default: Any) -> Any:
    """``value`` as the type of ``default``, or None if it is not that type.

    An integer is accepted for a decimal parameter (and made a float: CEL does not mix them).
    """
    if isinstance(default, bool) or isinstance(value, bool):
        return value if isinstance(default, bool) and isinstance(value, bool) else None
    if isinstance(default, float):
        return float(value) if isinstance(value, int | float) else None
    if isinstance(default, int):
        return value if isinstance(value, int) else None
    if isinstance(default, str):
        return value if isinstance(value, str) else None
    if isinstance(default, list):
        if not isinstance(value, list):
            return None
        if not default:
            return value if all(isinstance(v, bool | int | float | str) for v in value) else None
        items = [_typed(v, default[0]) for v in value]
        return None if any(i is None for i in items) else items
    return None


def _per_file_ignores(
    config: ConfigFile, known: set[str], base: str
) -> tuple[tuple[PathPatterns, frozenset[str]], ...]:
    entries = []
    for pattern, ids in _table(config, "per-file-ignores").items():
        key: tuple[str | int, ...] = ("per-file-ignores", pattern)
        if not isinstance(ids, list) or not all(isinstance(v, str) for v in ids):
            raise config.error(key, 'must be a list of rule ids, e.g. ["it-on-infusion-day-1"]')
        for index, rule in enumerate(ids):
            problem = _id_problem(rule, known, checks=True)
            if problem:
                raise config.error((*key, index), problem)
        entries.append((PathPatterns([pattern], base), frozenset(ids)))
    return tuple(entries)


def _fail_on(config: ConfigFile) -> str | None:
    value = config.data.get("fail-on")
    if value is None:
        return None
    if value not in FAIL_ON:
        raise config.error(("fail-on",), f"{value!r} is not one of: {', '.join(FAIL_ON)}")
    return str(value)


# ----------------------------------------------------------------------------- locating keys

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_INLINE_KEY = re.compile(r"""[{,]\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")


def _key_text(key: str) -> str:
    return key if _BARE.fullmatch(key) else f'"{key}"'


def _split_keys(text: str) -> tuple[str, ...]:
    """A TOML dotted key ``a."b.c".d`` -> ("a", "b.c", "d")."""
    parts = re.findall(r"""\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^.\s]+)\s*(?:\.|$)""", text.strip())
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)


def _line_of(text: str, key: tuple[str, ...]) -> int | None:
    """The line that best locates ``key`` in TOML text: where its longest prefix is defined.

    A light scan, not a parser: tables, ``a.b = ...`` lines and keys of one-line inline tables.
    """
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("["):
            inner = line.lstrip("[").split("]", 1)[0]
            table = _split_keys(inner)
            lines.setdefault(table, number)
            continue
        match = re.match(r"""((?:"(?:[^"\\]|\\.)*"|'[^']*'|[^=#"'])+?)\s*=(.*)$""", line)
        if not match or line.startswith("#"):
            continue
        full = (*table, *_split_keys(match.group(1)))
        lines.setdefault(full, number)
        for inner_key in _INLINE_KEY.finditer(match.group(2)):
            name = inner_key.group(1)
            lines.setdefault((*full, name[1:-1] if name[:1] in "\"'" else name), number)
    for length in range(len(key), 0, -1):
        if key[:length] in lines:
            return lines[key[:length]]
    return None
