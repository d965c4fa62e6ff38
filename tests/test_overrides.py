"""Inline overrides with reasons, end to end through ``blinacheck lint`` (docs/overrides.md).

The rules come from tests/overrides_fixtures/rules: ``it-on-listed-day`` (warning, overridable)
and ``daily-dose-above-cap`` (error, ``overridable: false``).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from blinacheck.cli import main
from blinacheck.policy.suppressions import parse

FIXTURES = Path(__file__).parent / "overrides_fixtures"
RULES = str(FIXTURES / "rules")

PLAN_HEAD = """\
blinacheck: 1
indication: relapsed-refractory
patient: {age_years: 42, weight_kg: 78, height_cm: 176}
cycles:
  - cycle: 1
    infusion:
      - {days: 1-7, dose: 9 mcg/day}
      - {days: 8-28, dose: 28 mcg/day}
    intrathecal:
"""  # the IT entries follow on line 10 and after


def lint(*args: str) -> Result:
    command = ["lint", "--isolated", "--no-builtin-rules", "--rules", RULES, *args]
    return CliRunner().invoke(main, command, catch_exceptions=False)


def findings(result: Result) -> list[tuple[int, str, str, Any]]:
    data = json.loads(result.stdout)
    return [(f["line"], f["rule"], f["severity"], f.get("suppressed")) for f in data["findings"]]


def write_plan(tmp_path: Path, it_lines: str) -> str:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN_HEAD + it_lines, encoding="utf-8")
    return str(path)


def inline(reason: str) -> dict[str, str]:
    return {"kind": "inline", "reason": reason}


def test_every_override_path_in_the_fixture() -> None:
    result = lint("--format", "json", str(FIXTURES / "overrides.yaml"))
    assert findings(result) == [
        (21, "suppression-not-allowed", "warning", None),
        (22, "daily-dose-above-cap", "error", None),
        (
            26,
            "it-on-listed-day",
            "warning",
            inline("approved by the treating physician (ticket PHA-101)"),
        ),
        (27, "it-on-listed-day", "warning", inline("approved, ticket PHA-101")),
        (28, "suppression-without-reason", "warning", None),
        (29, "it-on-listed-day", "warning", None),
        (30, "unused-suppression", "info", None),
        (33, "it-on-listed-day", "warning", inline("reviewed with the ward pharmacist")),
    ]
    # Suppressed findings are counted apart and do not decide the exit code; the active
    # error (the non-overridable dose) does.
    summary = json.loads(result.stdout)["summary"]
    assert summary == {"files": 1, "error": 1, "warning": 3, "info": 1, "suppressed": 3}
    assert result.exit_code == 1


def test_comment_at_end_of_line_suppresses_and_exit_is_clean(tmp_path: Path) -> None:
    plan = write_plan(
        tmp_path,
        "      - {day: 1, drugs: [methotrexate], dose: 15 mg}"
        "  # blinacheck: ignore[it-on-listed-day] -- approved by Dr A, ticket 7\n",
    )
    result = lint("--format", "json", plan)
    assert findings(result) == [
        (10, "it-on-listed-day", "warning", inline("approved by Dr A, ticket 7"))
    ]
    assert result.exit_code == 0

    text = lint(plan)
    assert "= suppressed (inline): approved by Dr A, ticket 7" in text.stdout
    assert text.stdout.rstrip().endswith(
        "0 errors, 0 warnings, 0 info in 1 file (1 suppressed, not counted)"
    )


def test_comment_on_the_line_above_suppresses(tmp_path: Path) -> None:
    plan = write_plan(
        tmp_path,
        "      # blinacheck: ignore[it-on-listed-day] -- approved\n"
        "      - {day: 1, drugs: [methotrexate], dose: 15 mg}\n",
    )
    result = lint("--format", "json", plan)
    assert findings(result) == [(11, "it-on-listed-day", "warning", inline("approved"))]
    assert result.exit_code == 0


def test_comment_two_lines_above_with_a_blank_line_between_does_not_apply(tmp_path: Path) -> None:
    plan = write_plan(
        tmp_path,
        "      # blinacheck: ignore[it-on-listed-day] -- approved\n"
        "\n"
        "      - {day: 1, drugs: [methotrexate], dose: 15 mg}\n",
    )
    result = lint("--format", "json", plan)
    assert findings(result) == [
        (10, "unused-suppression", "info", None),
        (12, "it-on-listed-day", "warning", None),
    ]
    assert result.exit_code == 1


def test_reasonless_override_does_not_suppress(tmp_path: Path) -> None:
    for comment in (
        "# blinacheck: ignore[it-on-listed-day]",
        "# blinacheck: ignore[it-on-listed-day] --",
        "# blinacheck: ignore[it-on-listed-day] because it is fine",
    ):
        plan = write_plan(
            tmp_path, f"      - {{day: 1, drugs: [methotrexate], dose: 15 mg}}  {comment}\n"
        )
        result = lint("--format", "json", plan)
        assert findings(result) == [
            (10, "it-on-listed-day", "warning", None),
            (10, "suppression-without-reason", "warning", None),
        ], comment
        assert result.exit_code == 1
        message = json.loads(result.stdout)["findings"][1]["message"]
        assert "gives no reason" in message and " -- " in message


def test_non_overridable_rule_cannot_be_suppressed_inline(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(
        PLAN_HEAD.replace(
            "{days: 8-28, dose: 28 mcg/day}",
            "{days: 8-28, dose: 30 mcg/day}  # blinacheck: ignore[daily-dose-above-cap] -- ok",
        )
        + "      - {day: 15, drugs: [methotrexate], dose: 15 mg}\n",
        encoding="utf-8",
    )
    result = lint("--format", "json", str(path))
    assert findings(result) == [
        (8, "daily-dose-above-cap", "error", None),
        (8, "suppression-not-allowed", "warning", None),
    ]
    message = json.loads(result.stdout)["findings"][1]["message"]
    assert "overridable: false" in message
    assert result.exit_code == 1


def test_several_ids_in_one_comment(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(
        PLAN_HEAD.replace(
            "{days: 8-28, dose: 28 mcg/day}",
            "{days: 8-28, dose: 30 mcg/day}"
            "  # blinacheck: ignore[it-on-listed-day, daily-dose-above-cap] -- ok",
        )
        + "      - {day: 1, drugs: [methotrexate], dose: 15 mg}"
        "  # blinacheck: ignore[it-on-listed-day,no-such-rule] -- approved\n",
        encoding="utf-8",
    )
    result = lint("--format", "json", str(path))
    assert findings(result) == [
        (8, "daily-dose-above-cap", "error", None),
        (8, "suppression-not-allowed", "warning", None),
        (8, "unused-suppression", "info", None),  # it-on-listed-day: nothing on line 8
        (10, "it-on-listed-day", "warning", inline("approved")),
        (10, "unused-suppression", "info", None),  # no-such-rule
    ]
    messages = [f["message"] for f in json.loads(result.stdout)["findings"]]
    assert "no rule 'no-such-rule' is loaded" in messages[4]


def test_unused_suppression_is_info_and_does_not_fail(tmp_path: Path) -> None:
    plan = write_plan(
        tmp_path,
        "      - {day: 15, drugs: [methotrexate], dose: 15 mg}"
        "  # blinacheck: ignore[it-on-listed-day] -- Day 15 is fine\n",
    )
    result = lint("--format", "json", plan)
    assert findings(result) == [(10, "unused-suppression", "info", None)]
    assert result.exit_code == 0
    assert lint("--fail-on", "info", plan).exit_code == 1


def test_hash_inside_quotes_is_not_a_comment(tmp_path: Path) -> None:
    plan = write_plan(
        tmp_path,
        '      - {day: 1, drugs: ["methotrexate # blinacheck: ignore[it-on-listed-day] -- no"],'
        " dose: 15 mg}\n",
    )
    result = lint("--format", "json", plan)
    assert findings(result) == [(10, "it-on-listed-day", "warning", None)]


def test_unreadable_override_is_reported(tmp_path: Path) -> None:
    plan = write_plan(
        tmp_path,
        "      - {day: 1, drugs: [methotrexate], dose: 15 mg}"
        "  # blinacheck: ignore(it-on-listed-day) -- approved\n",
    )
    result = lint("--format", "json", plan)
    assert findings(result) == [
        (10, "it-on-listed-day", "warning", None),  # column 9
        (10, "invalid-suppression", "warning", None),  # column 56, the comment
    ]


def test_invalid_plan_cannot_be_overridden(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(
        "blinacheck: 1\n"
        "# blinacheck: ignore[invalid-plan] -- we know\n"
        "indication: relapsed-refractory-ish\n"
        "cycles: []  # blinacheck: ignore[it-on-listed-day] -- not judged: no rule ran\n",
        encoding="utf-8",
    )
    result = lint("--format", "json", str(path))
    rules = [(line, rule, suppressed) for line, rule, _, suppressed in findings(result)]
    assert (2, "suppression-not-allowed", None) in rules
    assert all(rule != "unused-suppression" for _, rule, _ in rules)
    invalid = [entry for entry in rules if entry[1] == "invalid-plan"]
    assert invalid and all(suppressed is None for _, _, suppressed in invalid)
    assert result.exit_code == 1


def test_json_plan_without_comments_is_untouched() -> None:
    # JSON has no comments: the fast path finds nothing and the findings are the rules' own.
    assert parse('{"blinacheck": 1, "title": "a # blinacheck: ignore[x] -- y"}') == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1  # blinacheck: ignore[r] -- why\n", [(1, 7, 1, ("r",), "why")]),
        ("# blinacheck: ignore[r, s] -- why\n# more\na: 1\n", [(1, 1, 3, ("r", "s"), "why")]),
        ("a: |\n  # blinacheck: ignore[r] -- in a block scalar\nb: 1\n", []),
        ("a: 'it''s # blinacheck: ignore[r] -- quoted'\n", []),
        ("a: x#blinacheck: ignore[r] -- part of the word\n", []),
        (
            "a: 1 # note # blinacheck: ignore[r] -- after a note\n",
            [(1, 13, 1, ("r",), "after a note")],
        ),
    ],
)
def test_parse_finds_comments_only(text: str, expected: list[tuple[object, ...]]) -> None:
    got = [(d.line, d.column, d.target, d.rules, d.reason) for d in parse(text)]
    assert got == expected


def test_overrides_never_change_the_plan_file(tmp_path: Path) -> None:
    plan = write_plan(
        tmp_path,
        "      - {day: 1, drugs: [methotrexate], dose: 15 mg}"
        "  # blinacheck: ignore[it-on-listed-day]\n",
    )
    before = Path(plan).read_bytes(), os.stat(plan).st_mtime_ns
    lint(plan)
    assert (Path(plan).read_bytes(), os.stat(plan).st_mtime_ns) == before


def test_the_example_in_the_docs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/overrides.md: its plan, linted with the built-in rules, gives the output it shows."""
    text = (Path(__file__).parent.parent / "docs" / "overrides.md").read_text(encoding="utf-8")
    plan = re.search(r"```yaml\n(.*?)```", text, flags=re.DOTALL)
    shown = re.search(r"\$ blinacheck lint plan.yaml\n```\n\n```text\n(.*?)```", text, re.DOTALL)
    assert plan and shown
    (tmp_path / "plan.yaml").write_text(plan.group(1), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["lint", "--isolated", "plan.yaml"], catch_exceptions=False)
    assert result.exit_code == 0

    def key_lines(output: str) -> list[str]:
        # Finding lines, suppression lines and the summary: not the evidence, which the rule
        # pack may reword.
        return [
            line
            for line in output.splitlines()
            if line.startswith(("plan.yaml:", "  = suppressed", "0 errors"))
        ]

    assert key_lines(result.stdout) == key_lines(shown.group(1))
    assert len(key_lines(result.stdout)) == 3


def test_override_of_a_rule_that_did_not_run_is_not_unused(tmp_path: Path) -> None:
    plan = write_plan(
        tmp_path,
        "      - {day: 1, drugs: [methotrexate], dose: 15 mg}"
        "  # blinacheck: ignore[it-on-listed-day] -- approved\n",
    )
    # Deselected on the command line: the rule did not run, the override is not judged.
    result = lint("--ignore", "it-on-listed-day", "--format", "json", plan)
    assert findings(result) == []
    assert result.exit_code == 0
