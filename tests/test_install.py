"""The installed command (not the source tree) works and carries the built-in rules."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import EXAMPLES


def installed_command() -> str:
    beside_python = Path(sys.executable).parent / "blinacheck"
    found = str(beside_python) if beside_python.exists() else shutil.which("blinacheck")
    assert found, "the blinacheck console script is not installed in this environment"
    return found


def test_console_script_lints_with_builtin_rules_outside_the_checkout(tmp_path: Path) -> None:
    plan = tmp_path / "child.yaml"
    shutil.copy(EXAMPLES / "child-it-day-1.yaml", plan)
    # Run from a directory unrelated to the repository, so that the installed package (and its
    # packaged rules/) is what runs.
    result = subprocess.run(
        [installed_command(), "lint", "--format", "json", str(plan)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    rules = {f["rule"] for f in json.loads(result.stdout)["findings"]}
    assert "it-on-infusion-day-1" in rules
