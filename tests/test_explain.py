"""`blinacheck rules` and `blinacheck explain`: what a user learns about the loaded rules."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from click.testing import CliRunner

from blinacheck.cli import main
from blinacheck.engine.ruleset import load

from .conftest import REPO

INSTITUTION_RULES = str(REPO / "docs" / "examples" / "institution" / "rules")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


# --- rules -----------------------------------------------------------------------------------


def test_rules_lists_every_loaded_rule_in_columns() -> None:
    code, out, _ = invoke("rules", "--rules", INSTITUTION_RULES)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "SEVERITY", "SUBJECT", "TITLE"]
    loaded = load([INSTITUTION_RULES]).rules
    assert [line.split(maxsplit=3) for line in lines[1:]] == [
        [rule.id, str(rule.severity), rule.for_each, rule.title] for rule in loaded
    ]
    assert lines[-1].split(maxsplit=3) == [
        "sth-dosing-weight-missing",
        "warning",
        "plan",
        "Patient plan without a dosing weight",
    ]
    # Columns line up: every title starts in the same column as the heading.
    column = lines[0].index("TITLE")
    assert all(line[column:] == rule.title for line, rule in zip(lines[1:], loaded, strict=True))
    assert "\x1b[" not in out


def test_rules_json_has_cases_params_and_file() -> None:
    code, out, _ = invoke("rules", "--format", "json", "--rules", INSTITUTION_RULES)
    assert code == 0
    rules = {rule["id"]: rule for rule in json.loads(out)}
    assert rules["sth-dosing-weight-missing"] == {
        "id": "sth-dosing-weight-missing",
        "severity": "warning",
        "severity_cases": [
            {
                "severity": "error",
                "when": "has(patient.age_years) && patient.age_years < params.adult_age_years",
            }
        ],
        "subject": "plan",
        "title": "Patient plan without a dosing weight",
        "params": {"adult_age_years": 18},
        "builtin": False,
        "file": f"{INSTITUTION_RULES}/st-example.yaml",
        "line": 5,
    }
    assert rules["step-up-missing"]["file"] == "rules/dosing.yaml"
    assert rules["step-up-missing"]["builtin"] is True


def test_rules_without_builtin_lists_only_the_given_directory() -> None:
    code, out, _ = invoke("rules", "--no-builtin-rules", "--rules", INSTITUTION_RULES)
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == ["ID", "sth-dosing-weight-missing"]


def test_rules_with_a_bad_rule_directory_exits_2() -> None:
    code, out, err = invoke("rules", "--rules", "no/such/dir")
    assert (code, out) == (2, "")
    assert "no/such/dir:1:1: rules directory not found" in err


def test_rules_rich_table_on_a_terminal_keeps_ids_whole() -> None:
    from rich.console import Console

    from blinacheck.commands import rules as rules_command

    console = Console(width=60, record=True, force_terminal=False)
    rules_command.print_rich(load(), console=console)
    shown = console.export_text()
    for rule in load().rules:
        assert rule.id in shown


def test_plain_listing_does_not_import_rich() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from blinacheck.cli import main\n"
        "r = CliRunner().invoke(main, ['rules'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print('rich' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


# --- explain ---------------------------------------------------------------------------------


def sections(text: str) -> dict[str, list[str]]:
    """Heading line -> its indented lines."""
    found: dict[str, list[str]] = {}
    heading = ""
    for line in text.splitlines():
        if line and not line.startswith(" "):
            heading = line
            found[heading] = []
        elif line:
            found[heading].append(line.strip())
    return found


def test_explain_shows_every_part_of_a_rule() -> None:
    # The sample institution rule (docs/examples/institution): its text is fixed here, where
    # the built-in rules' texts may still change.
    code, out, _ = invoke("explain", "--rules", INSTITUTION_RULES, "sth-dosing-weight-missing")
    assert code == 0
    parts = sections(out)
    assert out.splitlines()[0] == "sth-dosing-weight-missing: Patient plan without a dosing weight"
    checks = parts["What it checks"]
    assert checks[0].startswith("St Example's pharmacy checks every blinatumomab order")
    assert checks[-1] == "line, and a warning otherwise (also when the age is not given)."
    assert parts["Subject"] == [
        "the whole plan (for_each: plan)",
        "reported at the patient key of the plan",
    ]
    assert parts["Fires when (CEL)"] == ["plan.has_patient && !has(patient.weight_kg)"]
    assert parts["Severity"] == [
        "warning by default",
        "error when has(patient.age_years) && patient.age_years < params.adult_age_years",
        "(the first case that holds wins)",
    ]
    assert parts["Parameters"] == ["adult_age_years = 18 (int)"]
    assert parts["Why: evidence"] == [
        "1. St Example Hospital pharmacy policy PH-12 (a sample policy for this example)",
        "every blinatumomab order is verified against a recorded weight",
        "2. BLINCYTO US prescribing information, dosage",
        "45 kg or more, fixed mcg/day dose; under 45 kg, dose per m² of body surface area",
        "https://www.drugs.com/dosage/blincyto.html",
    ]
    assert parts["What to do"] == [
        "Add patient.weight_kg, with the date it was measured (weighed_on)."
    ]
    assert parts["Example: a minimal plan that triggers it"] == [
        "blinacheck: 1",
        "indication: mrd-positive",
        "patient: {age_years: 10}",
        "cycles:",
        "- cycle: 1",
        "infusion:",
        "- {days: 1-28, dose: 15 mcg/m2/day}",
    ]
    # The example is really linted: its finding, with its line in the example.
    assert parts["Linting the example gives"] == [
        "line 3: error[sth-dosing-weight-missing] the plan has patient data but no weight_kg; "
        "the dose basis (fixed or per m²) depends on the weight"
    ]
    assert out.rstrip().endswith(f"Defined in {INSTITUTION_RULES}/st-example.yaml:5")


def test_every_builtin_rule_explains_with_a_triggering_example() -> None:
    for rule in load().rules:
        code, out, _ = invoke("explain", rule.id)
        assert code == 0, rule.id
        parts = sections(out)
        assert parts["Why: evidence"], rule.id
        assert parts.get("Linting the example gives"), f"{rule.id}: example does not trigger"
        assert any(f"[{rule.id}]" in line for line in parts["Linting the example gives"])
        assert out.rstrip().endswith(f"Defined in rules/{rule.file.split('/')[-1]}:{rule.line}")


def test_explain_unknown_id_exits_2_with_suggestion() -> None:
    code, out, err = invoke("explain", "it-on-day-1")
    assert (code, out) == (2, "")
    assert err.startswith("unknown rule id 'it-on-day-1'; did you mean 'it-on-infusion-day-1'")
    assert err.rstrip().endswith("? ('blinacheck rules' lists them)")
    code, out, err = invoke("explain", "zzz")
    assert (code, out, err) == (2, "", "unknown rule id 'zzz' ('blinacheck rules' lists them)\n")


def write_rules(directory: Path, body: str) -> str:
    directory.mkdir()
    (directory / "local.yaml").write_text(textwrap.dedent(body).lstrip("\n"))
    return str(directory)


def test_explain_says_when_the_example_does_not_trigger(tmp_path: Path) -> None:
    rules = write_rules(
        tmp_path / "rules",
        """
        rules:
          - id: local-cycle-two
            title: A second cycle is planned
            description: Fires on cycle 2.
            severity: info
            for_each: cycle
            when: cycle.number == 2
            message: cycle 2
            evidence:
              - {source: a local note, url: "https://example.org/a#b", unconfirmed: true}
            example: |
              blinacheck: 1
              indication: mrd-positive
              cycles:
                - cycle: 1
                  infusion: [{days: 1-28, dose: 28 mcg/day}]
          - id: local-no-example
            title: A rule without an example
            severity: info
            for_each: plan
            when: 1 == 2
            message: never
            evidence: [{source: a local note}]
        """,
    )
    code, out, _ = invoke("explain", "--no-builtin-rules", "--rules", rules, "local-cycle-two")
    assert code == 0
    parts = sections(out)
    assert parts["Linting the example gives (WARNING: it does not trigger this rule)"] == [
        "(no findings)"
    ]
    assert parts["What to do"] == ["(see What it checks)"]
    assert parts["Parameters"] == ["(none)"]
    assert parts["Why: evidence"] == ["1. a local note [UNCONFIRMED]", "https://example.org/a#b"]
    code, out, _ = invoke("explain", "--no-builtin-rules", "--rules", rules, "local-no-example")
    assert code == 0
    assert "Example: none given in the rule file" in out.splitlines()
    assert sections(out)["What it checks"] == ["(no description)"]


def test_explain_markdown_is_the_catalogue_section() -> None:
    from blinacheck.report.catalogue import render_rule

    code, out, _ = invoke("explain", "--format", "markdown", "step-up-missing")
    assert code == 0
    assert out == render_rule(load().by_id()["step-up-missing"])
    assert out.startswith("## step-up-missing\n")
