"""Derived facts: cycle days and dates, BSA, absolute doses, infusion days, free intervals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from blinacheck.engine.fields import OBJECTS
from blinacheck.engine.ruleset import RuleSet
from blinacheck.plan import dates
from blinacheck.timeline.views import Timeline

from .conftest import EXAMPLES, REPO, lint
from .test_plan_format import FULL_PLAN


def timeline_of(text: str, ruleset: RuleSet) -> Timeline:
    result = lint(text, ruleset)
    assert result.timeline is not None, [f.message for f in result.findings]
    return result.timeline


@pytest.mark.parametrize(
    ("date", "day"),
    [
        ("2026-03-02", 1),
        ("2026-03-01", -1),
        ("2026-02-27", -3),
        ("2026-03-09", 8),
        ("2026-03-29", 28),
    ],
)
def test_date_to_cycle_day_has_no_day_0(date: str, day: int) -> None:
    start = dt.date(2026, 3, 2)
    assert dates.date_to_day(dt.date.fromisoformat(date), start) == day
    assert dates.day_to_date(day, start).isoformat() == date


def test_ranges_are_inclusive_and_skip_day_0() -> None:
    assert dates.parse_day_range("1-7") == (1, 7)
    assert len(dates.days_in_range(1, 7)) == 7
    assert dates.parse_day_range("12") == (12, 12)
    assert dates.days_in_range(-2, 2) == [-2, -1, 1, 2]


@pytest.mark.parametrize("text", ["2 Mar 2026", "March 2, 2026", "2026-03-02", " 2 March 2026 "])
def test_unambiguous_date_spellings(text: str) -> None:
    assert dates.parse_date(text) == dt.date(2026, 3, 2)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("03/04/2026", "ambiguous"),
        ("2026/03/04", "ambiguous"),
        ("20260302", "ambiguous"),
        ("March 2026", "lacks a day"),
        ("2 March", "lacks a day, month or year"),
        ("2 Mar 2026 10:00", "time of day"),
        ("soon", "not a date"),
    ],
)
def test_misreadable_dates_are_refused(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        dates.parse_date(text)


def test_bsa_is_mosteller_when_not_given_and_scales_per_m2_doses(builtin_rules: RuleSet) -> None:
    tl = timeline_of(
        """
        blinacheck: 1
        indication: relapsed-refractory
        patient: {age_years: 7, weight_kg: 24, height_cm: 120}
        cycles:
          - cycle: 1
            infusion:
              - {days: 1-7, dose: 5 mcg/m2/day}
              - {days: 8-28, dose: 15 mcg/m2/day}
            premedication:
              - {drug: dexamethasone, dose: 5 mg/m2, day: 1}
        """,
        builtin_rules,
    )
    assert tl.patient["bsa_m2"] == pytest.approx(0.8944, abs=1e-4)
    assert tl.patient["bsa_source"] == "mosteller"
    lower, target = tl.cycles[0]["steps"]
    assert lower["mcg_per_m2_per_day"] == 5 and lower["mcg_per_day"] == pytest.approx(
        4.4721, abs=1e-3
    )
    assert target["mcg_per_day"] == pytest.approx(13.4164, abs=1e-3)
    premed = tl.cycles[0]["premedication"][0]
    assert premed["dose_mg_per_m2"] == 5 and premed["dose_mg"] == pytest.approx(4.4721, abs=1e-3)


def test_per_m2_dose_without_bsa_has_no_absolute_dose(builtin_rules: RuleSet) -> None:
    tl = timeline_of(
        """
        blinacheck: 1
        indication: mrd-positive
        cycles:
          - cycle: 1
            infusion:
              - {days: 1-28, dose: 15 mcg/m2/day}
        """,
        builtin_rules,
    )
    step = tl.cycles[0]["steps"][0]
    assert "mcg_per_day" not in step and step["mcg_per_m2_per_day"] == 15
    assert tl.patient == {}


GAPS = """
blinacheck: 1
indication: mrd-positive
cycles:
  - cycle: 1
    start: 2026-03-02
    length_days: 42
    infusion: [{days: 1-28, dose: 28 mcg/day}]
  - cycle: 2
    infusion: [{days: 1-28, dose: 28 mcg/day}]
  - cycle: 3
    start: 2026-06-01
    infusion: [{days: 1-28, dose: 28 mcg/day}]
  - cycle: 4
    infusion: [{days: 1-28, dose: 28 mcg/day}]
"""


def test_free_days_from_dates_or_length_or_unknown(builtin_rules: RuleSet) -> None:
    tl = timeline_of(GAPS, builtin_rules)
    # Cycle 2's Day 1 is placed by cycle 1's start + length_days: 2026-04-13.
    assert tl.cycles[1]["start"] == "2026-04-13" and tl.cycles[1]["start_given"] is False
    gaps = [s.data for s in tl.subjects["cycle_gap"]]
    assert gaps[0]["free_days"] == 14 and gaps[0]["free_days_from"] == "dates"
    # 2026-05-10 is cycle 2's last infusion day; 2026-06-01 is cycle 3's Day 1.
    assert gaps[1]["free_days"] == 21
    assert "free_days" not in gaps[2]  # cycle 3 has no length_days, cycle 4 no start


def test_free_days_from_length_days_only(builtin_rules: RuleSet) -> None:
    tl = timeline_of(
        """
        blinacheck: 1
        indication: mrd-positive
        cycles:
          - cycle: 1
            length_days: 35
            infusion: [{days: 1-28, dose: 28 mcg/day}]
          - cycle: 2
            infusion: [{days: 1-28, dose: 28 mcg/day}]
        """,
        builtin_rules,
    )
    gap = tl.subjects["cycle_gap"][0].data
    assert (gap["free_days"], gap["free_days_from"]) == (7, "length_days")


def test_interruption_explains_gap_days(builtin_rules: RuleSet) -> None:
    tl = timeline_of(
        """
        blinacheck: 1
        indication: mrd-positive
        cycles:
          - cycle: 1
            infusion:
              - {days: 1-11, dose: 28 mcg/day}
              - {days: 15-31, dose: 28 mcg/day}
            interruptions:
              - {day: 12, hours: 72}
        """,
        builtin_rules,
    )
    cycle = tl.cycles[0]
    assert cycle["infusion_days"] == 28
    assert cycle["gap_days"] == [12, 13, 14] and cycle["unexplained_gap_days"] == []


PER_M2_EVENT = """
blinacheck: 1
indication: relapsed-refractory
patient: {age_years: 7, weight_kg: 24, height_cm: 120}
cycles:
  - cycle: 1
    infusion:
      - {days: 1-7, dose: 5 mcg/m2/day}
      - {days: 8-28, dose: 15 mcg/m2/day}
    adverse_events:
      - {day: 10, type: crs, grade: 2}
"""


def _emitted(value: Any, kind: str, seen: dict[str, set[str]]) -> None:
    """Collect the keys of every object in a view, following the schema's types."""
    seen.setdefault(kind, set()).update(value)
    for name, field in OBJECTS[kind].items():
        if name not in value:
            continue
        inner = field.type[5:-1] if field.type.startswith("list<") else field.type
        if inner in OBJECTS:
            items = value[name] if field.type.startswith("list<") else [value[name]]
            for item in items:
                _emitted(item, inner, seen)


def test_timeline_emits_exactly_the_documented_fields(builtin_rules: RuleSet) -> None:
    """Every field a rule can read is declared in engine/fields.py, and every declared field is
    produced for some plan (the examples and the full plan of test_plan_format)."""
    seen: dict[str, set[str]] = {}
    texts = [FULL_PLAN, PER_M2_EVENT] + [p.read_text() for p in sorted(EXAMPLES.glob("*.yaml"))]
    fixtures = sorted((REPO / "tests" / "rules").rglob("*.yaml"))
    texts += [p.read_text() for p in fixtures]
    for text in texts:
        result = lint(text, builtin_rules)
        if result.timeline is None:  # fixtures of invalid plans
            continue
        tl = result.timeline
        _emitted(tl.plan, "plan", seen)
        _emitted(tl.patient, "patient", seen)
        for kind, subjects in tl.subjects.items():
            for subject in subjects:
                _emitted(subject.data, kind, seen)
    for kind, fields in OBJECTS.items():
        undeclared = seen.get(kind, set()) - set(fields)
        assert not undeclared, f"{kind} emits undeclared fields {undeclared}"
        required = {name for name, spec in fields.items() if not spec.optional}
        never = set(fields) - seen.get(kind, set())
        assert not never, f"{kind} declares fields never emitted: {never}"
        assert required <= seen[kind]


COURSE_PLAN = """\
blinacheck: 1
indication: relapsed-refractory
patient: {age_years: 40, weight_kg: 70, weighed_on: 2026-03-05}
cycles:
  - cycle: 1
    start: 2026-03-09
    infusion:
      - {days: 1-7, dose: 9 mcg/day}
      - {days: 8-28, dose: 28 mcg/day}
    adverse_events:
      - {day: 20, type: seizure, grade: 2}
      - {day: 12, type: seizure, grade: 2}
      - {day: 15, type: crs, grade: 1}
  - cycle: 2
    start: 2026-04-20
    infusion:
      - {days: 1-28, dose: 28 mcg/day}
    adverse_events:
      - {day: 3, type: seizure, grade: 2}
  - cycle: 3
    start: 2026-06-01
    infusion:
      - {days: 1-28, dose: 28 mcg/day}
"""


def test_course_facts_are_in_each_view_as_it_is_made(builtin_rules: RuleSet) -> None:
    # Seizures are numbered through the course in day order (the Day 12 one, written second,
    # is the first); each event knows how many cycles follow its own. The same dicts are the
    # rules' subjects.
    timeline = timeline_of(COURSE_PLAN, builtin_rules)
    events = [
        (c["number"], e["cycle_day"], e["type"], e.get("seizure_number"), e["later_cycles"])
        for c in timeline.cycles
        for e in c["adverse_events"]
    ]
    assert events == [
        (1, 20, "seizure", 2, 2),
        (1, 12, "seizure", 1, 2),
        (1, 15, "crs", None, 2),
        (2, 3, "seizure", 3, 1),
    ]
    subjects = [s.data for s in timeline.subjects["adverse_event"]]
    assert [id(d) for d in subjects] == [
        id(e) for c in timeline.cycles for e in c["adverse_events"]
    ]
    assert timeline.patient["weight_days_before_start"] == 4
