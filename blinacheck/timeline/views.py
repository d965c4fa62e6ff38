"""Derived facts of a validated plan: what the rules (and the calendar) read.

All arithmetic lives here, computed once: cycle days and dates of every item, BSA, absolute
mcg/day of every step, infusion days, treatment-free gaps. The output is plain data (dicts,
lists, numbers, ISO date text) ready to bind in CEL; an absent optional fact is an absent key.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..plan import dates, drugs, units, vaccines
from ..plan.models import Cycle, Patient, Plan
from ..read.source import Path
from . import subjects

# The subject kinds, and where each in-cycle kind lives in the plan file (timeline/subjects.py).
SUBJECT_KINDS = subjects.NAMES
ITEM_KEYS = {kind.name: kind.cycle_list for kind in subjects.KINDS if kind.cycle_list}

MONTHS_PER_YEAR = 12


@dataclass(frozen=True, slots=True)
class Subject:
    """One thing a rule can be about, with its CEL view and where it stands in the file."""

    kind: str
    data: dict[str, Any]
    path: Path
    cycle_index: int | None = None
    cycle: int | None = None
    day: int | None = None


@dataclass
class Timeline:
    plan: dict[str, Any]
    patient: dict[str, Any]
    cycles: list[dict[str, Any]]
    subjects: dict[str, list[Subject]] = field(default_factory=dict)


def build(plan: Plan) -> Timeline:
    """The plan's derived facts. Each view is complete when it is made, and nothing changes it
    afterwards: a fact that depends on the whole course (how many cycles follow, which seizure
    this is) is handed to the cycle's view as it is built, in course order."""
    starts = _cycle_starts(plan.cycles)
    patient = _patient_view(plan.patient, starts[0])
    bsa = patient.get("bsa_m2")
    placed = _place_items(plan.cycles, starts)
    cycles: list[dict[str, Any]] = []
    seizures = 0
    for index, cycle in enumerate(plan.cycles):
        course = _Course(later_cycles=len(plan.cycles) - index - 1, seizures_before=seizures)
        view = _cycle_view(index, cycle, starts[index], bsa, placed[index], course)
        seizures += sum(event["type"] == "seizure" for event in view["adverse_events"])
        cycles.append(view)
    gaps = [_gap_view(cycles[i], cycles[i + 1], plan.cycles[i]) for i in range(len(cycles) - 1)]
    vaccinations = [_vaccination_view(v.date, v.vaccine, v.live, cycles) for v in plan.vaccinations]
    plan_view = _plan_view(plan, cycles, vaccinations)

    index_of = {cycle.cycle: index for index, cycle in enumerate(plan.cycles)}
    subjects: dict[str, list[Subject]] = {kind: [] for kind in SUBJECT_KINDS}
    subjects["plan"].append(Subject("plan", plan_view, ()))
    for index, view in enumerate(cycles):
        at: Path = ("cycles", index)
        number = view["number"]
        subjects["cycle"].append(Subject("cycle", view, at, index, number, None))
        for step in view["steps"]:
            subjects["infusion_step"].append(
                Subject(
                    "infusion_step",
                    step,
                    (*at, "infusion", step["index"]),
                    index,
                    number,
                    step["from_day"],
                )
            )
        for kind, key in ITEM_KEYS.items():
            for item in view[key]:
                # An item sits where its date puts it (see _place_items); its path stays the
                # place in the file that holds it, so findings point at the line written.
                written: Path = ("cycles", index_of[item["written_in_cycle"]], key, item["index"])
                subjects[kind].append(
                    Subject(kind, item, written, index, number, item["cycle_day"])
                )
                for at_name, name in _drug_names(kind, item):
                    subjects["drug_name"].append(
                        Subject(
                            "drug_name",
                            name,
                            (*written, *at_name),
                            index,
                            number,
                            name["cycle_day"],
                        )
                    )
    for index, gap in enumerate(gaps):
        subjects["cycle_gap"].append(
            Subject("cycle_gap", gap, ("cycles", index + 1), index + 1, gap["after_number"], 1)
        )
    for index, vaccination in enumerate(vaccinations):
        subjects["vaccination"].append(Subject("vaccination", vaccination, ("vaccinations", index)))
    return Timeline(plan_view, patient, cycles, subjects)


def _number(value: float) -> float:
    return round(value, 4)


def _patient_view(patient: Patient | None, first_day1: dt.date | None) -> dict[str, Any]:
    if patient is None:
        return {}
    view: dict[str, Any] = {}
    for name, value in patient:
        if value is None or (name == "mutations" and not value):
            continue
        if isinstance(value, dt.date):
            view[name] = value.isoformat()
        elif isinstance(value, bool | list | str):
            view[name] = value
        else:
            view[name] = float(value)
    view["mutations"] = [m.upper() for m in patient.mutations]
    if patient.age_years is not None:
        # The plan gives the age in years only; in months to 2 decimals, so that 0.0833 years
        # (a month written in years) reads as 1 month.
        view["age_months"] = round(float(patient.age_years) * MONTHS_PER_YEAR, 2)
    if patient.height_cm is not None and patient.weight_kg is not None:
        view["bsa_mosteller_m2"] = _number(
            units.mosteller_bsa(patient.height_cm, patient.weight_kg)
        )
    if patient.bsa_m2 is not None:
        view["bsa_source"] = "given"
    elif "bsa_mosteller_m2" in view:
        view["bsa_m2"] = view["bsa_mosteller_m2"]
        view["bsa_source"] = "mosteller"
    if patient.weighed_on is not None and first_day1 is not None:
        view["weight_days_before_start"] = (first_day1 - patient.weighed_on).days
    return view


@dataclass(frozen=True, slots=True)
class _Course:
    """What a cycle's view needs to know of the rest of the course."""

    later_cycles: int  # cycles after this one
    seizures_before: int  # seizures in the cycles before this one


def _cycle_starts(cycles: list[Cycle]) -> list[dt.date | None]:
    """Day-1 dates: given, or placed by the previous cycle's start and length_days."""
    starts: list[dt.date | None] = []
    previous: Cycle | None = None
    for cycle in cycles:
        start = cycle.start
        placeable = previous is not None and previous.length_days is not None
        if start is None and placeable and starts[-1] is not None:
            assert previous is not None and previous.length_days is not None
            start = starts[-1] + dt.timedelta(days=previous.length_days)
        starts.append(start)
        previous = cycle
    return starts


def _iso(start: dt.date | None, day: int) -> str | None:
    return dates.day_to_date(day, start).isoformat() if start is not None else None


@dataclass(frozen=True, slots=True)
class _Placed:
    """An in-cycle item (IT, premedication, interruption, adverse event) and where it falls."""

    item: Any
    index: int  # position in its list in the plan file
    written_in: int  # index of the cycle whose list holds it
    date: dt.date | None  # its calendar date, when known (given, or its day and a start)
    facts: dict[str, Any]  # how the date relates to the cycle whose list holds it


def _infusion_span(cycle: Cycle, start: dt.date | None) -> tuple[dt.date, dt.date] | None:
    """Dates of Day 1 and of the last infusion day, when the start is known."""
    if start is None:
        return None
    last = max(step.days[1] for step in cycle.infusion)
    return start, dates.day_to_date(last, start)


def _length(cycles: list[Cycle], starts: list[dt.date | None], index: int) -> int:
    """The cycle's own length: length_days, else the days to the next Day 1, else its last
    infusion day. It measures how far from its cycle an item may plausibly lie."""
    cycle = cycles[index]
    if cycle.length_days is not None:
        return cycle.length_days
    start = starts[index]
    following = starts[index + 1] if index + 1 < len(starts) else None
    if start is not None and following is not None and following > start:
        return (following - start).days
    return max(step.days[1] for step in cycle.infusion)


def _place_items(
    cycles: list[Cycle], starts: list[dt.date | None]
) -> list[dict[str, list[_Placed]]]:
    """Put every in-cycle item in the cycle its date falls in, whatever list it is written in.

    An item whose date lies between Day 1 and the last infusion day of another cycle (an IT
    dose in cycle 1's list on cycle 2's Day 1) belongs to that cycle: the rules and the calendar
    see it there, and the *-misplaced rules report the filing. Any other item stays with the
    cycle whose list holds it, also when it lies before that cycle's Day 1 or in the
    treatment-free days after it. docs/plan-format.md describes the placement.
    """
    spans = [_infusion_span(cycle, start) for cycle, start in zip(cycles, starts, strict=True)]
    placed: list[dict[str, list[_Placed]]] = [
        {key: [] for key in ITEM_KEYS.values()} for _ in cycles
    ]
    for written, cycle in enumerate(cycles):
        start = starts[written]
        for key in ITEM_KEYS.values():
            for index, item in enumerate(getattr(cycle, key)):
                date = item.date
                if date is None and start is not None:
                    date = dates.day_to_date(item.day, start)
                target = written
                own = spans[written]
                if date is not None and not (own is not None and own[0] <= date <= own[1]):
                    target = next(
                        (
                            other
                            for other, span in enumerate(spans)
                            if other != written and span is not None and span[0] <= date <= span[1]
                        ),
                        written,
                    )
                facts = _written_facts(cycles, starts, written, date)
                placed[target][key].append(_Placed(item, index, written, date, facts))
    for target, lists in enumerate(placed):  # its own items first, in file order
        for items in lists.values():
            items.sort(key=lambda p: (p.written_in != target, p.written_in, p.index))
    return placed


def _written_facts(
    cycles: list[Cycle], starts: list[dt.date | None], written: int, date: dt.date | None
) -> dict[str, Any]:
    cycle, start = cycles[written], starts[written]
    facts: dict[str, Any] = {"written_in_cycle": cycle.cycle}
    if date is None or start is None:
        return facts
    facts["written_cycle_day"] = dates.date_to_day(date, start)
    last_day = max([step.days[1] for step in cycle.infusion] + [cycle.length_days or 0])
    end = dates.day_to_date(last_day, start)
    outside = (start - date).days if date < start else max(0, (date - end).days)
    facts["days_outside_written_cycle"] = outside
    facts["written_cycle_length_days"] = _length(cycles, starts, written)
    return facts


def _placed(placed: _Placed, start: dt.date | None) -> dict[str, Any]:
    """cycle_day and date of an item in the cycle it falls in (Day 1 on ``start``)."""
    item = placed.item
    view: dict[str, Any] = {"index": placed.index, **placed.facts}
    if placed.date is not None and start is not None:
        view["cycle_day"] = dates.date_to_day(placed.date, start)
        view["date"] = placed.date.isoformat()
    else:
        assert item.day is not None  # plan validation: a date needs the cycle's start
        view["cycle_day"] = item.day
    view["given_as"] = "date" if item.date is not None else "day"
    return view


def _mg_view(dose: units.Dose | None, bsa: float | None) -> dict[str, Any]:
    if dose is None:
        return {}
    view: dict[str, Any] = {"dose": dose.text, "dose_unit": dose.unit, "per_m2": dose.per_m2}
    if dose.per_m2:
        view["dose_mg_per_m2"] = dose.amount
        if bsa is not None:
            view["dose_mg"] = _number(dose.amount * bsa)
    else:
        view["dose_mg"] = dose.amount
        if bsa is not None:
            view["dose_mg_per_m2"] = _number(dose.amount / bsa)
    return view


def _cycle_view(
    index: int,
    cycle: Cycle,
    start: dt.date | None,
    bsa: float | None,
    placed: dict[str, list[_Placed]],
    course: _Course,
) -> dict[str, Any]:
    steps = [_step_view(i, step, start, bsa) for i, step in enumerate(cycle.infusion)]
    dose_by_day: dict[int, dict[str, Any]] = {}
    for step in steps:
        for day in dates.days_in_range(step["from_day"], step["to_day"]):
            dose_by_day[day] = step
    last_day = max(dose_by_day)
    hospital_days = sorted(
        {d for first, last in cycle.hospitalization for d in dates.days_in_range(first, last)}
    )
    interruptions = [_interruption_view(item, start) for item in placed["interruptions"]]
    explained_by = [
        (
            item["hours"],
            range(item["cycle_day"], item["cycle_day"] + math.ceil(item["hours"] / 24) + 1),
        )
        for item in interruptions
    ]
    explained = {day for _, days in explained_by for day in days}
    gap_days = [d for d in range(1, last_day + 1) if d not in dose_by_day]
    hospital = set(hospital_days)
    days = []
    for day in range(1, last_day + 1):
        entry: dict[str, Any] = {
            "day": day,
            "infusion": day in dose_by_day,
            "hospital": day in hospital,
        }
        date = _iso(start, day)
        if date is not None:
            entry["date"] = date
        covering = dose_by_day.get(day)
        if covering is not None:
            entry["step"] = covering["index"]
            for key in ("mcg_per_day", "mcg_per_m2_per_day"):
                if key in covering:
                    entry[key] = covering[key]
        days.append(entry)
    events = _adverse_event_views(placed["adverse_events"], start, dose_by_day, course)
    view: dict[str, Any] = {
        "number": cycle.cycle,
        "index": index,
        "infusion_days": len(dose_by_day),
        "first_infusion_day": 1,
        "last_infusion_day": last_day,
        "steps": steps,
        "days": days,
        "gap_days": gap_days,
        "unexplained_gap_days": [d for d in gap_days if d not in explained],
        "pauses": _pauses(gap_days, explained_by),
        "hospital_days": hospital_days,
        "bags": [
            _bag_view(i, b.days, float(b.hours), dose_by_day) for i, b in enumerate(cycle.bags)
        ],
        "premedication": [
            _premedication_view(item, start, bsa) for item in placed["premedication"]
        ],
        "intrathecal": [_intrathecal_view(item, start, bsa) for item in placed["intrathecal"]],
        "interruptions": interruptions,
        "adverse_events": events,
    }
    if start is not None:
        view["start"] = start.isoformat()
        view["last_infusion_date"] = _iso(start, last_day)
    view["start_given"] = cycle.start is not None
    if cycle.length_days is not None:
        view["length_days"] = cycle.length_days
    _derive_cycle(view)
    return view


def _pauses(gap_days: list[int], explained_by: list[tuple[float, range]]) -> list[dict[str, Any]]:
    """Each run of days without infusion between Day 1 and the last infusion day: its days,
    the days of it that no interruption entry explains, and the longest interruption that
    explains any of its days."""
    pauses: list[dict[str, Any]] = []
    for run in _runs(gap_days):
        hours = [h for h, days in explained_by if any(d in days for d in run)]
        pause: dict[str, Any] = {
            "from_day": run[0],
            "to_day": run[-1],
            "days": len(run),
            "resume_day": run[-1] + 1,
            "unexplained_days": [d for d in run if not any(d in days for _, days in explained_by)],
        }
        if hours:
            pause["longest_interruption_days"] = _number(max(hours) / 24)
        pauses.append(pause)
    return pauses


def _dose_key(step: dict[str, Any]) -> tuple[float, str]:
    """The dose a bag is prepared for: the amount and unit as written."""
    amount = step["mcg_per_m2_per_day"] if step["per_m2"] else step["mcg_per_day"]
    return (float(amount), str(step["dose_unit"]))


def _bag_view(
    index: int, days: tuple[int, int], hours: float, dose_by_day: dict[int, dict[str, Any]]
) -> dict[str, Any]:
    """A bag entry: bags of ``hours`` hung one after another from the start of ``from_day``
    (Day 1 begins when the infusion starts), a new bag while one is hung within the entry's
    days. ``dose_change_days`` are the infusion days whose dose differs from the infusion day
    before and whose start falls inside a running bag, not at a bag change: a bag delivers one
    dose, so the change cannot happen there (48-hour bags from Day 1 run Days 7-8 in one bag,
    across the Day 8 step-up)."""
    first, last = days
    length = Fraction(str(hours))
    begin, end = Fraction((first - 1) * 24), Fraction(last * 24)
    changes: list[int] = []
    for day in sorted(dose_by_day):
        before = dose_by_day.get(day - 1)
        if before is None or _dose_key(before) == _dose_key(dose_by_day[day]):
            continue
        at = Fraction((day - 1) * 24)  # the hour the day begins, from the infusion start
        if at <= begin:
            continue
        bag_start = begin + length * ((at - begin) // length)
        if bag_start < at < bag_start + length and bag_start < end:
            changes.append(day)
    return {
        "index": index,
        "from_day": first,
        "to_day": last,
        "hours": hours,
        "dose_change_days": changes,
    }


def _step_view(index: int, step: Any, start: dt.date | None, bsa: float | None) -> dict[str, Any]:
    dose = step.dose
    view: dict[str, Any] = {
        "index": index,
        "from_day": step.days[0],
        "to_day": step.days[1],
        "days": len(dates.days_in_range(*step.days)),
        "dose": dose.text,
        "dose_unit": dose.unit,
        "written_unit": dose.written_unit,
        "per_m2": dose.per_m2,
    }
    if dose.per_m2:
        view["mcg_per_m2_per_day"] = dose.amount
        if bsa is not None:
            view["mcg_per_day"] = _number(dose.amount * bsa)
    else:
        view["mcg_per_day"] = dose.amount
    if start is not None:
        view["from_date"] = _iso(start, step.days[0])
        view["to_date"] = _iso(start, step.days[1])
    return view


def _drug_name_view(written: str, entry: str, cycle_day: int) -> dict[str, Any]:
    """What one drug name as written means (plan/drugs.py): canonical name, kind, drugs."""
    resolved = drugs.resolve(written)
    view: dict[str, Any] = {
        "written": written,
        "name": resolved.name,
        "kind": resolved.kind,
        "drugs": list(resolved.drugs),
        "read_as": list(resolved.abbreviation.read_as) if resolved.abbreviation else [],
        "never_intrathecal": any(drugs.DRUGS[d].never_intrathecal for d in resolved.drugs),
        "entry": entry,
        "cycle_day": cycle_day,
    }
    if resolved.abbreviation is not None:
        view["abbreviation"] = resolved.abbreviation.spelling
    if resolved.suggestion is not None:
        view["suggestion"] = resolved.suggestion
    return view


def _drug_names(kind: str, item: dict[str, Any]) -> list[tuple[Path, dict[str, Any]]]:
    """The drug names of an IT or premedication item, each with its path inside the item."""
    if kind == "premedication":
        return [(("drug",), item["drug_name"])]
    if kind == "intrathecal":
        return [(("drugs", i), name) for i, name in enumerate(item["drug_names"])]
    return []


def _premedication_view(
    placed: _Placed, start: dt.date | None, bsa: float | None
) -> dict[str, Any]:
    item = placed.item
    view = _placed(placed, start)
    name = _drug_name_view(item.drug, "premedication", view["cycle_day"])
    drug = drugs.DRUGS.get(name["name"])
    view.update(drug=name["name"], drug_name=name, drug_known=bool(name["drugs"]))
    view["corticosteroid"] = drug is not None and drug.corticosteroid
    view.update(_mg_view(item.dose, bsa))
    if view["corticosteroid"]:
        for target in ("prednisone", "dexamethasone"):
            for unit in ("mg", "mg_per_m2"):
                amount = view.get(f"dose_{unit}")
                if amount is not None:
                    equivalent = drugs.equivalent_mg(name["name"], amount, to=target)
                    assert equivalent is not None
                    view[f"{target}_equivalent_{unit}"] = _number(equivalent)
    if item.minutes_before is not None:
        view["minutes_before"] = float(item.minutes_before)
    return view


def _intrathecal_view(placed: _Placed, start: dt.date | None, bsa: float | None) -> dict[str, Any]:
    item = placed.item
    view = _placed(placed, start)
    names = [_drug_name_view(d, "intrathecal", view["cycle_day"]) for d in item.drugs]
    # The canonical drugs, each once, in the order written ("triple IT" gives all three);
    # a name that means no drug stays as written (lower case), so no drug silently vanishes.
    canonical = [d for n in names for d in (n["drugs"] or [n["name"]])]
    view.update(drugs=list(dict.fromkeys(canonical)), drug_names=names)
    view["drugs_known"] = all(n["drugs"] for n in names)
    view.update(_mg_view(item.dose, bsa))
    return view


def _interruption_view(placed: _Placed, start: dt.date | None) -> dict[str, Any]:
    item = placed.item
    view = {**_placed(placed, start), "hours": float(item.hours)}
    view["days"] = _number(item.hours / 24)
    if item.reason is not None:
        view["reason"] = item.reason
    return view


def _adverse_event_views(
    placed: list[_Placed],
    start: dt.date | None,
    dose_by_day: dict[int, dict[str, Any]],
    course: _Course,
) -> list[dict[str, Any]]:
    """A cycle's adverse events, with the facts that depend on the whole course: how many
    cycles follow, and each seizure's number in the course (counted in day order)."""
    views = [_adverse_event_view(item, start, dose_by_day) for item in placed]
    seizures = course.seizures_before
    for event in sorted(views, key=lambda e: (e["cycle_day"], e["index"])):
        event["later_cycles"] = course.later_cycles
        if event["type"] == "seizure":
            seizures += 1
            event["seizure_number"] = seizures
    return views


def _adverse_event_view(
    placed: _Placed, start: dt.date | None, dose_by_day: dict[int, dict[str, Any]]
) -> dict[str, Any]:
    item = placed.item
    view: dict[str, Any] = {**_placed(placed, start), "type": item.type}
    view["grade"] = item.grade
    day = view["cycle_day"]
    at_event = dose_by_day.get(day)
    if at_event is not None:
        for key in ("mcg_per_day", "mcg_per_m2_per_day"):
            if key in at_event:
                view[f"dose_at_event_{key}"] = at_event[key]
    later = sorted(d for d in dose_by_day if d > day)
    view["infusion_continues"] = bool(later)
    return view


def _gap_view(before: dict[str, Any], after: dict[str, Any], earlier: Cycle) -> dict[str, Any]:
    view: dict[str, Any] = {
        "before_number": before["number"],
        "after_number": after["number"],
        "before": before,
        "after": after,
    }
    if "last_infusion_date" in before and "start" in after:
        last = dt.date.fromisoformat(before["last_infusion_date"])
        view["free_days"] = (dt.date.fromisoformat(after["start"]) - last).days - 1
        view["free_days_from"] = "dates"
    if "start" in before and "start" in after:
        view["day1_to_day1_days"] = (
            dt.date.fromisoformat(after["start"]) - dt.date.fromisoformat(before["start"])
        ).days
    elif earlier.length_days is not None:
        view["free_days"] = earlier.length_days - before["last_infusion_day"]
        view["free_days_from"] = "length_days"
    return view


def _vaccination_view(
    date: dt.date, vaccine: str, live: bool, cycles: list[dict[str, Any]]
) -> dict[str, Any]:
    view: dict[str, Any] = {"date": date.isoformat(), "vaccine": vaccine, "live": live}
    resolved = vaccines.resolve(vaccine)
    view.update(name=resolved.name, name_kind=resolved.kind, read_as=list(resolved.read_as))
    if resolved.live is not None:
        view["live_by_name"] = resolved.live
    if resolved.suggestion is not None:
        view["suggestion"] = resolved.suggestion
    first = cycles[0].get("start")
    if first is not None:
        view["days_from_first_day1"] = (date - dt.date.fromisoformat(first)).days
    last = cycles[-1].get("last_infusion_date")
    if last is not None:
        view["days_after_last_infusion"] = (date - dt.date.fromisoformat(last)).days
    end = cycles[-1].get("end_date")
    if end is not None:
        view["days_after_last_cycle_end"] = (date - dt.date.fromisoformat(end)).days
    return view


def _plan_view(
    plan: Plan, cycles: list[dict[str, Any]], vaccinations: list[dict[str, Any]]
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "blinacheck": plan.blinacheck,
        "indication": plan.indication,
        "cycle_count": len(cycles),
        "max_cycle_number": max(c["number"] for c in cycles),
        "cycles": cycles,
        "vaccinations": vaccinations,
        "has_patient": plan.patient is not None,
        "intrathecal_count": sum(len(c["intrathecal"]) for c in cycles),
    }
    if plan.title is not None:
        view["title"] = plan.title
    if "start" in cycles[0]:
        view["first_day1_date"] = cycles[0]["start"]
    if "last_infusion_date" in cycles[-1]:
        view["last_infusion_date"] = cycles[-1]["last_infusion_date"]
    if "end_date" in cycles[-1]:
        view["last_cycle_end_date"] = cycles[-1]["end_date"]
    return view


# --- derived facts for the rule pack ----------------------------------------------------------
# Infusion-day ordinals, step-ups, restarts after toxicity and interruptions, the moments that
# need premedication, and course-wide counts, so that rules compare them with the label's
# numbers (kept in the rules' params) instead of doing day arithmetic in CEL.

# The label restarts at the lower dose after grade-3 CRS or neurologic toxicity; after grade 4 it
# stops for good, so only a grade-3 event makes the next infusion day a restart after toxicity.
RESTART_GRADE = 3


def _higher(entry: dict[str, Any], other: dict[str, Any]) -> bool:
    """True when ``entry``'s daily dose is higher than ``other``'s (same basis, both known)."""
    for key in ("mcg_per_m2_per_day", "mcg_per_day"):
        if key in entry and key in other:
            return bool(entry[key] > other[key])
    return False


def _first_at_or_after(day: int, infusion_days: list[int]) -> int | None:
    return next((d for d in infusion_days if d >= day), None)


def _restart_days(day: int, hours: float, infusion_days: list[int]) -> list[int]:
    """Infusion days on which the infusion can resume after an interruption.

    Only the day of the interruption is known, not its hour: one that starts on day 10 and
    lasts 6 hours resumes on day 10 or 11, one of 48 hours on day 12.
    """
    if day < 1:
        return []
    found = {
        _first_at_or_after(day + int(hours // 24), infusion_days),
        _first_at_or_after(day + math.ceil(hours / 24), infusion_days),
    }
    return sorted(d for d in found if d is not None)


def _runs(days: list[int]) -> list[list[int]]:
    """Consecutive runs of days: [3, 4, 7] -> [[3, 4], [7]]."""
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _derive_cycle(view: dict[str, Any]) -> None:
    days = view["days"]
    by_day = {entry["day"]: entry for entry in days}
    infusion_days = [entry["day"] for entry in days if entry["infusion"]]
    for ordinal, day in enumerate(infusion_days, 1):
        by_day[day]["infusion_day"] = ordinal

    previous: dict[str, Any] | None = None
    for step in sorted(view["steps"], key=lambda s: s["from_day"]):
        step["from_infusion_day"] = by_day[step["from_day"]]["infusion_day"]
        step["step_up"] = previous is not None and _higher(step, previous)
        previous = step

    restarts: list[int] = []
    for event in view["adverse_events"]:
        event["neurologic"] = event["type"] in ("neurologic", "seizure")
        later = [d for d in infusion_days if d > event["cycle_day"]]
        if not later or event["cycle_day"] < 1:  # before Day 1 nothing has been interrupted
            continue
        resume = by_day[later[0]]
        event["resume_day"] = resume["day"]
        event["days_to_resume"] = resume["day"] - event["cycle_day"]
        event["resume_dose"] = view["steps"][resume["step"]]["dose"]
        for key in ("mcg_per_day", "mcg_per_m2_per_day"):
            if key in resume:
                event[f"resume_{key}"] = resume[key]
        up = next((d for d in later[1:] if _higher(by_day[d], resume)), None)
        if up is not None:
            event["days_to_step_up"] = up - resume["day"]
        if event["grade"] == RESTART_GRADE:
            restarts.append(resume["day"])
    for day in infusion_days:
        latest = max((r for r in restarts if r <= day), default=None)
        if latest is not None:
            by_day[day]["days_since_restart"] = day - latest
    for step in view["steps"]:
        since = [
            by_day[d]["days_since_restart"]
            for d in dates.days_in_range(step["from_day"], step["to_day"])
            if "days_since_restart" in by_day[d]
        ]
        if since:
            step["days_since_restart"] = min(since)

    for item in view["interruptions"]:
        item["restart_days"] = _restart_days(item["cycle_day"], item["hours"], infusion_days)
        if item["restart_days"]:
            item["restart_day"] = item["restart_days"][0]
    view["premedication_moments"] = _premedication_moments(view)

    if "start" in view:
        last_day = max(view["last_infusion_day"], view.get("length_days", 0))
        view["end_date"] = _iso(dt.date.fromisoformat(view["start"]), last_day)


def _premedication_moments(view: dict[str, Any]) -> list[dict[str, Any]]:
    """Infusion starts that may need premedication: Day 1, each step-up, each restart."""
    moments: list[dict[str, Any]] = [{"kind": "start", "day": 1, "accepted_days": [1]}]
    for step in sorted(view["steps"], key=lambda s: s["from_day"]):
        if step["step_up"]:
            day = step["from_day"]
            moments.append({"kind": "step-up", "day": day, "accepted_days": [day]})
    restart_days: set[int] = set()
    for item in view["interruptions"]:
        if item["restart_days"]:
            moments.append(
                {
                    "kind": "restart",
                    "day": item["restart_day"],
                    "accepted_days": item["restart_days"],
                    "hours": item["hours"],
                }
            )
            restart_days.update(item["restart_days"])
    # Days without infusion that no interruption entry accounts for are an interruption too,
    # of at least 24 hours per day.
    for run in _runs(view["unexplained_gap_days"]):
        day = run[-1] + 1
        if day not in restart_days:
            moments.append(
                {"kind": "restart", "day": day, "accepted_days": [day], "hours": 24.0 * len(run)}
            )
    for moment in moments:
        given = [p for p in view["premedication"] if p["cycle_day"] in moment["accepted_days"]]
        moment["drugs"] = sorted({p["drug"] for p in given})
        moment["unknown_drugs"] = sorted(
            {p["drug_name"]["written"] for p in given if not p["drug_known"]}
        )
    return sorted(moments, key=lambda m: m["day"])
