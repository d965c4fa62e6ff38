"""No built-in rule fails to evaluate on a valid plan: a `rule-error` there is a bug in the rule.

A built-in rule that reads an optional field without `has()` gives `rule-error ... Key not found
in map` on the plans that lack it, in place of its finding (a grade-4 event before Day 1 once hid
the non-overridable `discontinuation-required` error that way). Every valid plan we have runs
through every built-in rule here: the examples, the rule fixtures and the label plans, and plans
generated around the edges of the timeline (events, interruptions and doses before Day 1, on
Day 1, on the last infusion day and after it). To check more plans, add a folder to CORPORA or a
generator to GENERATED.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from blinacheck.engine.ruleset import RuleSet
from blinacheck.results.findings import RULE_ERROR
from blinacheck.run.lint import lint_text

from .conftest import EXAMPLES, REPO

# Folders of valid plans (searched recursively for *.yaml). A file that is not a valid plan
# fails the test: every plan here must lint with no invalid-plan finding.
CORPORA = [EXAMPLES, REPO / "tests" / "rules"]


def _corpus() -> list[Path]:
    return sorted(path for folder in CORPORA for path in folder.rglob("*.yaml"))


_EVENT_PLAN = """\
blinacheck: 1
indication: {indication}
patient: {{age_years: {age}, weight_kg: {weight}, height_cm: {height}}}
cycles:
  - cycle: 1
    start: 2026-03-02
    length_days: 42
    infusion:
      - {{days: 1-7, dose: {low}}}
      - {{days: 8-28, dose: {high}}}
  - cycle: 2
    infusion:
      - {{days: 1-28, dose: {high}}}
    {key}:
      - {item}
"""
_ADULT = {"age": 40, "weight": 70, "height": 175, "low": "9 mcg/day", "high": "28 mcg/day"}
_CHILD = {"age": 8, "weight": 25, "height": 125, "low": "5 mcg/m2/day", "high": "15 mcg/m2/day"}
_DAYS = (-2, -1, 1, 2, 28, 31)  # before Day 1, Day 1, Day 2, the last infusion day, after it


def _events() -> Iterator[tuple[str, str]]:
    for patient, kind, grade, day in itertools.product(
        (_ADULT, _CHILD), ("crs", "neurologic", "seizure"), (1, 2, 3, 4), _DAYS
    ):
        item = f"{{day: {day}, type: {kind}, grade: {grade}}}"
        yield (
            f"event-{kind}-grade-{grade}-day-{day}-age-{patient['age']}",
            _EVENT_PLAN.format(
                indication="relapsed-refractory", key="adverse_events", item=item, **patient
            ),
        )


def _other_items() -> Iterator[tuple[str, str]]:
    items = {
        "interruptions": ["{{day: {day}, hours: 6}}", "{{day: {day}, hours: 200}}"],
        "premedication": ["{{day: {day}, drug: dexamethasone, dose: 20 mg}}"],
        "intrathecal": [
            "{{day: {day}, drugs: [methotrexate]}}",
            "{{day: {day}, drugs: [methotrexate, cytarabine], dose: 12 mg}}",
        ],
    }
    for indication, patient, (key, shapes), day in itertools.product(
        ("relapsed-refractory", "mrd-positive"), (_ADULT, _CHILD), items.items(), _DAYS
    ):
        for number, shape in enumerate(shapes):
            item = shape.format(day=day)
            yield (
                f"{key}-{number}-day-{day}-{indication}-age-{patient['age']}",
                _EVENT_PLAN.format(indication=indication, key=key, item=item, **patient),
            )


# Generators of (name, plan text); each plan must be valid.
GENERATED: list[Callable[[], Iterator[tuple[str, str]]]] = [_events, _other_items]


def _cases() -> list[tuple[str, str]]:
    cases = [(str(path.relative_to(REPO)), path.read_text(encoding="utf-8")) for path in _corpus()]
    for generate in GENERATED:
        cases += list(generate())
    return cases


CASES = _cases()


def test_the_corpus_is_not_empty() -> None:
    names = [name for name, _ in CASES]
    assert "examples/child-it-day-1.yaml" in names
    assert "event-crs-grade-4-day--2-age-40" in names
    assert len(CASES) > 200


@pytest.mark.parametrize(("name", "text"), CASES, ids=[name for name, _ in CASES])
def test_no_builtin_rule_errors_on_a_valid_plan(
    name: str, text: str, builtin_rules: RuleSet
) -> None:
    findings = lint_text(text, builtin_rules, path=name).findings
    assert [f for f in findings if f.rule == "invalid-plan"] == [], "not a valid plan"
    errors = [f"{f.line}:{f.column}: {f.message}" for f in findings if f.rule == RULE_ERROR]
    assert errors == []


def test_grade_4_before_day_1_is_the_discontinuation_error(builtin_rules: RuleSet) -> None:
    text = dict(CASES)["event-crs-grade-4-day--2-age-40"]
    findings = lint_text(text, builtin_rules, path="plan.yaml").findings
    stop = [f for f in findings if f.rule == "discontinuation-required"]
    assert [(f.line, str(f.severity)) for f in stop] == [(15, "error")]
    assert stop[0].message == (
        "grade 4 CRS on Day -2 of cycle 2 requires permanent discontinuation, but the infusion "
        "starts on Day 1 after it"
    )
