"""Plans written to the label, for every indication and age band, give no error and no warning.

The plans are tests/rules/label/*.yaml (also run as annotated fixtures by test_rule_pack.py);
each is written exactly per the clinical fact base: doses and step-up, premedication (the US
schemes, and the EU paediatric scheme), hospital days, IT chemotherapy never on Day 1, and the
treatment-free intervals. "No silent pass" cuts both ways (issue 10): a correct plan must not be
made to look wrong either. Every finding they give is listed here exactly, so a new info shows
up as a change to review, never unnoticed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from blinacheck.engine.ruleset import RuleSet
from blinacheck.run.lint import lint_file

LABEL = Path(__file__).resolve().parent / "rules" / "label"

# plan -> every finding it gives, as (rule, severity, line); only infos are allowed.
EXPECTED: dict[str, list[tuple[str, str, int]]] = {
    "rr-adult-cycles-1-9.yaml": [],
    "rr-older-adult-72-cycles-1-2.yaml": [("neurotoxicity-risk-factors", "info", 12)],
    "rr-child-cycles-1-2.yaml": [],
    "rr-child-eu-premedication-cycles-1-2.yaml": [],
    "rr-infant-cycles-1-2.yaml": [],
    "mrd-positive-adult-cycles-1-4.yaml": [],
    "mrd-positive-older-adult-68-cycles-1-2.yaml": [
        ("neurotoxicity-risk-factors", "info", 12),
        ("high-risk-without-step-up", "info", 21),
    ],
    "mrd-positive-child-cycles-1-4.yaml": [],
    "consolidation-adult-4-cycles.yaml": [],
    "consolidation-child-cycles-1-2.yaml": [],
}


def test_every_label_plan_is_listed() -> None:
    assert sorted(p.name for p in LABEL.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_label_plan_gives_exactly_its_infos(name: str, builtin_rules: RuleSet) -> None:
    result = lint_file(str(LABEL / name), builtin_rules)
    assert result.timeline is not None, "the plan must be valid"
    found = sorted((f.rule, str(f.severity), f.line) for f in result.findings)
    assert found == sorted(EXPECTED[name])
    assert all(severity == "info" for _, severity, _ in EXPECTED[name])
