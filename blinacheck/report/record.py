"""The verification record: what was checked (header) and the dose and bag table of each cycle.

The header's facts (time, plan hashes, rule-set identity, configuration, overrides) are given
by the caller as a :class:`RecordContext`; this module does not read files or the clock. The
tables place the timeline's numbers (dose as written, mcg/day = per-m² dose × BSA) beside the
two facts the fact base adds: the label's caps of the per-m² levels and the pump rate of each
bag duration (§8). Nothing else is computed: no admixture or stabiliser volumes.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from ..plan import dates
from ..results.files import FileResult
from ..results.findings import Finding
from ..results.record import RecordContext

__all__ = ["RecordContext", "cycles", "overrides"]

# Bag duration (hours) -> pump rate (mL/h), the label's table [L3] (fact base §8).
PUMP_RATE_ML_PER_H = {24.0: 10.0, 48.0: 5.0, 72.0: 1.8, 96.0: 1.8, 168.0: 0.6}
# Per-m² level (mcg/m²/day) -> the label's cap (mcg/day) [L1][L2] (fact base §2).
CAPS_MCG_PER_DAY = {5.0: 9.0, 15.0: 28.0}


@dataclass(frozen=True)
class StepRow:
    days: str
    dates: str
    written: str
    mcg_per_day: str  # after BSA and caps, in words
    bsa: str


@dataclass(frozen=True)
class BagRow:
    hung_day: int
    hung_date: str
    hours: float
    days: str  # the days it runs on
    mcg: str  # what it must deliver
    rate: str  # mL/h from the label's table, or why not


@dataclass(frozen=True)
class CycleRecord:
    number: int
    steps: list[StepRow]
    bags: list[BagRow]
    premedication: list[str]
    intrathecal: list[str]
    hospital_days: str


def number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def overrides(result: FileResult) -> list[tuple[Finding, str]]:
    """Every overridden finding with where the override is written."""
    found = []
    for finding in result.findings:
        if finding.suppressed is None:
            continue
        if finding.suppressed.kind == "inline":
            where = f"{result.path}, the comment on or above line {finding.line}"
        else:
            where = finding.suppressed.reason
        found.append((finding, where))
    return found


def cycles(result: FileResult) -> list[CycleRecord]:
    timeline = result.timeline
    if timeline is None:
        return []
    bsa = timeline.patient.get("bsa_m2")
    return [_cycle(view, bsa) for view in timeline.cycles]


def _date(view: dict[str, Any], day: int) -> str:
    if "start" not in view:
        return ""
    return dates.day_to_date(day, dt.date.fromisoformat(view["start"])).isoformat()


def _cycle(view: dict[str, Any], bsa: float | None) -> CycleRecord:
    steps = [_step(view, step, bsa) for step in view["steps"]]
    per_day = {d["day"]: d.get("mcg_per_day") for d in view["days"] if d["infusion"]}
    bags = [row for bag in view["bags"] for row in _bags(view, bag, per_day)]
    premedication = [
        f"Day {p['cycle_day']}: {p['drug']} {p['dose']}"
        + (f" (= {number(p['dose_mg'])} mg)" if p.get("per_m2") and "dose_mg" in p else "")
        + (f", {number(p['minutes_before'])} min before" if "minutes_before" in p else "")
        for p in view["premedication"]
    ]
    intrathecal = [
        f"Day {i['cycle_day']}: {', '.join(i['drugs'])}" + (f" {i['dose']}" if "dose" in i else "")
        for i in view["intrathecal"]
    ]
    return CycleRecord(
        number=view["number"],
        steps=steps,
        bags=bags,
        premedication=premedication,
        intrathecal=intrathecal,
        hospital_days=_ranges(view["hospital_days"]) or "none planned",
    )


def _step(view: dict[str, Any], step: dict[str, Any], bsa: float | None) -> StepRow:
    days = f"{step['from_day']}-{step['to_day']}"
    when = ""
    if "from_date" in step:
        when = f"{step['from_date']} to {step['to_date']}"
    if step["per_m2"]:
        level = float(step["mcg_per_m2_per_day"])
        cap = CAPS_MCG_PER_DAY.get(level)
        if "mcg_per_day" not in step:
            amount = "unknown: no BSA in the plan"
        else:
            raw = float(step["mcg_per_day"])
            amount = f"{number(raw)} mcg/day ({number(level)} × {bsa:.2f} m²"
            if cap is None:
                amount += "; the label gives no cap for this level)"
            elif raw > cap:
                amount += f" is above the cap: {number(cap)} mcg/day at most)"
            else:
                amount += f"; cap {number(cap)})"
        used = f"{bsa:.2f} m²" if bsa is not None else "none"
    else:
        amount = f"{number(float(step['mcg_per_day']))} mcg/day (fixed dose)"
        used = "not used (fixed dose)"
    return StepRow(days, when, str(step["dose"]), amount, used)


def _bags(view: dict[str, Any], bag: dict[str, Any], per_day: dict[int, Any]) -> list[BagRow]:
    """Each bag of a bags entry: hung every ``hours`` from the entry's first day."""
    hours = float(bag["hours"])
    first = dates.day_offset(bag["from_day"])
    last = dates.day_offset(bag["to_day"])
    rows = []
    k = 0
    while hours > 0 and k < 10_000:
        begin = first * 24 + k * hours  # hour offset from Day 1 00:00
        if begin >= (last + 1) * 24:
            break
        end = begin + hours
        covered = list(range(math.floor(begin / 24), math.ceil(end / 24)))
        total = 0.0
        known = True
        for offset in covered:
            overlap = min(end, (offset + 1) * 24) - max(begin, offset * 24)
            day = dates.offset_to_day(offset)
            if day not in per_day:  # no infusion that day
                continue
            if per_day[day] is None:  # a per-m² dose without a BSA
                known = False
                continue
            total += float(per_day[day]) * overlap / 24
        hung = dates.offset_to_day(math.floor(begin / 24))
        on = [dates.offset_to_day(o) for o in covered]
        rate = PUMP_RATE_ML_PER_H.get(hours)
        rows.append(
            BagRow(
                hung_day=hung,
                hung_date=_date(view, hung),
                hours=hours,
                days=_ranges(on),
                mcg=f"{number(total)} mcg" if known else "unknown: a dose needs the BSA",
                rate=f"{number(rate)} mL/h" if rate is not None else "not in the label's table",
            )
        )
        k += 1
    return rows


def _ranges(days: list[int]) -> str:
    if not days:
        return ""
    parts: list[str] = []
    start = prev = days[0]
    for day in [*days[1:], None]:
        if day is not None and (day == prev + 1 or (prev == -1 and day == 1)):
            prev = day
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if day is not None:
            start = prev = day
    return ", ".join(parts)
