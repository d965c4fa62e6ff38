"""Dates near the ends of the calendar and courses that span centuries (issue 16, items 1 and 3).

Python's dates run from year 1 to year 9999. A Day 1 so near either end that one of its cycle's
days has no date, or a cycle placed past year 9999 by length_days, is a located invalid-plan
finding, never an OverflowError; one such file never costs the report of the others. A course
whose cycle starts are further apart than the format's own course limit (20 cycles of 366 days)
is a located finding too, so that the calendar and the HTML report draw a bounded grid.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from blinacheck import lint_paths, lint_text

from .conftest import REPO, plan_text, run_blinacheck

INVALID = "invalid-plan"


def cycle(number: int, start: str | None = None, extra: str = "") -> str:
    text = f"  - cycle: {number}\n"
    if start is not None:
        text += f"    start: {start}\n"
    return text + extra + "    infusion:\n      - {days: 1-28, dose: 28 mcg/day}\n"


def plan(*cycles: str) -> str:
    return "blinacheck: 1\nindication: relapsed-refractory\ncycles:\n" + "".join(cycles)


def invalid_at(text: str) -> list[tuple[int, int, str]]:
    result = lint_text(text, path="plan.yaml")
    return [(f.line, f.column, f.message) for f in result.findings if f.rule == INVALID]


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        # Day 1 on the last day of year 9999: Day 2 has no date.
        (plan(cycle(1, "9999-12-31", "    length_days: 42\n"), cycle(2)), 5, 12, "9999-12-31"),
        # An item on Day -1 of 0001-01-01 would be on a date before year 1.
        (
            plan(
                cycle(
                    1,
                    "0001-01-01",
                    "    premedication:\n      - {day: -1, drug: dexa, dose: 20 mg}\n",
                )
            ),
            5,
            12,
            "0001-01-01",
        ),
        # Infusion days past 9999-12-31.
        (plan(cycle(1, "9999-12-01")), 5, 12, "9999-12-01"),
        # Cycle 2's Day 1, placed by cycle 1's length_days, past year 9999: at that length_days.
        (plan(cycle(1, "9998-11-26", "    length_days: 366\n"), cycle(2)), 6, 18, "cycle 2"),
    ],
)
def test_dates_near_the_ends_of_the_calendar_are_located(
    text: str, line: int, column: int, words: str
) -> None:
    (found,) = invalid_at(text)
    assert found[:2] == (line, column)
    assert words in found[2] and "check the year" in found[2]
    assert "between 0002-02-05 and 9998-11-26" in found[2] or "cycle 2" in found[2]


def test_the_last_day1_that_has_dates_for_every_day_is_valid() -> None:
    # 9998-11-26 + 400 days is 9999-12-31: every day a cycle may have still has a date.
    text = plan(
        cycle(1, "9998-11-26", "    premedication:\n      - {day: 400, drug: dexa, dose: 20 mg}\n")
    )
    assert invalid_at(text) == []
    assert invalid_at(plan(cycle(1, "9998-11-27"))) != []
    assert invalid_at(plan(cycle(1, "0002-02-05"))) == []
    assert invalid_at(plan(cycle(1, "0002-02-04"))) != []


def test_cycle_starts_centuries_apart_are_one_located_finding() -> None:
    text = plan(cycle(1, "1900-01-01"), cycle(2, "2600-01-01"))
    assert len(text.encode()) < 250
    (found,) = invalid_at(text)
    assert found[:2] == (9, 12)
    assert "255,670 days" in found[2] and "more than the 7,320 days" in found[2]


def test_the_course_span_limit_is_exact() -> None:
    # 7,320 days = 20 cycles of 366 days; 2000-01-01 + 7,320 days = 2020-01-16.
    assert invalid_at(plan(cycle(1, "2000-01-01"), cycle(2, "2020-01-16"))) == []
    (found,) = invalid_at(plan(cycle(1, "2000-01-01"), cycle(2, "2020-01-17")))
    assert "7,321 days" in found[2]
    # Cycles given out of date order span the same course.
    (found,) = invalid_at(plan(cycle(1, "2020-01-17"), cycle(2, "2000-01-01")))
    assert found[0] == 9 and "7,321 days" in found[2]


def test_one_bad_file_never_costs_the_report_of_the_others(tmp_path: Path) -> None:
    (tmp_path / "a-overflow.yaml").write_text(
        plan(cycle(1, "9999-12-31", "    length_days: 42\n"), cycle(2))
    )
    (tmp_path / "b-year-1.yaml").write_text(
        plan(cycle(1, "0001-01-01", "    premedication:\n      - {day: -1, drug: d, dose: 1 mg}\n"))
    )
    (tmp_path / "c-good.yaml").write_text((REPO / "examples" / "child-it-day-1.yaml").read_text())
    report = lint_paths([str(tmp_path)])
    assert [Path(r.path).name for r in report.results] == [
        "a-overflow.yaml",
        "b-year-1.yaml",
        "c-good.yaml",
    ]
    rules = {Path(r.path).name: {f.rule for f in r.findings} for r in report.results}
    assert rules["a-overflow.yaml"] == {INVALID} and rules["b-year-1.yaml"] == {INVALID}
    # The good plan gets its clinical findings (the child's IT on infusion Day 1).
    assert rules["c-good.yaml"] and INVALID not in rules["c-good.yaml"]
    for jobs in ("1", "2"):
        run = run_blinacheck("lint", "--format", "json", "--jobs", jobs, str(tmp_path))
        assert run.returncode == 1, run.stderr
        assert "Traceback" not in run.stderr
        files = {Path(f["path"]).name for f in json.loads(run.stdout)["findings"]}
        assert files == {"a-overflow.yaml", "b-year-1.yaml", "c-good.yaml"}


def cpu_seconds_of(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = subprocess.run(
        [sys.executable, "-m", "blinacheck", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return run, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


@pytest.mark.parametrize("command", [["calendar"], ["lint", "--format", "html"], ["lint"]])
def test_centuries_apart_is_reported_fast_by_every_command(
    command: list[str], tmp_path: Path
) -> None:
    path = tmp_path / "centuries.yaml"
    path.write_text(plan(cycle(1, "0100-01-01"), cycle(2, "9900-01-01")))
    run, cpu = cpu_seconds_of(*command, str(path))
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert "makes the course span" in " ".join(run.stdout.split())
    assert len(run.stdout) < 20_000
    assert cpu < 5, f"{cpu:.1f} s of CPU for one 200-byte plan"


def test_calendar_at_the_span_limit_draws_only_what_is_planned(tmp_path: Path) -> None:
    # Twenty years between two cycles: the grid shows the two infusions and one line for the
    # wait, not a thousand empty weeks, and building it costs what the content costs.
    path = tmp_path / "twenty-years.yaml"
    path.write_text(plan_text(plan(cycle(1, "2000-01-03"), cycle(2, "2020-01-17"))))
    run, cpu = cpu_seconds_of("calendar", str(path))
    assert run.returncode in (0, 1), run.stderr
    assert "free until Day 7319" in run.stdout
    assert len(run.stdout.splitlines()) < 150
    assert cpu < 5
