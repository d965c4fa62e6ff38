"""`blinacheck schema`: the plan file's JSON Schema. The examples validate with the real
check-jsonschema CLI, and the schema agrees with blinacheck on what a plan file may say."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import regress

from blinacheck.api import RuleSet, lint_text, load_rules, plan_schema

from .conftest import EXAMPLES, REPO


def check_jsonschema() -> str:
    found = Path(sys.executable).parent / "check-jsonschema"
    path = str(found) if found.exists() else shutil.which("check-jsonschema")
    if path is None:
        pytest.fail("check-jsonschema is not installed: pip install -e '.[test]'")
    return path


@pytest.fixture(scope="module")
def schema_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The schema as a user gets it: `blinacheck schema -o plan.schema.json`."""
    path = tmp_path_factory.mktemp("schema") / "plan.schema.json"
    result = subprocess.run(
        [sys.executable, "-m", "blinacheck", "schema", "-o", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    return path


def test_schema_is_a_valid_draft_2020_12_schema(schema_file: Path) -> None:
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "urn:blinacheck:schema:plan:1"
    assert schema["title"] == "blinacheck plan file, format version 1"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["blinacheck"]["const"] == 1
    assert schema["additionalProperties"] is False
    assert all(d["additionalProperties"] is False for d in schema["$defs"].values())


def test_stdout_and_file_agree(schema_file: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "blinacheck", "schema"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert result.stdout == schema_file.read_text(encoding="utf-8")


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern":
                yield value
            else:
                yield from _patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from _patterns(item)


def test_patterns_are_ecma_262_regexes() -> None:
    """Editors evaluate patterns as JavaScript regexes (no inline flags such as (?i))."""
    patterns = sorted(set(_patterns(plan_schema())))
    assert len(patterns) >= 5
    for pattern in patterns:
        regress.Regex(pattern, "u")  # raises on a pattern JavaScript would refuse
        assert "(?" not in pattern


def test_every_example_validates_with_check_jsonschema(schema_file: Path) -> None:
    examples = sorted(str(p) for p in EXAMPLES.glob("*.yaml"))
    assert len(examples) >= 6
    result = subprocess.run(
        [check_jsonschema(), "--schemafile", str(schema_file), *examples],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def test_unknown_key_fails_check_jsonschema(schema_file: Path, tmp_path: Path) -> None:
    """As docs/editor.md shows it: a misspelt key in cycle 1 of the adult example."""
    text = (EXAMPLES / "adult-rr-cycles-1-2.yaml").read_text(encoding="utf-8")
    (tmp_path / "typo.yaml").write_text(text.replace("length_days", "lenght_days", 1))
    shutil.copy(schema_file, tmp_path / "plan.schema.json")
    result = subprocess.run(
        [check_jsonschema(), "--schemafile", "plan.schema.json", "typo.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 1
    page = (REPO / "docs" / "editor.md").read_text(encoding="utf-8")
    shown = page.split("$ check-jsonschema --schemafile plan.schema.json typo.yaml\n", 1)[1]
    assert result.stdout == shown.split("```", 1)[0]


# --- the schema and blinacheck agree ----------------------------------------------------------
# Each case is a plan as a YAML 1.2 parser (an editor, check-jsonschema) reads it. Written as JSON
# it is the same file for blinacheck, which reads JSON with its YAML reader.


def base() -> dict[str, Any]:
    return {
        "blinacheck": 1,
        "indication": "relapsed-refractory",
        "patient": {"age_years": 42, "weight_kg": 78, "weighed_on": "2026-02-27"},
        "cycles": [
            {
                "cycle": 1,
                "start": "2026-03-02",
                "infusion": [
                    {"days": "1-7", "dose": "9 mcg/day"},
                    {"days": "8-28", "dose": "28 mcg/day"},
                ],
                "bags": [{"days": "1-6", "hours": 48}, {"days": 7, "hours": 24}],
                "intrathecal": [{"day": -3, "drugs": ["methotrexate"], "dose": "15 mg"}],
                "hospitalization": "1-9",
            }
        ],
    }


def _set(*path: str | int, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(plan: dict[str, Any]) -> None:
        target: Any = plan
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


IT = ("cycles", 0, "intrathecal", 0)
CASES: dict[str, tuple[Callable[[dict[str, Any]], None], bool]] = {
    "the base plan": (lambda plan: None, True),
    "per-m2 infusion dose": (_set("cycles", 0, "infusion", 0, "dose", value="5 mcg/m2/day"), True),
    "µg and m² spellings": (_set("cycles", 0, "infusion", 0, "dose", value="9 µg/m²/day"), True),
    "mg/m2 IT dose": (_set(*IT, "dose", value="12 mg/m2"), True),
    "boolean as yes": (_set("patient", "prior_neurotoxicity", value="yes"), True),
    "boolean as false": (_set("patient", "prior_neurotoxicity", value=False), True),
    "worded date": (_set("patient", "weighed_on", value="27 February 2026"), True),
    "hospital days as a list": (_set("cycles", 0, "hospitalization", value=["1-3", 8]), True),
    "hospital days with commas": (_set("cycles", 0, "hospitalization", value="1-3, 8-9"), True),
    "IT by date": (_set(*IT, value={"date": "2026-02-27", "drugs": ["methotrexate"]}), True),
    "unknown top-level key": (_set("dosage", value="28 mcg/day"), False),
    "unknown key in a cycle": (_set("cycles", 0, "lenght", value=42), False),
    "format version 2": (_set("blinacheck", value=2), False),
    "day 0": (_set(*IT, "day", value=0), False),
    "infusion dose in mg": (_set("cycles", 0, "infusion", 0, "dose", value="9 mg/day"), False),
    "dose without unit": (_set(*IT, "dose", value=15), False),
    "day range as a list": (_set("cycles", 0, "infusion", 0, "days", value=[1, 7]), False),
    "impossible date": (_set("patient", "weighed_on", value="2026-02-30"), False),
    "unknown indication": (_set("indication", value="relapsed"), False),
    "boolean as maybe": (_set("patient", "seizure_history", value="maybe"), False),
    "IT with day and date": (_set(*IT, "date", value="2026-02-27"), False),
    "IT with neither": (_set(*IT, value={"drugs": ["methotrexate"]}), False),
    "no cycles": (_set("cycles", value=[]), False),
}


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        plan_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules()


@pytest.mark.parametrize("name", CASES)
def test_schema_and_blinacheck_agree(
    name: str, validator: jsonschema.Draft202012Validator, rules: RuleSet
) -> None:
    change, valid = CASES[name]
    plan = copy.deepcopy(base())
    change(plan)
    assert validator.is_valid(plan) is valid, [e.message for e in validator.iter_errors(plan)]
    result = lint_text(json.dumps(plan), rules, path="case.json")
    invalid = [f.message for f in result.findings if f.rule == "invalid-plan"]
    assert (not invalid) is valid, invalid


def test_a_modeline_comment_does_not_disturb_blinacheck(rules: RuleSet) -> None:
    """The editor line from docs/editor.md is a YAML comment: blinacheck reads on as before."""
    text = (EXAMPLES / "adult-rr-cycles-1-2.yaml").read_text(encoding="utf-8")
    with_modeline = "# yaml-language-server: $schema=./plan.schema.json\n" + text
    result = lint_text(with_modeline, rules, path="adult.yaml")
    assert [f.rule for f in result.findings] == []
    assert (
        REPO.joinpath("docs", "editor.md")
        .read_text(encoding="utf-8")
        .count("# yaml-language-server: $schema=")
    )
