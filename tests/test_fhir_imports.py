"""A plain YAML lint does not load the FHIR code or fhir.resources (issue 12): start-up of the
pre-commit hook does not grow; a FHIR file loads them."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from .conftest import EXAMPLES

_PROBE = textwrap.dedent(
    """
    import json, sys
    from blinacheck.cli import main
    try:
        main([sys.argv[1]] + sys.argv[2:], standalone_mode=False)
    except SystemExit:
        pass
    loaded = sorted(m for m in sys.modules if m.startswith(("fhir", "blinacheck.read.fhir.",
        "blinacheck.run.fhir", "blinacheck.read.jsonpos", "blinacheck.plan.to_fhir")))
    print(json.dumps(loaded), file=sys.stderr)
    """
)


def _loaded(*args: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, timeout=60
    )
    loaded: list[str] = json.loads(result.stderr.strip().splitlines()[-1])
    return loaded


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
