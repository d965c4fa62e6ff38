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
        again_yaml = lint.lint_bytes(back.text.encode(), "back.yaml", builtin_rules)
        assert _key(again_yaml) == expected
        # The title, which no rule reads but every report shows, comes back too.
        assert again.document is not None and again_yaml.document is not None
        assert again_yaml.document.data.get("title") == original.document.data.get("title")


def test_the_title_is_carried_both_ways() -> None:
    child = convert_bytes((EXAMPLES / "child-it-day-1.yaml").read_bytes(), "child.yaml", "fhir-r5")
    assert child.text is not None
    groups = [
        e["resource"]
        for e in json.loads(child.text)["entry"]
        if e["resource"]["resourceType"] == "RequestOrchestration"
    ]
    title = "Paediatric R/R B-ALL, blinatumomab cycle 1 (IT booked on Day 1)"
    assert [
        [x["valueString"] for x in g["extension"] if x["url"].endswith(":plan-title")]
        for g in groups
    ] == [[title]]
    # A template's PlanDefinition has a title element of its own.
    template = REPO / "tests" / "fhir" / "template-rr-r4.json"
    back = convert_bytes(template.read_bytes(), str(template), "yaml")
    assert back.text is not None
    assert back.text.splitlines()[1] == (
        "title: Blinatumomab, relapsed/refractory B-ALL, cycles 1-2 (45 kg or more)"
    )


def _drafts() -> list[tuple[str, str]]:
    """Drafted plans (docs/draft.md): every indication at its most cycles, for an adult, a
    child under 45 kg and an infant, with 24-, 48- and 96-hour bags where the weight allows them,
    and each indication's template (no patient, no dates)."""
    import datetime as dt

    from blinacheck.plan import draft

    start = dt.date(2026, 3, 2)
    patients = {
        "adult": draft.Patient(42.0, 78.0, 176.0, None, start - dt.timedelta(days=3)),
        "child": draft.Patient(7.0, 22.5, 121.0, None, start - dt.timedelta(days=2)),
        "infant": draft.Patient(1.0, 9.6, 75.0, None, start - dt.timedelta(days=1)),
    }
    drafts = []
    for indication in draft.INDICATIONS:
        most = draft.MAX_CYCLES[indication]
        for (who, patient), bag in zip(patients.items(), (96.0, 24.0, 48.0), strict=True):
            request = draft.Request(
                indication, patient, start, most, bag, it_days=((1, -3), (None, 15))
            )
            drafts.append((f"{indication}-{who}-{bag:g}h", draft.draft(request).text))
        template = draft.Request(indication, cycles=most, it_days=((None, 15),))
        drafts.append((f"{indication}-template", draft.draft(template).text))
    return drafts


@pytest.mark.parametrize(("name", "text"), _drafts(), ids=[n for n, _ in _drafts()])
def test_a_drafted_plan_converted_to_fhir_lints_the_same(
    name: str, text: str, builtin_rules: RuleSet
) -> None:
    original = lint.lint_bytes(text.encode(), f"{name}.yaml", builtin_rules)
    assert original.timeline is not None, original.findings
    for target in ("fhir-r4", "fhir-r5"):
        converted = convert_bytes(text.encode(), f"{name}.yaml", target)
        assert converted.text is not None, converted.findings
        again = lint.lint_bytes(converted.text.encode(), f"{name}.json", builtin_rules)
        assert _key(again) == _key(original), target


def test_docs_draft_convert_lint_runs_as_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from blinacheck.cli import main

    page = (REPO / "docs" / "draft.md").read_text(encoding="utf-8")
    block = page.split("<!-- draft-fhir:start -->\n```sh\n")[1].split("```")[0]
    commands = [line.split("#")[0].split() for line in block.splitlines()]
    assert [c[:2] for c in commands] == [["blinacheck", "convert"], ["blinacheck", "lint"]]
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    readme = (REPO / "README.md").read_text(encoding="utf-8")  # the README's own draft command
    readme_block = readme.split("<!-- draft-lint-calendar:start -->\n```sh\n")[1].split("```")[0]
    draft_command = readme_block.replace("\\\n", " ").splitlines()[0].split("#")[0].split()
    assert draft_command[:2] == ["blinacheck", "draft"] and "plan.yaml" in draft_command
    drafted = runner.invoke(main, draft_command[1:])
    assert drafted.exit_code == 0, drafted.output
    converted, linted = (runner.invoke(main, command[1:]) for command in commands)
    assert converted.exit_code == 0, converted.output
    assert json.loads((tmp_path / "plan.json").read_text())["resourceType"] == "Bundle"
    assert linted.exit_code == 0, linted.output
    assert linted.stdout == "0 errors, 0 warnings, 0 info in 1 file\n"
