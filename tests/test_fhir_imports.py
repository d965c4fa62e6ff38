"""A plain YAML lint does not load the FHIR code or fhir.resources (issue 12): start-up of the
pre-commit hook does not grow; a FHIR file loads them."""

from __future__ import annotations

from .conftest import EXAMPLES
from .loaded_modules import loaded_by

# fhir.resources and fhir_core, and blinacheck's FHIR reading and writing
_FHIR = (
    "fhir",
    "blinacheck.read.fhir.",
    "blinacheck.run.fhir",
    "blinacheck.read.jsonpos",
    "blinacheck.plan.to_fhir",
    "blinacheck.plan.to_plandefinition",
)


def _loaded(*args: str) -> list[str]:
    return loaded_by(*args, prefixes=_FHIR)


def test_yaml_lint_imports_no_fhir_code() -> None:
    assert _loaded("lint", str(EXAMPLES / "adult-rr-cycles-1-2.yaml")) == []


def test_json_plan_lint_imports_no_fhir_code(tmp_path: object) -> None:
    from pathlib import Path

    plan = Path(str(tmp_path)) / "plan.json"
    plan.write_text('{"blinacheck": 1, "indication": "mrd-positive", "cycles": []}')
    assert _loaded("lint", str(plan)) == []


def test_fhir_lint_imports_the_fhir_code(tmp_path: object) -> None:
    from pathlib import Path

    from blinacheck.run.convert import convert_bytes

    converted = convert_bytes((EXAMPLES / "child-it-day-1.yaml").read_bytes(), "x", "fhir-r4")
    assert converted.text is not None
    bundle = Path(str(tmp_path)) / "bundle.json"
    bundle.write_text(converted.text)
    loaded = _loaded("lint", str(bundle))
    assert "fhir.resources" in loaded
    assert "blinacheck.read.fhir.mapping" in loaded
