"""`--format github`: GitHub Actions workflow commands that become pull-request annotations."""

from __future__ import annotations

import json
import re
import shlex
import subprocess

import yaml

from blinacheck.api import Evidence, FileResult, Finding, LintReport, Severity, Suppression, render
from blinacheck.report.github import escape_data, escape_property

from .conftest import REPO, run_blinacheck

HOUSE_RULES = "tests/formats_fixtures/rules"
HOUSE_PLAN = "tests/formats_fixtures/house-style.yaml"
EVIDENCE = "blinacheck test fixture (house style, not clinical guidance)"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_blinacheck(*args)


def test_escaping_follows_the_actions_toolkit() -> None:
    assert escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert escape_property("plans/a,b:c%.yaml\n") == "plans/a%2Cb%3Ac%25.yaml%0A"


def test_one_command_per_finding_by_severity() -> None:
    result = run_cli(
        "lint", "--no-builtin-rules", "--rules", HOUSE_RULES, "--format", "github", HOUSE_PLAN
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        f"::notice file={HOUSE_PLAN},line=3,col=1,"
        "title=blinacheck house-title-missing%3A Plan without a title"
        f"::the plan has no title%0AEvidence: {EVIDENCE}",
        f"::warning file={HOUSE_PLAN},line=6,col=5,"
        "title=blinacheck house-cycle-length-missing%3A Cycle without its length"
        f"::cycle 1: give length_days%0AEvidence: {EVIDENCE} (https://example.org/house-style)",
        f"::error file={HOUSE_PLAN},line=12,col=9,"
        "title=blinacheck house-it-dose-missing%3A IT entry without a dose"
        f"::IT methotrexate on day 15 has no dose%0AEvidence: {EVIDENCE}",
        "blinacheck: 1 error, 1 warning, 1 info in 1 file",
    ]


def _finding(
    path: str, message: str, severity: Severity, suppressed: Suppression | None = None
) -> Finding:
    return Finding(
        rule="test-rule",
        severity=severity,
        message=message,
        path=path,
        line=7,
        column=3,
        evidence=(Evidence("Label, section 2", url="https://example.org/a?b=1,2"),),
        suppressed=suppressed,
        title="Title: with, delimiters",
    )


def test_special_characters_are_escaped_in_properties_and_message() -> None:
    finding = _finding("plans/a,b:c.yaml", "50% of the dose\nsecond line", Severity.ERROR)
    report = LintReport(results=[FileResult(finding.path, [finding])])
    first = render(report, "github").splitlines()[0]
    assert first == (
        "::error file=plans/a%2Cb%3Ac.yaml,line=7,col=3,"
        "title=blinacheck test-rule%3A Title%3A with%2C delimiters"
        "::50%25 of the dose%0Asecond line%0AEvidence: Label, section 2 "
        "(https://example.org/a?b=1,2)"
    )


def test_suppressed_findings_are_not_annotated_but_counted() -> None:
    signed_off = _finding(
        "p.yaml", "signed off", Severity.ERROR, Suppression("inline", "agreed with the team")
    )
    open_one = _finding("p.yaml", "still open", Severity.WARNING)
    report = LintReport(results=[FileResult("p.yaml", [signed_off, open_one])])
    lines = render(report, "github").splitlines()
    assert [line.split(" ", 1)[0] for line in lines[:-1]] == ["::warning"]
    assert "signed off" not in "\n".join(lines)
    assert (
        lines[-1] == "blinacheck: 0 errors, 1 warning, 0 info in 1 file (1 suppressed, not counted)"
    )


# --- docs/ci.md shows real output ---------------------------------------------------------------

CI_PAGE = REPO / "docs" / "ci.md"


def _blocks(language: str) -> list[str]:
    text = CI_PAGE.read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, re.DOTALL)


def test_ci_page_console_examples_are_real_output() -> None:
    sessions = [b for b in _blocks("console") if "--format github" in b]
    assert sessions, "docs/ci.md shows a --format github session"
    for session in sessions:
        command, _, shown = session.partition("\n")
        args = shlex.split(command.removeprefix("$ "))
        assert args[0] == "blinacheck"
        assert run_cli(*args[1:]).stdout == shown


def test_ci_page_sarif_result_is_real_output() -> None:
    shown = json.loads(_blocks("json")[0])
    sarif = json.loads(run_cli("lint", "--format", "sarif", "examples/child-it-day-1.yaml").stdout)
    actual = sarif["runs"][0]["results"][0]
    # ruleIndex depends on how many rules are loaded; it is checked in test_sarif.py.
    assert {**shown, "ruleIndex": None} == {**actual, "ruleIndex": None}


def test_ci_page_workflow_uploads_what_it_writes() -> None:
    workflow = yaml.safe_load(_blocks("yaml")[0])
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["plans"]["steps"]
    sarif_step = next(s for s in steps if "--format sarif" in s.get("run", ""))
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    written = shlex.split(sarif_step["run"])
    assert written[written.index("-o") + 1] == upload["with"]["sarif_file"]
    assert upload["if"] == "always()"
    assert any("--format github" in s.get("run", "") for s in steps)


def test_cli_overridden_findings_are_not_annotated() -> None:
    result = run_cli(
        "lint",
        "--no-builtin-rules",
        "--rules",
        HOUSE_RULES,
        "--format",
        "github",
        "tests/formats_fixtures/overridden.yaml",
    )
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert [line.split(" ", 2)[:2] for line in lines[:-1]] == [
        ["::warning", "file=tests/formats_fixtures/overridden.yaml,line=8,col=5,title=blinacheck"]
    ]
    assert lines[-1] == (
        "blinacheck: 0 errors, 1 warning, 0 info in 1 file (2 suppressed, not counted)"
    )
