"""Every entry point runs the one pipeline (blinacheck.run.pipeline): lint, calendar, the HTML
report and the Python API give the same findings, overrides and exit code (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import blinacheck

from .conftest import EXAMPLES, run_blinacheck

IT_LINE = "      - {day: 1, drugs: [methotrexate], dose: 12 mg}\n"
REASON = "Day 1 agreed with the treating haematologist for this patient (ticket PHA-1234)"


@pytest.fixture
def overridden(tmp_path: Path) -> Path:
    """examples/child-it-day-1.yaml with its one error overridden inline, with a reason."""
    text = (EXAMPLES / "child-it-day-1.yaml").read_text(encoding="utf-8")
    assert text.count(IT_LINE) == 1
    plan = tmp_path / "child.yaml"
    directive = f"      # blinacheck: ignore[it-on-infusion-day-1] -- {REASON}\n"
    plan.write_text(text.replace(IT_LINE, directive + IT_LINE), encoding="utf-8")
    return plan


def test_an_inline_override_counts_the_same_everywhere(overridden: Path) -> None:
    lint = run_blinacheck("lint", "--isolated", "--format", "json", str(overridden))
    assert lint.returncode == 0, lint.stdout + lint.stderr
    shown = json.loads(lint.stdout)["findings"]
    assert [(f["rule"], f["line"], f["suppressed"]) for f in shown] == [
        ("it-on-infusion-day-1", 44, {"kind": "inline", "reason": REASON})
    ]

    # The calendar: the day is not marked as an error, the finding is listed as overridden.
    calendar = run_blinacheck("calendar", str(overridden), env={"NO_COLOR": "1"})
    assert calendar.returncode == 0, calendar.stdout + calendar.stderr
    assert "!E" not in calendar.stdout.replace("!E     worst finding", "")
    assert "~E" in calendar.stdout

    # The HTML report: the finding's row is greyed as overridden, and the exit code is lint's.
    html = run_blinacheck("lint", "--isolated", "--format", "html", str(overridden))
    assert html.returncode == 0
    assert '<tr class="finding sev-error suppressed"' in html.stdout
    assert f"overridden (inline): {REASON}" in html.stdout

    # The API: the same finding, the same suppression, the same JSON.
    result = blinacheck.lint_file(str(overridden))
    assert [(f.rule, f.line, f.suppressed) for f in result.findings] == [
        ("it-on-infusion-day-1", 44, blinacheck.Suppression("inline", REASON))
    ]
    assert json.loads(blinacheck.render(result, "json"))["findings"] == shown
    text_result = blinacheck.lint_text(overridden.read_text(), path=str(overridden))
    assert json.loads(blinacheck.render(text_result, "json"))["findings"] == shown


def test_without_the_override_every_entry_point_fails(tmp_path: Path) -> None:
    plan = EXAMPLES / "child-it-day-1.yaml"
    assert run_blinacheck("lint", "--isolated", str(plan)).returncode == 1
    calendar = run_blinacheck("calendar", str(plan), cwd=tmp_path, env={"NO_COLOR": "1"})
    assert calendar.returncode == 1 and "!E" in calendar.stdout
    result = blinacheck.lint_file(str(plan))
    assert [(f.rule, f.suppressed) for f in result.findings] == [("it-on-infusion-day-1", None)]


def test_the_configuration_applies_to_calendar_and_api(tmp_path: Path) -> None:
    """A project that grades the rule as a warning and fails only on errors: lint, calendar
    and the API's load_settings read the same blinacheck.toml from the current directory."""
    (tmp_path / "blinacheck.toml").write_text(
        'fail-on = "error"\n\n[severity]\n"it-on-infusion-day-1" = "warning"\n',
        encoding="utf-8",
    )
    plan = str(EXAMPLES / "child-it-day-1.yaml")
    lint = run_blinacheck("lint", "--format", "json", plan, cwd=tmp_path)
    assert lint.returncode == 0, lint.stderr
    assert [(f["rule"], f["severity"]) for f in json.loads(lint.stdout)["findings"]] == [
        ("it-on-infusion-day-1", "warning")
    ]
    calendar = run_blinacheck("calendar", plan, cwd=tmp_path, env={"NO_COLOR": "1"})
    assert calendar.returncode == 0, calendar.stdout + calendar.stderr
    assert "!W" in calendar.stdout and "!E it-on" not in calendar.stdout

    settings = blinacheck.load_settings(cwd=str(tmp_path))
    assert settings.fail_on == "error"
    report = blinacheck.lint_paths([plan], settings)
    assert [(f.rule, str(f.severity)) for f in report.findings] == [
        ("it-on-infusion-day-1", "warning")
    ]
    assert not report.fails(settings.fail_on) and report.fails("warning")
    assert json.loads(blinacheck.render(report, "json")) == json.loads(lint.stdout)


def test_the_api_reads_no_configuration_file_unless_asked(tmp_path: Path) -> None:
    (tmp_path / "blinacheck.toml").write_text('ignore = ["it-on-infusion-day-1"]\n')
    plan = str(EXAMPLES / "child-it-day-1.yaml")
    assert [f.rule for f in blinacheck.lint_file(plan).findings] == ["it-on-infusion-day-1"]
    asked = blinacheck.lint_file(plan, blinacheck.load_settings(cwd=str(tmp_path)))
    assert asked.findings == []
