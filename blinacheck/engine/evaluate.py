"""Apply a compiled rule set to a plan's timeline and produce findings.

An evaluation error is a finding about the rule (``rule-error``), never a silent false.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..read.source import Document
from ..results.findings import RULE_ERROR, Finding, Severity
from ..timeline.views import Subject, Timeline
from . import memory_cap
from .celenv import CelEvalError, SharedActivation
from .ruleset import Rule, RuleSet

Run = Callable[[Any], Any]  # evaluates one compiled expression for the subject at hand

# One evaluation is bounded by CEL's iteration budget; this bounds how many of them a rule can
# chain on one file (a plan at every limit has thousands of subjects). A rule past it is
# skipped for the rest of the file, with a rule-error finding. Real rules take microseconds.
RULE_SECONDS_PER_FILE = 2.0


def apply(ruleset: RuleSet, timeline: Timeline, document: Document, path: str) -> list[Finding]:
    findings: list[Finding] = []
    shared = SharedActivation(
        timeline.plan,
        timeline.patient,
        timeline.cycles,
        {
            kind: [(s.data, s.cycle_index, _position(s, i)) for i, s in enumerate(subjects)]
            for kind, subjects in timeline.subjects.items()
        },
        {rule.id: rule.params for rule in ruleset.rules},
    )
    with memory_cap.capped():
        for rule in ruleset.rules:
            started = time.monotonic()
            subjects = timeline.subjects[rule.for_each]
            for index, subject in enumerate(subjects):
                run = _runner(shared, rule, subject, index)
                finding = _apply_one(rule, subject, run, document, path)
                if finding is not None:
                    findings.append(finding)
                last = index + 1 == len(subjects)  # nothing left unchecked: no stop to report
                if not last and time.monotonic() - started > RULE_SECONDS_PER_FILE:
                    findings.append(_over_time(rule, subject, document, path))
                    break
    return findings


def _over_time(rule: Rule, subject: Subject, document: Document, path: str) -> Finding:
    line, column = document.locate(subject.path)
    return Finding(
        rule=RULE_ERROR,
        severity=Severity.ERROR,
        message=f"rule '{rule.id}' took more than {RULE_SECONDS_PER_FILE:g} s on this file and "
        "was stopped here; the rest of the file was not checked with it",
        path=path,
        line=line,
        column=column,
        cycle=subject.cycle,
        day=subject.day,
        subject=f"{_pointer(subject.path)}#{rule.id}",
    )


def _runner(shared: SharedActivation, rule: Rule, subject: Subject, index: int) -> Run:
    """Evaluate one of the rule's expressions for this subject (see celenv.SharedActivation)."""

    position = _position(subject, index)

    def run(expression: Any) -> Any:
        return shared.evaluate(expression, rule.id, subject.cycle_index, position, index)

    return run


def _position(subject: Subject, ordinal: int) -> int:
    """The subject's index in its own list in the plan file (its path ends with it)."""
    last = subject.path[-1] if subject.path else ordinal
    return last if isinstance(last, int) else ordinal


def _apply_one(
    rule: Rule, subject: Subject, run: Run, document: Document, path: str
) -> Finding | None:
    try:
        fired = run(rule.when)
        if not isinstance(fired, bool):
            raise CelEvalError(f"the condition gave {fired!r}, not true or false")
        if not fired:
            return None
        severity = _severity(rule, run)
        message = _message(rule, run)
    except CelEvalError as exc:
        line, column = document.locate(subject.path)
        return Finding(
            rule=RULE_ERROR,
            severity=Severity.ERROR,
            message=f"rule '{rule.id}' could not be evaluated here: {exc}",
            path=path,
            line=line,
            column=column,
            cycle=subject.cycle,
            day=subject.day,
            subject=f"{_pointer(subject.path)}#{rule.id}",
        )
    line, column = _locate(rule, subject, document)
    return Finding(
        rule=rule.id,
        severity=severity,
        message=message,
        path=path,
        line=line,
        column=column,
        cycle=subject.cycle,
        day=subject.day,
        evidence=rule.evidence,
        subject=_pointer(subject.path),
        title=rule.title,
    )


def _severity(rule: Rule, run: Run) -> Severity:
    for expression, severity, _ in rule.severity_cases:
        if run(expression) is True:
            return severity
    return rule.severity


def _message(rule: Rule, run: Run) -> str:
    parts = []
    for part in rule.message:
        if part.expression is None:
            parts.append(part.text)
        else:
            parts.append(render_value(run(part.expression)))
    return "".join(parts).strip()


def render_value(value: Any) -> str:
    """A CEL value as text in a message: 9.0 -> '9', lists comma-separated."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}" if value == int(value) or abs(value) >= 1 else f"{value:.3g}"
    if isinstance(value, list):
        return ", ".join(render_value(v) for v in value)
    return str(value)


def _locate(rule: Rule, subject: Subject, document: Document) -> tuple[int, int]:
    if rule.report_at:
        target = (*subject.path, *rule.report_at)
        if document.has(target):
            return document.locate(target, key=True)
    return document.locate(subject.path)


def _pointer(path: tuple[Any, ...]) -> str:
    return "/" + "/".join(str(p) for p in path)
