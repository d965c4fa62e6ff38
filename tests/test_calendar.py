"""The calendar: the model built from the timeline, and `blinacheck calendar` in plain text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from blinacheck.cli import main
from blinacheck.commands import calendar as calendar_command
from blinacheck.commands import use_color
from blinacheck.engine.ruleset import RuleSet
from blinacheck.report import calendar as cal
from blinacheck.results.files import LintReport
from blinacheck.results.findings import Severity
from blinacheck.run.lint import lint_file

from .conftest import EXAMPLES, REPO, lint

CHILD = EXAMPLES / "child-it-day-1.yaml"
ADULT = EXAMPLES / "adult-rr-cycles-1-2.yaml"
TEMPLATE = EXAMPLES / "protocol-template-rr.yaml"
ANSI = re.compile(r"\x1b\[")


def plain(paths: list[Path], ruleset: RuleSet) -> str:
    report = LintReport(results=[lint_file(str(p), ruleset) for p in paths])
    return calendar_command.render_text(report)


def cycles_of(text: str) -> dict[int, str]:
    """The plain-text output split per cycle: {cycle number: its heading, grid and lists}."""
    parts = re.split(r"^(?=Cycle \d+ )", text, flags=re.MULTILINE)
    found = {}
    for part in parts[1:]:
        number = int(part.split()[1])
        found[number] = part
    return found


def grid_cells(block: str) -> dict[str, list[str]]:
    """Cells of a drawn grid by their day label ('D15'): the lines of text inside the cell."""
    cells: dict[str, list[str]] = {}
    row: list[list[str]] = []

    def flush() -> None:
        for column in zip(*row, strict=True):
            lines = [line.strip() for line in column]
            label = next((x.split()[0] for x in lines if re.match(r"D-?\d+\b", x)), None)
            if label is not None:
                cells[label] = lines
        row.clear()

    for line in block.splitlines():
        if line.startswith("│"):
            row.append(line.strip("│").split("│"))
        elif row:
            flush()
    if row:
        flush()
    return cells


# --- the model --------------------------------------------------------------------------------


def test_child_it_on_day_1_is_flagged_as_error_on_that_day(builtin_rules: RuleSet) -> None:
    plan = cal.build(lint_file(str(CHILD), builtin_rules))
    assert plan is not None
    (cycle,) = plan.cycles
    day1 = cycle.day(1)
    assert cal.Marker.INTRATHECAL in day1.markers
    assert day1.worst is Severity.ERROR
    assert [f.rule for f in day1.findings] == ["it-on-infusion-day-1"]
    flagged = [d.day for d in cycle.days if d.worst is not None]
    assert flagged == [1]
    # BSA 0.89 (Mosteller, 120 cm, 24 kg): the timeline's absolute doses, not the per-m² ones.
    assert cal.number(day1.dose.amount) == "4.47" and not day1.dose.per_m2
    assert cal.number(cycle.day(8).dose.amount) == "13.42"


def test_a_dated_item_is_shown_on_the_day_its_date_falls(builtin_rules: RuleSet) -> None:
    """An IT dose dated on cycle 2's Day 1 but written in cycle 1's list is drawn on cycle 2
    Day 1 (flagged), not as Day 43 of cycle 1 (issue 10)."""
    fixture = REPO / "tests" / "rules" / "intrathecal-misplaced" / "child-cycle-2-day-1.yaml"
    plan = cal.build(lint_file(str(fixture), builtin_rules))
    assert plan is not None
    first, second = plan.cycles
    assert [d.day for d in first.days if cal.Marker.INTRATHECAL in d.markers] == [15, 39]
    day1 = second.day(1)
    assert cal.Marker.INTRATHECAL in day1.markers and day1.worst is Severity.ERROR
    assert {f.rule for f in day1.findings} >= {"it-on-infusion-day-1", "intrathecal-misplaced"}
    assert [d.day for d in second.days if cal.Marker.INTRATHECAL in d.markers] == [-3, 1]


def test_adult_doses_hospital_and_free_days(builtin_rules: RuleSet) -> None:
    plan = cal.build(lint_file(str(ADULT), builtin_rules))
    assert plan is not None
    first, second = plan.cycles
    assert [first.day(d).dose.amount for d in range(1, 8)] == [9.0] * 7
    assert {first.day(d).dose.amount for d in range(8, 29)} == {28.0}
    hospital = [d.day for d in first.days if cal.Marker.HOSPITAL in d.markers]
    assert hospital == list(range(1, 10))
    free = [d.day for d in first.days if d.kind is cal.DayKind.FREE]
    assert free == list(range(29, 43))  # length_days 42
    # IT on Day -3 (given by date 2026-02-27) draws the days before Day 1.
    assert first.first_day == -3
    assert cal.Marker.INTRATHECAL in first.day(-3).markers
    assert first.day(-3).kind is cal.DayKind.BEFORE
    assert str(first.day(-3).date) == "2026-02-27"
    # 48-hour bags Days 1-6, 24-hour bag Day 7, 48-hour bags Days 8-27, 24-hour bag Day 28.
    bags = [d.day for d in first.days if cal.Marker.BAG in d.markers]
    assert bags == [1, 3, 5, 7, 8, *range(10, 27, 2), 28]
    premedication = [d.day for d in first.days if cal.Marker.PREMEDICATION in d.markers]
    assert premedication == [1, 8]
    assert [d.day for d in second.days if cal.Marker.HOSPITAL in d.markers] == [1, 2]
    assert all(d.worst is None for c in plan.cycles for d in c.days)


def test_dated_weeks_are_monday_first(builtin_rules: RuleSet) -> None:
    plan = cal.build(lint_file(str(ADULT), builtin_rules))
    assert plan is not None
    first = plan.cycles[0]
    assert first.columns == cal.WEEKDAYS
    # Day -3 is Friday 2026-02-27: the first row holds it in the Friday column.
    row = first.weeks[0].cells
    assert [c.day if c else None for c in row] == [None, None, None, None, -3, -2, -1]
    # Day 1, Monday 2026-03-02, opens the second row.
    assert first.weeks[1].cells[0] is not None and first.weeks[1].cells[0].day == 1


def test_undated_rows_are_7_day_blocks_from_day_1(builtin_rules: RuleSet) -> None:
    plan = cal.build(lint_file(str(TEMPLATE), builtin_rules))
    assert plan is not None
    first = plan.cycles[0]
    assert not first.dated and first.columns == cal.BLOCK_COLUMNS
    assert [c.day if c else None for c in first.weeks[0].cells] == [None] * 4 + [-3, -2, -1]
    assert [c.day for c in first.weeks[1].cells if c] == list(range(1, 8))
    assert all(d.date is None for d in first.days)


@pytest.mark.parametrize(
    ("bag", "days"),
    [
        ({"from_day": 1, "to_day": 6, "hours": 48.0}, [1, 3, 5]),
        ({"from_day": 1, "to_day": 28, "hours": 168.0}, [1, 8, 15, 22]),
        ({"from_day": 7, "to_day": 7, "hours": 24.0}, [7]),
        # A 36-hour bag is hung at hour 36 (Day 2) and 72 (Day 4), 108 (Day 5).
        ({"from_day": 1, "to_day": 5, "hours": 36.0}, [1, 2, 4, 5]),
        # Across the missing Day 0: Day -2, then 48 hours later Day 1.
        ({"from_day": -2, "to_day": 2, "hours": 48.0}, [-2, 1]),
    ],
)
def test_bag_change_days(bag: dict[str, float], days: list[int]) -> None:
    assert cal.bag_change_days(bag) == days


EVENTS_PLAN = """
    blinacheck: 1
    title: Events
    indication: mrd-positive
    patient: {age_years: 40, weight_kg: 70, height_cm: 175}
    cycles:
      - cycle: 1
        start: 2026-01-05
        length_days: 42
        infusion:
          - {days: 1-9, dose: 28 mcg/day}
          - {days: 12-28, dose: 28 mcg/day}
        interruptions:
          - {day: 10, hours: 48, reason: CRS grade 3}
        adverse_events:
          - {day: 10, type: crs, grade: 3}
    vaccinations:
      - {date: 2026-02-10, vaccine: influenza (inactivated), live: false}
      - {date: 2026-09-01, vaccine: MMR, live: true}
"""


def test_interruption_event_and_vaccination_markers(builtin_rules: RuleSet) -> None:
    result = lint(EVENTS_PLAN, builtin_rules)
    plan = cal.build(result)
    assert plan is not None
    (cycle,) = plan.cycles
    day10 = cycle.day(10)
    assert cal.Marker.INTERRUPTION in day10.markers
    assert cal.Marker.ADVERSE_EVENT in day10.markers
    assert "infusion interrupted 48 h (CRS grade 3)" in day10.items
    assert "adverse event: CRS grade 3" in day10.items
    assert cycle.day(10).kind is cycle.day(11).kind is cal.DayKind.GAP
    # 2026-02-10 is Day 37 of a cycle starting 2026-01-05: a free day with a vaccination.
    day37 = cycle.day(37)
    assert day37.kind is cal.DayKind.FREE
    assert day37.markers == (cal.Marker.VACCINATION,)
    # The MMR date is far past the cycle: listed apart, not drawn.
    assert plan.unplaced == ["vaccination MMR (live) on 2026-09-01"]


def test_long_quiet_stretches_are_collapsed(builtin_rules: RuleSet) -> None:
    result = lint(
        """
        blinacheck: 1
        indication: mrd-positive
        cycles:
          - cycle: 1
            infusion:
              - {days: 1-28, dose: 28 mcg/day}
            intrathecal:
              - {day: -40, drugs: [methotrexate], dose: 15 mg}
        """,
        builtin_rules,
    )
    plan = cal.build(result)
    assert plan is not None
    (cycle,) = plan.cycles
    assert cycle.first_day == -40
    skipped = [w.skipped_before for w in cycle.weeks if w.skipped_before]
    assert skipped == [5]  # the blocks of Days -35..-1 have nothing on them
    assert cycle.day(-40).markers == (cal.Marker.INTRATHECAL,)
    text = calendar_command.render_text(LintReport(results=[result]))
    assert "... 5 weeks with nothing planned ..." in text


def test_per_m2_dose_without_bsa_is_shown_per_m2(builtin_rules: RuleSet) -> None:
    result = lint(
        """
        blinacheck: 1
        indication: relapsed-refractory
        cycles:
          - cycle: 1
            infusion:
              - {days: 1-7, dose: 5 mcg/m2/day}
              - {days: 8-28, dose: 15 mcg/m2/day}
        """,
        builtin_rules,
    )
    plan = cal.build(result)
    assert plan is not None
    assert plan.cycles[0].day(3).dose.short == "5/m2"
    text = calendar_command.render_text(LintReport(results=[result]))
    cells = grid_cells(cycles_of(text)[1])
    assert cells["D8"][1] == "15/m2"
    assert "15/m2  mcg/m2/day (no BSA known)" in text


# --- plain-text output ------------------------------------------------------------------------


def test_child_plain_text_marks_day_1_with_an_error(builtin_rules: RuleSet) -> None:
    text = plain([CHILD], builtin_rules)
    assert not ANSI.search(text)
    cycle = cycles_of(text)[1]
    assert cycle.startswith("Cycle 1 · Day 1 = Mon 2026-03-09 · infusion Days 1-28")
    assert "!E" in cycle.splitlines()[0]
    cells = grid_cells(cycle)
    assert cells["D1"] == ["09 Mar", "D1    !E", "4.47", "HBPI"]
    assert all("!" not in "".join(lines) for label, lines in cells.items() if label != "D1")
    assert cells["D29"] == ["06 Apr", "D29", "free", ""]
    assert re.search(
        r"^  !E D1 +error\[it-on-infusion-day-1\] line 43: IT methotrexate on Day 1",
        cycle,
        re.MULTILINE,
    )


def test_adult_plain_text_doses_hospital_and_free_days(builtin_rules: RuleSet) -> None:
    text = plain([ADULT], builtin_rules)
    cells = grid_cells(cycles_of(text)[1])
    for day in range(1, 8):
        assert cells[f"D{day}"][2] == "9", day
    for day in range(8, 29):
        assert cells[f"D{day}"][2] == "28", day
    for day in range(1, 10):
        assert "H" in cells[f"D{day}"][3], day
    for day in range(10, 43):
        assert "H" not in cells[f"D{day}"][3], day
    for day in range(29, 43):
        assert cells[f"D{day}"][2] == "free", day
    assert cells["D-3"] == ["27 Feb", "D-3", "pre", "I"]
    assert cells["D15"][3] == "I"
    assert re.search(r"D8 Mon 09 Mar +step-up to 28 mcg/day, Days 8-28; premedication", text)
    assert "!" not in "".join("".join(lines) for lines in cells.values())
    assert "Rows with dates are calendar weeks, Monday first." in text


def test_every_marker_has_a_legend_entry(builtin_rules: RuleSet) -> None:
    text = plain([ADULT], builtin_rules)
    legend = text[text.index("Legend") :]
    for marker in cal.Marker:
        assert re.search(rf"\b{marker.letter} +{re.escape(marker.meaning)}", legend), marker
    for kind in ("free", "pre", "no inf"):
        assert kind in legend
    for mark in ("!E", "!W", "!I", "~E"):
        assert mark in legend


def test_template_without_dates_says_so(builtin_rules: RuleSet) -> None:
    text = plain([TEMPLATE], builtin_rules)
    cycle = cycles_of(text)[1]
    assert "│1st       │2nd" in cycle
    cells = grid_cells(cycle)
    assert cells["D-3"] == ["D-3", "pre", "I"]
    assert cells["D8"] == ["D8", "28", "HBP"]
    assert "Without dates, rows are 7-day blocks counted from Day 1" in text
    assert "no patient data in the plan" in text


def test_all_examples_fit_80_columns(builtin_rules: RuleSet) -> None:
    examples = sorted(EXAMPLES.glob("*.yaml"))
    assert len(examples) >= 5
    text = plain(examples, builtin_rules)
    widths = [len(line) for line in text.splitlines()]
    assert max(widths) <= 80
    assert max(widths) >= 78  # the grid itself: 7 cells of 10 and 8 rules
    assert text.count("Cycle 1 ·") == len(examples)


def test_plan_text_is_not_read_as_markup(builtin_rules: RuleSet) -> None:
    result = lint(
        """
        blinacheck: 1
        title: "[bold red]Plan[/] <b>x</b>"
        indication: mrd-positive
        cycles:
          - cycle: 1
            infusion:
              - {days: 1-28, dose: 28 mcg/day}
            intrathecal:
              - {day: 15, drugs: ["[link=http://x]mtx[/link]"], dose: 15 mg}
        """,
        builtin_rules,
    )
    text = calendar_command.render_text(LintReport(results=[result]))
    assert "[bold red]Plan[/] <b>x</b>" in text
    assert "IT [link=http://x]mtx[/link] 15 mg" in text


# --- the command ------------------------------------------------------------------------------


def test_command_exit_codes_and_plain_output() -> None:
    runner = CliRunner()
    child = runner.invoke(main, ["calendar", str(CHILD)])
    assert child.exit_code == 1, child.output
    assert "D1    !E" in child.output
    assert not ANSI.search(child.output)
    adult = runner.invoke(main, ["calendar", str(ADULT)])
    assert adult.exit_code == 0, adult.output
    assert "Cycle 2 · Day 1 = Mon 2026-04-13" in adult.output


def test_command_without_builtin_rules_flags_nothing() -> None:
    result = CliRunner().invoke(main, ["calendar", "--no-builtin-rules", str(CHILD)])
    assert result.exit_code == 0, result.output
    assert "!E" not in result.output.split("Legend")[0]


def test_command_with_extra_rules(tmp_path: Path) -> None:
    (tmp_path / "house.yaml").write_text(
        """\
rules:
  - id: every-it-dose
    title: Every IT dose is noted
    severity: info
    for_each: intrathecal
    when: "true"
    message: IT dose on Day {{intrathecal.cycle_day}}
    evidence:
      - source: house rule for this test
"""
    )
    result = CliRunner().invoke(
        main, ["calendar", "--no-builtin-rules", "--rules", str(tmp_path), str(ADULT)]
    )
    assert result.exit_code == 0, result.output  # info does not fail
    cells = grid_cells(cycles_of(result.output)[1])
    assert cells["D-3"][1] == "D-3   !I"
    assert cells["D15"][1] == "D15   !I"
    assert re.search(r"!I D-3 +info\[every-it-dose\] line 52: IT dose on Day -3", result.output)


def test_invalid_plan_is_listed_not_drawn(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("blinacheck: 1\nindication: mrd-positive\ncycles: []\n")
    result = CliRunner().invoke(main, ["calendar", str(broken)])
    assert result.exit_code == 1
    assert "The plan is not valid, so no calendar can be drawn" in result.output
    assert "invalid-plan" in result.output
    assert "Traceback" not in result.output


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["calendar", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(Tty())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(Tty())


def test_colour_keeps_the_letter_markers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calendar_command, "use_color", lambda stream: True)
    result = CliRunner().invoke(main, ["calendar", str(CHILD)])
    assert ANSI.search(result.output), "colour mode should colour"
    uncoloured = re.sub(r"\x1b\[[0-9;]*m", "", result.output)
    assert "D1    !E" in uncoloured
    assert "HBPI" in uncoloured


def test_docs_show_the_real_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (REPO / "docs" / "calendar.md").read_text(encoding="utf-8")
    block = re.search(
        r"<!-- calendar:start -->\n```text\n(.*?)```\n<!-- calendar:end -->", text, re.S
    )
    assert block, "docs/calendar.md lost its calendar example"
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(main, ["calendar", "examples/child-it-day-1.yaml"])
    assert block.group(1) == result.output, (
        "docs/calendar.md shows an outdated calendar: paste the output of "
        "`NO_COLOR=1 blinacheck calendar examples/child-it-day-1.yaml` between its markers"
    )


FIRST_WEEK = """
    blinacheck: 1
    indication: relapsed-refractory
    patient: {age_years: 40, weight_kg: 70}
    cycles:
      - cycle: 1
        start: 2026-03-02
        infusion:
          - {days: 1-3, dose: 9 mcg/day}
          - {days: 4-7, dose: 30 mcg/day}
          - {days: 8-28, dose: 28 mcg/day}
"""


def test_a_finding_about_a_range_of_days_marks_every_day(builtin_rules: RuleSet) -> None:
    """dose-above-cap on the step of Days 4-7 marks Days 4 to 7 in the terminal calendar,
    and the list under the grid says D4-7."""
    report = LintReport(results=[lint(FIRST_WEEK, builtin_rules)])
    text = calendar_command.render_text(report)
    cells = grid_cells(cycles_of(text)[1])
    assert [cells[f"D{d}"][1] for d in range(3, 9)] == [
        "D3",
        "D4    !E",
        "D5    !E",
        "D6    !E",
        "D7    !E",
        "D8",
    ]
    assert re.search(r"!E D4-7 +error\[dose-above-cap\] line \d+: 30 mcg/day on days 4-7", text)


def test_output_file_gets_the_plain_calendar_and_stderr_the_summary(tmp_path: Path) -> None:
    out = tmp_path / "calendar.txt"
    result = CliRunner().invoke(main, ["calendar", "-o", str(out), str(CHILD)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"1 error, 0 warnings, 0 info in 1 file; written to {out}\n"
    written = out.read_text(encoding="utf-8")
    assert "D1    !E" in written and not ANSI.search(written)
    assert written == CliRunner().invoke(main, ["calendar", str(CHILD)]).stdout
