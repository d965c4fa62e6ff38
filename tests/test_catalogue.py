"""The generated rule catalogue (docs/rule-catalogue.md) and its generator."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from blinacheck.engine import fields
from blinacheck.engine.ruleset import RuleSet, compile_sources, load
from blinacheck.report import catalogue

from .conftest import REPO, run_blinacheck

CATALOGUE = REPO / "docs" / "rule-catalogue.md"
INSTITUTION_RULES = str(REPO / "docs" / "examples" / "institution" / "rules")


def test_catalogue_is_up_to_date() -> None:
    fresh = catalogue.render(load())
    assert CATALOGUE.read_text(encoding="utf-8") == fresh, (
        f"docs/rule-catalogue.md disagrees with the rules; regenerate it: "
        f"{catalogue.GENERATE_COMMAND}"
    )


def test_catalogue_has_a_section_and_an_index_row_per_builtin_rule() -> None:
    rules = load().rules
    text = catalogue.render(load())
    assert re.findall(r"^## (\S+)$", text, re.MULTILINE) == [rule.id for rule in rules]
    for rule in rules:
        assert f"| [{rule.id}](#{rule.id}) |" in text
        section = text.split(f"\n## {rule.id}\n", 1)[1].split("\n## ", 1)[0]
        assert f"**{rule.title}**" in section
        for name in rule.params:
            assert f"| `{name}` |" in section
        for evidence in rule.evidence:
            if evidence.url:
                assert f"]({evidence.url})" in section
        # Every built-in example triggers its rule, and the page shows the finding.
        assert "Linting the example with this rule gives:" in section, rule.id
        assert (
            f"error[{rule.id}]" in section
            or f"warning[{rule.id}]" in section
            or (f"info[{rule.id}]" in section)
        )


def test_section_of_the_sample_institution_rule() -> None:
    rule = load([INSTITUTION_RULES], builtin=False).rules[0]
    assert catalogue.render_rule(rule) == textwrap.dedent(
        f"""\
        ## sth-dosing-weight-missing

        **Patient plan without a dosing weight**

        - Severity: **warning** by default, unless a case matches:
          - **error** when `has(patient.age_years) && patient.age_years < params.adult_age_years`
        - Subject: the whole plan (`for_each: plan`)
        - Reported at: the `patient` key of the plan
        - Can be overridden in a plan: yes
        - Defined in: `{INSTITUTION_RULES}/st-example.yaml`

        St Example's pharmacy checks every blinatumomab order against the patient's weight: the
        label gives a fixed mcg/day dose from 45 kg and a per-m² dose below it, so without a
        weight the dose basis cannot be verified. A protocol template (a plan without patient
        data) is exempt. The finding is an error for a child, the patients near the 45-kg
        line, and a warning otherwise (also when the age is not given).
        What to do: add patient.weight_kg, with the date it was measured (weighed_on).

        Fires when:

        ```cel
        plan.has_patient && !has(patient.weight_kg)
        ```

        | Parameter | Default | Type |
        |---|---|---|
        | `adult_age_years` | `18` | int |

        Evidence:

        1. St Example Hospital pharmacy policy PH-12 (a sample policy for this example) — every blinatumomab order is verified against a recorded weight
        2. [BLINCYTO US prescribing information, dosage](https://www.drugs.com/dosage/blincyto.html) — 45 kg or more, fixed mcg/day dose; under 45 kg, dose per m² of body surface area

        Example, a minimal plan that triggers the rule:

        ```yaml
        blinacheck: 1
        indication: mrd-positive
        patient: {{age_years: 10}}
        cycles:
          - cycle: 1
            infusion:
              - {{days: 1-28, dose: 15 mcg/m2/day}}
        ```

        Linting the example with this rule gives:

        ```text
        line 3: error[sth-dosing-weight-missing] the plan has patient data but no weight_kg; the dose basis (fixed or per m²) depends on the weight
        ```
        """  # noqa: E501
    )


def local_rules(body: str) -> RuleSet:
    return compile_sources([("local.yaml", textwrap.dedent(body).lstrip("\n").encode(), False)])


def test_markdown_special_characters_are_escaped_and_broken_examples_flagged() -> None:
    ruleset = local_rules(
        """
        rules:
          - id: local-pipe
            title: Days 1|2 of a cycle
            severity: info
            for_each: cycle
            when: cycle.number == 2
            message: cycle 2
            params: {names: [a, b], ratio: 0.5}
            evidence:
              - {source: "Protocol [v2]", url: "https://example.org/p", unconfirmed: true}
            example: |
              blinacheck: 1
              indication: mrd-positive
              cycles:
                - cycle: 1
                  infusion: [{days: 1-28, dose: 28 mcg/day}]
        """
    )
    text = catalogue.render(ruleset)
    assert "| [local-pipe](#local-pipe) | info | `cycle` | Days 1\\|2 of a cycle |" in text
    assert "1. [Protocol \\[v2\\]](https://example.org/p) *(unconfirmed)*" in text
    assert '| `names` | `["a", "b"]` | list<string> |' in text
    assert "| `ratio` | `0.5` | double |" in text
    assert "**The example does not trigger the rule.** Linting it gives:" in text
    assert "```text\n(no findings)\n```" in text
    assert text.count("\n1 rule.\n") == 1


def test_check_option_reports_a_stale_file(tmp_path: Path) -> None:
    page = tmp_path / "catalogue.md"
    args = ["rules", "--format", "markdown", "--no-builtin-rules", "--rules", INSTITUTION_RULES]
    page.write_text(
        catalogue.render(
            load([INSTITUTION_RULES], builtin=False),
            command=(
                f"blinacheck rules --format markdown --no-builtin-rules --rules {INSTITUTION_RULES}"
            ),
        )
    )
    fresh = run_blinacheck(*args, "--check", str(page))
    assert (fresh.returncode, fresh.stderr) == (0, "")
    page.write_text(page.read_text() + "edited by hand\n")
    stale = run_blinacheck(*args, "--check", str(page))
    assert stale.returncode == 1
    assert stale.stderr == (
        f"{page} is out of date; regenerate it: blinacheck rules --format markdown"
        f" --no-builtin-rules --rules {INSTITUTION_RULES} -o {page}\n"
    )
    missing = run_blinacheck("rules", "--format", "markdown", "--check", str(tmp_path / "x.md"))
    assert missing.returncode == 2 and "x.md: cannot read" in missing.stderr
    no_rules = run_blinacheck("rules", "--format", "markdown", "--rules", str(tmp_path / "none"))
    assert no_rules.returncode == 2 and "rules directory not found" in no_rules.stderr


def test_output_option_writes_the_file_only_after_rendering(tmp_path: Path) -> None:
    page = tmp_path / "catalogue.md"
    page.write_text("old page\n")
    args = ["rules", "--format", "markdown", "--no-builtin-rules", "--rules", INSTITUTION_RULES]
    assert run_blinacheck(*args, "-o", str(page)).returncode == 0
    assert page.read_text().startswith("<!-- Generated from the rule files by")
    assert "## sth-dosing-weight-missing" in page.read_text()
    page.write_text("old page\n")
    failed = run_blinacheck(
        "rules", "--format", "markdown", "--rules", str(tmp_path / "none"), "-o", str(page)
    )
    assert failed.returncode == 2
    assert page.read_text() == "old page\n"  # a failed run leaves the page as it was


def test_the_command_prints_the_builtin_catalogue() -> None:
    done = run_blinacheck("rules", "--format", "markdown")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == catalogue.render(load())
    assert done.stdout.startswith(
        f"<!-- Generated from the rule files by `{catalogue.GENERATE_COMMAND}`"
    )


def test_the_command_prints_and_checks_the_field_reference(tmp_path: Path) -> None:
    done = run_blinacheck("rules", "--format", "fields")
    assert (done.returncode, done.stdout) == (0, fields.markdown())
    page = tmp_path / "fields.md"
    page.write_text(fields.markdown())
    assert run_blinacheck("rules", "--format", "fields", "--check", str(page)).returncode == 0
    page.write_text("stale\n")
    assert run_blinacheck("rules", "--format", "fields", "--check", str(page)).returncode == 1


def test_output_and_check_only_go_with_a_generated_page(tmp_path: Path) -> None:
    listed = run_blinacheck("rules", "-o", str(tmp_path / "list.txt"))
    assert listed.returncode == 2
    assert "-o and --check go with --format markdown or --format fields" in listed.stderr
    assert not (tmp_path / "list.txt").exists()
    both = run_blinacheck(
        "rules", "--format", "markdown", "-o", str(tmp_path / "a"), "--check", str(tmp_path / "b")
    )
    assert both.returncode == 2 and "cannot be used together" in both.stderr


def test_no_module_carries_a_command_line_of_its_own() -> None:
    """The generated pages come from `blinacheck rules`; no module parses arguments itself."""
    for module in (REPO / "blinacheck").rglob("*.py"):
        source = module.read_text()
        assert "import argparse" not in source, module
        if module.name != "__main__.py":
            assert 'if __name__ == "__main__"' not in source, module
