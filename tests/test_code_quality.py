"""The code stays ruff-clean and type-checked (mypy --strict, configured in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys

from .conftest import REPO


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=300
    )


def test_ruff_is_clean() -> None:
    result = run_tool("ruff", "check", "--no-cache", "blinacheck", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr
    formatted = run_tool("ruff", "format", "--check", "--no-cache", "blinacheck", "tests", "bench")
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_mypy_strict_is_clean() -> None:
    result = run_tool("mypy", "blinacheck")
    assert result.returncode == 0, result.stdout + result.stderr
