"""The plan-file JSON Schema explains itself (docs/editor.md): every key has a one-line meaning,
every enum value a description, and a malformed value the message blinacheck itself gives."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema

from blinacheck.api import lint_text, plan_schema

from .conftest import REPO, plan_text


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for item in node:
            yield from _nodes(item)


def _properties(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for node in _nodes(schema):
        properties = node.get("properties")
        if isinstance(properties, dict) and all(isinstance(v, dict) for v in properties.values()):
            yield from properties.items()


def test_every_property_has_a_one_line_description() -> None:
    properties = list(_properties(plan_schema()))
    assert len(properties) >= 60, "the plan format has about 60 keys"
    missing = [key for key, prop in properties if not prop.get("description")]
    assert missing == []
    for key, prop in properties:
        text = prop["description"]
        assert "\n" not in text and len(text) <= 160, key
        assert text.endswith("."), key


def test_every_enum_value_is_described() -> None:
    enums = [n for n in _nodes(plan_schema()) if isinstance(n.get("enum"), list)]
    worded = [n for n in enums if all(isinstance(v, str) for v in n["enum"])]
    assert {tuple(n["enum"]) for n in worded} == {
        ("relapsed-refractory", "mrd-positive", "consolidation"),
        ("CNS1", "CNS2", "CNS3"),
        ("crs", "neurologic", "seizure"),
    }
    for node in worded:
        assert len(node["enumDescriptions"]) == len(node["enum"])
        assert all(node["enumDescriptions"])
        assert [d.split("`")[1] for d in node["markdownEnumDescriptions"]] == node["enum"]


def test_every_pattern_has_an_error_message() -> None:
    patterned = [n for n in _nodes(plan_schema()) if "pattern" in n]
    # The worded-date alternative sits under the date's errorMessage; the booleans' under theirs.
    bare = [
        n["pattern"]
        for n in patterned
        if "patternErrorMessage" not in n
        and n["pattern"] not in ("[A-Za-z]{3}",)
        and not n["pattern"].startswith("^([Tt][Rr][Uu][Ee]")
    ]
    assert bare == []


def _problem(text: str) -> str:
    findings = lint_text(plan_text(text)).findings
    invalid = [f.message for f in findings if f.rule == "invalid-plan"]
    assert len(invalid) == 1, invalid
    return invalid[0]


PLAN = """\
    blinacheck: 1
    indication: relapsed-refractory
    cycles:
      - cycle: 1
        infusion:
          - {{days: 1-28, dose: {dose}}}
        premedication:
          - {{drug: dexamethasone, dose: {mg}, day: {day}}}
    """


def _errors(plan: str) -> list[str]:
    import yaml

    data = yaml.safe_load(plan_text(plan))
    validator = jsonschema.Draft202012Validator(plan_schema())
    messages = []
    for error in validator.iter_errors(data):
        for node in [error, *(error.context or [])]:
            schema = node.schema if isinstance(node.schema, dict) else {}
            for key in ("patternErrorMessage", "errorMessage"):
                if key in schema:
                    messages.append(schema[key])
    return messages


def test_editor_messages_have_blinacheck_wording() -> None:
    """What the editor says (the schema's message for the failing keyword) is what lint says."""
    dose = PLAN.format(dose="9 mg/day", mg="20 mg", day=1)
    assert "not an infusion dose; write '<number> mcg/day' or '<number> mcg/m2/day'" in (
        _problem(dose)
    )
    assert "not an infusion dose; write '<number> mcg/day' or '<number> mcg/m2/day'" in (
        _errors(dose)
    )
    mg = PLAN.format(dose="9 mcg/day", mg="20 mcg", day=1)
    assert "not a dose in mg; write '<number> mg' or '<number> mg/m2'" in _problem(mg)
    assert "not a dose in mg; write '<number> mg' or '<number> mg/m2'" in _errors(mg)
    day0 = PLAN.format(dose="9 mcg/day", mg="20 mg", day=0)
    assert "there is no Day 0: Day -1 is the day before Day 1" in _problem(day0)
    assert any(
        m.startswith("there is no Day 0: Day -1 is the day before Day 1") for m in _errors(day0)
    )


JSON_PLAN = {
    "$schema": "./plan.schema.json",
    "blinacheck": 1,
    "indication": "relapsed-refractory",
    "cycles": [{"cycle": 1, "infusion": [{"days": "1-7", "dose": "9 mcg/day"}]}],
}


def test_a_json_plan_may_name_its_schema() -> None:
    findings = lint_text(json.dumps(JSON_PLAN), path="plan.json").findings
    assert [f for f in findings if f.rule == "invalid-plan"] == []
    jsonschema.Draft202012Validator(plan_schema()).validate(JSON_PLAN)


def test_a_schema_key_that_is_not_text_is_a_located_finding() -> None:
    text = json.dumps({**JSON_PLAN, "$schema": ["a"]}, indent=1)
    invalid = [f for f in lint_text(text, path="plan.json").findings if f.rule == "invalid-plan"]
    assert [(f.line, f.message) for f in invalid] == [
        (
            2,
            "'$schema' names the plan's JSON Schema for editors: write it as text (a URL or a "
            "path)",
        )
    ]


def test_editor_page_json_example_names_its_schema_and_is_valid() -> None:
    page = (REPO / "docs" / "editor.md").read_text(encoding="utf-8")
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", page, re.DOTALL)]
    plans = [b for b in blocks if "blinacheck" in b]
    assert plans, "docs/editor.md shows a JSON plan with $schema"
    for plan in plans:
        assert "$schema" in plan
        jsonschema.Draft202012Validator(plan_schema()).validate(plan)
        findings = lint_text(json.dumps(plan), path="plan.json").findings
        assert [f.message for f in findings if f.rule == "invalid-plan"] == []


def test_editor_page_message_table_is_what_lint_says() -> None:
    page = (REPO / "docs" / "editor.md").read_text(encoding="utf-8")
    section = page.split("## What the editor shows")[1].split("\n## ")[0]
    rows = re.findall(r"^\| (.+?) \| (.+?) \|$", section, re.M)
    shown = dict(rows[1:])  # after the header row
    assert len(shown) == 5
    schema_messages = {
        n.get("patternErrorMessage") or n.get("errorMessage") for n in _nodes(plan_schema())
    }
    for said in shown.values():
        assert said in schema_messages, said
    days = PLAN.format(dose="9 mcg/day", mg="20 mg", day=1).replace("days: 1-28", "days: 1 to")
    assert shown["`days: 1 to`"].startswith("not a day or day range")
    assert shown["`days: 1 to`"] in _problem(days)
    dated = PLAN.format(dose="9 mcg/day", mg="20 mg", day=1).replace("day: 1}", "date: 03/04/2026}")
    assert "write it as YYYY-MM-DD" in _problem(dated)
