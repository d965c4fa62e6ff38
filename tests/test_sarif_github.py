"""SARIF that GitHub code scanning keeps: its documented limits and required properties, the
one fingerprint it reads (primaryLocationLineHash), and a way to leave signed-off findings out.

GitHub's limits, from "SARIF support for code scanning" and "SARIF results exceed limits"
(docs.github.com/en/code-security/code-scanning): at most 20 runs per file, 25,000 results
and 25,000 rules per run, 1,000 locations per result, 20 tags per rule (10 shown); rule
descriptions at most 1,024 characters; each result needs ruleId, message.text and a location.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from blinacheck.api import lint_text, load_rules, render

from .conftest import REPO, plan_text, run_blinacheck

SARIF_SCHEMA = REPO / "tests" / "schemas" / "sarif-schema-2.1.0.json"
HOUSE = ("--no-builtin-rules", "--rules", "tests/formats_fixtures/rules")
OVERRIDDEN = "tests/formats_fixtures/overridden.yaml"
DOCS = "https://github.com/YOUR-ORG/blinacheck/blob/main/docs"
LINE_HASH = re.compile(r"^[0-9a-f]{16}:1$")


def _validate(sarif: dict[str, Any]) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    errors = list(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(sarif))
    assert not errors, [e.message for e in errors]


def assert_github_keeps(sarif: dict[str, Any]) -> None:
    assert 1 <= len(sarif["runs"]) <= 20
    for run in sarif["runs"]:
        rules = run["tool"]["driver"]["rules"]
        assert len(rules) <= 25_000 and len(run["results"]) <= 25_000
        for rule in rules:
            assert rule["id"]
            for key in ("shortDescription", "fullDescription"):
                assert 0 < len(rule[key]["text"]) <= 1024, (rule["id"], key)
            assert rule["help"]["text"] and rule["help"]["markdown"]
            assert len(rule["properties"].get("tags", [])) <= 10
            if "defaultConfiguration" in rule:
                assert rule["properties"]["precision"] in ("very-high", "high", "medium", "low")
                assert rule["properties"]["problem.severity"] in (
                    "error",
                    "warning",
                    "recommendation",
                )
        for result in run["results"]:
            assert result["ruleId"] and result["message"]["text"]
            assert 1 <= len(result["locations"]) <= 1000
            assert LINE_HASH.match(result["partialFingerprints"]["primaryLocationLineHash"])


def test_builtin_rules_and_examples_within_githubs_limits() -> None:
    done = run_blinacheck(
        "lint", "--format", "sarif", "--fail-on", "never", "--docs-url", DOCS, "examples/"
    )
    assert done.returncode == 0, done.stderr
    sarif = json.loads(done.stdout)
    _validate(sarif)
    assert_github_keeps(sarif)
    driver = sarif["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == DOCS
    rules = {r["id"]: r for r in driver["rules"]}
    assert rules["it-on-infusion-day-1"]["helpUri"] == (
        f"{DOCS}/rule-catalogue.md#it-on-infusion-day-1"
    )
    assert rules["invalid-plan"]["helpUri"] == f"{DOCS}/plan-format.md#invalid-input"
    assert rules["it-on-infusion-day-1"]["properties"]["problem.severity"] == "warning"
    assert rules["neurotoxicity-risk-factors"]["properties"]["problem.severity"] == (
        "recommendation"
    )
    assert not any("security-severity" in r["properties"] for r in driver["rules"])


@pytest.mark.parametrize(
    "rule_id",
    [
        "premedication-missing",
        "high-risk-without-step-up",
        "restart-dose-after-toxicity",
        "neurotoxicity-risk-factors",
    ],
)
def test_long_descriptions_are_cut_for_github_and_whole_in_the_help(rule_id: str) -> None:
    rule = next(r for r in load_rules().rules if r.id == rule_id)
    description = " ".join(rule.description.split())
    assert len(description) > 1024, "the issue's four rules had descriptions over the limit"
    sarif = json.loads(render(lint_text("blinacheck: 1\n"), "sarif", ruleset=load_rules()))
    descriptor = next(r for r in sarif["runs"][0]["tool"]["driver"]["rules"] if r["id"] == rule_id)
    full = descriptor["fullDescription"]["text"]
    assert len(full) <= 1024
    assert full.endswith(" …") and description.startswith(full.removesuffix(" …"))
    assert " ".join(descriptor["help"]["text"].split()).startswith(description)


def test_without_docs_url_no_uri_is_made_up() -> None:
    sarif = json.loads(render(lint_text("blinacheck: 1\n"), "sarif", ruleset=load_rules()))
    driver = sarif["runs"][0]["tool"]["driver"]
    assert "informationUri" not in driver
    assert not any("helpUri" in rule for rule in driver["rules"])


PLAN = """\
    blinacheck: 1
    indication: relapsed-refractory
    patient: {age_years: 9, weight_kg: 30, height_cm: 135}
    cycles:
      - cycle: 1
        infusion:
          - {days: 1-7, dose: 5 mcg/m2/day}
          - {days: 8-28, dose: 15 mcg/m2/day}
        premedication:
          - {drug: dexamethasone, dose: 5 mg/m2, day: 1}
        intrathecal:
          - {day: 1, drugs: [methotrexate], dose: 12 mg}
        hospitalization: 1-9
    """


def _hashes(text: str) -> dict[tuple[str, int], str]:
    sarif = json.loads(render(lint_text(plan_text(text), path="plans/child.yaml"), "sarif"))
    return {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]): r[
            "partialFingerprints"
        ]["primaryLocationLineHash"]
        for r in sarif["runs"][0]["results"]
    }


def test_editing_the_next_line_keeps_the_alert() -> None:
    """The issue's case: the line after the finding goes from `1-9` to `1-10`."""
    before = _hashes(PLAN)
    assert ("it-on-infusion-day-1", 12) in before  # the IT line, just above hospitalization
    after = _hashes(PLAN.replace("hospitalization: 1-9", "hospitalization: 1-10"))
    assert after[("it-on-infusion-day-1", 12)] == before[("it-on-infusion-day-1", 12)]
    # Lines added above move the finding, not its alert.
    moved = _hashes(PLAN.replace("    cycles:\n", "    title: child, cycle 1\n    cycles:\n"))
    assert moved[("it-on-infusion-day-1", 13)] == before[("it-on-infusion-day-1", 12)]
    # Another entry is another alert.
    second = PLAN.replace(
        "dose: 12 mg}\n", "dose: 12 mg}\n          - {day: 1, drugs: [cytarabine], dose: 30 mg}\n"
    )
    hashes = _hashes(second)
    assert hashes[("it-on-infusion-day-1", 13)] != hashes[("it-on-infusion-day-1", 12)]


def _results(sarif: dict[str, Any]) -> list[tuple[str, bool]]:
    return [(r["ruleId"], "suppressions" in r) for r in sarif["runs"][0]["results"]]


def test_omit_suppressed_leaves_signed_off_findings_out(tmp_path: Path) -> None:
    full = run_blinacheck("lint", *HOUSE, "--format", "sarif", OVERRIDDEN)
    assert _results(json.loads(full.stdout)) == [
        ("house-title-missing", True),
        ("house-cycle-length-missing", False),
        ("house-it-dose-missing", True),
    ]
    # The command docs/ci.md shows, with the output file moved out of the repository.
    page = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    shown = [
        b for b in re.findall(r"```console\n(.*?)```", page, re.DOTALL) if "omit-suppressed" in b
    ]
    assert len(shown) == 1
    args = shlex.split(shown[0].strip().removeprefix("$ "))
    args[args.index("-o") + 1] = str(tmp_path / "blinacheck.sarif")
    done = run_blinacheck(*args[1:])
    assert done.returncode == 1, done.stderr  # the open warning still fails the run
    sarif = json.loads((tmp_path / "blinacheck.sarif").read_text(encoding="utf-8"))
    _validate(sarif)
    assert_github_keeps(sarif)
    assert _results(sarif) == [("house-cycle-length-missing", False)]
