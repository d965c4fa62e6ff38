"""The plan file, format version 1: every key, typed from text, and invalid input located."""

from __future__ import annotations

import pytest

from blinacheck.engine.ruleset import RuleSet
from blinacheck.plan.models import Plan, validate
from blinacheck.read.source import load_text
from blinacheck.results.findings import INVALID_PLAN

from .conftest import lint, where


def validated(text: str) -> Plan:
    """The plan model the pipeline validated ``text`` into (results carry no model)."""
    plan, problems = validate(load_text(text))
    assert plan is not None, problems
    return plan


FULL_PLAN = """
blinacheck: 1
title: Adult R/R B-ALL, blinatumomab cycles 1-2
indication: relapsed-refractory
patient:
  age_years: 42
  weight_kg: 78
  height_cm: 176
  bsa_m2: 1.95
  weighed_on: 2026-02-27
  bone_marrow_blasts_pct: 35
  cd4_per_uL: 420
  albumin_g_L: 38
  prior_neurotoxicity: false
  seizure_history: false
  cns_status: CNS1
  down_syndrome: false
  mutations: [TP53]
cycles:
  - cycle: 1
    start: 2026-03-02
    length_days: 42
    infusion:
      - days: 1-7
        dose: 9 mcg/day
      - days: 8-28
        dose: 28 mcg/day
    bags:
      - days: 1-28
        hours: 48
    premedication:
      - {drug: dexamethasone, dose: 20 mg, day: 1, minutes_before: 60}
      - {drug: Dexamethasone, dose: 20 mg, day: 8}
    intrathecal:
      - {date: 2026-03-09, drugs: [methotrexate], dose: 15 mg}
    hospitalization: 1-9
    interruptions:
      - {day: 12, hours: 6, reason: line occlusion}
    adverse_events:
      - {day: 12, type: neurologic, grade: 2}
  - cycle: 2
    start: 2026-04-13
    infusion:
      - {days: 1-28, dose: 28 mcg/day}
    hospitalization: [1-2]
vaccinations:
  - {date: 2026-03-20, vaccine: MMR, live: true}
"""


def test_every_key_of_the_format_is_read(builtin_rules: RuleSet) -> None:
    result = lint(FULL_PLAN, builtin_rules)
    assert where(result.findings, INVALID_PLAN) == []
    assert result.timeline is not None
    plan, tl = validated(FULL_PLAN), result.timeline
    assert plan.title == "Adult R/R B-ALL, blinatumomab cycles 1-2"
    patient = tl.patient
    assert patient["age_years"] == 42 and patient["weight_kg"] == 78
    assert patient["bsa_m2"] == 1.95 and patient["bsa_source"] == "given"
    assert patient["bsa_mosteller_m2"] == pytest.approx(1.9528, abs=1e-4)
    assert patient["weighed_on"] == "2026-02-27"
    assert patient["weight_days_before_start"] == 3
    assert patient["cns_status"] == "CNS1" and patient["mutations"] == ["TP53"]
    assert patient["prior_neurotoxicity"] is False and patient["cd4_per_uL"] == 420
    cycle1 = tl.cycles[0]
    assert cycle1["start"] == "2026-03-02" and cycle1["length_days"] == 42
    assert [(s["from_day"], s["to_day"], s["mcg_per_day"]) for s in cycle1["steps"]] == [
        (1, 7, 9.0),
        (8, 28, 28.0),
    ]
    assert cycle1["infusion_days"] == 28
    assert cycle1["hospital_days"] == list(range(1, 10))
    # 48-hour bags from Day 1 run Days 7-8 in one bag, across the Day 8 step-up
    assert cycle1["bags"] == [
        {"index": 0, "from_day": 1, "to_day": 28, "hours": 48.0, "dose_change_days": [8]}
    ]
    premed = cycle1["premedication"]
    assert [(p["drug"], p["cycle_day"], p["dose_mg"]) for p in premed] == [
        ("dexamethasone", 1, 20.0),
        ("dexamethasone", 8, 20.0),
    ]
    assert premed[0]["minutes_before"] == 60 and premed[0]["date"] == "2026-03-02"
    it = cycle1["intrathecal"][0]
    assert (it["cycle_day"], it["date"], it["given_as"], it["drugs"]) == (
        8,
        "2026-03-09",
        "date",
        ["methotrexate"],
    )
    assert cycle1["interruptions"][0]["reason"] == "line occlusion"
    assert cycle1["adverse_events"][0]["dose_at_event_mcg_per_day"] == 28.0
    assert tl.cycles[1]["hospital_days"] == [1, 2]
    vaccination = tl.subjects["vaccination"][0].data
    assert vaccination["days_from_first_day1"] == 18 and vaccination["live"] is True
    gap = tl.subjects["cycle_gap"][0].data
    assert (gap["free_days"], gap["free_days_from"]) == (14, "dates")


def test_json_plan_is_read_with_locations(builtin_rules: RuleSet) -> None:
    text = """
    {
      "blinacheck": 1,
      "indication": "relapsed-refractory",
      "cycles": [
        {"cycle": 1, "infusion": [{"days": "1-28", "dose": "28 mcg/day"}],
         "intrathecal": [{"day": 1, "drugs": ["methotrexate"]}],
         "colour": "red"}
      ]
    }
    """
    result = lint(text, builtin_rules, "plan.json")
    assert where(result.findings, INVALID_PLAN) == [(INVALID_PLAN, 7)]
    assert "unknown key 'colour'" in result.findings[0].message
    assert result.findings[0].column == 6  # the key "colour"


@pytest.mark.parametrize(
    ("snippet", "line", "expected"),
    [
        ("    colour: red\n", 5, "unknown key 'colour' in 'cycles'"),
        ("    lenght_days: 42\n", 5, "did you mean 'length_days'?"),
        ("    length_days: forty\n", 5, "length_days must be a whole number"),
        ("    start: 2026-02-30\n", 5, "February 2026 has 28 days"),
        ("    start: 03/04/2026\n", 5, "ambiguous"),
        ("    start: 2026-13-01\n", 5, "there is no month 13"),
        ("    hospitalization: 12:30\n", 5, "'12:30' is not a day or day range"),
        ("    hospitalization: 9-1\n", 5, "runs backwards"),
        ("    hospitalization: 0-3\n", 5, "no Day 0"),
    ],
)
def test_invalid_cycle_values_are_located(
    builtin_rules: RuleSet, snippet: str, line: int, expected: str
) -> None:
    text = (
        "blinacheck: 1\n"
        "indication: mrd-positive\n"
        "cycles:\n"
        "  - cycle: 1\n"
        f"{snippet}"
        "    infusion:\n"
        "      - {days: 1-28, dose: 28 mcg/day}\n"
    )
    result = lint(text, builtin_rules)
    invalid = [f for f in result.findings if f.rule == INVALID_PLAN]
    assert [(f.line, f.severity.name) for f in invalid] == [(line, "ERROR")]
    assert expected in invalid[0].message


@pytest.mark.parametrize(
    ("dose", "expected"),
    [
        ("9 mg/day", "not an infusion dose"),
        ("9", "not an infusion dose"),
        ("9 mcg", "not an infusion dose"),
        ("nine mcg/day", "not an infusion dose"),
        (".5 mcg/day", "no leading zero"),
        ("0 mcg/day", "zero"),
        ("9 mcg/kg/day", "not an infusion dose"),
    ],
)
def test_wrong_infusion_units_are_errors(builtin_rules: RuleSet, dose: str, expected: str) -> None:
    text = f"""
    blinacheck: 1
    indication: mrd-positive
    cycles:
      - cycle: 1
        infusion:
          - days: 1-28
            dose: {dose}
    """
    result = lint(text, builtin_rules)
    assert where(result.findings) == [(INVALID_PLAN, 7)]
    assert expected in result.findings[0].message


@pytest.mark.parametrize(
    ("dose", "per_m2", "unit"),
    [
        ("28 mcg/day", False, "mcg"),
        ("15 mcg/m2/day", True, "mcg"),
        ("15 mcg/m²/day", True, "mcg"),
        ("28 microgram/day", False, "microgram"),
        ("28 micrograms/day", False, "micrograms"),
        ("28 µg/day", False, "µg"),
        ("28 μg/day", False, "µg"),
        ("28 ug/day", False, "ug"),
        ("28 MCG / day", False, "mcg"),
    ],
)
def test_infusion_unit_spellings(
    builtin_rules: RuleSet, dose: str, per_m2: bool, unit: str
) -> None:
    text = f"""
    blinacheck: 1
    indication: mrd-positive
    cycles:
      - cycle: 1
        infusion:
          - {{days: 1-28, dose: {dose}}}
    """
    result = lint(text, builtin_rules)
    assert where(result.findings, INVALID_PLAN) == []
    assert result.timeline is not None
    step = result.timeline.cycles[0]["steps"][0]
    assert (step["per_m2"], step["written_unit"]) == (per_m2, unit)


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("{drug: dexamethasone, dose: 20 mcg, day: 1}", "not a dose in mg"),
        ("{drug: dexamethasone, dose: 20, day: 1}", "not a dose in mg"),
        ("{drug: dexamethasone, dose: 20 mg}", "neither 'day' nor 'date' given"),
        ("{drug: dexamethasone, dose: 20 mg, day: 1, date: 2026-03-02}", "both 'day' and 'date'"),
        ("{drug: dexamethasone, dose: 20 mg, day: 0}", "there is no Day 0"),
        ("{drug: dexamethasone, dose: 20 mg, day: 1.5}", "not a cycle day"),
        ("{drug: dexamethasone, dose: 20 mg, day: 1, minutes_before: -5}", "minutes_before"),
        ("{drug: dexamethasone, dose: 20 mg, date: 2026-03-02}", "needs the cycle's 'start'"),
    ],
)
def test_invalid_premedication_items(builtin_rules: RuleSet, item: str, expected: str) -> None:
    text = f"""
    blinacheck: 1
    indication: mrd-positive
    cycles:
      - cycle: 1
        infusion:
          - {{days: 1-28, dose: 28 mcg/day}}
        premedication:
          - {item}
    """
    result = lint(text, builtin_rules)
    invalid = [f for f in result.findings if f.rule == INVALID_PLAN]
    assert [f.line for f in invalid] == [8]
    assert expected in invalid[0].message


def test_every_problem_is_reported_not_just_the_first(builtin_rules: RuleSet) -> None:
    text = """
    blinacheck: 1
    indication: relapsed
    patient:
      weight_kg: 78 kg
      age_years: -3
    cycles:
      - cycle: 1
        infusion:
          - {days: 1-28, dose: 28 mg/day}
        intrathecal:
          - {day: 8, drugs: []}
    """
    result = lint(text, builtin_rules)
    assert where(result.findings) == [
        (INVALID_PLAN, 2),
        (INVALID_PLAN, 4),
        (INVALID_PLAN, 5),
        (INVALID_PLAN, 9),
        (INVALID_PLAN, 11),
    ]
    messages = " | ".join(f.message for f in result.findings)
    assert "'relapsed' is not allowed; expected one of 'relapsed-refractory'" in messages
    assert "weight_kg must be a number (no unit in this field), got '78 kg'" in messages
    assert "age_years must be greater than or equal to 0" in messages


def test_yaml_1_1_scalars_stay_text(builtin_rules: RuleSet) -> None:
    """`NO` is not false and `12:30` is not 750: text until a typed field reads it."""
    text = """
    blinacheck: 1
    title: NO
    indication: mrd-positive
    patient:
      cns_status: NO
    cycles:
      - cycle: 1
        infusion:
          - {days: 1-28, dose: 28 mcg/day}
    vaccinations:
      - {date: 2026-03-20, vaccine: 12:30, live: false}
    """
    result = lint(text, builtin_rules)
    assert where(result.findings) == [(INVALID_PLAN, 5)]
    assert "'NO' is not allowed" in result.findings[0].message
    fixed = lint(text.replace("cns_status: NO", "cns_status: CNS1"), builtin_rules)
    assert where(fixed.findings, INVALID_PLAN) == []
    plan = validated(text.replace("cns_status: NO", "cns_status: CNS1"))
    assert plan.title == "NO"
    assert plan.vaccinations[0].vaccine == "12:30"


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("", 1, "file is empty"),
        ("- 1\n- 2\n", 1, "the file holds a list"),
        ("just text\n", 1, "the file holds a single value"),
        ("title: x\n", 1, "missing 'blinacheck: 1'"),
        ("blinacheck: 2\nindication: x\n", 1, "format version '2' is not supported"),
        ("blinacheck: 1\nindication: consolidation\n", 1, "missing required key 'cycles'"),
        ("blinacheck: 1\nindication: consolidation\ncycles: []\n", 3, "at least 1 item"),
    ],
)
def test_file_level_problems(builtin_rules: RuleSet, text: str, line: int, expected: str) -> None:
    result = lint(text, builtin_rules)
    assert where(result.findings) == [(INVALID_PLAN, line)]
    assert expected in result.findings[0].message


def test_overlapping_steps_and_day_1_convention(builtin_rules: RuleSet) -> None:
    text = """
    blinacheck: 1
    indication: relapsed-refractory
    cycles:
      - cycle: 1
        infusion:
          - {days: 1-7, dose: 9 mcg/day}
          - {days: 7-28, dose: 28 mcg/day}
      - cycle: 2
        infusion:
          - {days: 2-28, dose: 28 mcg/day}
      - cycle: 2
        infusion:
          - {days: 1-28, dose: 28 mcg/day}
    """
    result = lint(text, builtin_rules)
    assert where(result.findings) == [(INVALID_PLAN, 7), (INVALID_PLAN, 10), (INVALID_PLAN, 11)]
    overlap, day1, order = (f.message for f in result.findings)
    assert "infusion steps overlap" in overlap
    assert "Day 1 is the day the infusion starts" in day1
    assert "cycle numbers must increase" in order


def test_a_huge_bad_value_is_not_echoed_in_full(builtin_rules: RuleSet) -> None:
    digits = "9" * 5000
    text = f"""
    blinacheck: 1
    indication: mrd-positive
    cycles:
      - cycle: {digits}
        infusion:
          - {{days: 1-28, dose: 28 mcg/day}}
    """
    result = lint(text, builtin_rules)
    assert where(result.findings) == [(INVALID_PLAN, 4)]
    message = result.findings[0].message
    assert "cycle is far too large to be meant" in message
    assert "(5,000 characters)" in message and len(message) < 200
