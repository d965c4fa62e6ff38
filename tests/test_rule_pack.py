"""The built-in rule pack: the catalogue of issue 3, its fixtures, the label plans, the examples.

Fixtures under tests/rules/<rule-id>/ are annotated plans (``# expect: RULE-ID``,
``# expect-not: RULE-ID``, optional ``(severity)``), checked by ``blinacheck.ruletest``, the
oracle ``blinacheck test`` runs.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from blinacheck import ruletest
from blinacheck.engine.ruleset import Rule, RuleSet
from blinacheck.policy.config import toml_value
from blinacheck.results.findings import Severity
from blinacheck.run.lint import lint_file, lint_text

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "rules"
LABEL_PLANS = sorted((FIXTURES / "label").glob("*.yaml"))
RULE_FIXTURES = sorted(p for p in FIXTURES.rglob("*.yaml") if p.parent.name != "label")

CATALOGUE = {
    "it-on-infusion-day-1": "intrathecal",
    "it-prophylaxis-missing": "plan",
    "it-methotrexate-dose-for-age": "intrathecal",
    "dose-basis-mismatch": "infusion_step",
    "dose-above-cap": "infusion_step",
    "dose-not-label-level": "infusion_step",
    "step-up-missing": "cycle",
    "step-up-outside-label": "cycle",
    "high-risk-without-step-up": "cycle",
    "infusion-days-not-28": "cycle",
    "treatment-free-interval-short": "cycle_gap",
    "too-many-cycles": "plan",
    "premedication-missing": "cycle",
    "premedication-dose": "premedication",
    "hospitalization-missing": "cycle",
    "seven-day-bag-under-22-kg": "cycle",
    "preserved-bag-under-5-4-kg": "cycle",
    "age-under-1-month": "plan",
    "neurotoxicity-restart-too-soon": "adverse_event",
    "length-days-contradicts-start": "cycle_gap",
    "bag-duration-unusual": "cycle",
    "interruption-over-7-days": "interruption",
    "pause-over-7-days": "cycle",
    "bag-spans-dose-change": "cycle",
    "never-intrathecal-drug": "drug_name",
    "vaccine-name-unknown": "vaccination",
    "vaccine-live-contradicts-name": "vaccination",
    "restart-dose-after-toxicity": "adverse_event",
    "discontinuation-required": "adverse_event",
    "neurotoxicity-risk-factors": "plan",
    "live-vaccine-window": "vaccination",
    "weight-bsa-inconsistent": "plan",
    "weight-measurement-stale": "plan",
    "ambiguous-unit": "infusion_step",
    "intrathecal-misplaced": "intrathecal",
    "premedication-misplaced": "premedication",
    "interruption-misplaced": "interruption",
    "adverse-event-misplaced": "adverse_event",
}
NOT_OVERRIDABLE = {"dose-above-cap", "discontinuation-required", "never-intrathecal-drug"}

# --- fixture annotations: read and checked by the one oracle, blinacheck.ruletest -------------


def annotations(path: Path) -> list[ruletest.Annotation]:
    notes, problems = ruletest.parse_annotations(path.read_text(encoding="utf-8"))
    assert problems == [], [p.message for p in problems]
    return notes


def _fixture_id(path: Path) -> str:
    return str(path.relative_to(FIXTURES))


# --- the fixtures --------------------------------------------------------------------------


@pytest.mark.parametrize("path", RULE_FIXTURES + LABEL_PLANS, ids=_fixture_id)
def test_fixture(path: Path, builtin_rules: RuleSet) -> None:
    """What ``blinacheck test`` checks (tests/test_ruletest.py tests the checker itself)."""
    result = ruletest.check_fixture(str(path), builtin_rules)
    assert [f"{p.line}: {p.message}" for p in result.failures] == []


def _named(kind: str) -> dict[str, set[str]]:
    """Rule id -> fixture files with an annotation of this kind naming it."""
    named: dict[str, set[str]] = defaultdict(set)
    for path in RULE_FIXTURES:
        for note in annotations(path):
            if note.kind == kind:
                named[note.rule].add(path.name)
    return named


def test_every_rule_has_firing_and_clean_fixtures() -> None:
    firing, clean = _named("expect"), _named("expect-not")
    for rule in CATALOGUE:
        assert (FIXTURES / rule).is_dir(), f"no fixture folder for {rule}"
        assert firing.get(rule), f"no fixture makes {rule} fire"
        assert clean.get(rule), f"no fixture keeps {rule} clean"


def test_every_severity_a_rule_can_take_is_pinned(builtin_rules: RuleSet) -> None:
    pinned: dict[str, set[str]] = defaultdict(set)
    for path in RULE_FIXTURES:
        for note in annotations(path):
            if note.kind == ruletest.EXPECT and note.severity:
                pinned[note.rule].add(str(note.severity))
    for rule in builtin_rules.rules:
        if rule.id not in CATALOGUE:
            continue
        possible = {str(rule.severity)} | {str(case.severity) for case in rule.severity_cases}
        assert possible <= pinned[rule.id], f"{rule.id}: severities {possible - pinned[rule.id]}"


# --- the catalogue -------------------------------------------------------------------------


def _catalogue_rules(ruleset: RuleSet) -> list[Rule]:
    return [rule for rule in ruleset.rules if rule.id in CATALOGUE]


def test_catalogue_is_complete(builtin_rules: RuleSet) -> None:
    rules = {rule.id: rule for rule in builtin_rules.rules}
    assert set(CATALOGUE) <= set(rules)
    assert {rid: rules[rid].for_each for rid in CATALOGUE} == CATALOGUE
    assert {r.id for r in _catalogue_rules(builtin_rules) if not r.overridable} == NOT_OVERRIDABLE


def test_rules_say_what_to_do_and_cite_evidence(builtin_rules: RuleSet) -> None:
    for rule in _catalogue_rules(builtin_rules):
        assert "What to do" in rule.description, rule.id
        assert rule.evidence and all(e.note or e.url for e in rule.evidence), rule.id


# The fact base's source keys, vendored (tests never read outside the repository).
_KEY_LIST = (REPO / "tests" / "clinical_source_keys.txt").read_text(encoding="utf-8")
SOURCE_KEYS = {line.split("]", 1)[0] + "]" for line in _KEY_LIST.splitlines() if line[:1] == "["}
_LEADING_KEYS = re.compile(r"^((?:\[[A-Z]\d+\])+) \S")


def test_every_evidence_names_its_source_key(builtin_rules: RuleSet) -> None:
    """Each evidence entry of every built-in rule starts with its sources.md key ('[L1] ...',
    '[L1][L2] ...'), every key one the fact base has, or is a reference to blinacheck's own
    vocabulary or format ('blinacheck ...')."""
    assert len(SOURCE_KEYS) > 30
    for rule in builtin_rules.rules:
        for evidence in rule.evidence:
            if evidence.source.startswith("blinacheck "):
                continue
            match = _LEADING_KEYS.match(evidence.source)
            assert match, f"{rule.id}: evidence {evidence.source!r} names no source key"
            keys = set(re.findall(r"\[[A-Z]\d+\]", match.group(1)))
            assert keys <= SOURCE_KEYS, f"{rule.id}: unknown source keys {keys - SOURCE_KEYS}"


def test_unconfirmed_evidence_alone_never_makes_an_error(builtin_rules: RuleSet) -> None:
    for rule in _catalogue_rules(builtin_rules):
        if all(e.unconfirmed for e in rule.evidence):
            severities = {rule.severity} | {case.severity for case in rule.severity_cases}
            assert Severity.ERROR not in severities, rule.id


# Structural numbers only (cycle 1, cycle 2, a list's first item, 1.0 + tolerance); every
# clinical threshold must be a param an institution can change.
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])")
_STRUCTURAL = {"0", "1", "2", "1.0"}


def test_thresholds_are_params(builtin_rules: RuleSet) -> None:
    for rule in _catalogue_rules(builtin_rules):
        texts = [rule.when_text]
        literals = set(_NUMBER.findall(" ".join(texts))) - _STRUCTURAL
        assert not literals, f"{rule.id}: numbers {literals} in 'when'; make them params"


def test_every_rule_example_triggers_its_rule(builtin_rules: RuleSet) -> None:
    for rule in _catalogue_rules(builtin_rules):
        assert rule.example, rule.id
        result = lint_text(rule.example, builtin_rules, f"<example of {rule.id}>")
        assert rule.id in {f.rule for f in result.findings}, rule.id


# --- plans written to the label, and the examples ------------------------------------------


@pytest.mark.parametrize("path", LABEL_PLANS, ids=_fixture_id)
def test_label_plans_have_no_error_or_warning(path: Path, builtin_rules: RuleSet) -> None:
    findings = lint_file(str(path), builtin_rules).findings
    loud = [(f.rule, f.line, f.message) for f in findings if f.severity >= Severity.WARNING]
    assert loud == []


def _band(age: float) -> str:
    if age < 1:
        return "infant"
    return "child" if age < 18 else "older adult" if age >= 65 else "adult"


def test_label_plans_cover_each_indication(builtin_rules: RuleSet) -> None:
    """A label plan for every indication and age band (tests/test_conformant.py lists what
    each gives): infants and children under 45 kg dosed per m2, adults, and patients of 65
    or more in the indications whose label schedules differ for them in risk (R/R,
    MRD-positive)."""
    covered = set()
    for path in LABEL_PLANS:
        tl = lint_file(str(path), builtin_rules).timeline
        assert tl is not None
        age, weight = tl.patient["age_years"], tl.patient["weight_kg"]
        if age < 18:
            assert weight < 45 and all(s["per_m2"] for c in tl.cycles for s in c["steps"])
        covered.add((tl.plan["indication"], _band(age)))
    assert covered == {
        ("relapsed-refractory", "infant"),
        ("relapsed-refractory", "child"),
        ("relapsed-refractory", "adult"),
        ("relapsed-refractory", "older adult"),
        ("mrd-positive", "child"),
        ("mrd-positive", "adult"),
        ("mrd-positive", "older adult"),
        ("consolidation", "child"),
        ("consolidation", "adult"),
    }


# What examples/README.md promises, as (rule, severity, line).
EXAMPLES = {
    "adult-rr-cycles-1-2.yaml": set(),
    "child-it-day-1.yaml": {("it-on-infusion-day-1", "error", 43)},
    "protocol-template-rr.yaml": set(),
    "ped-35-day-block.yaml": set(),
    "mrd-positive-adult-cycles-1-4.yaml": set(),
    "rr-high-risk-adult.yaml": {
        ("neurotoxicity-risk-factors", "info", 24),
        ("step-up-missing", "error", 38),
        ("high-risk-without-step-up", "warning", 38),
        ("it-on-infusion-day-1", "warning", 47),
    },
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples_produce_what_their_readme_says(name: str, builtin_rules: RuleSet) -> None:
    findings = lint_file(str(REPO / "examples" / name), builtin_rules).findings
    assert {(f.rule, str(f.severity), f.line) for f in findings} == EXAMPLES[name]


# --- parameters an institution sets -------------------------------------------------------

_VINCRISTINE_IT = """\
blinacheck: 1
indication: relapsed-refractory
patient: {age_years: 40, weight_kg: 80}
cycles:
  - cycle: 1
    infusion:
      - {days: 1-7, dose: 9 mcg/day}
      - {days: 8-28, dose: 28 mcg/day}
    intrathecal:
      - {day: 15, drugs: [Vincristine], dose: 2 mg}
"""


def test_never_intrathecal_local_names_add_an_institutions_drugs(tmp_path: Path) -> None:
    """The vocabulary lists only the fact base's never-IT drug (mitoxantrone); an institution
    adds its own list with the parameter, compared in lower case with the name as written."""
    from blinacheck import api

    def rules(settings: api.Settings) -> list[tuple[str, str]]:
        found = api.lint_text(_VINCRISTINE_IT, settings, path="plan.yaml").findings
        return sorted((f.rule, str(f.severity)) for f in found if f.rule.endswith("-drug"))

    assert rules(api.load_settings(isolated=True)) == []
    config = tmp_path / "blinacheck.toml"
    config.write_text('[params.never-intrathecal-drug]\nlocal_names = ["vincristine"]\n')
    assert rules(api.load_settings(str(config))) == [("never-intrathecal-drug", "error")]


def test_vaccine_vocabulary_reads_spellings() -> None:
    from blinacheck.plan import vaccines

    assert vaccines.resolve("MMR").name == "measles-mumps-rubella"
    assert vaccines.resolve(" M M R ".replace(" ", "")).live is True
    assert vaccines.resolve("Influenza (inactivated)").live is False
    assert vaccines.resolve("LAIV").live is True
    assert vaccines.resolve("influenza").kind == vaccines.AMBIGUOUS_KIND
    unknown = vaccines.resolve("Varicela")
    assert (unknown.kind, unknown.live, unknown.suggestion) == ("unknown", None, "varicella")
    # every alias and ambiguous reading names a vaccine of the table
    assert set(vaccines.ALIASES.values()) <= set(vaccines.VACCINES)
    assert {v for names in vaccines.AMBIGUOUS.values() for v in names} <= set(vaccines.VACCINES)


def test_every_parameter_is_documented(builtin_rules: RuleSet) -> None:
    """docs/configuration.md lists every parameter of every built-in rule with its default, in
    the rule's row of its parameter table (a new or changed parameter fails until documented)."""
    text = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r"^\| `([a-z0-9-]+)` \| (.*) \|$", text, flags=re.MULTILINE)
    }
    for rule in builtin_rules.rules:
        if not rule.params:
            assert rule.id not in rows, f"{rule.id} has no parameters"
            continue
        assert rule.id in rows, f"docs/configuration.md does not list {rule.id}'s parameters"
        for name, value in rule.params.items():
            assert f"`{name} = {toml_value(value)}`" in rows[rule.id], f"{rule.id}: {name}"
