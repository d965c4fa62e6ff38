"""`--format concise`: one parseable line per finding, `path:line:col: severity[rule] message`."""

from __future__ import annotations

import re
import shlex

from blinacheck.api import FORMATS, FileResult, Finding, LintReport, Severity, Suppression, render

from .conftest import REPO, run_blinacheck

HOUSE = ("--no-builtin-rules", "--rules", "tests/formats_fixtures/rules")
HOUSE_PLAN = "tests/formats_fixtures/house-style.yaml"
# Vim's and make's "%f:%l:%c: %m", with the severity and rule split out as nvim-lint does.
LINE = re.compile(
    r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning|info)"
    r"\[(?P<rule>[a-z0-9-]+)\] (?P<message>.+)$"
)


def test_registered_as_a_format() -> None:
    assert "concise" in FORMATS


def test_one_line_per_finding_and_nothing_else() -> None:
    result = run_blinacheck(
        "lint", *HOUSE, "--format", "concise", HOUSE_PLAN, "tests/formats_fixtures/broken-plan.yaml"
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        "tests/formats_fixtures/broken-plan.yaml:9:40: error[invalid-plan] unknown key 'dosage' "
        "in 'infusion'; did you mean 'dose'? allowed keys: days, dose",
        f"{HOUSE_PLAN}:3:1: info[house-title-missing] the plan has no title",
        f"{HOUSE_PLAN}:6:5: warning[house-cycle-length-missing] cycle 1: give length_days",
        f"{HOUSE_PLAN}:12:9: error[house-it-dose-missing] IT methotrexate on day 15 has no dose",
    ]
    assert all(LINE.match(line) for line in result.stdout.splitlines())


def test_same_findings_as_json_in_the_same_order() -> None:
    import json

    args = ("lint", "--format", "{}", "--fail-on", "never", "examples/")
    concise = run_blinacheck(*[a.format("concise") for a in args]).stdout.splitlines()
    data = json.loads(run_blinacheck(*[a.format("json") for a in args]).stdout)
    expected = [
        (f["path"], f["line"], f["column"], f["severity"], f["rule"], f["message"])
        for f in data["findings"]
        if "suppressed" not in f
    ]
    parsed = []
    for line in concise:
        match = LINE.match(line)
        assert match, line
        parsed.append(
            (
                match["path"],
                int(match["line"]),
                int(match["col"]),
                match["sev"],
                match["rule"],
                match["message"],
            )
        )
    assert parsed == expected and parsed


def test_a_clean_plan_prints_nothing() -> None:
    result = run_blinacheck(
        "lint", "--format", "concise", "--fail-on", "never", "examples/adult-rr-cycles-1-2.yaml"
    )
    json_run = run_blinacheck(
        "lint", "--format", "json", "--fail-on", "never", "examples/adult-rr-cycles-1-2.yaml"
    )
    assert '"findings": []' in json_run.stdout, "the fixture is expected to be clean"
    assert result.returncode == 0 and result.stdout == ""


def _finding(path: str, message: str, suppressed: Suppression | None = None) -> Finding:
    return Finding("test-rule", Severity.WARNING, message, path, 7, 3, suppressed=suppressed)


def test_control_and_bidi_characters_cannot_break_or_disguise_a_line() -> None:
    hostile = _finding("plans/a\nb\u202e.yaml", "dose\r\nerror[fake] x\x1b[31m\u2028end")
    report = LintReport(results=[FileResult(hostile.path, [hostile])])
    out = render(report, "concise")
    assert out == (
        "plans/a\\nb\\u202e.yaml:7:3: warning[test-rule] dose\\r\\nerror[fake] x\\e[31m\\u2028end\n"
    )
    assert out.count("\n") == 1
    # The one escaping function of every human-facing output (docs/output.md).
    from blinacheck.results.display import printable

    assert out.startswith(printable(hostile.path) + ":")


def test_suppressed_findings_are_left_out() -> None:
    signed_off = _finding("p.yaml", "signed off", Suppression("inline", "agreed with the team"))
    open_one = _finding("p.yaml", "still open")
    report = LintReport(results=[FileResult("p.yaml", [signed_off, open_one])])
    assert render(report, "concise") == "p.yaml:7:3: warning[test-rule] still open\n"


def test_output_page_example_is_real_output() -> None:
    text = (REPO / "docs" / "output.md").read_text(encoding="utf-8")
    sessions = [b for b in re.findall(r"```console\n(.*?)```", text, re.DOTALL) if "concise" in b]
    assert sessions, "docs/output.md shows a --format concise session"
    for session in sessions:
        command, _, shown = session.partition("\n")
        args = shlex.split(command.removeprefix("$ "))
        assert args[0] == "blinacheck"
        assert run_blinacheck(*args[1:]).stdout == shown
