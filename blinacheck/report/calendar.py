"""The calendar of a linted plan: per cycle, week rows of days with doses, markers and findings.

A presentation model shared by ``blinacheck calendar`` (terminal) and the HTML report. Every
clinical fact shown comes from the timeline (blinacheck/timeline/views.py); this module only places
those facts on a grid. The few things computed here are layout, not clinical arithmetic: which
days to draw, the date of a drawn day (dates.day_to_date, the project's one day convention), and
the days a new bag is hung (see bag_change_days).

Layout: with dates (the cycle has a Day-1 date), rows are calendar weeks, Monday first. Without
dates, rows are 7-day blocks counted from Day 1 (Days 1-7, 8-14, ...; the block before Day 1 is
Days -7 to -1), because a weekday cannot be known.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..plan import dates
from ..results.files import FileResult
from ..results.findings import Finding, Severity

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
BLOCK_COLUMNS = ("1st", "2nd", "3rd", "4th", "5th", "6th", "7th")
SEVERITY_MARKS = {Severity.ERROR: "!E", Severity.WARNING: "!W", Severity.INFO: "!I"}
# A run of at least this many weeks with nothing on them (no infusion, no item, no finding) is
# drawn as one "weeks not shown" line, so a Day -60 item does not draw eight empty weeks.
COLLAPSE_WEEKS = 3


class Marker(enum.Enum):
    """Markers of a day, in display order: (letter, meaning)."""

    HOSPITAL = ("H", "in hospital")
    BAG = ("B", "new infusion bag hung")
    PREMEDICATION = ("P", "premedication")
    INTRATHECAL = ("I", "intrathecal (IT) chemotherapy")
    INTERRUPTION = ("X", "infusion interrupted")
    ADVERSE_EVENT = ("A", "adverse event recorded")
    VACCINATION = ("V", "vaccination")

    @property
    def letter(self) -> str:
        return self.value[0]

    @property
    def meaning(self) -> str:
        return self.value[1]


class DayKind(enum.Enum):
    """What kind of day a cell is: (short label shown in place of a dose, meaning)."""

    INFUSION = ("", "blinatumomab infusion day")
    GAP = ("no inf", "no infusion, mid-cycle")
    FREE = ("free", "treatment-free day")
    BEFORE = ("pre", "before Day 1")

    @property
    def label(self) -> str:
        return self.value[0]

    @property
    def meaning(self) -> str:
        return self.value[1]


@dataclass(frozen=True)
class Dose:
    """The infusion dose of one day as the timeline gives it."""

    amount: float
    per_m2: bool  # True only when no absolute mcg/day is known (no BSA)
    step: int  # index of the infusion step
    step_starts: bool  # first day of that step

    @property
    def short(self) -> str:
        return f"{number(self.amount)}/m2" if self.per_m2 else number(self.amount)

    @property
    def unit(self) -> str:
        return "mcg/m2/day" if self.per_m2 else "mcg/day"


@dataclass(frozen=True)
class Day:
    day: int
    date: dt.date | None
    kind: DayKind
    dose: Dose | None = None
    markers: tuple[Marker, ...] = ()
    items: tuple[str, ...] = ()  # what happens that day, in words, for lists under the grid
    findings: tuple[Finding, ...] = ()

    @property
    def worst(self) -> Severity | None:
        """Worst severity of the findings that count (an overridden finding does not)."""
        return worst(self.findings)

    @property
    def marker_letters(self) -> str:
        return "".join(m.letter for m in self.markers)

    @property
    def label(self) -> str:
        return f"D{self.day}"

    @property
    def date_label(self) -> str:
        return short_date(self.date) if self.date is not None else ""

    @property
    def empty(self) -> bool:
        return self.kind is not DayKind.INFUSION and not self.markers and not self.findings


@dataclass(frozen=True)
class Week:
    """One grid row: seven cells, None where a cell is outside the cycle's days."""

    cells: tuple[Day | None, ...]
    skipped_before: int = 0  # weeks left out just before this row (all empty)

    @property
    def empty(self) -> bool:
        return all(cell is None or cell.empty for cell in self.cells)


@dataclass
class CycleCalendar:
    number: int
    start: dt.date | None  # date of Day 1, when known
    length_days: int | None
    first_day: int
    last_day: int
    last_infusion_day: int
    weeks: list[Week]
    findings: list[Finding]  # every finding of this cycle, by day
    cycle_findings: list[Finding]  # those about the cycle as a whole (no day)
    skipped_after: int = 0  # empty weeks left out at the end (a long wait for the next cycle)
    # The days each finding marks, by id(finding) (see finding_days): D1-7 for a step's range.
    marked_days: dict[int, tuple[int, ...]] = field(default_factory=dict)

    def where(self, finding: Finding) -> str:
        """The days a finding of this cycle marks, as D1 or D1-7; 'cycle' for the whole cycle."""
        days = self.marked_days.get(id(finding))
        return day_range(days) if days else "cycle"

    @property
    def dated(self) -> bool:
        return self.start is not None

    @property
    def columns(self) -> tuple[str, ...]:
        return WEEKDAYS if self.dated else BLOCK_COLUMNS

    @property
    def days(self) -> list[Day]:
        return [cell for week in self.weeks for cell in week.cells if cell is not None]

    def day(self, number: int) -> Day:
        for cell in self.days:
            if cell.day == number:
                return cell
        raise KeyError(f"Day {number} is not drawn in cycle {self.number}")

    @property
    def worst(self) -> Severity | None:
        return worst(self.findings)

    @property
    def heading(self) -> str:
        text = f"Cycle {self.number}"
        if self.start is not None:
            text += f" · Day 1 = {WEEKDAYS[self.start.weekday()]} {self.start.isoformat()}"
        text += f" · infusion Days 1-{self.last_infusion_day}"
        if self.length_days is not None:
            text += f" · {self.length_days}-day cycle"
        return text


@dataclass
class PlanCalendar:
    path: str
    title: str | None
    indication: str
    patient: dict[str, Any]
    cycles: list[CycleCalendar]
    plan_findings: list[Finding]  # findings not about a cycle (plan, patient, vaccinations)
    unplaced: list[str] = field(default_factory=list)  # vaccinations outside every grid

    @property
    def dated(self) -> bool:
        return all(c.dated for c in self.cycles)

    @property
    def per_m2_doses(self) -> bool:
        return any(d.dose is not None and d.dose.per_m2 for c in self.cycles for d in c.days)


def patient_facts(patient: dict[str, Any]) -> list[tuple[str, str]]:
    """The patient data used for dosing, as (label, value) rows, from the timeline's view."""
    if not patient:
        return [("Patient", "no patient data in the plan; doses are shown as written")]
    rows: list[tuple[str, str]] = []
    if "age_years" in patient:
        rows.append(("Age", f"{number(patient['age_years'])} years"))
    if "weight_kg" in patient:
        weighed = f" (weighed {patient['weighed_on']})" if "weighed_on" in patient else ""
        rows.append(("Weight", f"{number(patient['weight_kg'])} kg{weighed}"))
    if "height_cm" in patient:
        rows.append(("Height", f"{number(patient['height_cm'])} cm"))
    if "bsa_m2" in patient:
        if patient.get("bsa_source") == "given":
            source = "as given in the plan"
            if "bsa_mosteller_m2" in patient:
                source += f"; Mosteller from height and weight: {patient['bsa_mosteller_m2']:.2f}"
        else:
            source = "Mosteller, from height and weight"
        rows.append(("BSA", f"{patient['bsa_m2']:.2f} m² ({source})"))
    else:
        rows.append(("BSA", "unknown: per-m² doses cannot be converted to mcg/day"))
    return rows


def severity_mark(finding: Finding) -> str:
    """!E / !W / !I, or ~E / ~W / ~I for a finding that is overridden and does not count."""
    mark = SEVERITY_MARKS[finding.severity]
    return mark if finding.suppressed is None else "~" + mark[1]


def worst(findings: Iterable[Finding]) -> Severity | None:
    counted = [f.severity for f in findings if f.suppressed is None]
    return max(counted) if counted else None


def number(value: float) -> str:
    """A dose for display: at most two decimals, no trailing zeros (13.4164 -> 13.42)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def short_date(date: dt.date) -> str:
    """27 Feb: month as a word, never a numeric day/month order that could be misread."""
    return f"{date.day:02d} {MONTHS[date.month - 1]}"


def bag_change_days(bag: dict[str, Any]) -> list[int]:
    """Cycle days on which a new bag of this bags entry is hung.

    A bags entry covers Days from_day..to_day with bags of `hours` each, the first hung on
    from_day; bag k is hung ``k * hours`` after it, on the day that hour falls in. This only
    places the plan's own bag entries on the grid; no rule reads it.
    """
    first = dates.day_offset(bag["from_day"])
    last = dates.day_offset(bag["to_day"])
    hours = float(bag["hours"])
    days: list[int] = []
    k = 0
    while True:
        offset = first + math.floor(k * hours / 24)
        if offset > last:
            return days
        if not days or days[-1] != dates.offset_to_day(offset):
            days.append(dates.offset_to_day(offset))
        k += 1


# --- building ---------------------------------------------------------------------------------


def build(result: FileResult) -> PlanCalendar | None:
    """The calendar of a linted file; None when the plan is not valid (no timeline)."""
    timeline = result.timeline
    if timeline is None:
        return None
    vaccinations = timeline.plan.get("vaccinations", [])
    vaccination_findings = _vaccination_findings(result.findings)
    cycles: list[CycleCalendar] = []
    placed: set[int] = set()
    for index, view in enumerate(timeline.cycles):
        following = timeline.cycles[index + 1] if index + 1 < len(timeline.cycles) else None
        calendar, used = _cycle(view, following, vaccinations, vaccination_findings, result)
        cycles.append(calendar)
        placed |= used
    unplaced = [
        _vaccination_text(v) + f" on {v['date']}"
        for i, v in enumerate(vaccinations)
        if i not in placed
    ]
    plan_findings = [f for f in result.findings if f.cycle is None]
    return PlanCalendar(
        path=result.path,
        title=timeline.plan.get("title"),
        indication=timeline.plan["indication"],
        patient=timeline.patient,
        cycles=cycles,
        plan_findings=plan_findings,
        unplaced=unplaced,
    )


def _vaccination_findings(findings: list[Finding]) -> dict[int, list[Finding]]:
    """Findings about a vaccination, by its index (from the subject pointer /vaccinations/N)."""
    found: dict[int, list[Finding]] = {}
    for finding in findings:
        parts = finding.subject.split("#")[0].split("/")
        if len(parts) >= 3 and parts[1] == "vaccinations" and parts[2].isdigit():
            found.setdefault(int(parts[2]), []).append(finding)
    return found


def _vaccination_text(vaccination: dict[str, Any]) -> str:
    live = " (live)" if vaccination.get("live") else ""
    return f"vaccination {vaccination['vaccine']}{live}"


def _date_of(day: int, start: dt.date | None) -> dt.date | None:
    return dates.day_to_date(day, start) if start is not None else None


def _end_day(view: dict[str, Any], following: dict[str, Any] | None) -> int:
    """The last day to draw: the cycle's length, else the day before the next Day 1 (dates)."""
    if "length_days" in view:
        return int(view["length_days"])
    if following is not None and "start" in view and "start" in following:
        start = dt.date.fromisoformat(view["start"])
        before_next = dt.date.fromisoformat(following["start"]) - dt.timedelta(days=1)
        return max(dates.date_to_day(before_next, start), int(view["last_infusion_day"]))
    return int(view["last_infusion_day"])


class _DayFacts:
    """Markers, item texts and findings collected per cycle day."""

    def __init__(self) -> None:
        self.markers: dict[int, set[Marker]] = {}
        self.items: dict[int, list[str]] = {}
        self.findings: dict[int, list[Finding]] = {}

    def mark(self, day: int, marker: Marker, text: str | None = None) -> None:
        self.markers.setdefault(day, set()).add(marker)
        if text:
            self.items.setdefault(day, []).append(text)

    def note(self, day: int, text: str) -> None:
        self.items.setdefault(day, []).append(text)

    def days(self) -> set[int]:
        return set(self.markers) | set(self.items) | set(self.findings)


def _cycle(
    view: dict[str, Any],
    following: dict[str, Any] | None,
    vaccinations: list[dict[str, Any]],
    vaccination_findings: dict[int, list[Finding]],
    result: FileResult,
) -> tuple[CycleCalendar, set[int]]:
    start = dt.date.fromisoformat(view["start"]) if "start" in view else None
    facts = _DayFacts()
    _collect_items(view, facts)
    cycle_findings: list[Finding] = []
    marked: dict[int, tuple[int, ...]] = {}
    mine = [f for f in result.findings if f.cycle == view["number"]]
    for finding in mine:
        if finding.day is None:
            cycle_findings.append(finding)
        else:
            marked[id(finding)] = tuple(finding_days(finding, view))
            for day in marked[id(finding)]:
                facts.findings.setdefault(day, []).append(finding)

    last_infusion = int(view["last_infusion_day"])
    end = _end_day(view, following)
    first = min([1, *facts.days()])
    last = max([end, *facts.days()])

    placed: set[int] = set()
    if start is not None:
        for index, vaccination in enumerate(vaccinations):
            day = dates.date_to_day(dt.date.fromisoformat(vaccination["date"]), start)
            if first <= day <= last:
                placed.add(index)
                facts.mark(day, Marker.VACCINATION, _vaccination_text(vaccination))
                facts.findings.setdefault(day, []).extend(vaccination_findings.get(index, []))

    by_day = {entry["day"]: entry for entry in view["days"]}
    step_first_days = {step["from_day"] for step in view["steps"]}

    def make_day(d: int) -> Day:
        return _day(d, start, by_day.get(d), d in step_first_days, last_infusion, facts)

    # The days that are not empty (an infusion, a marker or a finding): only their weeks, and
    # short runs of empty weeks between them, are built, so the cost follows the plan's
    # content and not the number of days between its first and last date.
    busy = {entry["day"] for entry in view["days"] if entry["infusion"]}
    busy |= set(facts.markers) | {d for d, found in facts.findings.items() if found}
    weeks, skipped_after = _grid(first, last, start, busy, make_day)
    calendar = CycleCalendar(
        number=view["number"],
        start=start,
        length_days=view.get("length_days"),
        first_day=first,
        last_day=last,
        last_infusion_day=last_infusion,
        weeks=weeks,
        findings=sorted(mine, key=_finding_order),
        cycle_findings=cycle_findings,
        skipped_after=skipped_after,
        marked_days=marked,
    )
    return calendar, placed


def finding_days(finding: Finding, view: dict[str, Any]) -> list[int]:
    """The cycle days a finding with a day is about: every day of the infusion step it names.

    A finding about an infusion step (its subject is ``/cycles/N/infusion/K``) concerns the
    step's whole range, so ``dose-above-cap`` on Days 1-7 marks Days 1 to 7; any other finding
    concerns its one day. The step is looked up in the cycle's view, never recomputed.
    """
    assert finding.day is not None
    parts = finding.subject.split("#")[0].split("/")
    if len(parts) == 5 and parts[1:4] == ["cycles", str(view["index"]), "infusion"]:
        for step in view["steps"]:
            if str(step["index"]) == parts[4] and step["from_day"] == finding.day:
                return list(dates.days_in_range(step["from_day"], step["to_day"]))
    return [finding.day]


def day_range(days: Iterable[int]) -> str:
    """D1, or D1-7 for a run of days (the days a finding marks)."""
    ordered = sorted(days)
    if len(ordered) > 1 and ordered == list(dates.days_in_range(ordered[0], ordered[-1])):
        return f"D{ordered[0]}-{ordered[-1]}"
    return ",".join(f"D{d}" for d in ordered)


def _finding_order(finding: Finding) -> tuple[int, int, int, str]:
    day = finding.day if finding.day is not None else -10_000
    return (day, -int(finding.severity), finding.line, finding.rule)


def _collect_items(view: dict[str, Any], facts: _DayFacts) -> None:
    for day in view["hospital_days"]:
        facts.mark(day, Marker.HOSPITAL)
    for bag in view["bags"]:
        for day in bag_change_days(bag):
            facts.mark(day, Marker.BAG)
    for step in view["steps"]:
        what = "step-up to" if step.get("step_up") else "infusion"
        dose = step["dose"]
        if step["per_m2"] and "mcg_per_day" in step:
            dose += f" = {number(step['mcg_per_day'])} mcg/day"
        facts.note(step["from_day"], f"{what} {dose}, Days {_range(step)}")
    for item in view["premedication"]:
        before = item.get("minutes_before")
        when = f", {number(before)} min before" if before is not None else ""
        text = f"premedication {item['drug']} {_mg(item)}{when}"
        facts.mark(item["cycle_day"], Marker.PREMEDICATION, text)
    for item in view["intrathecal"]:
        dose = f" {_mg(item)}" if "dose" in item else ""
        text = f"IT {', '.join(item['drugs'])}{dose}"
        facts.mark(item["cycle_day"], Marker.INTRATHECAL, text)
    for item in view["interruptions"]:
        reason = f" ({item['reason']})" if "reason" in item else ""
        text = f"infusion interrupted {number(item['hours'])} h{reason}"
        facts.mark(item["cycle_day"], Marker.INTERRUPTION, text)
    for item in view["adverse_events"]:
        kind = "CRS" if item["type"] == "crs" else item["type"]
        text = f"adverse event: {kind} grade {item['grade']}"
        facts.mark(item["cycle_day"], Marker.ADVERSE_EVENT, text)


def _range(step: dict[str, Any]) -> str:
    if step["from_day"] == step["to_day"]:
        return str(step["from_day"])
    return f"{step['from_day']}-{step['to_day']}"


def _mg(item: dict[str, Any]) -> str:
    """The dose as written, and the timeline's absolute mg when it was written per m²."""
    text = str(item["dose"])
    if item.get("per_m2") and "dose_mg" in item:
        text += f" (= {number(item['dose_mg'])} mg)"
    return text


def _day(
    day: int,
    start: dt.date | None,
    entry: dict[str, Any] | None,
    step_starts: bool,
    last_infusion: int,
    facts: _DayFacts,
) -> Day:
    dose: Dose | None = None
    if entry is not None and entry["infusion"]:
        kind = DayKind.INFUSION
        if "mcg_per_day" in entry:
            dose = Dose(entry["mcg_per_day"], False, entry["step"], step_starts)
        else:
            dose = Dose(entry["mcg_per_m2_per_day"], True, entry["step"], step_starts)
    elif day < 1:
        kind = DayKind.BEFORE
    elif day <= last_infusion:
        kind = DayKind.GAP
    else:
        kind = DayKind.FREE
    markers = tuple(m for m in Marker if m in facts.markers.get(day, set()))
    return Day(
        day=day,
        date=_date_of(day, start),
        kind=kind,
        dose=dose,
        markers=markers,
        items=tuple(facts.items.get(day, [])),
        findings=tuple(sorted(facts.findings.get(day, []), key=_finding_order)),
    )


def _row(day: int, start: dt.date | None) -> int:
    """The grid row of a day: its Monday-first calendar week with dates, its 7-day block
    counted from Day 1 without."""
    if start is not None:
        return (dates.day_to_date(day, start).toordinal() - 1) // 7  # ordinal 1 is a Monday
    return dates.day_offset(day) // 7


def _week(
    row: int, first: int, last: int, start: dt.date | None, make_day: Callable[[int], Day]
) -> list[Day | None]:
    """The seven cells of a row; None for a cell outside Days first..last."""
    base = 7 * row - (start.toordinal() - 1 if start is not None else 0)  # offset of column 0
    cells: list[Day | None] = [None] * 7
    for column in range(7):
        day = dates.offset_to_day(base + column)
        if first <= day <= last:
            cells[column] = make_day(day)
    return cells


def _grid(
    first: int,
    last: int,
    start: dt.date | None,
    busy: set[int],
    make_day: Callable[[int], Day],
) -> tuple[list[Week], int]:
    """The rows to draw for Days first..last, and the empty weeks left out at the end.

    A run of COLLAPSE_WEEKS or more empty weeks is left out and the next row says how many;
    the first COLLAPSE_WEEKS - 1 free weeks at the end stay in the picture, only a long wait
    for the next cycle is cut short. Rows are built only for ``busy`` days' weeks and the
    empty weeks actually drawn.
    """

    def week(row: int, skipped: int = 0) -> Week:
        return Week(tuple(_week(row, first, last, start, make_day)), skipped_before=skipped)

    weeks: list[Week] = []
    expected = _row(first, start)  # the next row not yet drawn or left out
    for row in sorted({_row(d, start) for d in busy}):
        if row - expected >= COLLAPSE_WEEKS:
            weeks.append(week(row, skipped=row - expected))
        else:
            weeks += [week(r) for r in range(expected, row + 1)]
        expected = row + 1
    trailing = _row(last, start) - expected + 1
    if trailing >= COLLAPSE_WEEKS:
        weeks += [week(r) for r in range(expected, expected + COLLAPSE_WEEKS - 1)]
        return weeks, trailing - (COLLAPSE_WEEKS - 1)
    weeks += [week(r) for r in range(expected, expected + trailing)]
    return weeks, 0
