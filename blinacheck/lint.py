"""Lint plans: the library entry points that the CLI (and anyone else) calls.

source -> plan -> timeline -> rules -> findings, one file at a time; a file never affects another.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from . import plan as plan_module
from . import timeline as timeline_module
from .engine import evaluate
from .engine.ruleset import RuleSet
from .findings import INVALID_PLAN, Evidence, Finding, Severity, sort_findings
from .source import DEFAULT_MAX_BYTES, Document, SourceError, load_bytes

PLAN_SUFFIXES = (".yaml", ".yml", ".json")
_FORMAT_EVIDENCE = (Evidence("blinacheck plan-file format, docs/plan-format.md"),)


class PathError(Exception):
    """A path that cannot be read at all (exit code 2)."""


@dataclass
class FileResult:
    """What linting one file produced."""

    path: str
    findings: list[Finding]
    document: Document | None = None
    timeline: timeline_module.Timeline | None = None
    plan: plan_module.Plan | None = None
    is_plan: bool = True


@dataclass
class LintReport:
    results: list[FileResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return sort_findings([f for r in self.results for f in r.findings])

    def counts(self, *, include_suppressed: bool = False) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        for finding in self.findings:
            if finding.suppressed is None or include_suppressed:
                counts[str(finding.severity)] += 1
        return counts


def invalid(path: str, line: int, column: int, message: str, subject: str = "") -> Finding:
    return Finding(
        rule=INVALID_PLAN,
        severity=Severity.ERROR,
        message=message,
        path=path,
        line=line,
        column=column,
        evidence=_FORMAT_EVIDENCE,
        subject=subject,
        title="The plan file is not valid",
    )


def read_document(raw: bytes, path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    if path.endswith(".json"):
        # JSON allows tabs as whitespace where YAML does not; outside strings (inside them JSON
        # forbids raw tabs) a tab and a space are the same one column wide, so positions hold.
        raw = raw.replace(b"\t", b" ")
    return load_bytes(raw, max_bytes=max_bytes)


def lint_bytes(
    raw: bytes,
    path: str,
    ruleset: RuleSet,
    *,
    explicit: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> FileResult:
    """Lint one file's content. A non-plan file met by directory search is marked is_plan=False."""
    try:
        document = read_document(raw, path, max_bytes)
    except SourceError as exc:
        if not explicit:
            return FileResult(path, [], is_plan=False)
        return FileResult(path, [invalid(path, p.line, p.column, p.message) for p in exc.problems])
    if not explicit and not (isinstance(document.data, dict) and "blinacheck" in document.data):
        return FileResult(path, [], document, is_plan=False)
    plan, problems = plan_module.validate(document)
    if plan is None:
        findings = []
        for problem in problems:
            line, column = document.locate(problem.path, key=problem.at_key)
            pointer = "/" + "/".join(str(p) for p in problem.path)
            findings.append(invalid(path, line, column, problem.message, pointer))
        return FileResult(path, sort_findings(findings), document)
    timeline = timeline_module.build(plan)
    findings = evaluate.apply(ruleset, timeline, document, path)
    return FileResult(path, sort_findings(findings), document, timeline, plan)


def lint_text(text: str, ruleset: RuleSet, path: str = "<text>") -> FileResult:
    """Lint plan text (YAML or JSON) given as a string."""
    return lint_bytes(text.encode("utf-8"), path, ruleset)


def lint_file(
    path: str, ruleset: RuleSet, *, explicit: bool = True, max_bytes: int = DEFAULT_MAX_BYTES
) -> FileResult:
    try:
        with open(path, "rb") as handle:
            # Read one byte past the limit: enough to know the file is too big, never more.
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise PathError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return lint_bytes(raw, path, ruleset, explicit=explicit, max_bytes=max_bytes)


def discover(paths: Iterable[str]) -> Iterator[tuple[str, bool]]:
    """Files to lint, each with whether it was named explicitly. Raise PathError for bad paths."""
    for path in paths:
        if os.path.isdir(path):
            found = []
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found += [os.path.join(root, f) for f in files if f.endswith(PLAN_SUFFIXES)]
            for file in sorted(found):
                yield file, False
        elif os.path.isfile(path):
            yield path, True
        elif os.path.exists(path):
            raise PathError(f"{path}: not a regular file or directory")
        else:
            raise PathError(f"{path}: no such file or directory")


def lint_paths(
    paths: Iterable[str], ruleset: RuleSet, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> LintReport:
    report = LintReport()
    for file, explicit in discover(list(paths)):
        result = lint_file(file, ruleset, explicit=explicit, max_bytes=max_bytes)
        if result.is_plan:
            report.results.append(result)
        else:
            report.skipped.append(file)
    return report
