"""The label schedule for a patient, written as a plan file (``blinacheck draft``).

Every number written comes from the table below, whose entries carry the source keys of the
project's fact base (docs/draft.md lists them), or from the institution's rule parameters
(free interval, bag durations, preserved-bag weight limits, IT age bands). Nothing is written
that the fact base does not give: where it gives nothing (an IT dose under 1 year), the entry
is left without it and a comment says why. Facts the fact base marks UNCONFIRMED (the
consolidation schedule) are written with an UNCONFIRMED comment and reported as notes.

The output is YAML text with a comment above every block naming its source; the plan it
describes lints clean with the built-in rules (tests/test_draft.py checks a grid of patients).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import units

INDICATIONS = ("relapsed-refractory", "mrd-positive", "consolidation")
INFUSION_DAYS = 28  # every indication [L1][L2][L3]; consolidation UNCONFIRMED [L11]
FIXED_DOSE_FROM_KG = 45.0  # >= 45 kg fixed dose, < 45 kg per m² [L1][L2][L7]
ADULT_AGE_YEARS = 18.0  # the premedication rules' adult/child line
MIN_AGE_YEARS = 1 / 12  # 1 month and older [L11][A1]
MAX_CYCLES = {"relapsed-refractory": 9, "mrd-positive": 4, "consolidation": 4}
# Bag durations the label prepares, with the pump rate the fact base gives [L3] (section 8).
PUMP_RATE_ML_PER_H = {24.0: 10.0, 48.0: 5.0, 72.0: 1.8, 96.0: 1.8, 168.0: 0.6}
PRESERVED_FROM_HOURS = 72.0  # 72 h, 96 h and 7-day bags contain benzyl alcohol [L3][A1]
PRESERVED_MIN_KG = 5.4  # preserved bags not below 5.4 kg [A1]
SEVEN_DAY_HOURS = 168.0
SEVEN_DAY_MIN_KG = 22.0  # the 7-day bag not below 22 kg (older US label, Canada) [L13][H1]
DEFAULT_BAG_HOURS = 48.0  # preservative-free, 5 mL/h [L3]
IT_BAND_FROM_YEARS = (1.0, 2.0, 3.0, 9.0)  # IT methotrexate by age [P6]
IT_BAND_DOSE_MG = (8.0, 10.0, 12.0, 15.0)
ADULT_IT_MG = 15.0  # adults commonly 12-15 mg; the regimen library gives 15 mg [R1][P7]


class DraftError(ValueError):
    """A request the draft cannot honour; the message says why and what to do."""


@dataclass(frozen=True)
class Patient:
    age_years: float | None = None
    weight_kg: float | None = None
    height_cm: float | None = None
    bsa_m2: float | None = None
    weighed_on: dt.date | None = None

    @property
    def given(self) -> bool:
        return any(v is not None for v in (self.age_years, self.weight_kg, self.height_cm))

    @property
    def bsa(self) -> float | None:
        if self.bsa_m2 is not None:
            return self.bsa_m2
        if self.height_cm is not None and self.weight_kg is not None:
            return units.mosteller_bsa(self.height_cm, self.weight_kg)
        return None

    @property
    def per_m2(self) -> bool:
        return self.weight_kg is not None and self.weight_kg < FIXED_DOSE_FROM_KG

    @property
    def child(self) -> bool:
        return self.age_years is not None and self.age_years < ADULT_AGE_YEARS


@dataclass(frozen=True)
class Request:
    indication: str
    patient: Patient = field(default_factory=Patient)
    start: dt.date | None = None
    cycles: int = 2
    bag_hours: float | None = None
    # IT days: (cycle or None for every cycle, cycle day)
    it_days: tuple[tuple[int | None, int], ...] = ()
    allow_it_day_1: bool = False


@dataclass(frozen=True)
class Institution:
    """The rule parameters that shape a draft, as the configuration in effect gives them.

    ``param(rule, name, default)`` returns the configured value (or the rule's default);
    ``enabled(rule)`` says whether the rule runs (a rule switched off lifts its limit).
    """

    param: Callable[[str, str, Any], Any] = lambda rule, name, default: default
    enabled: Callable[[str], bool] = lambda rule: True


@dataclass
class Draft:
    text: str
    notes: list[str]  # said on standard error (UNCONFIRMED facts, choices made)


# --- the plan ---------------------------------------------------------------------------------


def command_line(request: Request) -> str:
    """The draft command that writes this plan, options in a fixed order (for the header)."""
    patient = request.patient
    words = ["blinacheck draft", f"--indication {request.indication}"]
    for option, value in (
        ("--age", patient.age_years),
        ("--weight", patient.weight_kg),
        ("--height", patient.height_cm),
        ("--bsa", patient.bsa_m2),
        ("--weighed-on", patient.weighed_on),
        ("--start", request.start),
        ("--cycles", request.cycles),
        ("--bag-hours", request.bag_hours),
    ):
        if value is not None:
            text = value.isoformat() if isinstance(value, dt.date) else _num(float(value), 4)
            words.append(f"{option} {text}")
    if request.it_days:
        days = ",".join(f"{c}:{d}" if c is not None else str(d) for c, d in request.it_days)
        words.append(f"--it-days={days}")
    if request.allow_it_day_1:
        words.append("--allow-it-day-1")
    return " ".join(words)


def draft(request: Request, institution: Institution | None = None) -> Draft:
    inst = institution or Institution()
    _check(request, inst)
    patient = request.patient
    notes: list[str] = []
    out: list[str] = []
    unconfirmed = request.indication == "consolidation"
    label = {
        "relapsed-refractory": "relapsed/refractory B-ALL",
        "mrd-positive": "MRD-positive B-ALL",
        "consolidation": "consolidation phase, Ph-negative B-ALL",
    }[request.indication]
    who = _who(patient)
    out += _wrap(
        "# ",
        f"Drafted by blinacheck draft: the label schedule for {label}, {who}. A draft to "
        "adjust and verify, not an order. The [keys] name the sources listed in docs/draft.md "
        "(the project's fact base); check every block against them.",
    )
    out += _wrap("# ", f"Written by: {command_line(request)}")
    if unconfirmed:
        text = (
            "UNCONFIRMED: the fact base could not confirm the consolidation dosing, cycle "
            "length and free interval against a primary copy [L3][L11][L12]; they are written "
            "as for MRD-positive, marked UNCONFIRMED below. Check them against the protocol."
        )
        out += _wrap("# ", text)
        notes.append(text)
    out += ["blinacheck: 1", f"title: {_quote(_title(request, who))}"]
    out.append(f"indication: {request.indication}")
    if patient.given:
        out += _patient_block(patient)
    else:
        out += _wrap(
            "# ",
            "No patient: a protocol template. Doses are the fixed doses for patients of 45 kg "
            "or more [L1][L2]; below 45 kg the label doses per m² (draft with --weight).",
        )
    out.append("cycles:")
    start = request.start
    for number in range(1, request.cycles + 1):
        block, length = _cycle(number, request, inst, start, notes)
        out += block
        if start is not None:
            start = start + dt.timedelta(days=length)
    return Draft("\n".join(out) + "\n", notes)


def _check(request: Request, inst: Institution) -> None:
    if request.indication not in INDICATIONS:
        raise DraftError(f"unknown indication '{request.indication}'")
    patient = request.patient
    most = MAX_CYCLES[request.indication]
    if not 1 <= request.cycles <= most:
        raise DraftError(
            f"--cycles {request.cycles}: the label gives 1 to {most} cycles for "
            f"{request.indication}"
        )
    if patient.given and patient.weight_kg is None:
        raise DraftError("give --weight: the dose basis (mcg/day or mcg/m²/day) depends on it")
    if patient.age_years is not None and patient.age_years < MIN_AGE_YEARS:
        raise DraftError(
            f"--age {patient.age_years:g}: blinatumomab is given from 1 month of age "
            "(0.0833 years) [L11][A1]"
        )
    if patient.per_m2 and patient.bsa is None:
        raise DraftError(
            f"--weight {patient.weight_kg:g} is under 45 kg: the dose is per m², so give "
            "--height (Mosteller BSA) or --bsa"
        )
    if patient.weighed_on is not None and request.start is None:
        raise DraftError("--weighed-on needs --start (the weight's age is counted from Day 1)")
    if patient.weighed_on is not None and request.start is not None:
        days = (request.start - patient.weighed_on).days
        limit = int(inst.param("weight-measurement-stale", "max_days", 30))
        if days < 0 or days > limit:
            raise DraftError(
                f"--weighed-on {patient.weighed_on}: {days} days before Day 1; weigh within "
                f"{limit} days before the start [O2][O3]"
            )
    for cycle, day in request.it_days:
        if day == 0:
            raise DraftError("--it-days: there is no Day 0 (Day -1 is the day before Day 1)")
        if cycle is not None and not 1 <= cycle <= request.cycles:
            raise DraftError(f"--it-days {cycle}:{day}: there is no cycle {cycle}")
        if day == 1 and not request.allow_it_day_1:
            raise DraftError(
                "--it-days includes Day 1, the day the infusion starts. In 93 children IT "
                "chemotherapy on Day 1 was the one independent predictor of neurotoxicity "
                "(Liu et al., Front Immunol 2025, doi:10.3389/fimmu.2025.1690916: adjusted OR "
                "12.5); give it on another day (e.g. Day -3 before, Day 8 or 15 during), or "
                "pass --allow-it-day-1 to write it anyway (blinacheck lint will report it)"
            )
        if not -INFUSION_DAYS <= day <= INFUSION_DAYS:
            raise DraftError(
                f"--it-days {day}: give days from -{INFUSION_DAYS} to {INFUSION_DAYS} "
                "(before or during the infusion)"
            )
    _bag_plan(request, inst)  # refuses a bag the patient's weight does not allow


def _who(patient: Patient) -> str:
    if not patient.given:
        return "protocol template (no patient)"
    parts = []
    if patient.age_years is not None:
        parts.append(_age(patient.age_years))
    if patient.weight_kg is not None:
        parts.append(f"{_num(patient.weight_kg)} kg")
    return ", ".join(parts)


def _age(years: float) -> str:
    if years < 2:
        return f"{round(years * 12)} months"
    return f"{_num(years)} years"


def _title(request: Request, who: str) -> str:
    short = {"relapsed-refractory": "R/R", "mrd-positive": "MRD+", "consolidation": "consolidation"}
    cycles = "cycle 1" if request.cycles == 1 else f"cycles 1-{request.cycles}"
    if not request.patient.given:
        what = f"{short[request.indication]} B-ALL, blinatumomab {cycles}"
        return f"Protocol template - {what} (>= 45 kg)"
    return f"Draft - {short[request.indication]} B-ALL, blinatumomab {cycles} ({who})"


def _patient_block(patient: Patient) -> list[str]:
    out = ["patient:"]
    if patient.age_years is not None:
        # repr: the exact number given, so 1/12 year stays one month
        out.append(f"  age_years: {_exact(patient.age_years)}")
    if patient.weight_kg is not None:
        out.append(f"  weight_kg: {_num(patient.weight_kg)}")
    if patient.height_cm is not None:
        out.append(f"  height_cm: {_num(patient.height_cm)}")
    if patient.bsa_m2 is not None:
        out.append(f"  bsa_m2: {_num(patient.bsa_m2)}")
    if patient.weighed_on is not None:
        out.append(f"  weighed_on: {patient.weighed_on.isoformat()}")
    return out


def _cycle(
    number: int, request: Request, inst: Institution, start: dt.date | None, notes: list[str]
) -> tuple[list[str], int]:
    patient = request.patient
    unconfirmed = " UNCONFIRMED" if request.indication == "consolidation" else ""
    out = [f"  - cycle: {number}"]
    if start is not None:
        out.append(f"    start: {start.isoformat()}")
    free, free_source = _free_days(number, request, inst)
    length = INFUSION_DAYS + free
    out.append(
        f"    # {INFUSION_DAYS} infusion days + {free} treatment-free days{free_source}"
        f"{unconfirmed}"
    )
    out.append(f"    length_days: {length}")
    steps = _steps(number, request.indication, patient)
    out += _steps_comment(number, request.indication, patient, steps, unconfirmed)
    out.append("    infusion:")
    for first, last, amount, unit in steps:
        out.append(f"      - {{days: {_days(first, last)}, dose: {_num(amount)} {unit}}}")
    out += _bags(steps, request, inst)
    out += _premedication(number, request.indication, patient, steps)
    out += _hospital(number, request.indication)
    out += _intrathecal(number, request, inst)
    return out, length


def _free_days(number: int, request: Request, inst: Institution) -> tuple[int, str]:
    rule = "treatment-free-interval-short"
    if request.indication == "relapsed-refractory":
        continued = int(inst.param(rule, "continued_from_cycle", 6))
        if number >= continued:
            days = int(inst.param(rule, "min_free_days_continued", 56))
            return days, f" after continued-therapy cycle {number} [L2][L7]"
    days = int(inst.param(rule, "min_free_days", 14))
    return days, " [L1][L2][L9]"


Step = tuple[int, int, float, str]


CAPS = {5.0: 9.0, 15.0: 28.0}  # mcg/m²/day level -> its cap in mcg/day [L1][L2]


def _steps(number: int, indication: str, patient: Patient) -> list[Step]:
    """(first day, last day, amount, unit) of each dose step, as the label gives it.

    Under 45 kg the dose is per m²; where the level times the BSA passes its cap, the capped
    dose is written in mcg/day (the label's "not to exceed").
    """
    per_m2 = patient.per_m2
    levels = (5.0, 15.0) if per_m2 else (9.0, 28.0)
    if indication == "relapsed-refractory" and number == 1:
        spans = [(1, 7, levels[0]), (8, INFUSION_DAYS, levels[1])]
    else:
        spans = [(1, INFUSION_DAYS, levels[1])]
    steps: list[Step] = []
    for first, last, amount in spans:
        if not per_m2:
            steps.append((first, last, amount, "mcg/day"))
        elif amount * _bsa(patient) > CAPS[amount]:
            steps.append((first, last, CAPS[amount], "mcg/day"))
        else:
            steps.append((first, last, amount, "mcg/m2/day"))
    return steps


def _bsa(patient: Patient) -> float:
    """The BSA as the timeline uses it (given, or Mosteller to 4 decimals)."""
    bsa = patient.bsa
    assert bsa is not None
    return bsa if patient.bsa_m2 is not None else round(bsa, 4)


def _steps_comment(
    number: int, indication: str, patient: Patient, steps: list[Step], unconfirmed: str
) -> list[str]:
    source = {
        "relapsed-refractory": "[L2][L7]",
        "mrd-positive": "[L1]",
        "consolidation": "[L3][L11]",
    }[indication]
    words = ", then ".join(
        f"{_num(amount)} {unit} Days {_days(first, last)}" for first, last, amount, unit in steps
    )
    kind = "step-up" if len(steps) > 1 else "no step-up"
    text = f"dose: {words} ({kind}) {source}{unconfirmed}"
    if patient.per_m2:
        bsa = _bsa(patient)
        parts = []
        for _, _, amount, unit in steps:
            if unit == "mcg/day":
                level = next(level for level, cap in CAPS.items() if cap == amount)
                parts.append(
                    f"{_num(level)} x {bsa:.2f} m2 = {level * bsa:.2f}, above the cap: "
                    f"{_num(amount)} mcg/day"
                )
            else:
                parts.append(
                    f"{_num(amount)} x {bsa:.2f} m2 = {amount * bsa:.2f} mcg/day "
                    f"(cap {_num(CAPS[amount])})"
                )
        text += f"; under 45 kg per m2, capped [L1][L2]: {'; '.join(parts)}"
    elif patient.given:
        text += "; 45 kg or more: fixed dose [L1][L2]"
    return _wrap("    # ", text)


def _bag_plan(request: Request, inst: Institution) -> tuple[float, list[float]]:
    """The bag duration asked for and the durations allowed, or DraftError saying why not."""
    weight = request.patient.weight_kg
    usual = [
        float(h)
        for h in inst.param("bag-duration-unusual", "usual_hours", [24.0, 48.0, 72.0, 96.0, 168.0])
    ]
    allowed = [h for h in usual if h % 24 == 0]
    limits: list[tuple[float, float, str, str]] = []
    if inst.enabled("preserved-bag-under-5-4-kg"):
        min_kg = float(inst.param("preserved-bag-under-5-4-kg", "min_weight_kg", PRESERVED_MIN_KG))
        hours = float(
            inst.param("preserved-bag-under-5-4-kg", "preserved_bag_hours", PRESERVED_FROM_HOURS)
        )
        limits.append((hours, min_kg, "bags of 72 hours or more contain benzyl alcohol", "[A1]"))
    if inst.enabled("seven-day-bag-under-22-kg"):
        min_kg = float(inst.param("seven-day-bag-under-22-kg", "min_weight_kg", SEVEN_DAY_MIN_KG))
        hours = float(
            inst.param("seven-day-bag-under-22-kg", "seven_day_bag_hours", SEVEN_DAY_HOURS)
        )
        limits.append((hours, min_kg, "the 7-day bag is not recommended", "[L13][H1]"))
    if weight is not None:
        for hours, min_kg, _, _ in limits:
            if weight < min_kg:
                allowed = [h for h in allowed if h < hours]
    wanted = request.bag_hours if request.bag_hours is not None else DEFAULT_BAG_HOURS
    if wanted not in allowed:
        if request.bag_hours is not None and weight is not None:
            for hours, min_kg, why, source in limits:
                if wanted >= hours and weight < min_kg:
                    raise DraftError(
                        f"--bag-hours {_num(wanted)}: {why} under {_num(min_kg)} kg {source}; "
                        f"this patient weighs {_num(weight)} kg. Use one of "
                        f"{', '.join(_num(h) for h in allowed)} hours"
                    )
        raise DraftError(
            f"--bag-hours {_num(wanted)}: not a bag duration the rules in effect accept "
            f"(whole days from {', '.join(_num(h) for h in usual)} hours, "
            "bag-duration-unusual.usual_hours)"
        )
    return wanted, sorted(allowed)


def bag_entries(
    first: int, last: int, hours: float, allowed: list[float]
) -> list[tuple[int, int, float]]:
    """Bags for Days first..last of one dose step: as many of ``hours`` as fit, then the longest
    allowed shorter bags for the days left, so that no bag runs into the next step."""
    entries: list[tuple[int, int, float]] = []
    day = first
    size = hours
    while day <= last:
        left = last - day + 1
        fitting = [h for h in allowed if h <= size and h / 24 <= left]
        if not fitting:
            raise DraftError(f"no allowed bag fits Days {day}-{last}")
        size = max(fitting)
        count = int(left // (size / 24))
        span = int(count * size / 24)
        entries.append((day, day + span - 1, size))
        day += span
    return entries


def _bags(steps: list[Step], request: Request, inst: Institution) -> list[str]:
    hours, allowed = _bag_plan(request, inst)
    entries = [e for first, last, _, _ in steps for e in bag_entries(first, last, hours, allowed)]
    rates = ", ".join(
        f"{_num(h)} h at {_num(PUMP_RATE_ML_PER_H[h])} mL/h"
        for h in sorted({e[2] for e in entries})
        if h in PUMP_RATE_ML_PER_H
    )
    text = f"bags: {_num(hours)}-hour bags, a new bag at each dose change [L3]"
    if rates:
        text += f"; pump rates {rates} [L3]"
    out = _wrap("    # ", text)
    out.append("    bags:")
    out += [f"      - {{days: {_days(a, b)}, hours: {_num(h)}}}" for a, b, h in entries]
    return out


def _premedication(number: int, indication: str, patient: Patient, steps: list[Step]) -> list[str]:
    """The corticosteroid the fact base gives for the indication and age (section 4)."""
    child = patient.child
    days: list[int] = []
    if indication == "relapsed-refractory":
        if not child or number == 1:
            days = [first for first, _, _, _ in steps]  # Day 1 and the step dose on Day 8
        drug, dose, source = (
            ("dexamethasone", "5 mg/m2", "[L6][L7]")
            if child
            else (
                "dexamethasone",
                "20 mg",
                "[L6][L7]",
            )
        )
        who = "children: cycle 1 only, 5 mg/m2, at most 20 mg" if child else "adults: every cycle"
    elif child:
        days = [1] if number == 1 else []
        drug, dose, source = "dexamethasone", "5 mg/m2", "[L6]"
        who = "children: cycle 1 only, 5 mg/m2, at most 20 mg"
    elif indication == "mrd-positive":
        days = [1]
        drug, dose, source = "prednisone", "100 mg", "[L1]"
        who = "adults: every cycle (or an equivalent corticosteroid)"
    else:
        days = [1]
        drug, dose, source = "dexamethasone", "20 mg", "[L6]"
        who = "adults: every cycle"
    if not days:
        return _wrap("    # ", f"premedication: none in cycle {number} ({who}) {source}")
    text = f"premedication: {drug} {dose} IV 1 hour before the start"
    if len(days) > 1:
        text += " and the step dose"
    text += f" ({who}) {source}"
    bsa = patient.bsa
    if dose.endswith("/m2") and bsa is not None:
        text += f"; {bsa:.2f} m2 x 5 mg/m2 = {5 * bsa:.2f} mg"
    out = _wrap("    # ", text)
    out.append("    premedication:")
    out += [
        f"      - {{drug: {drug}, dose: {dose}, day: {day}, minutes_before: 60}}" for day in days
    ]
    return out


def _hospital(number: int, indication: str) -> list[str]:
    if number == 1:
        days = 9 if indication == "relapsed-refractory" else 3
    elif number == 2:
        days = 2
    else:
        return _wrap(
            "    # ",
            "hospital: none required from cycle 3; starts and restarts after 4 hours or more "
            "need supervision by a health professional or hospitalization [L1][L3]",
        )
    return [
        f"    # hospital: the first {days} days of cycle {number} [L3]",
        f"    hospitalization: {_days(1, days)}",
    ]


def _intrathecal(number: int, request: Request, inst: Institution) -> list[str]:
    days = sorted({day for cycle, day in request.it_days if cycle in (None, number)})
    if not days:
        return []
    age = request.patient.age_years
    dose_mg, why = _it_dose(age, inst)
    text = "intrathecal: on the days given (--it-days); the label recommends IT before and "
    text += "during [L1][L8]"
    if request.allow_it_day_1 and 1 in days:
        text += "; Day 1 asked for with --allow-it-day-1, against the evidence [P1]"
    text += f"; methotrexate {why}"
    out = _wrap("    # ", text)
    out.append("    intrathecal:")
    dose = f", dose: {_num(dose_mg)} mg" if dose_mg is not None else ""
    out += [f"      - {{day: {day}, drugs: [methotrexate]{dose}}}" for day in days]
    return out


def _it_dose(age: float | None, inst: Institution) -> tuple[float | None, str]:
    rule = "it-methotrexate-dose-for-age"
    adult = float(inst.param(rule, "adult_age_years", ADULT_AGE_YEARS))
    bands = [float(y) for y in inst.param(rule, "band_from_years", list(IT_BAND_FROM_YEARS))]
    doses = [float(d) for d in inst.param(rule, "band_dose_mg", list(IT_BAND_DOSE_MG))]
    if age is None or age >= adult:
        return ADULT_IT_MG, f"{_num(ADULT_IT_MG)} mg (adults commonly 12-15 mg) [R1][P7]"
    if age < bands[0]:
        return (
            None,
            f"dose not written: no age band under {_num(bands[0])} year [P6]; the protocol "
            "gives it",
        )
    index = sum(1 for y in bands if y <= age) - 1
    return doses[
        index
    ], f"{_num(doses[index])} mg for the age band from {_num(bands[index])} years [P6]"


# --- text helpers -----------------------------------------------------------------------------


def _days(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"


def _num(value: float, places: int = 2) -> str:
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _exact(value: float) -> str:
    return _num(value) if float(_num(value)) == value else repr(value)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _wrap(prefix: str, text: str, width: int = 96) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(prefix) + len(line) + 1 + len(word) > width:
            lines.append(prefix + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(prefix + line)
    return lines
