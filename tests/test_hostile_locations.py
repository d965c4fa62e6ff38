"""Mislocations and silent reinterpretation (issue 16, item 11).

- One line-end rule (read/source.py: LF, CRLF, CR, NEL, LS, PS) for every line and column:
  invalid-byte, NUL and control-character findings land where they are with any line end.
- A key named ``function...`` is reported by its name.
- Numbers are ASCII digits: ``1_5``, ``2_4``, Arabic-Indic or fullwidth digits are findings.
- ``lint_text`` given a lone surrogate returns an invalid-plan finding.
- Evidence links other than http(s) are refused at rule load and dropped from every output.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from blinacheck import Evidence, LintReport, RuleSet, lint_text, load_rules, render

from .conftest import EXAMPLES, run_blinacheck

PLAN = (
    "blinacheck: 1\nindication: relapsed-refractory\ntitle: ab\n"
    "cycles:\n  - cycle: 1\n    infusion:\n      - {days: 1-28, dose: 28 mcg/day}\n"
)


def invalid(text: str) -> list[tuple[int, int, str]]:
    return [
        (f.line, f.column, f.message) for f in lint_text(text).findings if f.rule == "invalid-plan"
    ]


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r", "\x85", "\u2028", "\u2029"])
@pytest.mark.parametrize(
    ("bad", "words"),
    [(b"\xe9", "byte 0xe9 is not valid UTF-8"), (b"\x00", "NUL byte"), (b"\x1b", "U+001B")],
)
def test_byte_findings_land_on_their_line_with_any_line_end(
    end: str, bad: bytes, words: str, tmp_path: Path
) -> None:
    raw = PLAN.replace("\n", end).encode().replace(b"ab", b"a" + bad + b"b")
    path = tmp_path / "plan.yaml"
    path.write_bytes(raw)
    done = run_blinacheck("lint", "--format", "json", str(path))
    (finding,) = json.loads(done.stdout)["findings"]
    assert (finding["line"], finding["column"]) == (3, 9), finding
    assert words in finding["message"]


@pytest.mark.parametrize("end", ["\r", "\x85", "\u2028"])
def test_the_text_output_shows_the_line_of_the_finding(end: str, tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_bytes(PLAN.replace("\n", end).replace("title: ab", "title: ab\x1b").encode())
    done = run_blinacheck("lint", str(path))
    assert f"{path}:3:10: error[invalid-plan] control character U+001B" in done.stdout
    unknown = PLAN.replace("title: ab", "titel: ab").replace("\n", end)
    path.write_bytes(unknown.encode())
    done = run_blinacheck("lint", str(path))
    assert f"{path}:3:1: error[invalid-plan] unknown key 'titel'" in done.stdout
    assert "    3 | titel: ab\n      | ^" in done.stdout


def test_an_unknown_key_named_function_is_named() -> None:
    text = PLAN.replace("    infusion:", "    function_note: x\n    infusion:")
    ((line, column, message),) = invalid(text)
    assert (line, column) == (6, 5)
    assert message.startswith("unknown key 'function_note' in 'cycles';")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("day", "1_5"),
        ("weight_kg", "2_4"),
        ("day", "١٥"),  # Arabic-Indic 15
        ("weight_kg", "٢٤"),
        ("day", "１５"),  # fullwidth
        ("weight_kg", "۲۴"),  # Extended Arabic-Indic
        ("cycle", "1_0"),
        ("hours", "2_4"),
    ],
)
def test_numbers_are_ascii_digits_only(field: str, value: str) -> None:
    text = (
        "blinacheck: 1\nindication: relapsed-refractory\npatient: {weight_kg: 40}\n"
        "cycles:\n  - cycle: 1\n    infusion:\n      - {days: 1-28, dose: 28 mcg/day}\n"
        "    interruptions:\n      - {day: 3, hours: 4}\n"
    )
    text = {
        "day": text.replace("{day: 3", f"{{day: {value}"),
        "weight_kg": text.replace("weight_kg: 40", f"weight_kg: {value}"),
        "cycle": text.replace("cycle: 1", f"cycle: {value}"),
        "hours": text.replace("hours: 4", f"hours: {value}"),
    }[field]
    ((_, _, message),) = invalid(text)
    assert message == (
        f"{field}: '{value}' is not a number as written; use the digits 0-9 only (no '_', no "
        "other scripts' digits), e.g. 15 or 2.5"
    )


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("days: 1-28", "days: 1_5-28", "is not a day or day range"),
        ("days: 1-28", "days: ١-٢٨", "is not a day or day range"),
        ("28 mcg/day", "٢٨ mcg/day", "is not an infusion dose"),
        ("28 mcg/day", "2_8 mcg/day", "is not an infusion dose"),
        (
            "title: ab",
            "title: ab\nvaccinations:\n  - {date: ٢٠٢٦-٠١-٠٥, vaccine: x, live: false}",
            "is not a date",
        ),
    ],
)
def test_digits_in_ranges_doses_and_dates_are_ascii(old: str, new: str, words: str) -> None:
    ((_, _, message),) = invalid(PLAN.replace(old, new))
    assert words in message


def test_lint_text_with_a_lone_surrogate_is_a_finding() -> None:
    result = lint_text(PLAN.replace("title: ab", "title: a\ud800b"))
    assert [(f.rule, f.line, f.column) for f in result.findings] == [("invalid-plan", 3, 9)]
    assert "U+D800 is a lone surrogate" in result.findings[0].message
    assert lint_text("\ufeff" + PLAN.replace("ab", "\udce9")).findings[0].column == 8


RULE = """\
rules:
  - id: every-plan
    title: Every plan is noted
    severity: info
    for_each: plan
    when: "true"
    message: noted
    evidence:
      - source: a page
        url: {url}
"""


@pytest.mark.parametrize(
    "url",
    [
        "'javascript:alert(1)'",
        "'data:text/html,x'",
        "'file:///etc/passwd'",
        "'https:///x'",
        "'//x.org'",
    ],
)
def test_a_rule_file_with_a_link_that_is_not_a_web_address_is_refused(
    url: str, tmp_path: Path
) -> None:
    (tmp_path / "house.yaml").write_text(RULE.format(url=url))
    done = run_blinacheck("lint", "--rules", str(tmp_path), str(EXAMPLES / "child-it-day-1.yaml"))
    assert done.returncode == 2
    assert f"{tmp_path / 'house.yaml'}:10:14: url: {url} is not a web address" in done.stderr


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github", "html"])
def test_a_link_that_is_not_a_web_address_is_dropped_from_every_output(
    output_format: str, tmp_path: Path
) -> None:
    (tmp_path / "house.yaml").write_text(RULE.format(url="https://example.org/ok"))
    (rule,) = load_rules([str(tmp_path)], builtin=False).rules
    hostile = replace(rule, evidence=(Evidence("a page", url="javascript:alert(1)"),))
    ruleset = RuleSet([hostile])
    result = lint_text(PLAN, ruleset)
    assert [f.rule for f in result.findings] == ["every-plan"]
    out = render(LintReport(results=[result]), output_format, ruleset=ruleset)
    assert "javascript" not in out
    assert "a page" in out or output_format == "text"
