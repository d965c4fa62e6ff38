"""YAML -> FHIR R4/R5 -> lint gives the findings (rule, severity, cycle, day) of the YAML, for
every example and every rule fixture; the FHIR blinacheck writes is valid for fhir.resources;
and FHIR -> YAML -> lint gives them again (docs/fhir.md, "Conversion")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fhir.resources.bundle import Bundle as BundleR5
from fhir.resources.R4B.bundle import Bundle as BundleR4

from blinacheck.engine.ruleset import RuleSet
from blinacheck.results.files import FileResult
from blinacheck.run import lint
from blinacheck.run.convert import convert_bytes

from .conftest import EXAMPLES, REPO

PLANS = sorted(EXAMPLES.glob("*.yaml")) + sorted((REPO / "tests" / "rules").rglob("*.yaml"))


def _key(result: FileResult) -> list[tuple[str, str, int | None, int | None]]:
    return sorted((f.rule, str(f.severity), f.cycle, f.day) for f in result.findings)


def test_every_example_and_rule_fixture_is_covered() -> None:
    assert len(PLANS) > 100
    assert {p.parent.name for p in PLANS} >= {"examples", "dose-above-cap", "label"}


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: str(p.relative_to(REPO)))
def test_round_trip_gives_the_same_findings(plan: Path, builtin_rules: RuleSet) -> None:
    raw = plan.read_bytes()
    original = lint.lint_bytes(raw, str(plan), builtin_rules)
    assert original.timeline is not None, "every fixture is a valid plan"
    expected = _key(original)
    for target, model in (("fhir-r4", BundleR4), ("fhir-r5", BundleR5)):
        converted = convert_bytes(raw, str(plan), target)
        assert converted.text is not None, converted.findings
        bundle = json.loads(converted.text)
        model.model_validate(bundle)  # raises if the FHIR is not valid for fhir.resources
        again = lint.lint_bytes(converted.text.encode(), f"{plan.stem}.json", builtin_rules)
        assert all(f.element.startswith("Bundle") for f in again.findings)
        assert _key(again) == expected, target
        back = convert_bytes(converted.text.encode(), "plan.json", "yaml")
        assert back.text is not None
        assert _key(lint.lint_bytes(back.text.encode(), "back.yaml", builtin_rules)) == expected
