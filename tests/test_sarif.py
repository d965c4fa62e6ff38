"""`--format sarif`: valid SARIF 2.1.0 (checked against the official schema), every loaded rule
described, results located, suppressions kept with their justification."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from blinacheck.api import (
    Evidence,
    FileResult,
    Finding,
    LintReport,
    Severity,
    Suppression,
    load_rules,
    render,
)
from blinacheck.report.sarif import fingerprint
from blinacheck.results.findings import OWN_CHECKS

from .conftest import REPO, run_blinacheck

# The official OASIS schema, vendored (tests/schemas/README.md says where it comes from).
SARIF_SCHEMA = REPO / "tests" / "schemas" / "sarif-schema-2.1.0.json"
FIXTURES = REPO / "tests" / "formats_fixtures"
HOUSE_RULES = "tests/formats_fixtures/rules"
HOUSE_PLAN = "tests/formats_fixtures/house-style.yaml"
BROKEN_PLAN = "tests/formats_fixtures/broken-plan.yaml"


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    if not SARIF_SCHEMA.is_file():
        pytest.fail(f"the vendored SARIF 2.1.0 schema is missing: expected {SARIF_SCHEMA}")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def assert_valid(validator: jsonschema.protocols.Validator, sarif: dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(sarif), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_blinacheck(*args)


def test_cli_sarif_to_file_is_valid_and_located(
    sarif_validator: jsonschema.protocols.Validator, tmp_path: Path
) -> None:
    out = tmp_path / "blinacheck.sarif"
    result = run_cli(
        "lint",
        "--no-builtin-rules",
        "--rules",
        HOUSE_RULES,
        "--format",
        "sarif",
        "-o",
        str(out),
        HOUSE_PLAN,
        BROKEN_PLAN,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""  # all of it went to the file
    sarif = json.loads(out.read_text(encoding="utf-8"))
    assert_valid(sarif_validator, sarif)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "blinacheck"
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == [
        "house-it-dose-missing",
        "house-cycle-length-missing",
        "house-title-missing",
        *OWN_CHECKS,  # invalid-plan, rule-error and the override checks, always described
    ]
    located = [
        (
            r["ruleId"],
            r["level"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["locations"][0]["physicalLocation"]["region"]["startColumn"],
        )
        for r in run["results"]
    ]
    assert located == [
        # broken-plan.yaml: 'dosage' is not a key of an infusion step (line 9, at the key).
        ("invalid-plan", "error", BROKEN_PLAN, 9, 40),
        ("house-title-missing", "note", HOUSE_PLAN, 3, 1),
        ("house-cycle-length-missing", "warning", HOUSE_PLAN, 6, 5),
        ("house-it-dose-missing", "error", HOUSE_PLAN, 12, 9),
    ]
    for item in run["results"]:
        assert driver["rules"][item["ruleIndex"]]["id"] == item["ruleId"]
        location = item["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location["uriBaseId"] == "%SRCROOT%"
        assert "suppressions" not in item
        assert len(item["partialFingerprints"]["blinacheck/v1"]) == 32
    assert run["results"][3]["message"]["text"] == "IT methotrexate on day 15 has no dose"
    assert run["results"][3]["properties"] == {
        "cycle": 1,
        "day": 15,
        "pointer": "/cycles/0/intrathecal/1",
    }


def test_driver_rule_carries_help_evidence_and_level(tmp_path: Path) -> None:
    result = run_cli(
        "lint", "--no-builtin-rules", "--rules", HOUSE_RULES, "--format", "sarif", HOUSE_PLAN
    )
    driver = json.loads(result.stdout)["runs"][0]["tool"]["driver"]
    rule = {r["id"]: r for r in driver["rules"]}["house-cycle-length-missing"]
    assert rule["shortDescription"]["text"] == "Cycle without its length"
    assert rule["fullDescription"]["text"].startswith("House style, with characters to escape")
    assert rule["defaultConfiguration"] == {"level": "warning"}
    assert rule["properties"]["subject"] == "cycle"
    assert "cycle" in rule["properties"]["tags"]
    markdown = rule["help"]["markdown"]
    # The source becomes a link to its URL; Markdown characters in the text are escaped.
    assert (
        "- [blinacheck test fixture (house style, not clinical guidance)]"
        "(https://example.org/house-style) *(unconfirmed)*" in markdown
    )
    assert r"50% of plans, a\_b\*c, \<x\>." in markdown
    assert "<https://example.org/house-style> (unconfirmed)" in rule["help"]["text"]
    assert {r["id"]: r for r in driver["rules"]}["house-title-missing"]["defaultConfiguration"] == {
        "level": "note"
    }


def test_every_builtin_rule_is_described(sarif_validator: jsonschema.protocols.Validator) -> None:
    result = run_cli("lint", "--format", "sarif", "--fail-on", "never", "examples/")
    assert result.returncode == 0, result.stderr
    sarif = json.loads(result.stdout)
    assert_valid(sarif_validator, sarif)
    described = [rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]]
    loaded = [rule.id for rule in load_rules().rules]
    assert loaded, "no built-in rules loaded"
    assert described == [*loaded, *OWN_CHECKS]
    # Rules that did not fire are described too: a viewer shows help for any rule.
    fired = {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert set(described) - fired


def _finding(rule: str, line: int, subject: str, suppressed: Suppression | None) -> Finding:
    return Finding(
        rule=rule,
        severity=Severity.WARNING,
        message=f"{rule} at line {line}",
        path="plans/patient-a.yaml",
        line=line,
        column=5,
        cycle=1,
        evidence=(Evidence("blinacheck test fixture"),),
        subject=subject,
        suppressed=suppressed,
        title="A test rule",
    )


def test_suppressed_findings_are_kept_with_their_justification(
    sarif_validator: jsonschema.protocols.Validator,
) -> None:
    inline = Suppression("inline", "dose agreed with Dr. Smith on 2026-03-01")
    baseline = Suppression("baseline", "known before blinacheck was adopted")
    report = LintReport(
        results=[
            FileResult(
                "plans/patient-a.yaml",
                [
                    _finding("it-on-infusion-day-1", 20, "/cycles/0/intrathecal/0", inline),
                    _finding("treatment-free-interval-short", 30, "/cycles/1", baseline),
                    _finding("step-up-missing", 40, "/cycles/0", None),
                ],
            )
        ]
    )
    sarif = json.loads(render(report, "sarif"))
    assert_valid(sarif_validator, sarif)
    results = {r["ruleId"]: r for r in sarif["runs"][0]["results"]}
    assert results["it-on-infusion-day-1"]["suppressions"] == [
        {
            "kind": "inSource",
            "status": "accepted",
            "justification": "dose agreed with Dr. Smith on 2026-03-01",
            "properties": {"blinacheckKind": "inline"},
        }
    ]
    assert results["treatment-free-interval-short"]["suppressions"][0]["kind"] == "external"
    assert results["treatment-free-interval-short"]["suppressions"][0]["justification"] == (
        "known before blinacheck was adopted"
    )
    assert "suppressions" not in results["step-up-missing"]
    # Without a rule set, rules are described from their findings, so every ruleIndex resolves.
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    for item in sarif["runs"][0]["results"]:
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
        assert rules[item["ruleIndex"]]["shortDescription"]["text"] == "A test rule"


def test_fingerprint_ignores_the_line_but_not_the_subject() -> None:
    here = _finding("it-on-infusion-day-1", 20, "/cycles/0/intrathecal/0", None)
    moved = _finding("it-on-infusion-day-1", 27, "/cycles/0/intrathecal/0", None)
    other = _finding("it-on-infusion-day-1", 20, "/cycles/0/intrathecal/1", None)
    assert fingerprint(here) == fingerprint(moved)
    assert fingerprint(here) != fingerprint(other)


def test_absolute_and_odd_paths_are_uris(sarif_validator: jsonschema.protocols.Validator) -> None:
    absolute = Finding("invalid-plan", Severity.ERROR, "bad", "/srv/plans/a b.yaml", 1, 1)
    text = Finding("invalid-plan", Severity.ERROR, "bad", "<text>", 1, 1)
    report = LintReport(results=[FileResult(absolute.path, [absolute]), FileResult("t", [text])])
    sarif = json.loads(render(report, "sarif"))
    assert_valid(sarif_validator, sarif)
    locations = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]
        for r in sarif["runs"][0]["results"]
    ]
    assert locations == [
        {"uri": "file:///srv/plans/a%20b.yaml"},
        {"uri": "%3Ctext%3E", "uriBaseId": "%SRCROOT%"},
    ]


OVERRIDDEN_PLAN = "tests/formats_fixtures/overridden.yaml"


def _suppressions(sarif: dict[str, Any]) -> list[tuple[str, int, object]]:
    return [
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            [(s["kind"], s["justification"]) for s in r.get("suppressions", [])],
        )
        for r in sarif["runs"][0]["results"]
    ]


def test_cli_inline_overrides_become_in_source_suppressions(
    sarif_validator: jsonschema.protocols.Validator,
) -> None:
    result = run_cli(
        "lint",
        "--no-builtin-rules",
        "--rules",
        HOUSE_RULES,
        "--format",
        "sarif",
        OVERRIDDEN_PLAN,
    )
    assert result.returncode == 1, result.stderr  # the open warning still counts
    sarif = json.loads(result.stdout)
    assert_valid(sarif_validator, sarif)
    assert _suppressions(sarif) == [
        (
            "house-title-missing",
            5,
            [("inSource", "template title is set by the order-set system")],
        ),
        ("house-cycle-length-missing", 8, []),
        ("house-it-dose-missing", 14, [("inSource", "dose by age band, set at booking")]),
    ]


def test_cli_baselined_findings_become_external_suppressions(
    sarif_validator: jsonschema.protocols.Validator, tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline.json"
    rules = ("--no-builtin-rules", "--rules", HOUSE_RULES)
    written = run_cli("lint", *rules, "--write-baseline", str(baseline), HOUSE_PLAN)
    assert baseline.is_file(), written.stderr
    result = run_cli("lint", *rules, "--baseline", str(baseline), "--format", "sarif", HOUSE_PLAN)
    assert result.returncode == 0, result.stderr
    sarif = json.loads(result.stdout)
    assert_valid(sarif_validator, sarif)
    kinds = {
        r["ruleId"]: [s["kind"] for s in r["suppressions"]] for r in sarif["runs"][0]["results"]
    }
    assert kinds == {
        "house-title-missing": ["external"],
        "house-cycle-length-missing": ["external"],
        "house-it-dose-missing": ["external"],
    }


def _regions(sarif: dict[str, Any]) -> list[tuple[str, dict[str, int]]]:
    return [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"])
        for r in sarif["runs"][0]["results"]
    ]


def test_region_ends_where_the_entry_ends(sarif_validator: jsonschema.protocols.Validator) -> None:
    # Line 43 is `      - {day: 1, drugs: [methotrexate], dose: 12 mg}`: the flow mapping
    # runs from column 9 to its closing brace at column 52, so the region ends at column 53.
    sarif = json.loads(run_cli("lint", "--format", "sarif", "examples/child-it-day-1.yaml").stdout)
    assert_valid(sarif_validator, sarif)
    assert _regions(sarif) == [
        (
            "it-on-infusion-day-1",
            {"startLine": 43, "startColumn": 9, "endLine": 43, "endColumn": 53},
        )
    ]


# The head of both plans: an adult on relapsed/refractory cycle 1 from 9 March.
_HEAD = """\
blinacheck: 1
indication: relapsed-refractory
patient: {age_years: 45, weight_kg: 70}
cycles:
  - cycle: 1
    start: 2026-03-09
    infusion:
"""
# A cycle with no hospital days and no premedication: both findings are about the cycle, a
# block mapping that starts where its first key (`cycle`) does, so its extent is not certain.
BLOCK_PLAN = (
    _HEAD
    + """\
      - {days: 1-7, dose: 9 mcg/day}
      - {days: 8-28, dose: 28 mcg/day}
    intrathecal:
      - {day: 8, drugs: [methotrexate], dose: 15 mg}
"""
)

# No step-up, and a misspelt premedication with a non-ASCII letter (columns count code points).
KEY_PLAN = (
    _HEAD
    + """\
      - days: 1-28
        dose: "28 mcg/day"
    premedication:
      - {day: 1, drug: dexaméthasone, dose: 20 mg, minutes_before: 60}
    hospitalization: 1-9
"""
)


def test_no_region_end_for_a_block_mapping(tmp_path: Path) -> None:
    # Without an end, SARIF means "to the end of the line", which is what GitHub highlights.
    plan = tmp_path / "block.yaml"
    plan.write_text(BLOCK_PLAN, encoding="utf-8")
    sarif = json.loads(run_cli("lint", "--format", "sarif", str(plan)).stdout)
    assert _regions(sarif) == [
        ("hospitalization-missing", {"startLine": 5, "startColumn": 5}),
        ("premedication-missing", {"startLine": 5, "startColumn": 5}),
    ]


def test_region_ends_of_keys_and_values_in_code_points(tmp_path: Path) -> None:
    for n in range(3):
        (tmp_path / f"p{n}.yaml").write_text(KEY_PLAN, encoding="utf-8")
    expected = [
        ("it-prophylaxis-missing", {"startLine": 4, "startColumn": 1, "endColumn": 7}),
        ("step-up-missing", {"startLine": 7, "startColumn": 5, "endColumn": 13}),
        ("premedication-missing", {"startLine": 10, "startColumn": 5, "endColumn": 18}),
        # `dexaméthasone`: 13 code points (14 bytes in UTF-8) from column 24
        ("drug-name-unknown", {"startLine": 11, "startColumn": 24, "endColumn": 37}),
    ]
    for jobs in ("1", "2"):  # worker processes rebuild the document: the same regions
        sarif = json.loads(
            run_cli("lint", "--format", "sarif", "--jobs", jobs, str(tmp_path)).stdout
        )
        regions = _regions(sarif)
        assert len(regions) == 3 * len(expected)
        for (rule, region), (want_rule, want) in zip(regions, expected * 3, strict=True):
            assert (rule, region) == (want_rule, {**want, "endLine": want["startLine"]})


def test_region_end_of_a_fhir_resource() -> None:
    # The MedicationRequest of the IT order: its JSON object runs from 283:19 to the closing
    # brace on line 332 (column 7), so the region ends at 332:8.
    path = "tests/fhir/child-it-day-1-r5.json"
    sarif = json.loads(run_cli("lint", "--format", "sarif", path).stdout)
    assert _regions(sarif) == [
        (
            "it-on-infusion-day-1",
            {"startLine": 283, "startColumn": 19, "endLine": 332, "endColumn": 8},
        )
    ]
    lines = (REPO / path).read_text(encoding="utf-8").splitlines()
    assert lines[282][18] == "{" and lines[331][6] == "}"
