"""Lint one FHIR file: read it as a plan (read.fhir), then the same plan -> timeline -> rules.

Findings carry the FHIR element they are about (Finding.element). Where the FHIR does not give
the indication, the rules run under each of the three indications: a finding that all three
give is reported; a rule whose findings differ could not judge the plan, and one not-judged
finding names those rules (nothing is guessed; docs/fhir.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ..engine import evaluate
from ..engine.ruleset import RuleSet
from ..plan import models as plan_module
from ..read.fhir import reader, vocab
from ..read.source import Document
from ..results.files import FileResult
from ..results.findings import NOT_JUDGED, Evidence, Finding, Severity, sort_findings
from ..timeline import views as timeline_module

_EVIDENCE = (Evidence("blinacheck FHIR mapping, docs/fhir.md"),)


def not_judged(path: str, line: int, column: int, message: str, element: str) -> Finding:
    return Finding(
        rule=NOT_JUDGED,
        severity=Severity.WARNING,
        message=message,
        path=path,
        line=line,
        column=column,
        evidence=_EVIDENCE,
        subject=f"{element}#not-judged",
        title="Rules that could not judge the plan",
        element=element,
    )


def lint_document(
    read: Document, path: str, ruleset: RuleSet, invalid: Callable[..., Finding]
) -> FileResult:
    """Lint a plan read from FHIR (a read.fhir.reader.FhirDocument); ``invalid`` makes the
    invalid-plan findings (run.lint's, passed in: run.lint imports this module)."""
    assert isinstance(read, reader.FhirDocument)
    document = read
    plan, problems = plan_module.validate(document)
    if plan is None:
        findings = []
        for problem in problems:
            line, column = document.locate(problem.path, key=problem.at_key)
            element = document.element(problem.path)
            message = f"{problem.message} (read from {element})"
            findings.append(invalid(path, line, column, message, element, element))
        return FileResult(path, sort_findings(findings), document)
    notes = [not_judged(path, n.line, n.column, n.message, n.element) for n in document.notes]
    timeline: timeline_module.Timeline | None = None
    if document.indication_known:
        timeline = timeline_module.build(plan)
        findings = evaluate.apply(ruleset, timeline, document, path)
    else:
        findings, unjudged = _under_every_indication(plan, ruleset, document, path)
        line, column = document.locate(("indication",))
        message = (
            "the FHIR gives no indication (a Condition or reasonCode coded in "
            f"{vocab.INDICATION_SYSTEM}, or the extension {vocab.EXT_INDICATION}); "
            + (
                f"these rules could not judge the plan: {', '.join(unjudged)}"
                if unjudged
                else "no rule's findings depend on it for this plan"
            )
        )
        notes.append(not_judged(path, line, column, message, document.element(("indication",))))
        if not unjudged:
            notes.pop()
    located = [_with_element(f, document) for f in findings]
    return FileResult(path, sort_findings(located + notes), document, timeline)


def _under_every_indication(
    plan: plan_module.Plan, ruleset: RuleSet, document: reader.FhirDocument, path: str
) -> tuple[list[Finding], list[str]]:
    runs = []
    for indication in vocab.INDICATIONS:
        variant = plan.model_copy(update={"indication": indication})
        timeline = timeline_module.build(variant)
        runs.append(set(evaluate.apply(ruleset, timeline, document, path)))
    common = set.intersection(*runs)
    differing = set.union(*runs) - common
    unjudged = sorted({f.rule for f in differing})
    return [f for f in common if f.rule not in unjudged], unjudged


def _with_element(finding: Finding, document: reader.FhirDocument) -> Finding:
    """The FHIR element of what the finding is about: the element at the finding's line and
    column within its subject (a rule's report_at, e.g. a step's rate), else the subject's."""
    pointer = finding.subject.split("#", 1)[0]
    parts = [p for p in pointer.split("/") if p]
    plan_path = tuple(int(p) if p.lstrip("-").isdigit() else p for p in parts)
    at = (finding.line, finding.column)
    inside = [
        path
        for path in document.elements
        if path[: len(plan_path)] == plan_path
        and at in (document.positions.get(path), document.key_positions.get(path))
    ]
    best = max(inside, key=len) if inside else plan_path
    return replace(finding, element=document.element(best))
