"""FHIR resources -> plan-shaped values, each remembering the FHIR element it came from.

The values are the plan format's own text (``"1-7"``, ``"9 mcg/day"``, ``"2026-03-02"``), as
the YAML reader gives them, so that the plan layer types and checks them the same way. Every
value is recorded with the JSON path of its FHIR element, so that a finding about it points
into the FHIR file. What the FHIR says wrongly is a problem in FHIR terms; what it does not say
is a note (nothing is guessed). The mapping is docs/fhir.md's table.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from ..source import Path
from . import ucum, vocab
from .resources import (
    Index,
    Resource,
    day_of,
    extension_value,
    extensions,
    has_code,
    items,
    label,
    names_blinatumomab,
    parse_date,
    words,
)

_GROUPS = ("RequestGroup", "RequestOrchestration")
_PATIENT_KEYS = {
    "bone_marrow_blasts_pct": "valueDecimal",
    "cd4_per_uL": "valueDecimal",
    "albumin_g_L": "valueDecimal",
    "prior_neurotoxicity": "valueBoolean",
    "seizure_history": "valueBoolean",
    "cns_status": "valueCode",
    "down_syndrome": "valueBoolean",
    "mutations": "valueString",
}


class Problem(Exception):
    """Something the FHIR says that blinacheck cannot read as a plan, at a JSON path."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


@dataclass
class Value:
    """A plan value and the JSON path of the FHIR element it came from."""

    value: Any
    src: Path


@dataclass
class Step:
    src: Path
    dose: str
    dose_src: Path
    days_src: Path
    first: dt.date | None = None
    last: dt.date | None = None
    days: tuple[int, int] | None = None


@dataclass
class Item:
    """A dated (or day-numbered) entry of a cycle: premedication, intrathecal, event..."""

    kind: str
    src: Path
    when: dt.date | int  # a date, or a cycle day
    fields: dict[str, Value]
    when_src: Path = ()


@dataclass
class CycleBuild:
    src: Path
    group: Resource | None = None
    number: Value | None = None
    length: Value | None = None
    steps: list[Step] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    bags: list[tuple[Value, Value, Path]] = field(default_factory=list)
    hospital: list[tuple[dt.date | tuple[int, int], dt.date | None, Path]] = field(
        default_factory=list
    )

    def day1(self) -> dt.date | None:
        dated = [s.first for s in self.steps if s.first is not None]
        return min(dated) if dated else None


@dataclass
class Mapped:
    """The plan values of a FHIR file, or why there are none."""

    about_blinatumomab: bool
    data: dict[str, Any] | None = None
    origins: dict[Path, Path] = field(default_factory=dict)  # plan path -> JSON path
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # what the FHIR does not say
    indication_known: bool = True
    template: bool = False


def map_document(root: dict[str, Any]) -> Mapped:
    """The plan values of a FHIR file of orders (a PlanDefinition: see templates.py)."""
    return _Reader(Index(root)).read()


# --- medications -----------------------------------------------------------------------------


def medication_concept(index: Index, resource: Resource) -> tuple[Any, Path]:
    """The medication CodeableConcept of a MedicationRequest/Administration (R4 or R5)."""
    data = resource.data
    if isinstance(data.get("productCodeableConcept"), dict):  # an ActivityDefinition
        return data["productCodeableConcept"], (*resource.path, "productCodeableConcept")
    if isinstance(data.get("medicationCodeableConcept"), dict):
        return data["medicationCodeableConcept"], (*resource.path, "medicationCodeableConcept")
    key = "productReference" if "productReference" in data else "medicationReference"
    reference: Any = data.get(key)  # productReference: a template's ActivityDefinition
    at: Path = (*resource.path, key)
    medication = data.get("medication")
    if isinstance(medication, dict):  # R5: CodeableReference
        if isinstance(medication.get("concept"), dict):
            return medication["concept"], (*resource.path, "medication", "concept")
        reference, at = medication.get("reference"), (*resource.path, "medication", "reference")
    target = index.resolve(reference, resource) if reference is not None else None
    if target is not None and target.type == "Medication":
        return target.data.get("code"), (*target.path, "code")
    return None, at


def ingredient_names(index: Index, resource: Resource) -> list[str]:
    """The drugs of a (compounded) Medication, e.g. triple intrathecal therapy."""
    medication = resource.data.get("medication")
    reference = resource.data.get("medicationReference") or resource.data.get("productReference")
    if isinstance(medication, dict):
        reference = medication.get("reference")
    target = index.resolve(reference, resource) if reference is not None else None
    if target is None or target.type != "Medication":
        return []
    names = []
    for _, ingredient in items(target.data.get("ingredient")):
        if not isinstance(ingredient, dict):
            continue
        item = ingredient.get("itemCodeableConcept")
        if item is None and isinstance(ingredient.get("item"), dict):
            item = ingredient["item"].get("concept")  # R5 CodeableReference
        name = label(item)
        if name:
            names.append(name)
    return names


def is_intrathecal(route: Any) -> bool:
    return has_code(route, vocab.SNOMED, {vocab.SNOMED_INTRATHECAL}) or "intrathecal" in words(
        route
    )


def corticosteroid(concept: Any) -> bool:
    text = words(concept)
    return any(name in text for name in vocab.CORTICOSTEROIDS)


# --- quantities ------------------------------------------------------------------------------


def _unit_code(quantity: dict[str, Any]) -> str:
    code = quantity.get("code")
    if isinstance(code, str) and quantity.get("system", vocab.UCUM) == vocab.UCUM:
        return code
    unit = quantity.get("unit")
    return unit if isinstance(unit, str) else ""


def _value_of(quantity: Any, at: Path, what: str) -> float:
    if not isinstance(quantity, dict):
        raise Problem(at, f"{what} is not a Quantity")
    value = quantity.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Problem(at, f"{what} has no numeric 'value'")
    return float(value)


def measurement(quantity: Any, at: Path, kind: str, what: str) -> str:
    value = _value_of(quantity, at, what)
    code = _unit_code(quantity)
    converted = ucum.convert(value, code, kind)
    if converted is None:
        raise Problem(
            (*at, "code") if "code" in quantity else at,
            f"{what} is in '{code or 'no unit'}', which blinacheck cannot convert with UCUM; "
            f"give it in one of {ucum.units_of(kind)}",
        )
    return ucum.number(converted)


def _micro_spelling(quantity: dict[str, Any]) -> str:
    """How the order shows micrograms to a person (Quantity.unit), for ambiguous-unit."""
    unit = quantity.get("unit")
    if isinstance(unit, str):
        lowered = unit.strip().lower()
        for spelling in ("micrograms", "microgram", "mcg", "µg", "μg", "ug"):
            if lowered.startswith(spelling):
                return spelling.replace("μ", "µ")
    return "mcg"


def infusion_rate(quantity: Any, at: Path, what: str) -> str:
    value = _value_of(quantity, at, what)
    code = _unit_code(quantity)
    converted = ucum.rate(value, code)
    if converted is None:
        raise Problem(
            at,
            f"{what} is in '{code or 'no unit'}', which is not an infusion rate blinacheck "
            f"can convert with UCUM; give ug/d or ug/(m2.d) (known: {ucum.RATE_UNITS})",
        )
    amount, per_m2 = converted
    spelling = _micro_spelling(quantity) if code.startswith("ug") else "mcg"
    return f"{ucum.number(amount)} {spelling}/{'m2/' if per_m2 else ''}day"


def single_dose(quantity: Any, at: Path, what: str) -> str:
    value = _value_of(quantity, at, what)
    code = _unit_code(quantity)
    converted = ucum.dose_mg(value, code)
    if converted is None:
        raise Problem(
            at,
            f"{what} is in '{code or 'no unit'}', which blinacheck cannot convert to mg with "
            f"UCUM; give one of {ucum.DOSE_UNITS}",
        )
    amount, per_m2 = converted
    return f"{ucum.number(amount)} mg{'/m2' if per_m2 else ''}"


def date_at(value: Any, at: Path, what: str) -> dt.date:
    try:
        return parse_date(value)
    except ValueError as exc:
        raise Problem(at, f"{what}: {exc}") from None


# --- timings ---------------------------------------------------------------------------------


def days_of_cycle(timing: Any) -> list[int] | None:
    found = extensions(timing, vocab.DAYS_OF_CYCLE)
    if not found:
        return None
    days = []
    for _, sub in items(found[0][1].get("extension")):
        if isinstance(sub, dict) and sub.get("url") == "day":
            value = sub.get("valueInteger")
            if isinstance(value, int) and not isinstance(value, bool):
                days.append(value)
    return sorted(set(days))


def day_ranges(days: list[int]) -> list[tuple[int, int]]:
    """Contiguous runs of cycle days (Day -1 is followed by Day 1)."""
    ranges: list[tuple[int, int]] = []
    for day in days:
        if ranges and (day == ranges[-1][1] + 1 or (ranges[-1][1] == -1 and day == 1)):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def when_of(timing: Any, at: Path, what: str) -> tuple[dt.date | int, Path]:
    """One date or one cycle day from a Timing: event[0], boundsPeriod.start or daysOfCycle."""
    if not isinstance(timing, dict):
        raise Problem(at, f"{what} has no timing; give timing.event or timing.repeat.boundsPeriod")
    events = timing.get("event")
    if isinstance(events, list) and events:
        return date_at(events[0], (*at, "event", 0), what), (*at, "event", 0)
    repeat = timing.get("repeat")
    if isinstance(repeat, dict) and isinstance(repeat.get("boundsPeriod"), dict):
        where: Path = (*at, "repeat", "boundsPeriod", "start")
        return date_at(repeat["boundsPeriod"].get("start"), where, what), where
    days = days_of_cycle(timing)
    if days:
        return days[0], (*at, "extension")
    raise Problem(at, f"{what} has no date: give timing.event or timing.repeat.boundsPeriod.start")


# --- the reader ------------------------------------------------------------------------------


class _Reader:
    def __init__(self, index: Index) -> None:
        self.index = index
        self.mapped = Mapped(about_blinatumomab=False)

    def problem(self, path: Path, message: str) -> None:
        self.mapped.problems.append(Problem(path, message))

    def read(self) -> Mapped:
        orders = [
            r
            for r in self.index.of_type("MedicationRequest")
            if names_blinatumomab(medication_concept(self.index, r)[0])
        ]
        if not orders:
            return self.mapped
        self.mapped.about_blinatumomab = True
        cycles = self._cycles(orders)
        if self.mapped.problems:
            return self.mapped
        filed = self._file_items(cycles)
        self._unfiled_items(cycles, filed)
        if self.mapped.problems:
            return self.mapped
        plan: dict[str, Any] = {"blinacheck": "1"}
        origins: dict[Path, Path] = {(): ()}
        self._title(plan, origins)
        self._first_day1 = cycles[0].day1() if cycles else None
        self._indication(orders, plan, origins)
        self._patient(plan, origins)
        self._assemble(cycles, plan, origins)
        self._vaccinations(plan, origins)
        if not self.mapped.problems:
            self.mapped.data, self.mapped.origins = plan, origins
        return self.mapped

    def _title(self, plan: dict[str, Any], origins: dict[Path, Path]) -> None:
        """The plan's title: a PlanDefinition's or CarePlan's own ``title``, else the plan-title
        extension blinacheck writes on each cycle's RequestGroup / RequestOrchestration."""
        for resource in self.index.of_type("PlanDefinition", "CarePlan"):
            title = resource.data.get("title")
            if isinstance(title, str) and title.strip():
                plan["title"], origins[("title",)] = title, (*resource.path, "title")
                return
        for resource in self.index.of_type(*_GROUPS):
            found = extension_value(resource.data, vocab.EXT_PLAN_TITLE)
            if found is not None and isinstance(found[0], str) and found[0].strip():
                plan["title"] = found[0]
                origins[("title",)] = (*resource.path, "extension", found[1])
                return

    # cycles and steps -------------------------------------------------------------------------

    def _steps(self, order: Resource) -> list[Step]:
        steps = []
        key = _dosage_key(order.data)
        for number, dosage in items(order.data.get(key)):
            at: Path = (*order.path, key, number)
            try:
                steps.extend(self._step(dosage, at))
            except Problem as exc:
                self.mapped.problems.append(exc)
        if not steps and not items(order.data.get(key)):
            self.problem(
                order.path,
                "the blinatumomab MedicationRequest has no dosageInstruction: give one per "
                "step, with its days and its rate",
            )
        return steps

    def _step(self, dosage: Any, at: Path) -> list[Step]:
        if not isinstance(dosage, dict):
            raise Problem(at, "a dosageInstruction is not an object")
        timing = dosage.get("timing")
        dose, dose_src = self._rate(dosage, timing, at)
        repeat = timing.get("repeat") if isinstance(timing, dict) else None
        period = repeat.get("boundsPeriod") if isinstance(repeat, dict) else None
        if isinstance(period, dict):
            where: Path = (*at, "timing", "repeat", "boundsPeriod")
            if "end" not in period:
                raise Problem(
                    where,
                    "timing.repeat.boundsPeriod has no end; a continuous infusion step needs "
                    "the date of its last day",
                )
            first = date_at(period.get("start"), (*where, "start"), "boundsPeriod.start")
            last = date_at(period.get("end"), (*where, "end"), "boundsPeriod.end")
            if last < first:
                raise Problem(
                    (*where, "end"),
                    f"boundsPeriod ends ({last}) before it starts ({first})",
                )
            return [Step(at, dose, dose_src, where, first, last)]
        days = days_of_cycle(timing)
        if days:
            where = (*at, "timing", "extension")
            return [Step(at, dose, dose_src, where, days=r) for r in day_ranges(days)]
        raise Problem(
            at,
            "the dosageInstruction has no timing.repeat.boundsPeriod (the dates of the step) "
            "and no timing-daysOfCycle extension; blinacheck cannot tell its days",
        )

    def _rate(self, dosage: dict[str, Any], timing: Any, at: Path) -> tuple[str, Path]:
        for number, entry in items(dosage.get("doseAndRate")):
            if not isinstance(entry, dict):
                continue
            where: Path = (*at, "doseAndRate", number)
            if "rateQuantity" in entry:
                rate_at: Path = (*where, "rateQuantity")
                rate = infusion_rate(entry["rateQuantity"], rate_at, "doseAndRate.rateQuantity")
                return rate, rate_at
            if "doseQuantity" in entry:
                if not _daily(timing):
                    raise Problem(
                        (*where, "doseQuantity"),
                        "a doseQuantity without a rate is read as a daily dose only when the "
                        "timing says once a day (repeat.frequency 1, period 1, periodUnit d); "
                        "give doseAndRate.rateQuantity in ug/d instead",
                    )
                quantity = (
                    dict(entry["doseQuantity"]) if isinstance(entry["doseQuantity"], dict) else {}
                )
                code = _unit_code(quantity)
                quantity["code"] = f"{code}/d" if "/" not in code else f"{code}.d"
                if code == "ug/m2":
                    quantity["code"] = "ug/(m2.d)"
                quantity["system"] = vocab.UCUM
                dose_at: Path = (*where, "doseQuantity")
                return infusion_rate(quantity, dose_at, "doseQuantity per day"), dose_at
        raise Problem(
            at,
            "the blinatumomab infusion has no rate: give doseAndRate.rateQuantity in ug/d or "
            "ug/(m2.d)",
        )

    def _cycles(self, orders: list[Resource]) -> list[CycleBuild]:
        order_names = {id(o.data): o for o in orders}
        grouped: set[int] = set()
        cycles: list[CycleBuild] = []
        for group in self._groups():
            members = [r for r in self._members(group) if id(r.data) in order_names]
            if not members:
                continue
            cycle = CycleBuild(group.path, group)
            for order in members:
                if id(order.data) in grouped:
                    self.problem(
                        group.path,
                        f"{order.type}/{order.data.get('id', '?')} is in more than one cycle "
                        "group; put each order in one RequestGroup or CarePlan",
                    )
                grouped.add(id(order.data))
                cycle.steps.extend(self._steps(order))
            self._cycle_extensions(cycle, group.data, group.path)
            cycles.append(cycle)
        loose = [o for o in orders if id(o.data) not in grouped]
        loose_steps = [s for o in loose for s in self._steps(o)]
        for step in loose_steps:
            if step.first is None:
                self.problem(
                    step.src,
                    "a step timed by timing-daysOfCycle must be in a RequestGroup, "
                    "RequestOrchestration or CarePlan that is the cycle; blinacheck cannot "
                    "tell which cycle its days belong to",
                )
        dated = sorted((s for s in loose_steps if s.first is not None), key=_step_key)
        for step in dated:  # without a grouping: contiguous dates are one cycle
            previous = cycles[-1].steps[-1] if cycles and cycles[-1].group is None else None
            if (
                previous is not None
                and previous.last is not None
                and step.first is not None
                and (step.first - previous.last).days <= 1
            ):
                cycles[-1].steps.append(step)
                continue
            cycles.append(CycleBuild(step.src, steps=[step]))
        for cycle in cycles:
            self._check_steps(cycle)
        return self._order(cycles)

    def _groups(self) -> list[Resource]:
        groups = self.index.of_type(*_GROUPS)
        if not any(self._members(g) for g in groups):
            groups = []
        return groups or self.index.of_type("CarePlan")

    def _members(self, group: Resource) -> list[Resource]:
        found: list[Resource] = []

        def walk(actions: Any, at: Path) -> None:
            for number, action in items(actions):
                if not isinstance(action, dict):
                    continue
                target = self.index.resolve(action.get("resource"), group)
                if target is not None:
                    found.append(target)
                walk(action.get("action"), (*at, number, "action"))

        walk(group.data.get("action"), (*group.path, "action"))
        for _, activity in items(group.data.get("activity")):
            if isinstance(activity, dict):
                reference = activity.get("reference") or activity.get("plannedActivityReference")
                target = self.index.resolve(reference, group)
                if target is not None:
                    found.append(target)
        if group.type == "CarePlan":  # orders that name the CarePlan they are based on
            for order in self.index.of_type("MedicationRequest", "MedicationAdministration"):
                for _, based in items(order.data.get("basedOn")):
                    if self.index.resolve(based, order) is group and order not in found:
                        found.append(order)
        return found

    def _cycle_extensions(self, cycle: CycleBuild, data: dict[str, Any], at: Path) -> None:
        number = extension_value(data, vocab.EXT_CYCLE_NUMBER)
        if number is not None:
            cycle.number = Value(str(number[0]), (*at, "extension", number[1]))
        length = extension_value(data, vocab.EXT_CYCLE_LENGTH)
        if length is not None:
            cycle.length = Value(str(length[0]), (*at, "extension", length[1]))
        for number_, ext in extensions(data, vocab.EXT_BAG):
            where: Path = (*at, "extension", number_)
            days = extension_value(ext, "days")
            hours = extension_value(ext, "hours")
            if days is None or hours is None:
                self.problem(where, "a bag extension needs the sub-extensions 'days' and 'hours'")
                continue
            cycle.bags.append((Value(str(days[0]), where), Value(str(hours[0]), where), where))
        for number_, ext in extensions(data, vocab.EXT_INTERRUPTION):
            where = (*at, "extension", number_)
            fields: dict[str, Value] = {}
            hours = extension_value(ext, "hours")
            reason = extension_value(ext, "reason")
            if hours is not None:
                fields["hours"] = Value(str(hours[0]), where)
            if reason is not None:
                fields["reason"] = Value(str(reason[0]), where)
            day = extension_value(ext, "day")
            date = extension_value(ext, "date")
            try:
                when: dt.date | int
                if date is not None:
                    when = date_at(date[0], where, "interruption date")
                elif day is not None and isinstance(day[0], int):
                    when = int(day[0])
                else:
                    raise Problem(where, "an interruption extension needs 'day' or 'date'")
            except Problem as exc:
                self.mapped.problems.append(exc)
                continue
            cycle.items.append(Item("interruptions", where, when, fields, where))

    def _check_steps(self, cycle: CycleBuild) -> None:
        kinds = {s.first is None for s in cycle.steps}
        if len(kinds) > 1:
            self.problem(
                cycle.src,
                "this cycle mixes steps with dates (boundsPeriod) and steps with "
                "timing-daysOfCycle; give all its steps the same way",
            )
            return
        ordered = sorted(cycle.steps, key=_step_key)
        for earlier, later in itertools.pairwise(ordered):
            if later.first is not None and earlier.last is not None:
                overlap = later.first <= earlier.last
                shown = f"{later.first} is also in the step ending {earlier.last}"
            else:
                overlap = bool(later.days and earlier.days and later.days[0] <= earlier.days[1])
                shown = f"day {later.days[0] if later.days else '?'} is in two steps"
            if overlap:
                self.problem(
                    later.src,
                    f"blinatumomab dosageInstructions overlap: {shown}; each day of a "
                    "continuous infusion has one rate",
                )

    def _order(self, cycles: list[CycleBuild]) -> list[CycleBuild]:
        def key(cycle: CycleBuild) -> tuple[int, str]:
            if cycle.number is not None and str(cycle.number.value).isdigit():
                return int(cycle.number.value), ""
            day1 = cycle.day1()
            return 10_000, day1.isoformat() if day1 else ""

        return sorted(cycles, key=key)

    # items ------------------------------------------------------------------------------------

    def _file_items(self, cycles: list[CycleBuild]) -> set[int]:
        """Items referenced by a cycle's group belong to that cycle (the way they are filed)."""
        filed: set[int] = set()
        for cycle in cycles:
            if cycle.group is None:
                continue
            actions = self._group_actions(cycle.group)
            for resource, action in actions:
                item = self._item(resource, action, actions)
                if item is not None:
                    cycle.items.append(item)
                    filed.add(id(resource.data))
                    self._hospital_of(resource, cycle)
                elif self._hospital_of(resource, cycle):
                    filed.add(id(resource.data))
        return filed

    def _group_actions(self, group: Resource) -> list[tuple[Resource, dict[str, Any]]]:
        found: list[tuple[Resource, dict[str, Any]]] = []

        def walk(actions: Any) -> None:
            for _, action in items(actions):
                if isinstance(action, dict):
                    target = self.index.resolve(action.get("resource"), group)
                    if target is not None:
                        found.append((target, action))
                    walk(action.get("action"))

        walk(group.data.get("action"))
        for resource in self._members(group):
            if all(resource is not r for r, _ in found):
                found.append((resource, {}))
        return found

    def _unfiled_items(self, cycles: list[CycleBuild], filed: set[int]) -> None:
        """Items no group files: placed by date in the cycle whose days they fall in."""
        starts = [(c.day1(), c) for c in cycles]
        for resource in self.index.resources:
            if id(resource.data) in filed:
                continue
            item = self._item(resource, {}, [])
            if item is None and not self._is_hospital(resource):
                continue
            when = item.when if item is not None else self._hospital_start(resource)
            if when is None:
                continue
            if not isinstance(when, dt.date):
                self.problem(
                    item.src if item else resource.path,
                    "a cycle-day timing (timing-daysOfCycle) outside a cycle's RequestGroup or "
                    "CarePlan: blinacheck cannot tell which cycle it belongs to; give a date",
                )
                continue
            target = cycles[0]
            for day1, cycle in starts:
                if day1 is not None and day1 <= when:
                    target = cycle
            if item is not None:
                target.items.append(item)
            else:
                self._hospital_of(resource, target)

    def _item(
        self,
        resource: Resource,
        action: dict[str, Any],
        actions: list[tuple[Resource, dict[str, Any]]],
    ) -> Item | None:
        try:
            if resource.type in ("MedicationRequest", "MedicationAdministration"):
                return self._medication_item(resource, action, actions)
            if resource.type == "AdverseEvent":
                return self._adverse_event(resource)
        except Problem as exc:
            self.mapped.problems.append(exc)
        return None

    def _medication_item(
        self,
        resource: Resource,
        action: dict[str, Any],
        actions: list[tuple[Resource, dict[str, Any]]],
    ) -> Item | None:
        concept, concept_at = medication_concept(self.index, resource)
        if names_blinatumomab(concept):
            return None
        dosage, dosage_at = self._dosage(resource)
        route = dosage.get("route") if dosage else None
        fields: dict[str, Value] = {}
        if is_intrathecal(route):
            drugs = ingredient_names(self.index, resource) or [label(concept)]
            if not all(drugs):
                raise Problem(concept_at, "the intrathecal order does not name its drug")
            fields["drugs"] = Value(drugs, concept_at)
            kind = "intrathecal"
        elif corticosteroid(concept) or _before_blinatumomab(action, actions, self.index):
            fields["drug"] = Value(label(concept), concept_at)
            kind = "premedication"
        else:
            return None
        dose = self._dose(resource, dosage, dosage_at)
        if dose is not None:
            fields["dose"] = dose
        elif kind == "premedication":
            raise Problem(
                dosage_at, "the premedication order has no dose (doseAndRate.doseQuantity)"
            )
        when, when_src = self._when(resource, dosage, dosage_at)
        minutes = _minutes_before(action)
        if kind == "premedication" and minutes is not None:
            fields["minutes_before"] = Value(minutes, (*resource.path,))
        return Item(kind, resource.path, when, fields, when_src)

    def _dosage(self, resource: Resource) -> tuple[dict[str, Any], Path]:
        if resource.type == "MedicationAdministration":
            dosage = resource.data.get("dosage")
            return (dosage if isinstance(dosage, dict) else {}), (*resource.path, "dosage")
        key = _dosage_key(resource.data)
        for number, dosage in items(resource.data.get(key)):
            if isinstance(dosage, dict):
                return dosage, (*resource.path, key, number)
        return {}, resource.path

    def _dose(self, resource: Resource, dosage: dict[str, Any], at: Path) -> Value | None:
        if resource.type == "MedicationAdministration" and "dose" in dosage:
            return Value(single_dose(dosage["dose"], (*at, "dose"), "dosage.dose"), (*at, "dose"))
        for number, entry in items(dosage.get("doseAndRate")):
            if isinstance(entry, dict) and "doseQuantity" in entry:
                where: Path = (*at, "doseAndRate", number, "doseQuantity")
                return Value(single_dose(entry["doseQuantity"], where, "doseQuantity"), where)
        return None

    def _when(
        self, resource: Resource, dosage: dict[str, Any], at: Path
    ) -> tuple[dt.date | int, Path]:
        if resource.type == "MedicationAdministration":
            for key in ("effectiveDateTime", "occurenceDateTime", "occurrenceDateTime"):
                if key in resource.data:
                    where: Path = (*resource.path, key)
                    return date_at(resource.data[key], where, key), where
            period = resource.data.get("effectivePeriod") or resource.data.get("occurencePeriod")
            if isinstance(period, dict):
                where = (*resource.path, "effectivePeriod", "start")
                return date_at(period.get("start"), where, "effectivePeriod.start"), where
            raise Problem(resource.path, "the MedicationAdministration has no effectiveDateTime")
        return when_of(dosage.get("timing"), (*at, "timing"), "the order's timing")

    def _adverse_event(self, resource: Resource) -> Item | None:
        data = resource.data
        concept_key = "code" if "code" in data else "event"
        text = words(data.get(concept_key))
        if "cytokine release" in text or "crs" in text.split():
            kind = "crs"
        elif "seizure" in text:
            kind = "seizure"
        elif "neuro" in text or "icans" in text or "encephalopathy" in text:
            kind = "neurologic"
        else:
            return None
        grade = extension_value(data, vocab.EXT_CTCAE_GRADE)
        if grade is None:
            self.mapped.notes.append(
                Problem(
                    resource.path,
                    f"the AdverseEvent ({kind}) has no CTCAE grade (extension "
                    f"{vocab.EXT_CTCAE_GRADE}); the toxicity rules could not judge it",
                )
            )
            return None
        fields = {
            "type": Value(kind, (*resource.path, concept_key)),
            "grade": Value(str(grade[0]), (*resource.path, "extension", grade[1])),
        }
        day = extension_value(data, vocab.EXT_CYCLE_DAY)
        when: dt.date | int
        if day is not None and isinstance(day[0], int):
            when, where = day[0], (*resource.path, "extension", day[1])
        else:
            key = "occurrenceDateTime" if "occurrenceDateTime" in data else "date"
            where = (*resource.path, key)
            if key not in data:
                raise Problem(
                    resource.path, "the AdverseEvent has no date (R4 date, R5 occurrenceDateTime)"
                )
            when = date_at(data[key], where, key)
        return Item("adverse_events", resource.path, when, fields, where)

    # hospital days ----------------------------------------------------------------------------

    def _is_hospital(self, resource: Resource) -> bool:
        if resource.type != "Encounter" or resource.data.get("status") != "planned":
            return False
        classes = resource.data.get("class")
        concepts = classes if isinstance(classes, list) else [classes]
        for concept in concepts:  # R4: a Coding; R5: a list of CodeableConcepts
            if isinstance(concept, dict):
                code = concept.get("code")
                if isinstance(code, str) and code in vocab.INPATIENT_CLASSES:
                    return True
                if has_code(concept, vocab.ACT_CODE, set(vocab.INPATIENT_CLASSES)):
                    return True
        return False

    def _hospital_period(self, resource: Resource) -> tuple[Any, Any, Path]:
        data = resource.data
        for key in ("period", "actualPeriod"):
            if isinstance(data.get(key), dict):
                return data[key].get("start"), data[key].get("end"), (*resource.path, key)
        return data.get("plannedStartDate"), data.get("plannedEndDate"), resource.path

    def _hospital_start(self, resource: Resource) -> dt.date | int | None:
        start, _, at = self._hospital_period(resource)
        if start is None:
            return 1 if extension_value(resource.data, vocab.EXT_CYCLE_DAYS) else None
        try:
            return date_at(start, at, "Encounter start")
        except Problem as exc:
            self.mapped.problems.append(exc)
            return None

    def _hospital_of(self, resource: Resource, cycle: CycleBuild) -> bool:
        if not self._is_hospital(resource):
            return False
        days = extension_value(resource.data, vocab.EXT_CYCLE_DAYS)
        if days is not None:
            try:
                low, _, high = str(days[0]).partition("-")
                span = (int(low), int(high or low))
            except ValueError:
                self.problem(resource.path, f"cycle-days '{days[0]}' is not a day range like 1-9")
                return True
            cycle.hospital.append((span, None, (*resource.path, "extension", days[1])))
            return True
        start, end, at = self._hospital_period(resource)
        try:
            first = date_at(start, (*at, "start"), "the planned Encounter's start")
            last = date_at(end, (*at, "end"), "the planned Encounter's end") if end else None
        except Problem as exc:
            self.mapped.problems.append(exc)
            return True
        if last is None:
            self.problem(at, "the planned inpatient Encounter has no end date")
            return True
        cycle.hospital.append((first, last, at))
        return True

    # patient, indication, vaccinations --------------------------------------------------------

    def _patient(self, plan: dict[str, Any], origins: dict[Path, Path]) -> None:
        patient: dict[str, Any] = {}
        at: Path = ("patient",)

        def put(key: str, value: Any, src: Path) -> None:
            patient[key] = value
            origins[(*at, key)] = src

        first_day = self._first_day1
        for resource in self.index.of_type("Patient"):
            birth = resource.data.get("birthDate")
            if birth is not None:
                src: Path = (*resource.path, "birthDate")
                try:
                    born = date_at(birth, src, "Patient.birthDate")
                except Problem as exc:
                    self.mapped.problems.append(exc)
                    continue
                if first_day is None:
                    self.mapped.notes.append(
                        Problem(
                            src,
                            "Patient.birthDate is given but cycle 1 has no date, so the age "
                            "at cycle 1 Day 1 is unknown; the age rules could not judge it",
                        )
                    )
                else:
                    put("age_years", ucum.number(_age(born, first_day)), src)
            for number, ext in extensions(resource.data, vocab.EXT_PATIENT):
                for sub_number, sub in items(ext.get("extension")):
                    if not isinstance(sub, dict) or sub.get("url") not in _PATIENT_KEYS:
                        continue
                    key = str(sub["url"])
                    where: Path = (*resource.path, "extension", number, "extension", sub_number)
                    value = next((v for k, v in sub.items() if k.startswith("value")), None)
                    if key == "mutations":
                        patient.setdefault("mutations", [])
                        origins[(*at, "mutations")] = where
                        origins[(*at, "mutations", len(patient["mutations"]))] = where
                        patient["mutations"].append(str(value))
                    elif isinstance(value, bool):
                        put(key, "true" if value else "false", where)
                    else:
                        put(key, str(value), where)
        for resource in self.index.of_type("Observation"):
            code = resource.data.get("code")
            for loinc, key, kind in (
                (vocab.LOINC_WEIGHT, "weight_kg", "mass"),
                (vocab.LOINC_HEIGHT, "height_cm", "length"),
                (vocab.LOINC_BSA, "bsa_m2", "area"),
                (vocab.LOINC_AGE, "age_years", "age"),
            ):
                if not has_code(code, vocab.LOINC, {loinc}):
                    continue
                src = (*resource.path, "valueQuantity")
                try:
                    put(
                        key,
                        measurement(
                            resource.data.get("valueQuantity"),
                            src,
                            kind,
                            f"Observation {loinc}.valueQuantity",
                        ),
                        src,
                    )
                    if key == "weight_kg" and "effectiveDateTime" in resource.data:
                        when_at: Path = (*resource.path, "effectiveDateTime")
                        weighed = date_at(
                            resource.data["effectiveDateTime"], when_at, "effectiveDateTime"
                        )
                        put("weighed_on", weighed.isoformat(), when_at)
                except Problem as exc:
                    self.mapped.problems.append(exc)
        if patient:
            plan["patient"] = patient
            origins[at] = (
                self.index.of_type("Patient")[0].path if self.index.of_type("Patient") else ()
            )

    _first_day1: dt.date | None = None

    def _indication(
        self, orders: list[Resource], plan: dict[str, Any], origins: dict[Path, Path]
    ) -> None:
        found: list[tuple[str, Path]] = []

        def look(concept: Any, at: Path) -> None:
            for number, coding in items(
                concept.get("coding") if isinstance(concept, dict) else None
            ):
                if isinstance(coding, dict) and coding.get("system") == vocab.INDICATION_SYSTEM:
                    found.append((str(coding.get("code")), (*at, "coding", number)))

        for resource in self.index.resources:
            value = extension_value(resource.data, vocab.EXT_INDICATION)
            if value is not None:
                found.append((str(value[0]), (*resource.path, "extension", value[1])))
            if resource.type == "Condition":
                look(resource.data.get("code"), (*resource.path, "code"))
            for number, context in items(resource.data.get("useContext")):  # PlanDefinition
                if isinstance(context, dict):
                    where: Path = (*resource.path, "useContext", number, "valueCodeableConcept")
                    look(context.get("valueCodeableConcept"), where)
        for order in orders:
            for number, concept in items(order.data.get("reasonCode")):
                look(concept, (*order.path, "reasonCode", number))
            for number, reason in items(order.data.get("reason")):
                if isinstance(reason, dict):
                    look(reason.get("concept"), (*order.path, "reason", number, "concept"))
        codes = {code for code, _ in found}
        if len(codes) > 1:
            self.problem(
                found[1][1],
                f"the FHIR gives more than one indication ({', '.join(sorted(codes))}); a plan "
                "has one",
            )
            return
        if not found:
            self.mapped.indication_known = False
            plan["indication"] = vocab.INDICATIONS[0]  # replaced: see lint's not-judged handling
            origins[("indication",)] = orders[0].path
            return
        plan["indication"], origins[("indication",)] = found[0]

    def _vaccinations(self, plan: dict[str, Any], origins: dict[Path, Path]) -> None:
        vaccinations: list[dict[str, Any]] = []
        for resource in self.index.of_type("Immunization"):
            data = resource.data
            number = len(vaccinations)
            at: Path = ("vaccinations", number)
            live = extension_value(data, vocab.EXT_LIVE_VACCINE)
            name = label(data.get("vaccineCode"))
            if live is None or not isinstance(live[0], bool):
                self.mapped.notes.append(
                    Problem(
                        resource.path,
                        f"the Immunization ({name or 'unnamed'}) does not say whether the "
                        f"vaccine is live (extension {vocab.EXT_LIVE_VACCINE}); the "
                        "live-vaccine rules could not judge it",
                    )
                )
                continue
            key = "occurrenceDateTime"
            try:
                date = date_at(data.get(key), (*resource.path, key), "Immunization." + key)
            except Problem as exc:
                self.mapped.problems.append(exc)
                continue
            vaccinations.append(
                {"date": date.isoformat(), "vaccine": name, "live": "true" if live[0] else "false"}
            )
            origins[at] = resource.path
            origins[(*at, "date")] = (*resource.path, key)
            origins[(*at, "vaccine")] = (*resource.path, "vaccineCode")
            origins[(*at, "live")] = (*resource.path, "extension", live[1])
        if vaccinations:
            plan["vaccinations"] = vaccinations

    # the plan ---------------------------------------------------------------------------------

    def _assemble(
        self, cycles: list[CycleBuild], plan: dict[str, Any], origins: dict[Path, Path]
    ) -> None:
        out: list[dict[str, Any]] = []
        for number, build in enumerate(cycles):
            at: Path = ("cycles", number)
            cycle: dict[str, Any] = {}
            origins[at] = build.src
            cycle["cycle"] = str(build.number.value) if build.number else str(number + 1)
            origins[(*at, "cycle")] = build.number.src if build.number else build.src
            day1 = build.day1()
            if day1 is not None:
                cycle["start"] = day1.isoformat()
                first = min((s for s in build.steps if s.first is not None), key=_step_key)
                origins[(*at, "start")] = (*first.src, "timing", "repeat", "boundsPeriod", "start")
            if build.length is not None:
                cycle["length_days"] = str(build.length.value)
                origins[(*at, "length_days")] = build.length.src
            steps = []
            for step_number, step in enumerate(sorted(build.steps, key=_step_key)):
                where: Path = (*at, "infusion", step_number)
                if step.first is not None and step.last is not None and day1 is not None:
                    days = (day_of(step.first, day1), day_of(step.last, day1))
                else:
                    days = step.days or (1, 1)
                steps.append({"days": _range(days), "dose": step.dose})
                origins[where] = step.src
                origins[(*where, "days")] = step.days_src
                origins[(*where, "dose")] = step.dose_src
            cycle["infusion"] = steps
            origins[(*at, "infusion")] = (steps and build.steps[0].src) or build.src
            if build.bags:
                cycle["bags"] = []
                for bag_number, (days_v, hours_v, src) in enumerate(build.bags):
                    cycle["bags"].append({"days": days_v.value, "hours": hours_v.value})
                    for tail in ((), ("days",), ("hours",)):
                        origins[(*at, "bags", bag_number, *tail)] = src
            for list_key in ("premedication", "intrathecal", "interruptions", "adverse_events"):
                entries = [i for i in build.items if i.kind == list_key]
                if not entries:
                    continue
                cycle[list_key] = []
                for entry_number, item in enumerate(entries):
                    where = (*at, list_key, entry_number)
                    value: dict[str, Any] = {}
                    origins[where] = item.src
                    if isinstance(item.when, dt.date):
                        value["date"] = item.when.isoformat()
                        origins[(*where, "date")] = item.when_src
                    else:
                        value["day"] = str(item.when)
                        origins[(*where, "day")] = item.when_src
                    for key, field_value in item.fields.items():
                        value[key] = field_value.value
                        origins[(*where, key)] = field_value.src
                        if isinstance(field_value.value, list):
                            for n in range(len(field_value.value)):
                                origins[(*where, key, n)] = field_value.src
                    cycle[list_key].append(value)
            if build.hospital:
                spans = []
                for hospital_number, (first_h, last_h, src) in enumerate(build.hospital):
                    if isinstance(first_h, tuple):
                        span = first_h
                    elif day1 is None or last_h is None:
                        self.problem(
                            src,
                            "a dated hospital stay in a cycle without dates; give the cycle's "
                            "steps dates, or the stay a cycle-days extension",
                        )
                        continue
                    else:
                        span = (day_of(first_h, day1), day_of(last_h, day1))
                    spans.append(_range(span))
                    origins[(*at, "hospitalization", hospital_number)] = src
                cycle["hospitalization"] = spans
                origins[(*at, "hospitalization")] = build.hospital[0][2]
            out.append(cycle)
        plan["cycles"] = out
        origins[("cycles",)] = cycles[0].src if cycles else ()


def _dosage_key(data: dict[str, Any]) -> str:
    """MedicationRequest.dosageInstruction; ActivityDefinition.dosage (templates)."""
    return "dosage" if "dosage" in data and "dosageInstruction" not in data else "dosageInstruction"


def _age(born: dt.date, on: dt.date) -> float:
    """Whole years of age on a date (the usual birthday count)."""
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return float(years)


def _range(days: tuple[int, int]) -> str:
    return f"{days[0]}" if days[0] == days[1] else f"{days[0]}-{days[1]}"


def _step_key(step: Step) -> tuple[int, str]:
    if step.first is not None:
        return 0, step.first.isoformat()
    return 1, f"{(step.days or (0, 0))[0] + 1000:06d}"


def _daily(timing: Any) -> bool:
    repeat = timing.get("repeat") if isinstance(timing, dict) else None
    if not isinstance(repeat, dict):
        return False
    return (
        repeat.get("frequency", 1) == 1
        and repeat.get("period") == 1
        and repeat.get("periodUnit") == "d"
    )


def _minutes_before(action: dict[str, Any]) -> str | None:
    for _, related in items(action.get("relatedAction")):
        if not isinstance(related, dict) or related.get("relationship") != "before-start":
            continue
        offset = related.get("offsetDuration")
        if isinstance(offset, dict) and isinstance(offset.get("value"), int | float):
            factor = {"min": 1, "h": 60, "s": 1 / 60}.get(str(offset.get("code", "min")), 1)
            return ucum.number(float(offset["value"]) * factor)
    return None


def _before_blinatumomab(
    action: dict[str, Any], actions: list[tuple[Resource, dict[str, Any]]], index: Index
) -> bool:
    """A relatedAction 'before-start' pointing at the action of a blinatumomab order."""
    targets = set()
    for _, related in items(action.get("relatedAction")):
        if isinstance(related, dict) and related.get("relationship") == "before-start":
            targets.add(related.get("actionId") or related.get("targetId"))
    for resource, other in actions:
        if (
            other.get("id") in targets
            and resource.type == "MedicationRequest"
            and names_blinatumomab(medication_concept(index, resource)[0])
        ):
            return True
    return False
