"""FHIR in: the hand-built bundles give their exact findings at their FHIR elements, and what is
wrong in the FHIR is a located invalid-plan finding in FHIR terms (docs/fhir.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blinacheck.engine.ruleset import RuleSet
from blinacheck.plan import models
from blinacheck.results.files import FileResult
from blinacheck.run import lint

from .conftest import REPO, run_blinacheck

FIXTURES = REPO / "tests" / "fhir"
Row = tuple[int, int, str, str, int | None, int | None, str]


def _rows(result: FileResult) -> list[Row]:
    return [
        (f.line, f.column, f.rule, str(f.severity), f.cycle, f.day, f.element)
        for f in result.findings
    ]


def _plan(result: FileResult) -> models.Plan:
    assert result.document is not None
    plan, problems = models.validate(result.document)
    assert plan is not None, problems
    return plan


def _lint_file(name: str, rules: RuleSet) -> FileResult:
    return lint.lint_file(str(FIXTURES / name), rules)


def test_clean_adult_course_r4_has_no_findings(builtin_rules: RuleSet) -> None:
    result = _lint_file("adult-rr-r4.json", builtin_rules)
    assert _rows(result) == []
    plan = _plan(result)
    patient = plan.patient
    assert patient is not None
    assert (patient.age_years, patient.weight_kg, patient.height_cm) == (42, 78, 176)
    assert [c.cycle for c in plan.cycles] == [1, 2]
    assert [len(c.intrathecal) for c in _plan(result).cycles] == [2, 1]
    assert _plan(result).cycles[0].premedication[0].minutes_before == 60
    assert _plan(result).cycles[0].hospitalization == [(1, 9)]


def test_child_with_it_on_day_1_r5(builtin_rules: RuleSet) -> None:
    result = _lint_file("child-it-day-1-r5.json", builtin_rules)
    assert _rows(result) == [
        (283, 19, "it-on-infusion-day-1", "error", 1, 1, "Bundle.entry[7].resource"),
    ]
    text = (FIXTURES / "child-it-day-1-r5.json").read_text().splitlines()
    assert '"id": "intrathecal-c1-1"' in text[284]  # the IT MedicationRequest itself
    assert _plan(result).patient is not None
    assert _plan(result).patient.age_years == 7  # from birthDate 2018-11-20 on Day 1, 2026-03-09


def test_per_m2_step_up_above_the_cap_r4(builtin_rules: RuleSet) -> None:
    result = _lint_file("adult-per-m2-above-cap-r4.json", builtin_rules)
    rate = "Bundle.entry[4].resource.dosageInstruction[{}].doseAndRate[0].rateQuantity"
    assert _rows(result) == [
        (136, 17, "dose-above-cap", "error", 1, 1, rate.format(0)),
        (136, 17, "dose-basis-mismatch", "error", 1, 1, rate.format(0)),
        (158, 17, "dose-above-cap", "error", 1, 8, rate.format(1)),
        (158, 17, "dose-basis-mismatch", "error", 1, 8, rate.format(1)),
    ]
    assert _plan(result).patient is not None
    # 172 [lb_av] x 0.45359237 kg and 69.3 [in_i] x 2.54 cm, exact UCUM definitions
    assert _plan(result).patient.weight_kg == pytest.approx(78.0179, abs=1e-4)
    assert _plan(result).patient.height_cm == pytest.approx(176.022, abs=1e-3)


# --- problems in the FHIR itself ------------------------------------------------------------

_ORDER = """{
  "resourceType": "Bundle",
  "type": "collection",
  "entry": [
    {"resource": {"resourceType": "Patient", "id": "p", "birthDate": "1980-05-01"}},
    {"resource": {
      "resourceType": "MedicationRequest", "id": "blin", "status": "active",
      "intent": "order", "subject": {"reference": "Patient/p"},
      "medicationCodeableConcept": {"text": "Blinatumomab"},
      "dosageInstruction": [
        {"timing": {"repeat": {"boundsPeriod": {"start": "2026-03-02", "end": "2026-03-08"}}},
         "doseAndRate": [{"rateQuantity": {"value": 9, "unit": "mcg/day",
                          "system": "http://unitsofmeasure.org", "code": "ug/d"}}]},
        {"timing": {"repeat": {"boundsPeriod": {"start": "2026-03-09", "end": "2026-03-29"}}},
         "doseAndRate": [{"rateQuantity": {"value": 28, "unit": "mcg/day",
                          "system": "http://unitsofmeasure.org", "code": "ug/d"}}]}
      ]}}
  ]
}
"""


def _invalid(text: str, rules: RuleSet) -> list[tuple[int, int, str, str]]:
    result = lint.lint_bytes(text.encode(), "bundle.json", rules)
    return [(f.line, f.column, f.element, f.message) for f in result.findings]


def test_a_step_without_rate(builtin_rules: RuleSet) -> None:
    text = _ORDER.replace('"doseAndRate": [{"rateQuantity": {"value": 9', '"x": [{"y": {"value": 9')
    text = text.replace('"x"', '"doseAndRate"').replace('"y"', '"doseQuantity"')
    found = _invalid(text, builtin_rules)
    assert found == [
        (
            12,
            43,
            "Bundle.entry[1].resource.dosageInstruction[0].doseAndRate[0].doseQuantity",
            "a doseQuantity without a rate is read as a daily dose only when the timing says "
            "once a day (repeat.frequency 1, period 1, periodUnit d); give "
            "doseAndRate.rateQuantity in ug/d instead",
        )
    ]


def test_no_dose_and_rate_at_all(builtin_rules: RuleSet) -> None:
    second = _ORDER.index('"doseAndRate": [{"rateQuantity": {"value": 28')
    end = _ORDER.index("}}]}", second) + 3
    text = _ORDER[:second] + '"text": "28 mcg/day"' + _ORDER[end:]
    ((line, column, element, message),) = _invalid(text, builtin_rules)
    assert (line, column, element) == (14, 9, "Bundle.entry[1].resource.dosageInstruction[1]")
    assert message.startswith("the blinatumomab infusion has no rate")


def test_a_unit_ucum_cannot_convert(builtin_rules: RuleSet) -> None:
    text = _ORDER.replace('"code": "ug/d"}}]},', '"code": "ug/h"}}]},', 1)
    ((line, column, element, message),) = _invalid(text, builtin_rules)
    assert (line, column) == (12, 43)
    assert element == "Bundle.entry[1].resource.dosageInstruction[0].doseAndRate[0].rateQuantity"
    assert "is in 'ug/h', which is not an infusion rate" in message


def test_overlapping_steps(builtin_rules: RuleSet) -> None:
    text = _ORDER.replace('"start": "2026-03-09"', '"start": "2026-03-08"')
    ((line, column, element, message),) = _invalid(text, builtin_rules)
    assert (line, column, element) == (14, 9, "Bundle.entry[1].resource.dosageInstruction[1]")
    assert message.startswith("blinatumomab dosageInstructions overlap: 2026-03-08")


def test_a_date_that_is_not_a_date(builtin_rules: RuleSet) -> None:
    text = _ORDER.replace('"end": "2026-03-29"', '"end": "2026-02-30"')
    ((line, column, element, message),) = _invalid(text, builtin_rules)
    assert (line, column) == (14, 79)
    assert element.endswith("dosageInstruction[1].timing.repeat.boundsPeriod.end")
    assert message == "boundsPeriod.end: '2026-02-30' is not a date: there is no such day"
    text = _ORDER.replace('"end": "2026-03-29"', '"end": "2026-03"')
    ((line, column, element, message),) = _invalid(text, builtin_rules)
    assert element.endswith("dosageInstruction[1].timing.repeat.boundsPeriod.end")
    assert "is not a full date" in message


def test_an_unknown_element_is_named_in_fhir_terms(builtin_rules: RuleSet) -> None:
    text = _ORDER.replace('"intent": "order"', '"intent": "order", "dosage": []')
    ((line, column, element, message),) = _invalid(text, builtin_rules)
    assert (line, column, element) == (8, 26, "Bundle.entry[1].resource.dosage")
    assert message == (
        "MedicationRequest.dosage is not an element of FHIR R4 MedicationRequest; "
        "check its spelling"
    )


def test_no_indication_says_which_rules_could_not_judge(builtin_rules: RuleSet) -> None:
    result = lint.lint_bytes(_ORDER.encode(), "bundle.json", builtin_rules)
    not_judged = [f for f in result.findings if f.rule == "not-judged"]
    assert len(not_judged) == 1
    assert str(not_judged[0].severity) == "warning"
    assert "the FHIR gives no indication" in not_judged[0].message
    assert not_judged[0].message.endswith(
        "these rules could not judge the plan: hospitalization-missing, premedication-missing, "
        "step-up-outside-label"
    )
    assert not_judged[0].element == "Bundle.entry[1].resource"


def test_not_about_blinatumomab_named_and_in_a_directory(tmp_path: Path) -> None:
    other = {"resourceType": "Patient", "id": "p", "birthDate": "1980-05-01"}
    (tmp_path / "patient.json").write_text(json.dumps(other))
    named = run_blinacheck("lint", str(tmp_path / "patient.json"))
    assert named.returncode == 1
    assert "has no blinatumomab order" in named.stdout
    # Found in a folder it is skipped; a folder holding no plan lints none, which is no
    # success: exit 2, "no plan was linted" (docs/fhir.md).
    found = run_blinacheck("lint", "-v", str(tmp_path))
    assert found.returncode == 2, found.stdout + found.stderr
    assert "patient.json" in found.stdout + found.stderr
    assert "no plan was linted: 1 file(s) were skipped as not being plans" in found.stderr


def test_hostile_json_is_located_not_a_traceback(builtin_rules: RuleSet) -> None:
    deep = '{"resourceType": "Bundle", "entry": ' + "[" * 100 + "]" * 100 + "}"
    (finding,) = lint.lint_bytes(deep.encode(), "deep.json", builtin_rules).findings
    assert finding.rule == "invalid-plan"
    duplicate = '{"resourceType": "Patient",\n "resourceType": "Bundle"}'
    (finding,) = lint.lint_bytes(duplicate.encode(), "dup.json", builtin_rules).findings
    assert finding.rule == "invalid-plan"


# --- the documented examples (docs/fhir.md) run ------------------------------------------------

DOC = (REPO / "docs" / "fhir.md").read_text()


def test_documented_commands_run(tmp_path: Path) -> None:
    import shutil

    (tmp_path / "examples").mkdir()
    shutil.copy(REPO / "examples" / "child-it-day-1.yaml", tmp_path / "examples")
    (tmp_path / "tests" / "fhir").mkdir(parents=True)
    shutil.copy(FIXTURES / "adult-rr-r4.json", tmp_path / "tests" / "fhir")
    commands = [
        ("blinacheck lint tests/fhir/adult-rr-r4.json", 0),
        ("blinacheck convert examples/child-it-day-1.yaml --to fhir-r4 -o child.json", 0),
        ("blinacheck convert child.json --to yaml", 0),
    ]
    outputs = []
    for command, code in commands:
        assert command in DOC
        result = run_blinacheck(*command.split()[1:], cwd=tmp_path)
        assert result.returncode == code, result.stdout + result.stderr
        outputs.append(result.stdout)
    assert "0 errors, 0 warnings, 0 info in 1 file" in outputs[0]
    assert json.loads((tmp_path / "child.json").read_text())["resourceType"] == "Bundle"
    assert "start: 2026-03-09" in outputs[2] and "dose: 5 mcg/m2/day" in outputs[2]


def test_documented_everything_pipe_reads_a_bundle_on_stdin() -> None:
    pipe = "| blinacheck lint --stdin-filename patient-123.json -"
    assert pipe in DOC and "Patient/123/\\$everything" in DOC
    bundle = (FIXTURES / "child-it-day-1-r5.json").read_text()
    result = run_blinacheck("lint", "--stdin-filename", "patient-123.json", "-", input=bundle)
    assert result.returncode == 1
    assert "patient-123.json:283:19: error[it-on-infusion-day-1]" in result.stdout


def test_json_and_sarif_carry_the_fhir_element() -> None:
    path = str(FIXTURES / "child-it-day-1-r5.json")
    as_json = json.loads(run_blinacheck("lint", "--format", "json", path).stdout)
    assert [f["element"] for f in as_json["findings"]] == ["Bundle.entry[7].resource"]
    sarif = json.loads(run_blinacheck("lint", "--format", "sarif", path).stdout)
    (result,) = sarif["runs"][0]["results"]
    location = result["locations"][0]
    assert location["logicalLocations"] == [
        {"fullyQualifiedName": "Bundle.entry[7].resource", "kind": "element"}
    ]
    assert location["physicalLocation"]["region"] == {
        "startLine": 283,
        "startColumn": 19,
        "endLine": 332,
        "endColumn": 8,
    }
    assert result["properties"]["element"] == "Bundle.entry[7].resource"


def test_template_plandefinition_r4(builtin_rules: RuleSet) -> None:
    result = _lint_file("template-rr-r4.json", builtin_rules)
    assert _rows(result) == [
        (
            323,
            15,
            "it-on-infusion-day-1",
            "warning",
            2,
            1,
            "Bundle.entry[0].resource.action[1].action[2]",
        ),
    ]
    text = (FIXTURES / "template-rr-r4.json").read_text().splitlines()
    assert '"title": "IT methotrexate 15 mg, day 1"' in text[323]
    plan = _plan(result)
    assert plan.patient is None and plan.indication == "relapsed-refractory"
    assert [c.length_days for c in plan.cycles] == [42, 42]
    assert [(s.days, s.dose.amount) for s in plan.cycles[0].infusion] == [
        ((1, 7), 9),
        ((8, 28), 28),
    ]
    assert [(p.day, p.minutes_before) for p in plan.cycles[0].premedication] == [(1, 60), (8, 60)]
    assert [i.day for i in plan.cycles[0].intrathecal] == [-3, 15]
    assert plan.cycles[0].hospitalization == [(1, 9)]
    assert [b.hours for b in plan.cycles[0].bags] == [48, 24, 48, 24]


def test_without_the_fhir_extra_a_fhir_file_says_to_install_it() -> None:
    import subprocess
    import sys

    probe = (
        "import sys; sys.modules['fhir.resources'] = None\n"
        "from blinacheck.cli import main\n"
        f"main(['lint', {str(FIXTURES / 'adult-rr-r4.json')!r}])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "reading FHIR needs the optional package fhir.resources: pip install" in result.stdout
    assert "Traceback" not in result.stderr


def test_ungrouped_orders_by_contiguous_dates_and_an_administered_it(
    builtin_rules: RuleSet,
) -> None:
    """No RequestGroup or CarePlan: contiguous dates are one cycle, a gap starts the next; an
    intrathecal MedicationAdministration is placed by its date."""
    bundle = json.loads(_ORDER)
    second = json.loads(json.dumps(bundle["entry"][1]))
    second["resource"]["id"] = "blin-2"
    second["resource"]["dosageInstruction"] = second["resource"]["dosageInstruction"][1:]
    period = second["resource"]["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"]
    period.update({"start": "2026-04-13", "end": "2026-05-10"})
    administration = {
        "resourceType": "MedicationAdministration",
        "id": "it",
        "status": "completed",
        "subject": {"reference": "Patient/p"},
        "medicationCodeableConcept": {"text": "methotrexate"},
        "effectiveDateTime": "2026-04-27",
        "dosage": {
            "route": {"coding": [{"system": "http://snomed.info/sct", "code": "72607000"}]},
            "dose": {
                "value": 15,
                "unit": "mg",
                "system": "http://unitsofmeasure.org",
                "code": "mg",
            },
        },
    }
    bundle["entry"] += [second, {"resource": administration}]
    result = lint.lint_bytes(json.dumps(bundle, indent=1).encode(), "b.json", builtin_rules)
    assert not [f for f in result.findings if f.rule == "invalid-plan"], result.findings
    plan = _plan(result)
    assert [(c.cycle, str(c.start)) for c in plan.cycles] == [(1, "2026-03-02"), (2, "2026-04-13")]
    assert [len(c.infusion) for c in plan.cycles] == [2, 1]
    (it,) = plan.cycles[1].intrathecal
    assert (str(it.date), it.drugs, it.dose and it.dose.amount) == (
        "2026-04-27",
        ["methotrexate"],
        15,
    )
    assert plan.patient is not None and plan.patient.age_years == 45  # born 1980-05-01


def test_what_the_fhir_does_not_say_is_not_judged_not_guessed(builtin_rules: RuleSet) -> None:
    bundle = json.loads(_ORDER)
    condition = {
        "resourceType": "Condition",
        "id": "c",
        "subject": {"reference": "Patient/p"},
        "code": {
            "coding": [
                {"system": "urn:blinacheck:fhir:CodeSystem:indication", "code": "mrd-positive"}
            ]
        },
    }
    immunization = {
        "resourceType": "Immunization",
        "id": "mmr",
        "status": "completed",
        "vaccineCode": {"text": "MMR"},
        "patient": {"reference": "Patient/p"},
        "occurrenceDateTime": "2026-03-20",
    }
    bundle["entry"] += [{"resource": condition}, {"resource": immunization}]
    result = lint.lint_bytes(json.dumps(bundle).encode(), "b.json", builtin_rules)
    notes = [(f.rule, str(f.severity), f.element, f.message) for f in result.findings]
    assert (
        "not-judged",
        "warning",
        "Bundle.entry[3].resource",
        "the Immunization (MMR) does not say whether the vaccine is live (extension "
        "urn:blinacheck:fhir:StructureDefinition:live-vaccine); the live-vaccine rules could "
        "not judge it",
    ) in notes
    assert _plan(result).indication == "mrd-positive"
    assert _plan(result).vaccinations == []


def _as_careplans(name: str, link: str) -> bytes:
    """A fixture with each cycle's RequestGroup / RequestOrchestration turned into a CarePlan
    that links its orders by ``activity.reference`` (R4), ``activity.plannedActivityReference``
    (R5), or by the orders' own ``basedOn``. A CarePlan has no relatedAction: premedication is
    then placed by its date."""
    bundle = json.loads((FIXTURES / name).read_text())
    resources = {
        f"{e['resource']['resourceType']}/{e['resource']['id']}": e["resource"]
        for e in bundle["entry"]
    }
    for entry in bundle["entry"]:
        group = entry["resource"]
        if group["resourceType"] not in ("RequestGroup", "RequestOrchestration"):
            continue
        members = [action["resource"] for action in group.pop("action")]
        group.update({"resourceType": "CarePlan", "status": "active", "intent": "plan"})
        if link == "basedOn":
            for member in members:
                based_on = [{"reference": f"CarePlan/{group['id']}"}]
                resources[member["reference"]]["basedOn"] = based_on
        else:
            group["activity"] = [{link: member} for member in members]
    return json.dumps(bundle, indent=1).encode()


@pytest.mark.parametrize("link", ["reference", "basedOn"])
def test_r4_careplans_group_the_cycles(builtin_rules: RuleSet, link: str) -> None:
    result = lint.lint_bytes(_as_careplans("adult-rr-r4.json", link), "c.json", builtin_rules)
    assert _rows(result) == []
    plan = _plan(result)
    assert [(c.cycle, str(c.start), c.length_days) for c in plan.cycles] == [
        (1, "2026-03-02", 42),
        (2, "2026-04-13", 42),
    ]
    assert [len(c.infusion) for c in plan.cycles] == [2, 1]
    assert [len(c.intrathecal) for c in plan.cycles] == [2, 1]
    assert plan.cycles[0].hospitalization == [(1, 9)]  # the R4 Encounter's period, 03-02..03-10
    assert plan.cycles[1].hospitalization == [(1, 2)]


def test_r5_careplan_with_planned_activity_references(builtin_rules: RuleSet) -> None:
    # The R5 child fixture, grouped by a CarePlan instead: the same IT on Day 1, found there.
    data = _as_careplans("child-it-day-1-r5.json", "plannedActivityReference")
    result = lint.lint_bytes(data, "c.json", builtin_rules)
    assert [(f.rule, str(f.severity), f.cycle, f.day) for f in result.findings] == [
        ("it-on-infusion-day-1", "error", 1, 1)
    ]
    assert result.document is not None and result.document.fhir_version == "R5"


def test_an_r5_element_in_an_r4_careplan_is_named(builtin_rules: RuleSet) -> None:
    data = _as_careplans("adult-rr-r4.json", "plannedActivityReference")
    result = lint.lint_bytes(data, "c.json", builtin_rules)
    assert result.findings[0].rule == "invalid-plan"
    assert result.findings[0].message == (
        "CarePlan.activity[0].plannedActivityReference is not an element of FHIR R4 CarePlan; "
        "check its spelling"
    )


def test_documented_template_conversion_writes_a_plandefinition(tmp_path: Path) -> None:
    import shutil

    (tmp_path / "examples").mkdir()
    shutil.copy(REPO / "examples" / "protocol-template-rr.yaml", tmp_path / "examples")
    convert = "blinacheck convert examples/protocol-template-rr.yaml --to fhir-r4 -o template.json"
    lint_it = "blinacheck lint template.json"
    assert convert in DOC and lint_it in DOC
    assert run_blinacheck(*convert.split()[1:], cwd=tmp_path).returncode == 0
    linted = run_blinacheck(*lint_it.split()[1:], cwd=tmp_path)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert "0 errors, 0 warnings, 0 info in 1 file" in linted.stdout
    bundle = json.loads((tmp_path / "template.json").read_text())
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    # cycle 1: blinatumomab, 2 dexamethasone, 2 IT; cycle 2: blinatumomab, 1 dexamethasone, 1 IT
    assert kinds == ["PlanDefinition"] + ["ActivityDefinition"] * 8
    definition = bundle["entry"][0]["resource"]
    assert (
        definition["title"] == "Protocol template - R/R B-ALL, blinatumomab cycles 1-2 (>= 45 kg)"
    )
    assert definition["type"]["coding"][0]["code"] == "order-set"
    (context,) = definition["useContext"]
    assert context["valueCodeableConcept"]["coding"][0]["code"] == "relapsed-refractory"
    assert [a["title"] for a in definition["action"]] == ["Cycle 1", "Cycle 2"]
    cycle_1 = definition["action"][0]["action"]
    assert [a.get("title") for a in cycle_1][-1] == "Inpatient stay"
    assert cycle_1[-1]["extension"][0]["valueString"] == "1-9"
    urls = {e["resource"].get("url") for e in bundle["entry"][1:]}
    assert {a["definitionCanonical"] for a in cycle_1[:-1]} <= urls


@pytest.mark.parametrize("target", ["fhir-r4", "fhir-r5"])
def test_a_template_comes_back_as_the_same_plan(target: str) -> None:
    from blinacheck.plan import models as plan_module
    from blinacheck.read.source import load_text
    from blinacheck.run.convert import convert_bytes

    raw = (REPO / "examples" / "protocol-template-rr.yaml").read_bytes()
    fhir = convert_bytes(raw, "template.yaml", target)
    assert fhir.text is not None and '"PlanDefinition"' in fhir.text
    back = convert_bytes(fhir.text.encode(), "template.json", "yaml")
    assert back.text is not None
    before, _ = plan_module.validate(load_text(raw.decode()))
    after, _ = plan_module.validate(load_text(back.text))
    assert before is not None and after is not None
    assert after.model_dump() == before.model_dump()
