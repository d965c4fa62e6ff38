"""Ctrl-C stops a run, also while CEL evaluates: exit 130, never a bogus rule-error.

cel-expr-python turns a KeyboardInterrupt raised in Python code that CEL calls into an error
value ("ABORTED"), which was reported as `rule-error ... ABORTED` while the run went on.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from blinacheck.engine import celenv
from blinacheck.engine.ruleset import load
from blinacheck.run.lint import lint_text

from .conftest import REPO

PLAN = (REPO / "tests" / "hostile" / "normal.yaml").read_text(encoding="utf-8")
SLOW_RULE = """\
  - id: slow-{number}
    title: A slow rule
    severity: warning
    for_each: intrathecal
    message: slow
    evidence: [{{source: a test}}]
    when: >-
      cycle.days.all(a, cycle.days.all(b, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].all(c,
      a.day + b.day + c > 0)))
"""


class _Interrupting(dict[int, int]):
    """An index table whose lookup raises KeyboardInterrupt, as a Ctrl-C handled in there would."""

    def __getitem__(self, key: int) -> int:
        raise KeyboardInterrupt


@pytest.fixture
def interrupting_lookups(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The runtime environment binds the lookups when it is built: build it anew around them.
    celenv.runtime_environment.cache_clear()
    monkeypatch.setattr(celenv, "_CYCLE_INDEX", _Interrupting())
    monkeypatch.setattr(celenv, "_SUBJECT_INDEX", _Interrupting())
    try:
        yield
    finally:
        monkeypatch.undo()
        celenv.runtime_environment.cache_clear()


def test_keyboard_interrupt_inside_cel_stops_the_lint(
    interrupting_lookups: None, tmp_path: Path
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "slow.yaml").write_text("rules:\n" + SLOW_RULE.format(number=1))
    ruleset = load([str(rules)], builtin=False)  # compiled afresh, in the new environment
    with pytest.raises(KeyboardInterrupt):
        lint_text(PLAN, ruleset, path="plan.yaml")


def test_the_aborted_error_value_is_a_keyboard_interrupt() -> None:
    with pytest.raises(KeyboardInterrupt):
        celenv.raise_error("ABORTED: ")
    with pytest.raises(celenv.CelEvalError, match="Index error"):
        celenv.raise_error("UNKNOWN: Index error: index=1 size=1")


def test_ctrl_c_during_evaluation_exits_130(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "slow.yaml").write_text(
        "rules:\n" + "".join(SLOW_RULE.format(number=n) for n in range(40))
    )
    plans = tmp_path / "plans"
    plans.mkdir()
    for number in range(40):  # about half a minute of evaluation, never waited for
        (plans / f"plan-{number}.yaml").write_text(PLAN)
    command = [sys.executable, "-m", "blinacheck", "lint", "--no-builtin-rules"]
    process = subprocess.Popen(
        [*command, "--rules", str(rules), str(plans)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(3)  # start-up is well under a second; the rules are evaluating by now
    assert process.poll() is None, "the run ended before the signal"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert err == "\nblinacheck: interrupted\n" or err == "blinacheck: interrupted\n"
    assert "ABORTED" not in out and "rule-error" not in out
    assert "Traceback" not in err


def test_the_exit_code_is_documented() -> None:
    text = (REPO / "docs" / "output.md").read_text(encoding="utf-8")
    assert "| 130 | interrupted by Ctrl-C (SIGINT)" in text
