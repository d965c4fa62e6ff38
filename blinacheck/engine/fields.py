"""The fields every rule subject has in CEL: names, types and meanings.

One table serves three ends: rule expressions are checked against it when a rule set loads (a
reference to ``intrathecal.cycle_dya`` is an error), docs/rules.md is generated from it, and a
test holds the timeline to it (every emitted field is declared, every declared field is emitted
by some plan). Types: ``int``, ``double``, ``string``, ``bool``, ``list<T>``, or the name of
another object in this table. ``?`` marks a field that may be absent: test it with ``has()``.
"""

from __future__ import annotations

from typing import NamedTuple

from ..timeline import subjects


class FieldSpec(NamedTuple):
    type: str
    optional: bool
    doc: str


def _f(type_: str, doc: str) -> FieldSpec:
    optional = type_.endswith("?")
    return FieldSpec(type_.rstrip("?"), optional, doc)


_PLACED = {
    "index": _f("int", "position in its list in the plan file (0-based)"),
    "cycle_day": _f("int", "cycle day (Day 1 = infusion start; Day -1 the day before; no Day 0)"),
    "date": _f("string?", "calendar date, ISO YYYY-MM-DD, when the cycle's start is known"),
    "given_as": _f("string", "'day' or 'date': how the plan file placed the item"),
    "written_in_cycle": _f(
        "int",
        "number of the cycle whose list holds the item; differs from cycle.number when its "
        "date falls between Day 1 and the last infusion day of another cycle, which then holds "
        "it (docs/plan-format.md, placement by date)",
    ),
    "written_cycle_day": _f(
        "int?", "the item's day counted from the Day 1 of written_in_cycle, when dates are known"
    ),
    "days_outside_written_cycle": _f(
        "int?",
        "days from the item's date to written_in_cycle (before its Day 1, or after its last day: "
        "Day length_days or the last infusion day); 0 inside it; when dates are known",
    ),
    "written_cycle_length_days": _f(
        "int?",
        "length of written_in_cycle: length_days, else the days to the next Day 1, else its last "
        "infusion day; when dates are known",
    ),
}
_MG_DOSE = {
    "dose": _f("string?", "the dose as written, e.g. '15 mg'"),
    "dose_unit": _f("string?", "'mg' or 'mg/m2'"),
    "per_m2": _f("bool?", "true when the dose is written per m²"),
    "dose_mg": _f("double?", "absolute dose in mg (per-m² doses × BSA, when BSA is known)"),
    "dose_mg_per_m2": _f("double?", "dose per m² (absolute doses ÷ BSA, when BSA is known)"),
}

OBJECTS: dict[str, dict[str, FieldSpec]] = {
    "plan": {
        "blinacheck": _f("int", "format version of the plan file (1)"),
        "title": _f("string?", "title of the plan"),
        "indication": _f("string", "'relapsed-refractory', 'mrd-positive' or 'consolidation'"),
        "cycle_count": _f("int", "number of cycles in the plan"),
        "max_cycle_number": _f("int", "highest cycle number in the plan"),
        "cycles": _f("list<cycle>", "every cycle, in course order"),
        "vaccinations": _f("list<vaccination>", "the plan's vaccinations"),
        "has_patient": _f("bool", "false for a protocol template without patient data"),
        "intrathecal_count": _f("int", "IT chemotherapy entries across all cycles"),
        "first_day1_date": _f("string?", "date of the first cycle's Day 1, when known"),
        "last_infusion_date": _f("string?", "date of the last infusion day of the last cycle"),
        "last_cycle_end_date": _f("string?", "end_date of the last cycle, when known"),
    },
    "patient": {
        "age_years": _f("double?", "age in years (0.5 = six months)"),
        "age_months": _f(
            "double?", "age in months: age_years × 12, rounded to 2 decimals (0.0833 years = 1)"
        ),
        "weight_kg": _f("double?", "weight used for dosing, kg"),
        "height_cm": _f("double?", "height, cm"),
        "bsa_m2": _f(
            "double?", "body surface area: as given, else Mosteller from height and weight"
        ),
        "bsa_source": _f("string?", "'given' or 'mosteller'"),
        "bsa_mosteller_m2": _f("double?", "Mosteller BSA from height and weight, when both known"),
        "weighed_on": _f("string?", "date of the weight, ISO"),
        "weight_days_before_start": _f(
            "int?", "days from the weight to the first cycle's Day 1 (positive: weighed before)"
        ),
        "bone_marrow_blasts_pct": _f("double?", "bone-marrow blasts, %"),
        "cd4_per_uL": _f("double?", "CD4+ T cells per µL"),
        "albumin_g_L": _f("double?", "serum albumin, g/L"),
        "prior_neurotoxicity": _f("bool?", "neurologic toxicity before this plan"),
        "seizure_history": _f("bool?", "history of seizures"),
        "cns_status": _f("string?", "'CNS1', 'CNS2' or 'CNS3'"),
        "down_syndrome": _f("bool?", "Down syndrome"),
        "mutations": _f("list<string>", "mutations, upper case (empty when none given)"),
    },
    "cycle": {
        "number": _f("int", "cycle number within the course (the plan's 'cycle:' key)"),
        "index": _f("int", "position in the plan (0-based)"),
        "start": _f("string?", "date of Day 1: given, or placed by the previous cycle's length"),
        "start_given": _f("bool", "true when the plan gives this cycle's start date"),
        "length_days": _f("int?", "cycle length including free days, as given"),
        "infusion_days": _f("int", "number of days with infusion"),
        "first_infusion_day": _f("int", "always 1"),
        "last_infusion_day": _f("int", "last cycle day with infusion"),
        "last_infusion_date": _f("string?", "date of the last infusion day"),
        "steps": _f("list<infusion_step>", "the infusion steps, as in the plan"),
        "days": _f("list<day>", "every day from Day 1 to the last infusion day"),
        "gap_days": _f(
            "list<int>", "days without infusion between Day 1 and the last infusion day"
        ),
        "unexplained_gap_days": _f(
            "list<int>", "gap days that no interruption of the cycle accounts for"
        ),
        "pauses": _f(
            "list<pause>",
            "each run of consecutive days without infusion between Day 1 and the last infusion "
            "day, in day order",
        ),
        "hospital_days": _f("list<int>", "cycle days in hospital"),
        "bags": _f("list<bag>", "infusion bags"),
        "premedication": _f("list<premedication>", "premedication doses"),
        "intrathecal": _f("list<intrathecal>", "IT chemotherapy doses"),
        "interruptions": _f("list<interruption>", "interruptions of the infusion"),
        "adverse_events": _f("list<adverse_event>", "adverse events"),
        "end_date": _f(
            "string?",
            "date of the cycle's last day: Day length_days (or the last infusion day, when later "
            "or when length_days is not given), when the start is known",
        ),
        "premedication_moments": _f(
            "list<premedication_moment>",
            "infusion starts that may need premedication: Day 1, every step-up, every restart "
            "after an interruption or after days without infusion, in day order",
        ),
    },
    "infusion_step": {
        "index": _f("int", "position in the cycle's infusion list (0-based)"),
        "from_day": _f("int", "first day of the step"),
        "to_day": _f("int", "last day of the step (inclusive)"),
        "days": _f("int", "number of days in the step"),
        "from_date": _f("string?", "date of from_day, when the cycle's start is known"),
        "to_date": _f("string?", "date of to_day, when the cycle's start is known"),
        "dose": _f("string", "the dose as written, e.g. '9 mcg/day'"),
        "dose_unit": _f("string", "'mcg/day' or 'mcg/m2/day'"),
        "written_unit": _f(
            "string", "the microgram spelling used: 'mcg', 'microgram(s)', 'µg', 'ug'"
        ),
        "per_m2": _f("bool", "true when the dose is written per m²"),
        "mcg_per_day": _f("double?", "absolute dose (per-m² doses × BSA, when BSA is known)"),
        "mcg_per_m2_per_day": _f("double?", "the per-m² dose, when written so"),
        "from_infusion_day": _f(
            "int",
            "infusion-day number of the step's first day (the n-th day with infusion; days "
            "without infusion, e.g. an interruption, are not counted)",
        ),
        "step_up": _f(
            "bool",
            "true when the daily dose is higher than the step before it (per m² compared per m², "
            "otherwise absolute mcg/day; false when not comparable)",
        ),
        "days_since_restart": _f(
            "int?",
            "on or after a restart after toxicity (the first infusion day after a grade 3 CRS, "
            "neurologic event or seizure in this cycle; grade 4 means stopping, not a restart): "
            "the fewest days from the latest restart to any day of the step, 0 when the step "
            "starts on or runs through a restart",
        ),
    },
    "day": {
        "day": _f("int", "cycle day"),
        "date": _f("string?", "date, when the cycle's start is known"),
        "infusion": _f("bool", "true when an infusion step covers the day"),
        "hospital": _f("bool", "true when the day is a hospital day"),
        "step": _f("int?", "index of the step covering the day"),
        "mcg_per_day": _f("double?", "absolute dose that day, when known"),
        "mcg_per_m2_per_day": _f("double?", "per-m² dose that day, when written so"),
        "infusion_day": _f(
            "int?",
            "on an infusion day, its number among the cycle's infusion days (1 = Day 1; days "
            "before and after an interruption count, the days without infusion do not)",
        ),
        "days_since_restart": _f(
            "int?",
            "on an infusion day on or after a restart after toxicity (see infusion_step): days "
            "since the latest restart (0 on the restart day)",
        ),
    },
    "bag": {
        "index": _f("int", "position in the cycle's bag list"),
        "from_day": _f("int", "first day of bags of this duration"),
        "to_day": _f("int", "last day"),
        "hours": _f("double", "duration of each bag, hours"),
        "dose_change_days": _f(
            "list<int>",
            "infusion days whose dose differs from the day before and whose start falls inside "
            "a running bag of this entry, not at a bag change (bags are hung one after another "
            "from the start of from_day; Day 1 begins when the infusion starts): 48-hour bags "
            "from Day 1 give [8] for a Day 8 step-up",
        ),
    },
    "pause": {
        "from_day": _f("int", "first day without infusion"),
        "to_day": _f("int", "last day without infusion"),
        "days": _f(
            "int",
            "number of whole days without infusion (the pause lasts at least 24 hours per day)",
        ),
        "resume_day": _f("int", "the infusion day after the pause"),
        "unexplained_days": _f(
            "list<int>", "days of the pause that no interruption of the cycle accounts for"
        ),
        "longest_interruption_days": _f(
            "double?",
            "length in days (hours / 24) of the longest interruption entry that accounts for a "
            "day of the pause; absent when no interruption is recorded for it",
        ),
    },
    "premedication": {
        **_PLACED,
        "drug": _f(
            "string",
            "the drug's canonical name (docs/plan-format.md, drug names: 'DEX' and "
            "'dexamethasone sodium phosphate' are 'dexamethasone'); a name blinacheck does not "
            "know, as written in lower case",
        ),
        "drug_name": _f("drug_name", "what the drug name as written means"),
        "drug_known": _f("bool", "true when the name means one drug blinacheck knows"),
        "corticosteroid": _f(
            "bool", "true for a corticosteroid of the equivalence table (drug_name.drugs)"
        ),
        **_MG_DOSE,
        "prednisone_equivalent_mg": _f(
            "double?",
            "a corticosteroid's dose_mg as mg of prednisone of the same strength (prednisone 5 = "
            "prednisolone 5 = methylprednisolone 4 = dexamethasone 0.75 = hydrocortisone 20 mg)",
        ),
        "prednisone_equivalent_mg_per_m2": _f("double?", "the same, of dose_mg_per_m2"),
        "dexamethasone_equivalent_mg": _f(
            "double?", "a corticosteroid's dose_mg as mg of dexamethasone of the same strength"
        ),
        "dexamethasone_equivalent_mg_per_m2": _f("double?", "the same, of dose_mg_per_m2"),
        "minutes_before": _f("double?", "minutes before the infusion start or restart"),
    },
    "intrathecal": {
        **_PLACED,
        "drugs": _f(
            "list<string>",
            "the canonical drugs, each once, in the order written ('MTX' is 'methotrexate', "
            "'triple IT' the three drugs it stands for); a name that means no drug, as written "
            "in lower case",
        ),
        "drug_names": _f("list<drug_name>", "what each drug name as written means"),
        "drugs_known": _f("bool", "true when every name means drugs blinacheck knows"),
        **_MG_DOSE,
    },
    "drug_name": {
        "written": _f("string", "the name as written in the plan"),
        "name": _f(
            "string",
            "the canonical drug when the name means exactly one, else the name in lower case "
            "(white space collapsed)",
        ),
        "kind": _f(
            "string",
            "'name' (a full name, or a salt form of it), 'abbreviation' (read as one drug), "
            "'ambiguous' (an abbreviation read as no drug), 'combination' (triple IT) or "
            "'unknown'",
        ),
        "drugs": _f(
            "list<string>", "the canonical drugs the name stands for; empty when it means none"
        ),
        "abbreviation": _f("string?", "for an abbreviation: its listed spelling, e.g. 'MTX'"),
        "read_as": _f(
            "list<string>",
            "for an abbreviation: the drugs it has been read as (error-prone lists); else empty",
        ),
        "suggestion": _f("string?", "for an unknown name: the closest known name"),
        "never_intrathecal": _f(
            "bool",
            "true for a drug that must never be given intrathecally (the vocabulary's: "
            "mitoxantrone, fact base §9); an abbreviation counts as the drug it is read as",
        ),
        "entry": _f("string", "'premedication' or 'intrathecal': the list that names it"),
        "cycle_day": _f("int", "cycle day of the entry that names it"),
    },
    "interruption": {
        **_PLACED,
        "hours": _f("double", "length of the interruption, hours"),
        "days": _f("double", "length in days (hours / 24)"),
        "reason": _f("string?", "reason, as written"),
        "restart_days": _f(
            "list<int>",
            "infusion days on which the infusion can resume (the hour is not known: 6 hours "
            "from day 10 resumes on day 10 or 11); empty when it does not resume in the cycle",
        ),
        "restart_day": _f("int?", "the earliest of restart_days"),
    },
    "adverse_event": {
        **_PLACED,
        "type": _f("string", "'crs', 'neurologic' or 'seizure'"),
        "grade": _f("int", "grade 1-4"),
        "dose_at_event_mcg_per_day": _f("double?", "absolute dose on the day of the event"),
        "dose_at_event_mcg_per_m2_per_day": _f("double?", "per-m² dose on the day of the event"),
        "infusion_continues": _f("bool", "true when infusion days follow the event day"),
        "neurologic": _f("bool", "true for a neurologic event or a seizure"),
        "seizure_number": _f(
            "int?", "for a seizure: its number among the plan's seizures (1 = the first)"
        ),
        "later_cycles": _f("int", "number of cycles planned after the event's cycle"),
        "resume_day": _f(
            "int?", "first infusion day after the event day in this cycle (events from Day 1 on)"
        ),
        "days_to_resume": _f(
            "int?", "days from the event day to resume_day (1: the infusion goes on the next day)"
        ),
        "resume_dose": _f("string?", "the dose on resume_day, as written"),
        "resume_mcg_per_day": _f("double?", "absolute dose on resume_day, when known"),
        "resume_mcg_per_m2_per_day": _f("double?", "per-m² dose on resume_day, when so written"),
        "days_to_step_up": _f(
            "int?",
            "days from resume_day to the first later infusion day of the cycle with a higher "
            "dose (absent when the dose never rises again in the cycle)",
        ),
    },
    "vaccination": {
        "date": _f("string", "date, ISO"),
        "vaccine": _f("string", "vaccine, as written"),
        "live": _f("bool", "true for a live vaccine, as the plan says"),
        "name": _f(
            "string",
            "the vaccine's canonical name in blinacheck's vaccine vocabulary (docs/plan-format.md, "
            "vaccine names: 'MMR' is 'measles-mumps-rubella'); a name it does not know, in lower "
            "case",
        ),
        "name_kind": _f(
            "string",
            "'known', 'ambiguous' (a name with a live and a non-live vaccine behind it, such as "
            "'influenza') or 'unknown'",
        ),
        "live_by_name": _f(
            "bool?", "for a known vaccine: true when the vocabulary lists it as a live vaccine"
        ),
        "read_as": _f(
            "list<string>", "for an ambiguous name: the vaccines it may mean; else empty"
        ),
        "suggestion": _f("string?", "for an unknown name: the closest known spelling"),
        "days_from_first_day1": _f(
            "int?", "days from the first cycle's Day 1 (negative: before it)"
        ),
        "days_after_last_infusion": _f(
            "int?", "days after the last infusion day of the plan (negative: before it)"
        ),
        "days_after_last_cycle_end": _f(
            "int?", "days after the end_date of the plan's last cycle (negative: before it)"
        ),
    },
    "premedication_moment": {
        "kind": _f(
            "string",
            "'start' (Day 1), 'step-up' (first day of a step with a higher dose) or 'restart'",
        ),
        "day": _f("int", "the infusion day the premedication precedes"),
        "accepted_days": _f(
            "list<int>",
            "days on which a premedication counts for this moment (a restart's hour is unknown)",
        ),
        "hours": _f(
            "double?",
            "restart: length of the interruption, hours (days without infusion and no "
            "interruption entry: 24 per day, a lower bound)",
        ),
        "drugs": _f("list<string>", "premedication drugs (canonical names) given on accepted_days"),
        "unknown_drugs": _f(
            "list<string>",
            "premedication names given on accepted_days that mean no drug blinacheck knows, as "
            "written",
        ),
    },
    "cycle_gap": {
        "before_number": _f("int", "number of the earlier cycle"),
        "after_number": _f("int", "number of the later cycle"),
        "before": _f("cycle", "the earlier cycle"),
        "after": _f("cycle", "the later cycle"),
        "free_days": _f(
            "int?", "treatment-free days strictly between the last infusion day and the next Day 1"
        ),
        "free_days_from": _f(
            "string?", "'dates' or 'length_days': what free_days was computed from"
        ),
        "day1_to_day1_days": _f(
            "int?",
            "days from the earlier cycle's Day 1 to the later cycle's Day 1, when both dates are "
            "known (given or placed); compare with before.length_days",
        ),
    },
}

# The subject kinds a rule can iterate over (for_each) and the object type each binds: the
# kind's own object in OBJECTS. Those of a cycle also see it as `cycle` (timeline/subjects.py).
SUBJECT_TYPES = {kind.name: kind.name for kind in subjects.KINDS}
IN_CYCLE = {kind.name for kind in subjects.KINDS if kind.in_cycle}


def variables_for(subject: str) -> dict[str, str]:
    """The CEL variables bound for a rule over ``subject``, with their types."""
    variables = {"plan": "plan", "patient": "patient", "params": "params"}
    if subject in IN_CYCLE:
        variables["cycle"] = "cycle"
    variables[subject] = SUBJECT_TYPES[subject]
    return variables


def markdown() -> str:
    """The field reference of docs/rules.md, generated from this table
    (``blinacheck rules --format fields``)."""
    out: list[str] = []
    for name, fields in OBJECTS.items():
        out += [f"#### `{name}`", "", "| field | type | meaning |", "|---|---|---|"]
        for field_name, spec in fields.items():
            optional = " (optional)" if spec.optional else ""
            out.append(f"| `{field_name}` | {spec.type}{optional} | {spec.doc} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
