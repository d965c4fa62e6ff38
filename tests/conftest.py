"""Shared helpers: lint plan text with the built-in rules and look at the findings simply."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from blinacheck.engine.ruleset import RuleSet, load
from blinacheck.results.files import FileResult
from blinacheck.results.findings import Finding
from blinacheck.run.lint import lint_text

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"

# The command line keeps compiled rule sets in the user's cache directory (engine/rule_cache.py):
# the tests, and every command they start, use a folder of their own, never the real home.
TEST_CACHE = tempfile.mkdtemp(prefix="blinacheck-test-cache-")
os.environ["BLINACHECK_CACHE_DIR"] = TEST_CACHE
atexit.register(shutil.rmtree, TEST_CACHE, True)


@pytest.fixture(scope="session")
def builtin_rules() -> RuleSet:
    return load()


def run_blinacheck(
    *args: str,
    cwd: Path | str | None = REPO,
    env: dict[str, str] | None = None,
    input: str | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run the real command in a subprocess, as a user, CI or pre-commit would. ``NO_COLOR`` is
    dropped from the environment unless ``env`` sets it (there is no terminal either way)."""
    full_env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "blinacheck", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        input=input,
        timeout=timeout,
    )


@contextlib.contextmanager
def fail_if_hung(seconds: int, what: str) -> Iterator[None]:
    """Turn a hang into a test failure after ``seconds``; durations themselves are not asserted."""

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError(f"{what} took more than {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def plan_text(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def lint(text: str, ruleset: RuleSet, path: str = "plan.yaml") -> FileResult:
    return lint_text(plan_text(text), ruleset, path)


def where(findings: list[Finding], rule: str | None = None) -> list[tuple[str, int]]:
    """(rule, line) of each finding, optionally of one rule only."""
    return [(f.rule, f.line) for f in findings if rule is None or f.rule == rule]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A skipped test fails the run: every test here owes its check (no skip hides a failure)."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter is not None else 0
    if skipped and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter is not None:
            reporter.write_line(f"{skipped} test(s) skipped: the suite fails on any skip")
