"""Convert a plan between its YAML form and FHIR R4/R5 (``blinacheck convert``, docs/fhir.md).

A plan converts only when it is valid: otherwise the result is the invalid-plan findings that
linting it gives, and no output.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..engine.ruleset import RuleSet
from ..plan import models as plan_module
from ..plan.to_fhir import plan_to_bundle
from ..plan.to_plandefinition import is_template, template_bundle
from ..read.source import DEFAULT_MAX_BYTES
from ..results.findings import Finding
from . import lint

TARGETS = ("fhir-r4", "fhir-r5", "yaml")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


@dataclass
class Converted:
    text: str | None
    findings: list[Finding] = field(default_factory=list)


def convert_bytes(
    raw: bytes, path: str, to: str, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Converted:
    """``raw`` (a YAML/JSON plan or FHIR) as ``to`` (one of TARGETS)."""
    result = lint.lint_bytes(raw, path, RuleSet([]), max_bytes=max_bytes)
    plan = None
    if result.timeline is not None and result.document is not None:  # a valid plan
        plan, _ = plan_module.validate(result.document)
    if plan is None or result.document is None:
        return Converted(None, result.findings)
    if to == "yaml":
        return Converted(to_yaml(result.document.data))
    version = "R5" if to == "fhir-r5" else "R4"
    bundle = plan_to_bundle(plan, version)
    if is_template(plan):  # no patient, no dates: the order-set form, a PlanDefinition
        bundle = template_bundle(bundle, plan, version)
    return Converted(json.dumps(bundle, indent=2, ensure_ascii=False) + "\n")


def to_yaml(data: Any) -> str:
    """Plan values (text, as read) as a plan file: numbers, dates and booleans written plainly."""
    return "blinacheck: 1\n" + yaml.safe_dump(
        {k: _plain(v) for k, v in data.items() if k != "blinacheck"},
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=None,
        width=100,
    )


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        if value in ("true", "false"):
            return value == "true"
        if _NUMBER.fullmatch(value):
            return float(value) if "." in value else int(value)
        try:
            return dt.date.fromisoformat(value) if len(value) == 10 else value
        except ValueError:
            return value
    return value
