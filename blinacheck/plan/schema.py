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
}
DAY_OR_RANGE: JsonSchema = {
    "anyOf": [
        {**CYCLE_DAY, "description": "A single cycle day."},
        {"type": "string", "pattern": DAY_RANGE},
    ],
    "description": "A cycle day (8) or an inclusive range of days (1-7).",
}
DAY_SET: JsonSchema = {
    "anyOf": [
        {"type": "string", "pattern": DAY_RANGES},
        CYCLE_DAY,
        {
            "type": "array",
            "items": {"anyOf": [{"type": "string", "pattern": DAY_RANGES}, CYCLE_DAY]},
        },
    ],
    "description": "Days in hospital: a range (1-9), several (1-3, 8-9), or a list of them.",
}
DATE: JsonSchema = {
    "type": "string",
    # ISO dates are checked as dates; an unambiguous worded date (2 March 2026) is read too.
    "anyOf": [{"format": "date"}, {"pattern": "[A-Za-z]{3}"}],
    "description": "A calendar date, written YYYY-MM-DD.",
}
INFUSION: JsonSchema = {
    "type": "string",
    "pattern": INFUSION_DOSE,
    "description": "Blinatumomab dose per day: '<number> mcg/day' or '<number> mcg/m2/day'.",
}
MG: JsonSchema = {
    "type": "string",
    "pattern": MG_DOSE,
    "description": "A dose in milligrams: '<number> mg' or '<number> mg/m2'.",
}
BOOLEAN: JsonSchema = {
    "anyOf": [{"type": "boolean"}, {"type": "string", "pattern": BOOL_TEXT}, {"enum": [0, 1]}],
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
            {"required": [key], "properties": {key: {"not": {"type": "null"}}}}
            for key in ("day", "date")
        ]


def plan_schema() -> JsonSchema:
    """The JSON Schema (draft 2020-12) of a plan file, format version 1."""
    schema = plan.Plan.model_json_schema(schema_generator=_FileSchema)
    for definition in schema.get("$defs", {}).values():
        _one_of_day_or_date(definition)
    schema["properties"]["blinacheck"] = {
        "const": plan.FORMAT_VERSION,
        "description": "The plan-file format version; this blinacheck reads version 1.",
    }
    return {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        **schema,
        "title": f"blinacheck plan file, format version {plan.FORMAT_VERSION}",
        "description": "A planned blinatumomab treatment schedule, checked by blinacheck. "
        "Generated by `blinacheck schema`; see docs/plan-format.md.",
    }
