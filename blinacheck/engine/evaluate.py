"""Apply a compiled rule set to a plan's timeline and produce findings.

An evaluation error is a finding about the rule (``rule-error``), never a silent false.
"""

from __future__ import annotations

from typing import Any

from ..findings import RULE_ERROR, Finding, Severity
from ..source import Document
from ..timeline import Subject, Timeline
from .celenv import CelEvalError, evaluate
from .ruleset import Rule, RuleSet


def apply(ruleset: RuleSet, timeline: Timeline, document: Document, path: str) -> list[Finding]:
    findings: list[Finding] = []
    for rule in ruleset.rules:
        for subject in timeline.subjects[rule.for_each]:
            finding = _apply_one(rule, subject, timeline, document, path)
            if finding is not None:
                findings.append(finding)
    return findings


def bindings(rule: Rule, subject: Subject, timeline: Timeline) -> dict[str, Any]:
    data: dict[str, Any] = {
        "plan": timeline.plan,
        "patient": timeline.patient,
        "params": rule.params,
    }
    if subject.cycle_index is not None:
        data["cycle"] = timeline.cycles[subject.cycle_index]
    data[rule.for_each] = subject.data
    return data


def _apply_one(
    rule: Rule, subject: Subject, timeline: Timeline, document: Document, path: str
) -> Finding | None:
    data = bindings(rule, subject, timeline)
    try:
        fired = evaluate(rule.for_each, rule.when, data)
        if not isinstance(fired, bool):
            raise CelEvalError(f"the condition gave {fired!r}, not true or false")
        if not fired:
            return None
        severity = _severity(rule, data)
        message = _message(rule, data)
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


def _severity(rule: Rule, data: dict[str, Any]) -> Severity:
    for expression, severity in rule.severity_cases:
        if evaluate(rule.for_each, expression, data) is True:
            return severity
    return rule.severity


def _message(rule: Rule, data: dict[str, Any]) -> str:
    parts = []
    for part in rule.message:
        if part.expression is None:
            parts.append(part.text)
        else:
            parts.append(render_value(evaluate(rule.for_each, part.expression, data)))
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
