"""The plan file, format version 1, as pydantic models, and its validation into located problems.

The models receive text scalars from :mod:`blinacheck.read.source` and type them here, so that
``NO`` stays text until a field that wants a boolean decides what it means.
Bounds on numbers are plausibility limits for human patients and real schedules (see
docs/plan-format.md), not clinical thresholds.
"""

from __future__ import annotations

import datetime as dt
import itertools
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ..read.source import Document, Path
from ..read.yaml_plan import header_like
from . import dates, units
from .validation import PathProblem, describe_error, model_lookup

FORMAT_VERSION = 1
MAX_CYCLES = 20
MAX_ITEMS = 200  # per list: no real cycle has more steps, doses or events
MAX_INFUSION_DAY = 120
MAX_LENGTH_DAYS = 366  # a cycle's length_days
# An engineering bound, not a clinical one: the longest course that cycles placed by
# length_days alone can span (20 cycles of 366 days, about 20 years). Cycle starts given as
# dates may not spread further apart, so that the calendar, the HTML report and every date a
# rule reads stay within a size the plan's own content sets (docs/limits.md).
MAX_COURSE_DAYS = MAX_CYCLES * MAX_LENGTH_DAYS
Indication = Literal["relapsed-refractory", "mrd-positive", "consolidation"]


def _text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _as_date(value: Any) -> Any:
    if isinstance(value, str):
        return dates.parse_date(value)
    return value


def _as_day(value: Any) -> Any:
    if isinstance(value, str):
        plain_number(value)
        try:
            day = int(value.strip())
        except ValueError:
            raise ValueError(
                f"'{value[:40]}' is not a cycle day; write a whole number such as 8 or -3"
            ) from None
        dates.check_day(day)
        return day
    return value


def _as_range(value: Any) -> Any:
    if isinstance(value, str):
        return dates.parse_day_range(value)
    if isinstance(value, list):
        raise ValueError("a day range is written as text such as 1-7, not as a list")
    return value


def _as_day_set(value: Any) -> Any:
    items = value if isinstance(value, list) else [value] if isinstance(value, str) else None
    if items is None:
        return value
    ranges: list[tuple[int, int]] = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError("write hospital days as ranges such as 1-9, or a list of them")
        for part in item.split(","):
            ranges.append(dates.parse_day_range(part))
    return ranges


def _as_infusion_dose(value: Any) -> Any:
    return units.parse_infusion_dose(value) if isinstance(value, str) else value


def _as_mg_dose(value: Any) -> Any:
    return units.parse_mg_dose(value) if isinstance(value, str) else value


Date = Annotated[dt.date, BeforeValidator(_as_date)]
CycleDay = Annotated[int, BeforeValidator(_as_day)]
DayRange = Annotated[tuple[int, int], BeforeValidator(_as_range)]
DaySet = Annotated[list[tuple[int, int]], BeforeValidator(_as_day_set)]
InfusionDose = Annotated[units.Dose, BeforeValidator(_as_infusion_dose)]
MgDose = Annotated[units.Dose, BeforeValidator(_as_mg_dose)]
Text = Annotated[str, BeforeValidator(_text), Field(min_length=1, max_length=500)]


def plain_number(value: str) -> str:
    """Refuse a number written so that only a lenient parser reads it: ``1_5`` (int() and
    float() read 15), Arabic-Indic, fullwidth or other non-ASCII digits. Text stays text."""
    if "_" in value or not value.isascii():
        raise ValueError(
            f"'{value.strip()[:40]}' is not a number as written; use the digits 0-9 only "
            "(no '_', no other scripts' digits), e.g. 15 or 2.5"
        )
    return value


def _numeric(annotation: Any) -> bool:
    """Whether a field's type is a number (int or float, not bool), optional or annotated."""
    if annotation in (int, float):
        return True
    if get_origin(annotation) in (Union, UnionType, Annotated):
        return any(_numeric(arg) for arg in get_args(annotation) if arg is not type(None))
    return False


# The numeric fields of each model class, found on its first validation: the check below runs
# for every field of every plan, and looking each field's type up every time made validation
# of a typical plan take 0.19 ms instead of 0.085 (docs/performance.md).
_NUMERIC: dict[type, frozenset[str]] = {}


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, arbitrary_types_allowed=True
    )

    @field_validator("*", mode="before")
    @classmethod
    def _plain_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):
            numeric = _NUMERIC.get(cls)
            if numeric is None:
                numeric = _NUMERIC[cls] = frozenset(
                    name for name, field in cls.model_fields.items() if _numeric(field.annotation)
                )
            if info.field_name in numeric:
                plain_number(value)
        return value


class Patient(_Model):
    age_years: Annotated[float, Field(ge=0, le=120)] | None = None
    weight_kg: Annotated[float, Field(ge=0.3, le=350)] | None = None
    height_cm: Annotated[float, Field(ge=20, le=250)] | None = None
    bsa_m2: Annotated[float, Field(ge=0.1, le=3.5)] | None = None
    weighed_on: Date | None = None
    bone_marrow_blasts_pct: Annotated[float, Field(ge=0, le=100)] | None = None
    cd4_per_uL: Annotated[float, Field(ge=0, le=10_000)] | None = None
    albumin_g_L: Annotated[float, Field(ge=5, le=80)] | None = None
    prior_neurotoxicity: bool | None = None
    seizure_history: bool | None = None
    cns_status: Literal["CNS1", "CNS2", "CNS3"] | None = None
    down_syndrome: bool | None = None
    mutations: Annotated[list[Text], Field(max_length=50)] = []


class _DayOrDate(_Model):
    """An item inside a cycle: placed by cycle day or by calendar date, exactly one."""

    day: CycleDay | None = None
    date: Date | None = None

    @model_validator(mode="after")
    def _one_of_day_or_date(self) -> _DayOrDate:
        if (self.day is None) == (self.date is None):
            given = "both 'day' and 'date'" if self.day is not None else "neither 'day' nor 'date'"
            raise ValueError(f"{given} given; give exactly one of them")
        return self


class InfusionStep(_Model):
    days: DayRange
    dose: InfusionDose


class Bag(_Model):
    days: DayRange
    hours: Annotated[float, Field(gt=0, le=24 * 14)]


class Premedication(_DayOrDate):
    drug: Text
    dose: MgDose
    minutes_before: Annotated[float, Field(ge=0, le=24 * 60)] | None = None


class Intrathecal(_DayOrDate):
    drugs: Annotated[list[Text], Field(min_length=1, max_length=5)]
    dose: MgDose | None = None


class Interruption(_DayOrDate):
    hours: Annotated[float, Field(gt=0, le=24 * 60)]
    reason: Text | None = None


class AdverseEvent(_DayOrDate):
    type: Literal["crs", "neurologic", "seizure"]
    grade: Annotated[int, Field(ge=1, le=4)]


class Cycle(_Model):
    cycle: Annotated[int, Field(ge=1, le=MAX_CYCLES)]
    start: Date | None = None
    length_days: Annotated[int, Field(ge=1, le=MAX_LENGTH_DAYS)] | None = None
    infusion: Annotated[list[InfusionStep], Field(min_length=1, max_length=MAX_ITEMS)]
    bags: Annotated[list[Bag], Field(max_length=MAX_ITEMS)] = []
    premedication: Annotated[list[Premedication], Field(max_length=MAX_ITEMS)] = []
    intrathecal: Annotated[list[Intrathecal], Field(max_length=MAX_ITEMS)] = []
    hospitalization: DaySet = []
    interruptions: Annotated[list[Interruption], Field(max_length=MAX_ITEMS)] = []
    adverse_events: Annotated[list[AdverseEvent], Field(max_length=MAX_ITEMS)] = []


class Vaccination(_Model):
    date: Date
    vaccine: Text
    live: bool


class Plan(_Model):
    blinacheck: int
    title: Text | None = None
    indication: Indication
    patient: Patient | None = None
    cycles: Annotated[list[Cycle], Field(min_length=1, max_length=MAX_CYCLES)]
    vaccinations: Annotated[list[Vaccination], Field(max_length=MAX_ITEMS)] = []


# --- validation into located problems -------------------------------------------------------


def validate(document: Document) -> tuple[Plan | None, list[PathProblem]]:
    """Type and check a parsed document. Returns the plan, or None with every problem found."""
    data = document.data
    if data is None:  # only comments, or a lone null
        return None, [
            PathProblem((), "the file has no plan in it; a plan starts with 'blinacheck: 1'")
        ]
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        return None, [
            PathProblem(
                (), f"the file holds {kind}; a plan is a mapping that starts with 'blinacheck: 1'"
            )
        ]
    version = data.get("blinacheck")
    if version is None:
        misspelt = next((key for key in data if header_like(key)), None)
        if misspelt is not None:
            return None, [
                PathProblem(
                    (misspelt,),
                    f"'{str(misspelt)[:40]}' is not the format header (did you mean "
                    "'blinacheck'?); a plan starts with 'blinacheck: 1', and this file is not "
                    "checked until it does",
                    at_key=True,
                )
            ]
        return None, [PathProblem((), "missing 'blinacheck: 1' (the format version) at the top")]
    if str(version).strip() != str(FORMAT_VERSION):
        return None, [
            PathProblem(
                ("blinacheck",),
                f"format version '{version}' is not supported; this blinacheck reads version "
                f"{FORMAT_VERSION}",
            )
        ]
    if "$schema" in data:  # names the file's JSON Schema for editors; nothing to blinacheck
        if not isinstance(data["$schema"], str):
            return None, [
                PathProblem(
                    ("$schema",),
                    "'$schema' names the plan's JSON Schema for editors: write it as text "
                    "(a URL or a path)",
                )
            ]
        data = {key: value for key, value in data.items() if key != "$schema"}
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        return None, [describe_error(err, _model_at) for err in exc.errors(include_url=False)]
    problems = list(_check_consistency(plan))
    return (None, problems) if problems else (plan, [])


_MODEL_BY_PARENT: dict[str, type[BaseModel]] = {
    "patient": Patient,
    "cycles": Cycle,
    "infusion": InfusionStep,
    "bags": Bag,
    "premedication": Premedication,
    "intrathecal": Intrathecal,
    "interruptions": Interruption,
    "adverse_events": AdverseEvent,
    "vaccinations": Vaccination,
}


_model_at = model_lookup(_MODEL_BY_PARENT, Plan)


def _check_consistency(plan: Plan) -> list[PathProblem]:
    """Checks across fields that the models alone cannot express."""
    problems: list[PathProblem] = []
    previous = 0
    for index, cycle in enumerate(plan.cycles):
        at: Path = ("cycles", index)
        if cycle.cycle <= previous:
            problems.append(
                PathProblem(
                    (*at, "cycle"),
                    f"cycle numbers must increase in course order: {cycle.cycle} follows "
                    f"{previous}",
                )
            )
        previous = cycle.cycle
        problems.extend(_check_infusion(cycle, at))
        problems.extend(_check_dates(cycle, at))
    problems.extend(_check_course(plan))
    return problems


def _check_course(plan: Plan) -> list[PathProblem]:
    """Every cycle's Day 1 (given, or placed by the previous cycle's length_days) has dates for
    all its days, and the course spans at most MAX_COURSE_DAYS; the first problem ends the
    check, since later Day-1 dates are placed from earlier ones."""
    known: list[dt.date] = []
    start: dt.date | None = None
    for index, cycle in enumerate(plan.cycles):
        previous = plan.cycles[index - 1] if index else None
        if cycle.start is not None:
            start, at = cycle.start, ("cycles", index, "start")
        elif start is not None and previous is not None and previous.length_days is not None:
            start = start + dt.timedelta(days=previous.length_days)  # within range: see below
            at = ("cycles", index - 1, "length_days")
        else:
            start = None
            continue
        try:
            dates.check_day1(start)
        except ValueError as exc:
            return [PathProblem(at, f"cycle {cycle.cycle}: {exc}")]
        known.append(start)
        span = (max(known) - min(known)).days
        if span > MAX_COURSE_DAYS:
            return [
                PathProblem(
                    at,
                    f"cycle {cycle.cycle}'s Day 1 ({start.isoformat()}) makes the course span "
                    f"{span:,} days (about {span // 365:,} years), more than the "
                    f"{MAX_COURSE_DAYS:,} days of {MAX_CYCLES} cycles of {MAX_LENGTH_DAYS} "
                    "days; check the year",
                )
            ]
    return []


def _check_infusion(cycle: Cycle, at: Path) -> list[PathProblem]:
    problems: list[PathProblem] = []
    steps = sorted(enumerate(cycle.infusion), key=lambda s: s[1].days)
    first = steps[0][1].days[0]
    if first != 1:
        problems.append(
            PathProblem(
                (*at, "infusion", steps[0][0], "days"),
                f"the infusion starts on day {first}; by definition Day 1 is the day the "
                "infusion starts, so renumber the days (or set start: to that date)",
            )
        )
    for (_, earlier), (later_index, later) in itertools.pairwise(steps):
        if later.days[0] <= earlier.days[1]:
            problems.append(
                PathProblem(
                    (*at, "infusion", later_index, "days"),
                    f"infusion steps overlap: days {later.days[0]}-{later.days[1]} and "
                    f"{earlier.days[0]}-{earlier.days[1]}; each day has one dose",
                )
            )
    for index, step in enumerate(cycle.infusion):
        if step.days[1] > MAX_INFUSION_DAY:
            problems.append(
                PathProblem(
                    (*at, "infusion", index, "days"),
                    f"infusion day {step.days[1]} is beyond day {MAX_INFUSION_DAY}; no cycle "
                    "runs that long",
                )
            )
    return problems


def _check_dates(cycle: Cycle, at: Path) -> list[PathProblem]:
    problems: list[PathProblem] = []
    for key in ("premedication", "intrathecal", "interruptions", "adverse_events"):
        for index, item in enumerate(getattr(cycle, key)):
            if item.date is None:
                continue
            if cycle.start is None:
                problems.append(
                    PathProblem(
                        (*at, key, index, "date"),
                        f"'date' needs the cycle's 'start' (the date of Day 1): add start: to "
                        f"cycle {cycle.cycle}, or give 'day' instead",
                    )
                )
                continue
            day = dates.date_to_day(item.date, cycle.start)
            if abs(day) > dates.MAX_ABS_DAY:
                problems.append(
                    PathProblem(
                        (*at, key, index, "date"),
                        f"{item.date} is day {day} of cycle {cycle.cycle}, more than "
                        f"{dates.MAX_ABS_DAY} days from its Day 1 ({cycle.start}); check the year",
                    )
                )
    return problems
