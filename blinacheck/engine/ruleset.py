"""Rule files, format version 1: load, validate completely, compile CEL once.

A rule set is fully checked before any plan is read: unknown keys, bad severities, CEL syntax
errors and references to fields that no subject has all end in :class:`RuleSetError`, each
problem located as ``rules-file:line:col``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from ..plan.validation import describe_error, model_lookup
from ..read.source import (
    DEFAULT_MAX_BYTES,
    Document,
    NotRegularFile,
    Path,
    SourceError,
    load_bytes,
    read_regular_file,
)
from ..results.display import printable
from ..results.findings import Evidence, Severity, web_address
from ..timeline import subjects
from . import celenv, rule_cache

SeverityName = Literal["error", "warning", "info"]
RULE_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _web_address(value: Any) -> Any:
    if isinstance(value, str) and web_address(value) is None:
        raise ValueError(
            f"'{value[:60]}' is not a web address; evidence links are http:// or https:// "
            "addresses that a reader may follow (javascript:, data:, file: ... are refused)"
        )
    return value


class EvidenceModel(_Model):
    source: Annotated[str, Field(min_length=3)]
    note: str | None = None
    url: Annotated[str, BeforeValidator(_web_address)] | None = None
    unconfirmed: bool = False


class SeverityCaseModel(_Model):
    when: str
    severity: SeverityName


class SeveritySpec(_Model):
    default: SeverityName
    cases: list[SeverityCaseModel] = []


def _severity_shorthand(value: Any) -> Any:
    return {"default": value} if isinstance(value, str) else value


if TYPE_CHECKING:
    ForEach = str
else:  # the kinds of timeline/subjects.py; pydantic lists them when a rule names another
    ForEach = Literal[subjects.NAMES]


class RuleModel(_Model):
    id: Annotated[str, Field(pattern=RULE_ID.pattern, max_length=64)]
    title: Annotated[str, Field(min_length=3)]
    description: str | None = None
    severity: Annotated[SeveritySpec, BeforeValidator(_severity_shorthand)]
    for_each: ForEach
    when: Annotated[str, Field(min_length=1)]
    message: Annotated[str, Field(min_length=1)]
    params: dict[str, bool | int | float | str | list[bool | int | float | str]] = {}
    evidence: Annotated[list[EvidenceModel], Field(min_length=1)]
    report_at: str | None = None
    overridable: bool = True
    example: str | None = None


MAX_RULES_PER_FILE = 500  # a rule pack has tens; thousands would only slow every run down


class RuleFileModel(_Model):
    rules: Annotated[list[RuleModel], Field(max_length=MAX_RULES_PER_FILE)]


_MODELS: dict[str, type[BaseModel]] = {
    "rules": RuleModel,
    "evidence": EvidenceModel,
    "cases": SeverityCaseModel,
    "severity": SeveritySpec,
}


_model_at = model_lookup(_MODELS, RuleFileModel)


@dataclass(frozen=True)
class RuleProblem:
    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        # Shown to a person (stderr, exit 2): a file name or rule text cannot start a new line.
        return f"{printable(self.file)}:{self.line}:{self.column}: {printable(self.message)}"


class RuleSetError(Exception):
    def __init__(self, problems: list[RuleProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class CompiledCase(NamedTuple):
    """A severity case: when ``expression`` is true, the finding has ``severity``."""

    expression: Any
    severity: Severity
    when: str  # the CEL text, for explain, the catalogue and SARIF


@dataclass(frozen=True)
class MessagePart:
    text: str
    expression: Any = None  # compiled CEL, or None for literal text


@dataclass(frozen=True)
class Rule:
    """A compiled rule, ready to evaluate."""

    id: str
    title: str
    description: str
    severity: Severity
    severity_cases: tuple[CompiledCase, ...]
    for_each: str
    when: Any
    when_text: str
    message: tuple[MessagePart, ...]
    message_text: str
    params: dict[str, Any]
    evidence: tuple[Evidence, ...]
    report_at: tuple[str, ...]
    overridable: bool
    example: str | None
    file: str
    line: int
    builtin: bool

    def with_params(self, params: dict[str, Any]) -> Rule:
        return replace(self, params={**self.params, **params})

    def with_severity(self, severity: Severity) -> Rule:
        return replace(self, severity=severity, severity_cases=())


@dataclass
class RuleSet:
    rules: list[Rule] = field(default_factory=list)

    def by_id(self) -> dict[str, Rule]:
        return {rule.id: rule for rule in self.rules}


def _builtin_folder() -> Any:
    try:
        return resources.files("blinacheck.builtin_rules")
    except ModuleNotFoundError:
        # Imported from a source checkout (e.g. pytest puts the repository first on sys.path):
        # the rules sit beside the package; an installed wheel ships them inside it.
        return FsPath(__file__).resolve().parents[2] / "rules"


def builtin_rule_files() -> list[tuple[str, bytes]]:
    folder = _builtin_folder()
    files = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith((".yaml", ".yml"))),
        key=lambda entry: entry.name,
    )
    return [(f"<builtin>/{entry.name}", entry.read_bytes()) for entry in files]


def rule_files_in(directory: str) -> list[tuple[str, bytes]]:
    root = FsPath(directory)
    if not root.is_dir():
        raise RuleSetError([RuleProblem(directory, 1, 1, "rules directory not found")])
    # Every rule file is read, or the load fails (exit 2): a rule file that cannot be read, a
    # sub-folder that cannot be listed or a FIFO named *.yaml never drops rules in silence.
    problems: list[RuleProblem] = []
    names: list[str] = []
    for folder, dirs, files in os.walk(
        root, onerror=lambda e: problems.append(_unread(e, str(e.filename)))
    ):
        dirs.sort()
        names += [os.path.join(folder, f) for f in files if f.endswith((".yaml", ".yml"))]
    found: list[tuple[str, bytes]] = []
    for name in sorted(names):
        try:
            found.append((name, read_regular_file(name, DEFAULT_MAX_BYTES + 1)))
        except OSError as exc:
            problems.append(_unread(exc, name))
    if problems:
        raise RuleSetError(problems)
    return found


def _unread(exc: OSError, name: str) -> RuleProblem:
    what = "rule folder" if os.path.isdir(name) and not isinstance(exc, NotRegularFile) else "file"
    reason = str(exc) if isinstance(exc, NotRegularFile) else exc.strerror or str(exc)
    return RuleProblem(name, 1, 1, f"cannot read the {what}: {reason}")


def load(
    rule_dirs: Iterable[str] = (), *, builtin: bool = True, check_builtin_fields: bool = False
) -> RuleSet:
    """Load and compile the built-in rules (unless ``builtin`` is false) and every directory.

    Field references are checked in every rule an institution adds, at every load. The built-in
    rules change only with a release and the test suite checks them (``check_builtin_fields``),
    so a run does not pay again for that check (about 40 ms of start-up).
    """
    sources = _sources(rule_dirs, builtin)
    return compile_sources(sources, check_builtin_fields=check_builtin_fields)


def _sources(rule_dirs: Iterable[str] = (), builtin: bool = True) -> list[tuple[str, bytes, bool]]:
    """Every rule file to load, as (name, bytes, built-in)."""
    sources: list[tuple[str, bytes, bool]] = []
    if builtin:
        sources += [(name, raw, True) for name, raw in builtin_rule_files()]
    for directory in rule_dirs:
        sources += [(name, raw, False) for name, raw in rule_files_in(directory)]
    return sources


def compile_sources(
    sources: list[tuple[str, bytes, bool]], *, check_builtin_fields: bool = False
) -> RuleSet:
    """Compile rule files given as (name, bytes, built-in). With the rule cache on (the
    command line turns it on, :mod:`.rule_cache`), a rule set compiled before from the same
    files by the same versions is read from it instead."""
    entry = rule_cache.key(sources, check_builtin_fields) if rule_cache.directory() else None
    if entry is not None:
        cached = _from_cache(entry)
        if cached is not None:
            return cached
    ruleset = _compile_sources(sources, check_builtin_fields=check_builtin_fields)
    if entry is not None:
        _cache_at_exit(entry, ruleset.rules, known=-1)
    return ruleset


def _compile_sources(
    sources: list[tuple[str, bytes, bool]], *, check_builtin_fields: bool = False
) -> RuleSet:
    problems: list[RuleProblem] = []
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for name, raw, builtin in sources:
        try:
            document = load_bytes(raw, typed=True)
        except SourceError as exc:
            problems += [RuleProblem(name, p.line, p.column, p.message) for p in exc.problems]
            continue
        try:
            model = RuleFileModel.model_validate(document.data)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                problem = describe_error(error, _model_at)
                line, column = document.locate(problem.path, key=problem.at_key)
                problems.append(RuleProblem(name, line, column, problem.message))
            continue
        for index, rule_model in enumerate(model.rules):
            at: Path = ("rules", index)
            line, column = document.locate((*at, "id"))
            if rule_model.id in seen:
                problems.append(
                    RuleProblem(
                        name,
                        line,
                        column,
                        f"rule id '{rule_model.id}' is already defined in {seen[rule_model.id]}",
                    )
                )
                continue
            seen[rule_model.id] = f"{name}:{line}"
            check = check_builtin_fields or not builtin
            rule, rule_problems = _compile_rule(rule_model, document, at, name, builtin, check)
            problems += rule_problems
            if rule is not None:
                rules.append(rule)
    if problems:
        raise RuleSetError(problems)
    return RuleSet(rules)


def param_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        inner = {param_type(v) for v in value}
        return f"list<{inner.pop()}>" if len(inner) == 1 else "list<dyn>"
    return "dyn"


def _compile_rule(
    model: RuleModel, document: Document, at: Path, file: str, builtin: bool, check_fields: bool
) -> tuple[Rule | None, list[RuleProblem]]:
    problems: list[RuleProblem] = []
    # The rule's params and their types: fields are checked against the typed declarations.
    typed = (
        tuple((name, param_type(value)) for name, value in model.params.items())
        if check_fields
        else None
    )

    def compile_at(text: str, path: Path, what: str) -> Any:
        line, column = document.locate(path)
        try:
            return celenv.compile_expression(model.for_each, text, typed)
        except celenv.CelCompileError as exc:
            problems.extend(RuleProblem(file, line, column, f"{what}: {m}") for m in exc.messages)
            return None

    when = compile_at(model.when, (*at, "when"), f"rule '{model.id}' when")
    cases = []
    for index, case in enumerate(model.severity.cases):
        compiled = compile_at(
            case.when, (*at, "severity", "cases", index, "when"), f"rule '{model.id}' severity case"
        )
        cases.append(CompiledCase(compiled, Severity.parse(case.severity), case.when))
    message: list[MessagePart] = []
    cursor = 0
    for match in _PLACEHOLDER.finditer(model.message):
        message.append(MessagePart(model.message[cursor : match.start()]))
        compiled = compile_at(
            match.group(1).strip(), (*at, "message"), f"rule '{model.id}' message placeholder"
        )
        message.append(MessagePart(match.group(0), compiled))
        cursor = match.end()
    message.append(MessagePart(model.message[cursor:]))
    report_at = tuple(model.report_at.split(".")) if model.report_at else ()
    if report_at and report_at[0] not in _report_keys(model.for_each):
        line, column = document.locate((*at, "report_at"))
        problems.append(
            RuleProblem(
                file,
                line,
                column,
                f"rule '{model.id}' report_at: '{model.report_at}' is not a key of a "
                f"{model.for_each} in the plan file",
            )
        )
    if problems:
        return None, problems
    line, _ = document.locate((*at, "id"))
    rule = Rule(
        id=model.id,
        title=model.title,
        description=(model.description or "").strip(),
        severity=Severity.parse(model.severity.default),
        severity_cases=tuple(cases),
        for_each=model.for_each,
        when=when,
        when_text=model.when,
        message=tuple(part for part in message if part.text),
        message_text=model.message,
        params=dict(model.params),
        evidence=tuple(Evidence(e.source, e.note, e.url, e.unconfirmed) for e in model.evidence),
        report_at=report_at,
        overridable=model.overridable,
        example=model.example,
        file=file,
        line=line,
        builtin=builtin,
    )
    return rule, []


def _report_keys(kind: str) -> set[str]:
    """Plan-file keys a finding about ``kind`` can point at (for ``report_at``)."""
    from ..plan import models

    name = subjects.BY_NAME[kind].model
    return set(getattr(models, name).model_fields) if name is not None else set()


# --- the rule cache (rule_cache.py): a compiled rule set as JSON-able data ---------------------


def _programs(rule: Rule) -> list[celenv.Program]:
    found = [rule.when, *(case.expression for case in rule.severity_cases)]
    found += [part.expression for part in rule.message if part.expression is not None]
    return found


def _rule_data(rule: Rule, blobs: rule_cache.Blobs) -> dict[str, Any]:
    return {
        "id": rule.id,
        "title": rule.title,
        "description": rule.description,
        "severity": str(rule.severity),
        "severity_cases": [
            [case.expression.to_data(blobs), str(case.severity), case.when]
            for case in rule.severity_cases
        ],
        "for_each": rule.for_each,
        "when": rule.when.to_data(blobs),
        "when_text": rule.when_text,
        "message": [
            [part.text, None if part.expression is None else part.expression.to_data(blobs)]
            for part in rule.message
        ],
        "message_text": rule.message_text,
        "params": rule.params,
        "evidence": [[e.source, e.note, e.url, e.unconfirmed] for e in rule.evidence],
        "report_at": list(rule.report_at),
        "overridable": rule.overridable,
        "example": rule.example,
        "file": rule.file,
        "line": rule.line,
        "builtin": rule.builtin,
    }


def _rule_from_data(data: dict[str, Any], blobs: rule_cache.Blobs) -> Rule:
    def program(data: dict[str, Any]) -> celenv.Program:
        return celenv.Program.from_data(data, blobs)

    return Rule(
        id=str(data["id"]),
        title=str(data["title"]),
        description=str(data["description"]),
        severity=Severity.parse(data["severity"]),
        severity_cases=tuple(
            CompiledCase(program(expression), Severity.parse(severity), str(when))
            for expression, severity, when in data["severity_cases"]
        ),
        for_each=str(data["for_each"]),
        when=program(data["when"]),
        when_text=str(data["when_text"]),
        message=tuple(
            MessagePart(str(text), None if expression is None else program(expression))
            for text, expression in data["message"]
        ),
        message_text=str(data["message_text"]),
        params=dict(data["params"]),
        evidence=tuple(
            Evidence(str(source), note, url, bool(unconfirmed))
            for source, note, url, unconfirmed in data["evidence"]
        ),
        report_at=tuple(str(key) for key in data["report_at"]),
        overridable=bool(data["overridable"]),
        example=data["example"],
        file=str(data["file"]),
        line=int(data["line"]),
        builtin=bool(data["builtin"]),
    )


def _from_cache(entry: str) -> RuleSet | None:
    """The rule set stored under ``entry``, or None (nothing there, or not a rule set)."""
    found = rule_cache.fetch(entry)
    if found is None:
        return None
    data, blobs = found
    try:
        rules = [_rule_from_data(item, blobs) for item in data["rules"]]
    except (KeyError, TypeError, ValueError, RuntimeError):
        return None  # not what this version writes: compile, and write it anew
    known = sum(p.runtime_count() for rule in rules for p in _programs(rule))
    _cache_at_exit(entry, rules, known)
    return RuleSet(rules)


def _cache_at_exit(entry: str, rules: list[Rule], known: int) -> None:
    """Store the rules at exit, with the runtime forms compiled by then, if there is anything
    the entry does not hold yet (``known``: the runtime forms it held, -1 for a new entry)."""

    stored = [known]

    def payload() -> tuple[dict[str, Any], rule_cache.Blobs] | None:
        compiled = sum(p.runtime_count() for rule in rules for p in _programs(rule))
        if compiled == stored[0]:
            return None
        stored[0] = compiled
        blobs = rule_cache.Blobs()
        return {"rules": [_rule_data(rule, blobs) for rule in rules]}, blobs

    rule_cache.store_at_exit(entry, payload)
