"""Shared helpers: lint plan text with the built-in rules and look at the findings simply."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from blinacheck.engine.ruleset import RuleSet, load
from blinacheck.findings import Finding
from blinacheck.lint import FileResult, lint_text

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


@pytest.fixture(scope="session")
def builtin_rules() -> RuleSet:
    return load()


def plan_text(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def lint(text: str, ruleset: RuleSet, path: str = "plan.yaml") -> FileResult:
    return lint_text(plan_text(text), ruleset, path)


def where(findings: list[Finding], rule: str | None = None) -> list[tuple[str, int]]:
    """(rule, line) of each finding, optionally of one rule only."""
    return [(f.rule, f.line) for f in findings if rule is None or f.rule == rule]
