"""The JSON Schema of the plan file (format version 1), generated from the models in plan.py.

The models validate values *after* blinacheck has read them as text; an editor or
``check-jsonschema`` sees the file through a YAML 1.2 parser instead, where ``1-7`` is a string,
``7`` an integer and ``2026-03-02`` a string. So the generated schema is adjusted to describe the
file as written: day ranges are strings or integers, doses are strings with a pattern, dates are
strings, ``blinacheck`` is the constant 1. Where blinacheck reads a value more leniently than the
canonical form (``yes``/``no`` for booleans, worded dates), the schema accepts it too: it should
never reject a plan that blinacheck accepts. It cannot express every check (cycle order, Day 1 of
the infusion, ...): blinacheck itself stays the judge (docs/editor.md).
"""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from . import dates
from . import models as plan

SCHEMA_ID = "urn:blinacheck:schema:plan:1"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

JsonSchema = dict[str, Any]


def _ci(word: str) -> str:
    """``mcg`` -> ``[Mm][Cc][Gg]``: editors use ECMA-262 regexes, which have no ``(?i)``."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


# Patterns mirror the parsers in units.py and dates.py, rewritten for ECMA-262.
_NUMBER = r"\d+(\.\d+)?"
_MICRO = "(" + "|".join((_ci("mcg"), _ci("microgram") + "[Ss]?", "[µμ][Gg]", _ci("ug"))) + ")"
_PER_M2 = r"(/\s*[Mm](2|²|\^2)\s*)?"
INFUSION_DOSE = rf"^\s*{_NUMBER}\s*{_MICRO}\s*{_PER_M2}/\s*({_ci('day')}|[Dd]|24\s*[Hh])\s*$"
MG_DOSE = rf"^\s*{_NUMBER}\s*{_ci('mg')}\s*{_PER_M2}$"
_RANGE = r"\s*-?\d+\s*((-|–|to|\.\.)\s*-?\d+\s*)?"
DAY_RANGE = rf"^{_RANGE}$"
DAY_RANGES = rf"^{_RANGE}(,{_RANGE})*$"
# pydantic's lax booleans, in the spellings people write (YAML 1.2 reads `yes` as a string).
_BOOL_WORDS = ("true", "false", "yes", "no", "on", "off", "t", "f", "y", "n")
BOOL_TEXT = "^(" + "|".join(_ci(w) for w in _BOOL_WORDS) + "|[01])$"

CYCLE_DAY: JsonSchema = {
    "type": "integer",
    "minimum": -dates.MAX_ABS_DAY,
    "maximum": dates.MAX_ABS_DAY,
    "not": {"const": 0},
    "description": "Cycle day: Day 1 is the day the infusion starts, Day -1 the day before; "
    "there is no Day 0.",
    # Editors (yaml-language-server) show this instead of "Matches a schema that is not allowed".
    "errorMessage": f"there is no Day 0: Day -1 is the day before Day 1; a cycle day is a whole "
    f"number from -{dates.MAX_ABS_DAY} to {dates.MAX_ABS_DAY}",
}
DAY_OR_RANGE: JsonSchema = {
    "anyOf": [
        {**CYCLE_DAY, "description": "A single cycle day."},
        {
            "type": "string",
            "pattern": DAY_RANGE,
            "patternErrorMessage": "not a day or day range; write e.g. 8 or 1-7",
        },
    ],
    "description": "A cycle day (8) or an inclusive range of days (1-7).",
}
_RANGES_TEXT: JsonSchema = {
    "type": "string",
    "pattern": DAY_RANGES,
    "patternErrorMessage": "write hospital days as ranges such as 1-9, or 1-3, 8-9",
}
DAY_SET: JsonSchema = {
    "anyOf": [
        _RANGES_TEXT,
        CYCLE_DAY,
        {"type": "array", "items": {"anyOf": [_RANGES_TEXT, CYCLE_DAY]}},
    ],
    "description": "Days in hospital: a range (1-9), several (1-3, 8-9), or a list of them.",
}
DATE: JsonSchema = {
    "type": "string",
    # ISO dates are checked as dates; an unambiguous worded date (2 March 2026) is read too.
    "anyOf": [{"format": "date"}, {"pattern": "[A-Za-z]{3}"}],
    "errorMessage": "not a date; write it as YYYY-MM-DD",
    "description": "A calendar date, written YYYY-MM-DD.",
}
INFUSION: JsonSchema = {
    "type": "string",
    "pattern": INFUSION_DOSE,
    "patternErrorMessage": "not an infusion dose; write '<number> mcg/day' or "
    "'<number> mcg/m2/day'",
    "description": "Blinatumomab dose per day: '<number> mcg/day' or '<number> mcg/m2/day'.",
}
MG: JsonSchema = {
    "type": "string",
    "pattern": MG_DOSE,
    "patternErrorMessage": "not a dose in mg; write '<number> mg' or '<number> mg/m2'",
    "description": "A dose in milligrams: '<number> mg' or '<number> mg/m2'.",
}
BOOLEAN: JsonSchema = {
    "anyOf": [{"type": "boolean"}, {"type": "string", "pattern": BOOL_TEXT}, {"enum": [0, 1]}],
    "errorMessage": "write true or false",
    "description": "true or false (yes/no are read as well).",
}

# The plan models' before-validators, each with the schema of the text it accepts.
_BEFORE: dict[Any, JsonSchema] = {
    plan._as_date: DATE,
    plan._as_day: CYCLE_DAY,
    plan._as_range: DAY_OR_RANGE,
    plan._as_day_set: DAY_SET,
    plan._as_infusion_dose: INFUSION,
    plan._as_mg_dose: MG,
}


# The one-line meaning of every key, in the words of docs/plan-format.md; by model, then key.
DESCRIPTIONS: dict[str, dict[str, str]] = {
    "Plan": {
        "blinacheck": "The plan-file format version; this blinacheck reads version 1.",
        "title": "Free text naming the plan.",
        "indication": "What the course is given for: relapsed-refractory, mrd-positive or "
        "consolidation.",
        "patient": "Patient data used for dosing and risk; absent in a protocol template.",
        "cycles": "The cycles (1-20), in course order.",
        "vaccinations": "Vaccinations around the course, by date.",
    },
    "Patient": {
        "age_years": "Age in years, 0-120 (0.5 = six months).",
        "weight_kg": "Dosing weight in kg, 0.3-350.",
        "height_cm": "Height in cm, 20-250.",
        "bsa_m2": "Body surface area in m², 0.1-3.5; if absent and height and weight are given, "
        "blinacheck computes it (Mosteller).",
        "weighed_on": "The date the dosing weight was measured.",
        "bone_marrow_blasts_pct": "Bone-marrow blasts in percent, 0-100.",
        "cd4_per_uL": "CD4 count per microlitre, 0-10,000.",
        "albumin_g_L": "Serum albumin in g/L, 5-80.",
        "prior_neurotoxicity": "Whether the patient has had neurotoxicity before.",
        "seizure_history": "Whether the patient has a history of seizures.",
        "cns_status": "Central nervous system status: CNS1, CNS2 or CNS3.",
        "down_syndrome": "Whether the patient has Down syndrome.",
        "mutations": "Mutations found, as text, e.g. [TP53, DNMT3A].",
    },
    "Cycle": {
        "cycle": "The cycle's number within the course: 1-based, increasing through the list.",
        "start": "The calendar date of Day 1.",
        "length_days": "The cycle's length in days, including the treatment-free days; places "
        "the next cycle's Day 1 when that cycle has no start.",
        "infusion": "Continuous-infusion steps {days, dose}: the dose of every infusion day, "
        "starting on Day 1.",
        "bags": "Bag durations {days, hours} on those days.",
        "premedication": "Premedication {drug, dose, day or date, minutes_before}.",
        "intrathecal": "Intrathecal chemotherapy {drugs, dose, day or date}.",
        "hospitalization": "Hospital days: a range (1-9), a day, a list of them, or "
        "comma-separated (1-9, 29).",
        "interruptions": "Infusion interruptions {day or date, hours, reason}.",
        "adverse_events": "Adverse events {day or date, type, grade}.",
    },
    "InfusionStep": {
        "days": "The cycle days of this step, e.g. 1-7.",
        "dose": "The continuous-infusion dose on each of those days, e.g. 9 mcg/day.",
    },
    "Bag": {
        "days": "The cycle days these bags are hung on, e.g. 1-28.",
        "hours": "How long each bag runs, in hours.",
    },
    "Premedication": {
        "day": "The cycle day it is given on (or give date).",
        "date": "The calendar date it is given on (or give day); needs the cycle's start.",
        "drug": "The premedication drug, e.g. dexamethasone.",
        "dose": "The dose in mg or mg/m2, e.g. 20 mg.",
        "minutes_before": "How many minutes before the infusion starts it is given.",
    },
    "Intrathecal": {
        "day": "The cycle day it is given on (or give date).",
        "date": "The calendar date it is given on (or give day); needs the cycle's start.",
        "drugs": "The drugs given intrathecally, e.g. [methotrexate].",
        "dose": "The dose in mg or mg/m2, e.g. 12 mg; optional.",
    },
    "Interruption": {
        "day": "The cycle day the infusion is stopped (or give date).",
        "date": "The calendar date the infusion is stopped (or give day); needs the cycle's start.",
        "hours": "How long the infusion is stopped, in hours.",
        "reason": "Why the infusion is stopped, as free text.",
    },
    "AdverseEvent": {
        "day": "The cycle day of the event (or give date).",
        "date": "The calendar date of the event (or give day); needs the cycle's start.",
        "type": "The kind of event: crs, neurologic or seizure.",
        "grade": "The event's grade, 1-4.",
    },
    "Vaccination": {
        "date": "The date of the vaccination.",
        "vaccine": "The vaccine's name, e.g. MMR.",
        "live": "Whether it is a live vaccine.",
    },
}
# A description of each value of the keys that take one of a few words. VS Code's JSON and YAML
# language services show `enumDescriptions` / `markdownEnumDescriptions` in completion.
ENUM_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "relapsed-refractory": {
        "relapsed-refractory": "Relapsed or refractory B-cell precursor ALL.",
        "mrd-positive": "B-cell precursor ALL in remission with measurable residual disease.",
        "consolidation": "Consolidation treatment of B-cell precursor ALL.",
    },
    "CNS1": {
        "CNS1": "CNS status 1, as recorded by the treating team.",
        "CNS2": "CNS status 2, as recorded by the treating team.",
        "CNS3": "CNS status 3, as recorded by the treating team.",
    },
    "crs": {
        "crs": "Cytokine release syndrome.",
        "neurologic": "A neurological event (neurotoxicity).",
        "seizure": "A seizure.",
    },
}
JSON_SCHEMA_KEY: JsonSchema = {
    "type": "string",
    "description": "The JSON Schema this file follows, for editors (a URL or a path); blinacheck "
    "ignores it.",
}


class _FileSchema(GenerateJsonSchema):
    """pydantic's generator, with the plan's text types described as they are written."""

    def function_before_schema(
        self, schema: core_schema.BeforeValidatorFunctionSchema
    ) -> JsonSchemaValue:
        function = schema["function"]["function"]
        if function in _BEFORE:
            return dict(_BEFORE[function])
        return super().function_before_schema(schema)

    def bool_schema(self, schema: core_schema.BoolSchema) -> JsonSchemaValue:
        return dict(BOOLEAN)


def _one_of_day_or_date(definition: JsonSchema) -> None:
    """Items placed by cycle day or calendar date take exactly one (plan._DayOrDate)."""
    properties = definition.get("properties", {})
    if "day" in properties and "date" in properties:
        definition["oneOf"] = [
            {
                "required": [key],
                "properties": {
                    key: {
                        "not": {"type": "null"},
                        "description": f"Give exactly one of day and date; here, {key}.",
                    }
                },
            }
            for key in ("day", "date")
        ]


def _describe(definition: JsonSchema, descriptions: dict[str, str]) -> None:
    """Each property's one-line meaning, and a description of each value of an enum."""
    for key, prop in definition.get("properties", {}).items():
        prop.pop("title", None)  # pydantic's "Cns Status": the description says it better
        prop["description"] = descriptions[key]
        for node in [prop, *prop.get("anyOf", [])]:
            values = node.get("enum")
            if values and str(values[0]) in ENUM_DESCRIPTIONS:
                meaning = ENUM_DESCRIPTIONS[str(values[0])]
                node["enumDescriptions"] = [meaning[str(v)] for v in values]
                node["markdownEnumDescriptions"] = [f"`{v}`: {meaning[str(v)]}" for v in values]
                node["errorMessage"] = "write one of " + ", ".join(str(v) for v in values)


def plan_schema() -> JsonSchema:
    """The JSON Schema (draft 2020-12) of a plan file, format version 1."""
    schema = plan.Plan.model_json_schema(schema_generator=_FileSchema)
    for name, definition in schema.get("$defs", {}).items():
        _one_of_day_or_date(definition)
        _describe(definition, DESCRIPTIONS[name])
    schema["properties"]["blinacheck"] = {"const": plan.FORMAT_VERSION}
    _describe(schema, DESCRIPTIONS["Plan"])
    schema["properties"]["blinacheck"]["errorMessage"] = (
        f"this blinacheck reads format version {plan.FORMAT_VERSION}: write blinacheck: "
        f"{plan.FORMAT_VERSION}"
    )
    schema["properties"] = {"$schema": JSON_SCHEMA_KEY, **schema["properties"]}
    return {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        **schema,
        "title": f"blinacheck plan file, format version {plan.FORMAT_VERSION}",
        "description": "A planned blinatumomab treatment schedule, checked by blinacheck. "
        "Generated by `blinacheck schema`; see docs/plan-format.md.",
    }
