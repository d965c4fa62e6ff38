"""Rule files, format version 1: validated completely before any plan, evaluated honestly."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from blinacheck.engine.ruleset import RuleSetError, load
from blinacheck.results.findings import RULE_ERROR, Severity

from .conftest import lint, where

PLAN = """
blinacheck: 1
indication: relapsed-refractory
patient: {age_years: 12, weight_kg: 40, height_cm: 150}
cycles:
  - cycle: 1
    start: 2026-03-02
    infusion:
      - {days: 1-7, dose: 5 mcg/m2/day}
      - {days: 8-28, dose: 15 mcg/m2/day}
    intrathecal:
      - {day: 1, drugs: [methotrexate]}
      - {day: 8, drugs: [methotrexate, cytarabine], dose: 12 mg}
"""


def rules_dir(tmp_path: Path, body: str) -> str:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / "local.yaml").write_text("rules:\n" + textwrap.dedent(body))
    return str(folder)


def problems(tmp_path: Path, body: str) -> list[str]:
    with pytest.raises(RuleSetError) as caught:
        load([rules_dir(tmp_path, body)], builtin=False)
    return [str(p) for p in caught.value.problems]


def test_valid_rule_with_severity_cases_message_and_report_at(tmp_path: Path) -> None:
    folder = rules_dir(
        tmp_path,
        """
        - id: local-it-check
          title: IT with a dose
          severity:
            default: info
            cases:
              - when: intrathecal.drugs.size() > params.many
                severity: error
          for_each: intrathecal
          when: has(intrathecal.dose_mg)
          message: >-
            IT of {{intrathecal.drugs}} on day {{intrathecal.cycle_day}},
            {{intrathecal.dose_mg}} mg
          report_at: dose
          params: {many: 1}
          evidence: [{source: test evidence for this rule}]
        """,
    )
    ruleset = load([folder], builtin=False)
    result = lint(PLAN, ruleset)
    assert where(result.findings) == [("local-it-check", 12)]
    finding = result.findings[0]
    assert finding.severity is Severity.ERROR
    assert finding.message == "IT of methotrexate, cytarabine on day 8, 12 mg"
    # report_at: dose points at the 'dose' key of the IT entry
    assert finding.column == 53 and (finding.cycle, finding.day) == (1, 8)
    assert finding.subject == "/cycles/0/intrathecal/1"


@pytest.mark.parametrize(
    ("body", "line", "expected"),
    [
        (
            "- id: x\n  title: typo\n  severity: error\n  for_each: intrathecal\n"
            "  when: intrathecal.cycle_dya == 1\n  message: m\n",
            6,
            "has no field 'cycle_dya'; did you mean 'cycle_day'?",
        ),
        (
            "- id: x\n  title: syntax\n  severity: error\n  for_each: intrathecal\n"
            "  when: intrathecal.cycle_day ==\n  message: m\n",
            6,
            "Syntax error",
        ),
        (
            "- id: x\n  title: severity\n  severity: critical\n  for_each: plan\n"
            "  when: 'true'\n  message: m\n",
            4,
            "'critical' is not allowed",
        ),
        (
            "- id: x\n  title: unknown key\n  severity: info\n  for_each: plan\n"
            "  when: 'true'\n  message: m\n  colour: red\n",
            8,
            "unknown key 'colour'",
        ),
        (
            "- id: x\n  title: subject\n  severity: info\n  for_each: dose\n"
            "  when: 'true'\n  message: m\n",
            5,
            "'dose' is not allowed",
        ),
        (
            "- id: x\n  title: param\n  severity: info\n  for_each: plan\n"
            "  when: plan.cycle_count > params.max_cycles\n  message: m\n",
            6,
            "declared params has no field 'max_cycles'",
        ),
        (
            "- id: x\n  title: nested typo\n  severity: info\n  for_each: cycle\n"
            "  when: cycle.steps.exists(s, s.mcg_per_dy > 28)\n  message: m\n",
            6,
            "has no field 'mcg_per_dy'; did you mean 'mcg_per_day'?",
        ),
        (
            "- id: x\n  title: placeholder\n  severity: info\n  for_each: plan\n"
            "  when: 'true'\n  message: '{{plan.titel}}'\n",
            7,
            "message placeholder: plan has no field 'titel'",
        ),
        (
            "- id: X_bad\n  title: bad id\n  severity: info\n  for_each: plan\n"
            "  when: 'true'\n  message: m\n",
            2,
            "id: String should match pattern",
        ),
        (
            "- id: x\n  title: report\n  severity: info\n  for_each: cycle\n"
            "  when: 'true'\n  message: m\n  report_at: nowhere\n",
            8,
            "report_at: 'nowhere' is not a key",
        ),
        (
            "- id: x\n  title: no evidence\n  severity: info\n  for_each: plan\n"
            "  when: 'true'\n  message: m\n  evidence: []\n",
            8,
            "at least 1 item",
        ),
    ],
)
def test_invalid_rules_are_located(tmp_path: Path, body: str, line: int, expected: str) -> None:
    if "evidence" not in body:
        body += "  evidence: [{source: test evidence}]\n"
    found = problems(tmp_path, body)
    assert len(found) == 1, found
    assert found[0].startswith(f"{tmp_path}/rules/local.yaml:{line}:")
    assert expected in found[0]


def test_all_rule_problems_are_reported_together(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        """
        - id: a
          title: first
          severity: info
          for_each: plan
          when: plan.nope
          message: m
          evidence: [{source: test evidence for this rule}]
        """
        + """
        - id: a
          title: duplicate id
          severity: info
          for_each: plan
          when: 'true'
          message: m
          evidence: [{source: test evidence for this rule}]
        """,
    )
    assert len(found) == 2
    assert "plan has no field 'nope'" in found[0]
    assert "rule id 'a' is already defined" in found[1]


def test_evaluation_error_is_a_rule_error_finding_not_false(tmp_path: Path) -> None:
    folder = rules_dir(
        tmp_path,
        """
        - id: needs-dose
          title: reads an optional field without has()
          severity: warning
          for_each: intrathecal
          when: intrathecal.dose_mg > 10.0
          message: big IT dose
          evidence: [{source: test evidence for this rule}]
        """,
    )
    result = lint(PLAN, load([folder], builtin=False))
    # The first IT entry has no dose: the missing key is an evaluation error, reported at the
    # entry; the second entry evaluates normally and fires.
    assert where(result.findings) == [(RULE_ERROR, 11), ("needs-dose", 12)]
    error = result.findings[0]
    assert "rule 'needs-dose' could not be evaluated" in error.message
    assert "dose_mg" in error.message and error.severity is Severity.ERROR


def test_non_boolean_condition_is_a_rule_error(tmp_path: Path) -> None:
    folder = rules_dir(
        tmp_path,
        """
        - id: not-a-condition
          title: gives a number
          severity: info
          for_each: plan
          when: plan.cycle_count
          message: m
          evidence: [{source: test evidence for this rule}]
        """,
    )
    result = lint(PLAN, load([folder], builtin=False))
    assert where(result.findings) == [(RULE_ERROR, 1)]
    assert "not true or false" in result.findings[0].message


def test_iteration_budget_ends_as_rule_error(tmp_path: Path) -> None:
    folder = rules_dir(
        tmp_path,
        """
        - id: expensive
          title: nested comprehensions
          severity: info
          for_each: cycle
          when: >-
            cycle.days.all(a, cycle.days.all(b, cycle.days.all(c,
              cycle.days.all(d, a.day + b.day + c.day + d.day > 0))))
          message: m
          evidence: [{source: test evidence for this rule}]
        """,
    )
    result = lint(PLAN, load([folder], builtin=False))
    assert where(result.findings) == [(RULE_ERROR, 5)]
    assert "budget" in result.findings[0].message.lower()


def test_absent_patient_data_is_absent_not_null(tmp_path: Path) -> None:
    folder = rules_dir(
        tmp_path,
        """
        - id: child
          title: child
          severity: info
          for_each: plan
          when: has(patient.age_years) && patient.age_years < 18
          message: child
          evidence: [{source: test evidence for this rule}]
        """,
    )
    ruleset = load([folder], builtin=False)
    assert where(lint(PLAN, ruleset).findings) == [("child", 1)]
    template = PLAN.replace("patient: {age_years: 12, weight_kg: 40, height_cm: 150}\n", "")
    template = template.replace("5 mcg/m2/day", "9 mcg/day").replace("15 mcg/m2/day", "28 mcg/day")
    assert where(lint(template, ruleset).findings) == []


def test_builtin_rules_pass_the_field_check() -> None:
    """Runs skip the field check for the built-in rules (they only change with a release);
    this test is where they get it."""
    ruleset = load(check_builtin_fields=True)
    assert len(ruleset.rules) >= 26


def test_builtin_field_check_can_fail(tmp_path: Path) -> None:
    """The same switch really checks: a built-in-marked source with a typo is refused."""
    from blinacheck.engine.ruleset import compile_sources

    source = (
        b"rules:\n  - id: x\n    title: typo\n    severity: info\n    for_each: plan\n"
        b"    when: plan.cycle_cont > 1\n    message: m\n    evidence: [{source: test}]\n"
    )
    assert compile_sources([("<builtin>/x.yaml", source, True)]).rules  # unchecked
    with pytest.raises(RuleSetError, match="plan has no field 'cycle_cont'"):
        compile_sources([("<builtin>/x.yaml", source, True)], check_builtin_fields=True)
