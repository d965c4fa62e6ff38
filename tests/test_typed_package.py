"""Integrators type-check their code against blinacheck: the wheel ships a ``py.typed`` marker
(PEP 561), so ``mypy --strict`` reads the API's types instead of refusing the import."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from .conftest import REPO

# An integrator's program, written from docs/api.md.
INTEGRATOR = """\
from blinacheck import Finding, Severity, lint_text, render

result = lint_text("blinacheck: 1\\n", path="plan.yaml")
blocking: list[Finding] = [
    f for f in result.findings if f.severity >= Severity.ERROR and f.suppressed is None
]
line: int = blocking[0].line if blocking else 0
text: str = render(result, "json")
reveal_type(result.findings)
"""


def test_wheel_ships_py_typed_and_mypy_strict_reads_the_api(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = tmp_path.glob("blinacheck-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        assert "blinacheck/py.typed" in archive.namelist()
        # The built-in rules travel as package data (rules/ has no __init__.py to map it).
        packaged = [n for n in archive.namelist() if n.startswith("blinacheck/builtin_rules/")]
        assert "blinacheck/builtin_rules/intrathecal.yaml" in packaged, packaged
        archive.extractall(site)
    # The unpacked wheel, not the checkout, finds and compiles its rules.
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "import blinacheck; print(blinacheck.__file__); "
            "print(len(blinacheck.builtin_ruleset().rules) > 20)",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout == f"{site / 'blinacheck' / '__init__.py'}\nTrue\n"
    program = tmp_path / "integrator.py"
    program.write_text(INTEGRATOR, encoding="utf-8")
    # Run from outside the checkout, so that mypy sees the unpacked wheel and not the sources.
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(program)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # The wording of the pinned mypy (test extra): the API's own type, not Any.
    assert 'Revealed type is "list[blinacheck.results.findings.Finding]"' in checked.stdout, (
        checked.stdout
    )
