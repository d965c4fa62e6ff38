"""`blinacheck draft`: the label schedule for a patient, and a grid of patients to get right."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from blinacheck.cli import main
from blinacheck.engine.ruleset import RuleSet
from blinacheck.plan import draft
from blinacheck.results.findings import Severity

from .conftest import REPO, lint

START = dt.date(2026, 3, 2)


def drafted(request: draft.Request) -> str:
    return draft.draft(request).text


def loud(text: str, ruleset: RuleSet) -> list[str]:
    """Findings of warning or error severity from the built-in rules, as 'rule (line): message'."""
    result = lint(text, ruleset, "draft.yaml")
    return [
        f"{f.rule} ({f.line}): {f.message}"
        for f in result.findings
        if f.severity >= Severity.WARNING and f.suppressed is None
    ]


# --- the grid ---------------------------------------------------------------------------------

AGES = (1 / 12, 0.5, 1.0, 2.0, 3.0, 8.9, 9.0, 17.9, 18.0, 42.0, 65.0, 90.0)
# Around the 45 kg dose-basis edge and the preserved-bag limits (5.4 kg, 22 kg).
WEIGHTS = (3.0, 5.3, 5.4, 10.0, 21.9, 22.0, 30.0, 44.9, 45.0, 70.0, 150.0)
BAGS = (None, 24.0, 72.0, 96.0, 168.0)
SAMPLE = 160  # combinations linted besides the edges, drawn with a fixed seed


def height_for(weight: float) -> float:
    """A plausible height for a weight (only to give the BSA; the rules do not judge it)."""
    return round(min(200.0, 50.0 + 1.9 * weight), 1)


def bag_allowed(weight: float, hours: float | None) -> bool:
    if hours is None or hours < 72:
        return True
    if weight < 5.4:
        return False
    return not (hours >= 168 and weight < 22)


def grid() -> list[tuple[str, float, float, int, float | None, bool]]:
    """(indication, age, weight, cycles, bag hours, BSA given) - the edges, then a sample."""
    every = [
        (ind, age, weight, cycles, bag, bsa_given)
        for ind in draft.INDICATIONS
        for age, weight in itertools.product(AGES, WEIGHTS)
        for cycles in range(1, draft.MAX_CYCLES[ind] + 1)
        for bag in BAGS
        for bsa_given in (False, True)
        if bag_allowed(weight, bag)
    ]
    edges = [
        combo
        for combo in every
        if combo[3] == draft.MAX_CYCLES[combo[0]]
        and combo[4] is None
        and not combo[5]
        and combo[2] in (5.3, 5.4, 21.9, 22.0, 44.9, 45.0)
        and combo[1] in (1 / 12, 9.0, 42.0)
    ]
    rest = [c for c in every if c not in edges]
    return edges + random.Random(15).sample(rest, SAMPLE)


def test_grid_of_drafted_plans_lints_without_error_or_warning(builtin_rules: RuleSet) -> None:
    """Every indication, ages 1 month to 90 years, weights 3-150 kg around 45 kg and the bag
    limits, 1 to the maximum number of cycles: no error and no warning from the built-in rules.
    The full grid has thousands of plans; the edges and a fixed-seed sample keep it to seconds."""
    combos = grid()
    assert len(combos) > SAMPLE
    assert {c[0] for c in combos} == set(draft.INDICATIONS)
    failures = []
    for indication, age, weight, cycles, bag, bsa_given in combos:
        height = height_for(weight)
        bsa = round(draft.units.mosteller_bsa(height, weight), 2)
        request = draft.Request(
            indication=indication,
            patient=draft.Patient(
                age_years=age,
                weight_kg=weight,
                height_cm=None if bsa_given else height,
                bsa_m2=bsa if bsa_given else None,
                weighed_on=START - dt.timedelta(days=3),
            ),
            start=START,
            cycles=cycles,
            bag_hours=bag,
            it_days=((1, -3), (None, 15)),
        )
        text = drafted(request)
        found = loud(text, builtin_rules)
        if found:
            failures.append((request, found))
    assert failures == []


def test_templates_and_every_indication_without_dates_lint_clean(builtin_rules: RuleSet) -> None:
    for indication in draft.INDICATIONS:
        for cycles in range(1, draft.MAX_CYCLES[indication] + 1):
            text = drafted(draft.Request(indication, cycles=cycles, it_days=((None, 15),)))
            assert "\npatient:" not in text
            assert loud(text, builtin_rules) == [], (indication, cycles)


# --- what is written --------------------------------------------------------------------------


def test_adult_rr_draft_is_the_readme_patient(builtin_rules: RuleSet) -> None:
    request = draft.Request(
        "relapsed-refractory",
        draft.Patient(age_years=42, weight_kg=78, height_cm=176, weighed_on=dt.date(2026, 2, 27)),
        start=START,
        cycles=2,
        it_days=((1, -3), (None, 15)),
    )
    text = drafted(request)
    plan = yaml.safe_load(text)
    first, second = plan["cycles"]
    assert first["infusion"] == [
        {"days": "1-7", "dose": "9 mcg/day"},
        {"days": "8-28", "dose": "28 mcg/day"},
    ]
    assert second["infusion"] == [{"days": "1-28", "dose": "28 mcg/day"}]
    assert (first["start"], first["length_days"]) == (START, 42)
    assert second["start"] == dt.date(2026, 4, 13)
    # 48-hour bags that never run across the Day 8 dose change.
    assert first["bags"] == [
        {"days": "1-6", "hours": 48},
        {"days": 7, "hours": 24},
        {"days": "8-27", "hours": 48},
        {"days": 28, "hours": 24},
    ]
    assert [p["day"] for p in first["premedication"]] == [1, 8]
    assert {p["drug"] + " " + p["dose"] for p in first["premedication"]} == {"dexamethasone 20 mg"}
    assert [p["day"] for p in second["premedication"]] == [1]
    assert (first["hospitalization"], second["hospitalization"]) == ("1-9", "1-2")
    assert [(i["day"], i["dose"]) for i in first["intrathecal"]] == [(-3, "15 mg"), (15, "15 mg")]
    assert [i["day"] for i in second["intrathecal"]] == [15]
    # Each block says where it comes from.
    for key in ("length_days:", "infusion:", "bags:", "premedication:", "hospitalization:"):
        before = text.split("\n    " + key)[0].splitlines()[-1]
        assert before.startswith("    # ") and "[" in before, (key, before)
    assert loud(text, builtin_rules) == []


def test_child_under_45_kg_is_dosed_per_m2_with_caps(builtin_rules: RuleSet) -> None:
    child = draft.Patient(age_years=7, weight_kg=24, height_cm=120)
    plan = yaml.safe_load(drafted(draft.Request("relapsed-refractory", child, cycles=1)))
    (cycle,) = plan["cycles"]
    assert [s["dose"] for s in cycle["infusion"]] == ["5 mcg/m2/day", "15 mcg/m2/day"]
    assert cycle["premedication"] == [
        {"drug": "dexamethasone", "dose": "5 mg/m2", "day": 1, "minutes_before": 60},
        {"drug": "dexamethasone", "dose": "5 mg/m2", "day": 8, "minutes_before": 60},
    ]
    # A BSA at which 15 mcg/m2/day passes 28 mcg/day: the capped dose is written.
    big = draft.Patient(age_years=16, weight_kg=44, bsa_m2=1.9)
    text = drafted(draft.Request("mrd-positive", big, cycles=1, it_days=((None, 15),)))
    assert yaml.safe_load(text)["cycles"][0]["infusion"] == [{"days": "1-28", "dose": "28 mcg/day"}]
    comments = " ".join(line.strip(" #") for line in text.splitlines() if "#" in line)
    assert "15 x 1.90 m2 = 28.50, above the cap: 28 mcg/day" in comments
    # The capped dose is what the label gives; until dose-basis-mismatch accepts it (pending
    # in issue 10), that rule reports it, and only it.
    assert [x.split(" (")[0] for x in loud(text, builtin_rules)] in ([], ["dose-basis-mismatch"])


def test_children_get_premedication_in_cycle_1_only() -> None:
    child = draft.Patient(age_years=10, weight_kg=30, height_cm=140)
    for indication in draft.INDICATIONS:
        plan = yaml.safe_load(drafted(draft.Request(indication, child, cycles=2)))
        first, second = plan["cycles"]
        assert first["premedication"][0]["dose"] == "5 mg/m2"
        assert "premedication" not in second, indication
    adult = draft.Patient(age_years=50, weight_kg=70)
    mrd = yaml.safe_load(drafted(draft.Request("mrd-positive", adult, cycles=2)))
    assert [c["premedication"] for c in mrd["cycles"]] == [
        [{"drug": "prednisone", "dose": "100 mg", "day": 1, "minutes_before": 60}]
    ] * 2
    assert [c["hospitalization"] for c in mrd["cycles"]] == ["1-3", "1-2"]


def test_continued_therapy_cycles_have_56_free_days() -> None:
    plan = yaml.safe_load(drafted(draft.Request("relapsed-refractory", cycles=9)))
    assert [c["length_days"] for c in plan["cycles"]] == [42] * 5 + [84] * 4
    assert [c.get("hospitalization") for c in plan["cycles"]] == ["1-9", "1-2"] + [None] * 7


def test_bags_never_span_a_dose_change() -> None:
    for hours in (24, 48, 72, 96, 168):
        plan = yaml.safe_load(
            drafted(draft.Request("relapsed-refractory", cycles=1, bag_hours=float(hours)))
        )
        days = []
        for bag in plan["cycles"][0]["bags"]:
            first, _, last = str(bag["days"]).partition("-")
            span = range(int(first), int(last or first) + 1)
            assert (24 * len(span)) % bag["hours"] == 0, (hours, bag)
            assert 7 not in span or 8 not in span, (hours, bag)  # the step is on Day 8
            days += span
        assert days == list(range(1, 29)), hours


def test_it_on_day_1_is_refused_unless_allowed(builtin_rules: RuleSet) -> None:
    child = draft.Patient(age_years=7, weight_kg=24, height_cm=120)
    with pytest.raises(draft.DraftError, match="one independent predictor of neurotoxicity"):
        draft.draft(draft.Request("relapsed-refractory", child, cycles=1, it_days=((None, 1),)))
    allowed = draft.Request(
        "relapsed-refractory", child, cycles=1, it_days=((None, 1),), allow_it_day_1=True
    )
    text = drafted(allowed)
    assert "--allow-it-day-1" in text
    assert [f.rule for f in lint(text, builtin_rules).findings] == ["it-on-infusion-day-1"]


def test_it_dose_follows_the_age_band() -> None:
    for age, dose in ((0.5, None), (1.5, "8 mg"), (2.5, "10 mg"), (5, "12 mg"), (12, "15 mg")):
        patient = draft.Patient(age_years=age, weight_kg=20, height_cm=110)
        plan = yaml.safe_load(
            drafted(draft.Request("mrd-positive", patient, cycles=1, it_days=((None, 15),)))
        )
        (entry,) = plan["cycles"][0]["intrathecal"]
        assert entry.get("dose") == dose, age


def test_consolidation_is_marked_unconfirmed_in_the_file_and_on_stderr() -> None:
    result = draft.draft(draft.Request("consolidation", cycles=2))
    assert any("UNCONFIRMED" in note for note in result.notes)
    assert result.text.count("UNCONFIRMED") >= 3  # the header, and each cycle's dose


def test_refusals_say_why() -> None:
    cases = [
        (draft.Request("mrd-positive", cycles=5), "1 to 4 cycles"),
        (draft.Request("mrd-positive", draft.Patient(age_years=10)), "give --weight"),
        (draft.Request("mrd-positive", draft.Patient(weight_kg=20)), "give --height"),
        (
            draft.Request("mrd-positive", draft.Patient(age_years=0.05, weight_kg=3, height_cm=50)),
            "1 month",
        ),
        (
            draft.Request("mrd-positive", draft.Patient(weight_kg=5, height_cm=60), bag_hours=72.0),
            "benzyl alcohol under 5.4 kg",
        ),
        (
            draft.Request(
                "mrd-positive", draft.Patient(weight_kg=15, height_cm=95), bag_hours=168.0
            ),
            "7-day bag is not recommended under 22 kg",
        ),
        (draft.Request("mrd-positive", bag_hours=36.0), "not a bag duration"),
        (draft.Request("mrd-positive", it_days=((None, 0),)), "no Day 0"),
    ]
    for request, words in cases:
        with pytest.raises(draft.DraftError, match=words):
            draft.draft(request)


# --- institution parameters -------------------------------------------------------------------


def test_institution_params_shape_the_draft(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "blinacheck.toml").write_text(
        "[params.treatment-free-interval-short]\nmin_free_days = 21\n\n"
        "[params.bag-duration-unusual]\nusual_hours = [24.0, 96.0]\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    # the configuration is found from the current directory
    made = runner.invoke(
        main,
        ["draft", "--indication", "mrd-positive", "--cycles", "2", "--bag-hours", "96"],
    )
    assert made.exit_code == 0, made.output
    plan = yaml.safe_load(made.stdout)
    assert [c["length_days"] for c in plan["cycles"]] == [49, 49]
    assert plan["cycles"][0]["bags"] == [{"days": "1-28", "hours": 96}]
    refused = runner.invoke(main, ["draft", "--indication", "mrd-positive"])
    assert refused.exit_code == 2
    assert "--bag-hours 48: not a bag duration the rules in effect accept" in refused.stderr


# --- the command ------------------------------------------------------------------------------


def test_command_writes_a_file_and_never_over_one(tmp_path: Path, builtin_rules: RuleSet) -> None:
    out = tmp_path / "plan.yaml"
    args = [
        "draft",
        "--indication",
        "relapsed-refractory",
        "--age",
        "42",
        "--weight",
        "78",
        "--height",
        "176",
        "--start",
        "2026-03-02",
        "--it-days=1:-3,15",
        "-o",
        str(out),
    ]
    runner = CliRunner()
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert first.stdout == ""
    assert f"wrote {out}; check it with: blinacheck lint {out}" in first.stderr
    assert loud(out.read_text(encoding="utf-8"), builtin_rules) == []
    out.write_text("# my edits\n", encoding="utf-8")
    again = runner.invoke(main, args)
    assert again.exit_code == 2
    assert "exists; choose another file, or pass --force" in again.stderr
    assert out.read_text(encoding="utf-8") == "# my edits\n"
    forced = runner.invoke(main, [*args, "--force"])
    assert forced.exit_code == 0 and "blinacheck: 1" in out.read_text(encoding="utf-8")


def test_command_refuses_it_on_day_1_and_says_why() -> None:
    result = CliRunner().invoke(
        main, ["draft", "--indication", "mrd-positive", "--it-days", "1,15"]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("cannot draft: --it-days includes Day 1")
    assert "--allow-it-day-1" in result.stderr and result.stdout == ""


def test_command_consolidation_warns_on_stderr() -> None:
    result = CliRunner().invoke(main, ["draft", "--indication", "consolidation", "--isolated"])
    assert result.exit_code == 0
    assert result.stderr.startswith("UNCONFIRMED: the fact base could not confirm")
    assert "UNCONFIRMED" in result.stdout


def test_docs_draft_example_is_what_the_command_writes() -> None:
    """docs/draft.md shows the command's real output for the README's adult patient."""
    doc = (REPO / "docs" / "draft.md").read_text(encoding="utf-8")
    command = doc.split("<!-- draft:command -->\n```sh\n")[1].split("\n```")[0]
    shown = doc.split("<!-- draft:start -->\n```yaml\n")[1].split("```\n<!-- draft:end -->")[0]
    words = command.replace("\\\n", " ").split()
    assert words[0] == "blinacheck" and "-o" not in words
    result = CliRunner().invoke(main, [*words[1:], "--isolated"])
    assert result.exit_code == 0, result.output
    assert result.stdout == shown.replace(
        "# Command: " + " ".join(words), "# Command: " + " ".join(words)
    )


def test_readme_draft_lint_calendar_runs_as_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- draft-lint-calendar:start -->\n```sh\n")[1].split("```")[0]
    commands = [line.split("#")[0].split() for line in block.replace("\\\n", " ").splitlines()]
    assert [c[:2] for c in commands] == [
        ["blinacheck", "draft"],
        ["blinacheck", "lint"],
        ["blinacheck", "calendar"],
    ]
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    # in an empty directory, as a user would
    made, linted, drawn = (runner.invoke(main, command[1:]) for command in commands)
    assert made.exit_code == 0, made.output
    assert linted.exit_code == 0, linted.output
    assert linted.stdout == "0 errors, 0 warnings, 0 info in 1 file\n"
    assert drawn.exit_code == 0, drawn.output
    assert "Cycle 1 · Day 1 = Mon 2026-03-02" in drawn.stdout
    assert "Cycle 2 · Day 1 = Mon 2026-04-13" in drawn.stdout
