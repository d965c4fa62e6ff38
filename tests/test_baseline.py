"""Baselines (--write-baseline / --baseline), end to end through ``blinacheck lint``.

Rules from tests/overrides_fixtures/rules: it-on-listed-day (warning, overridable) and
daily-dose-above-cap (error, ``overridable: false``: never baselined).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from blinacheck.cli import main
from blinacheck.engine.ruleset import load as load_rules

FIXTURES = Path(__file__).parent / "overrides_fixtures"
RULES = str(FIXTURES / "rules")
EXAMPLES = Path(__file__).parent.parent / "examples"

# IT on Day 1 twice (lines 10 and 11): two it-on-listed-day warnings, nothing else.
PLAN = """\
blinacheck: 1
indication: relapsed-refractory
patient: {age_years: 42, weight_kg: 78, height_cm: 176}
cycles:
  - cycle: 1
    infusion:
      - {days: 1-7, dose: 9 mcg/day}
      - {days: 8-28, dose: 28 mcg/day}
    intrathecal:
      - {day: 1, drugs: [methotrexate], dose: 15 mg}
      - {day: 1, drugs: [cytarabine], dose: 30 mg}
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "plan.yaml").write_text(PLAN, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lint(*args: str, builtin: bool = False) -> Result:
    options = ["--isolated"] if builtin else ["--isolated", "--no-builtin-rules", "--rules", RULES]
    return CliRunner().invoke(main, ["lint", *options, *args], catch_exceptions=False)


def found(result: Result) -> list[tuple[int, str, Any]]:
    data = json.loads(result.stdout)
    return [(f["line"], f["rule"], f.get("suppressed")) for f in data["findings"]]


BASELINED = {"kind": "baseline", "reason": "in baseline baseline.json"}


def test_write_then_use_a_baseline(repo: Path) -> None:
    written = lint("--write-baseline", "baseline.json", "--format", "json", "plans")
    # Writing reports the run as if the new baseline had been given: nothing left to fail.
    assert found(written) == [
        (10, "it-on-listed-day", BASELINED),
        (11, "it-on-listed-day", BASELINED),
    ]
    assert written.exit_code == 0
    assert "wrote 2 finding(s) to the baseline baseline.json" in written.stderr

    data = json.loads((repo / "baseline.json").read_text(encoding="utf-8"))
    assert data["version"] == 2
    entries = sorted((e["rule"], e["path"], e["subject"]) for e in data["entries"].values())
    assert entries == [
        ("it-on-listed-day", "plans/plan.yaml", "/cycles/0/intrathecal/0"),
        ("it-on-listed-day", "plans/plan.yaml", "/cycles/0/intrathecal/1"),
    ]
    assert all("line" not in entry for entry in data["entries"].values())

    used = lint("--baseline", "baseline.json", "--format", "json", "plans")
    assert found(used) == found(written)
    assert used.exit_code == 0
    assert json.loads(used.stdout)["summary"]["suppressed"] == 2
    text = lint("--baseline", "baseline.json", "plans")
    assert "= suppressed (baseline): in baseline baseline.json" in text.stdout
    assert "(2 suppressed, not counted)" in text.stdout


def test_baseline_survives_edits_elsewhere_in_the_plan(repo: Path) -> None:
    lint("--write-baseline", "baseline.json", "plans")
    plan = repo / "plans" / "plan.yaml"
    edited = PLAN.replace(
        "blinacheck: 1\n",
        "# Reviewed 2026-03-01: three new comment lines\n# at the top of the file\n#\n"
        "blinacheck: 1\ntitle: Adult R/R cycle 1\n",
    ).replace("dose: 30 mg}", "dose: 30 mg}   # Day 1")
    plan.write_text(edited, encoding="utf-8")
    result = lint("--baseline", "baseline.json", "--format", "json", "plans")
    # Four lines inserted above: the findings moved from lines 10-11 to 14-15, still baselined.
    assert found(result) == [
        (14, "it-on-listed-day", BASELINED),
        (15, "it-on-listed-day", BASELINED),
    ]
    assert result.exit_code == 0


def test_a_new_finding_is_not_covered(repo: Path) -> None:
    lint("--write-baseline", "baseline.json", "plans")
    plan = repo / "plans" / "plan.yaml"
    plan.write_text(
        PLAN + "      - {day: 1, drugs: [hydrocortisone], dose: 50 mg}\n", encoding="utf-8"
    )
    result = lint("--baseline", "baseline.json", "--format", "json", "plans")
    assert found(result) == [
        (10, "it-on-listed-day", BASELINED),
        (11, "it-on-listed-day", BASELINED),
        (12, "it-on-listed-day", None),
    ]
    assert result.exit_code == 1


def test_entries_that_no_longer_match_are_reported(repo: Path) -> None:
    lint("--write-baseline", "baseline.json", "plans")
    plan = repo / "plans" / "plan.yaml"
    # The second IT entry is fixed (moved to Day 15): its baseline entry is stale.
    plan.write_text(PLAN.replace("{day: 1, drugs: [cytarabine]", "{day: 15, drugs: [cytarabine]"))
    result = lint("--baseline", "baseline.json", "--format", "json", "plans")
    assert found(result) == [
        (10, "it-on-listed-day", BASELINED),
        (11, "baseline-entry-unmatched", None),  # located at what the entry was about
    ]
    stale = json.loads(result.stdout)["findings"][1]
    assert stale["severity"] == "info"
    assert "/cycles/0/intrathecal/1" in stale["message"]
    assert "remove it from baseline.json" in stale["message"]
    assert result.exit_code == 0
    # Rewriting the baseline prunes it.
    lint("--write-baseline", "baseline.json", "plans")
    assert len(json.loads((repo / "baseline.json").read_text())["entries"]) == 1


def test_entries_for_plans_not_linted_in_this_run_are_not_judged(repo: Path) -> None:
    (repo / "plans" / "other.yaml").write_text(PLAN, encoding="utf-8")
    lint("--write-baseline", "baseline.json", "plans")
    # A pre-commit run passes only the changed files: other.yaml's entries are not stale.
    result = lint("--baseline", "baseline.json", "--format", "json", "plans/plan.yaml")
    assert [rule for _, rule, _ in found(result)] == ["it-on-listed-day", "it-on-listed-day"]
    assert result.exit_code == 0


def test_entries_for_deleted_plans_are_noted(repo: Path) -> None:
    (repo / "plans" / "other.yaml").write_text(PLAN, encoding="utf-8")
    lint("--write-baseline", "baseline.json", "plans")
    (repo / "plans" / "other.yaml").unlink()
    result = lint("--baseline", "baseline.json", "plans")
    assert result.exit_code == 0
    assert "plans/other.yaml" in result.stderr and "no longer exist" in result.stderr


def test_paths_are_relative_to_the_baseline_file(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lint("--write-baseline", "baseline.json", "plans")
    monkeypatch.chdir(repo / "plans")
    result = lint("--baseline", "../baseline.json", "--format", "json", "plan.yaml")
    reason = {"kind": "baseline", "reason": "in baseline ../baseline.json"}
    assert found(result) == [(10, "it-on-listed-day", reason), (11, "it-on-listed-day", reason)]


def test_non_overridable_and_invalid_plans_are_never_baselined(repo: Path) -> None:
    plan = repo / "plans" / "plan.yaml"
    plan.write_text(PLAN.replace("dose: 28 mcg/day", "dose: 30 mcg/day"), encoding="utf-8")
    (repo / "plans" / "broken.yaml").write_text(
        "blinacheck: 1\nindication: maybe\n", encoding="utf-8"
    )
    result = lint("--write-baseline", "baseline.json", "--format", "json", "plans")
    entries = json.loads((repo / "baseline.json").read_text())["entries"].values()
    assert sorted(e["rule"] for e in entries) == ["it-on-listed-day", "it-on-listed-day"]
    assert (
        "not baselined (cannot be overridden; fix the plans): daily-dose-above-cap, invalid-plan"
        in result.stderr
    )
    active = [
        (f["path"], f["rule"])
        for f in json.loads(result.stdout)["findings"]
        if "suppressed" not in f
    ]
    assert sorted(set(active)) == [
        ("plans/broken.yaml", "invalid-plan"),  # an unknown indication, no cycles
        ("plans/plan.yaml", "daily-dose-above-cap"),
    ]
    assert result.exit_code == 1


def test_inline_overrides_are_not_written_to_the_baseline(repo: Path) -> None:
    plan = repo / "plans" / "plan.yaml"
    plan.write_text(
        PLAN.replace(
            "dose: 30 mg}", "dose: 30 mg}  # blinacheck: ignore[it-on-listed-day] -- approved"
        ),
        encoding="utf-8",
    )
    result = lint("--write-baseline", "baseline.json", "--format", "json", "plans")
    entries = list(json.loads((repo / "baseline.json").read_text())["entries"].values())
    assert [e["subject"] for e in entries] == ["/cycles/0/intrathecal/0"]
    assert found(result) == [
        (10, "it-on-listed-day", BASELINED),
        (11, "it-on-listed-day", {"kind": "inline", "reason": "approved"}),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "baseline.json:1:2: not a JSON baseline"),
        ('{"version": 3, "entries": {}}', "not a blinacheck baseline"),
        ('{"version": 1, "entries": {}}', "a version 1 baseline, which does not record"),
        ('{"version": 2, "entries": []}', '"entries" must be a JSON object'),
        ('{"version": 2, "entries": {"abc": {"rule": "x"}}}', 'entry "abc" needs the text fields'),
        (
            '{"version": 2, "entries": {"abc": {"rule": "x", "path": "p.yaml", "subject": "/",'
            ' "severity": "warning", "message": "m"}}}',
            'entry "abc" does not match its rule/path/subject/severity/message',
        ),
    ],
)
def test_bad_baseline_files_exit_2(repo: Path, content: str, message: str) -> None:
    (repo / "baseline.json").write_text(content, encoding="utf-8")
    result = lint("--baseline", "baseline.json", "plans")
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_baseline_usage_errors(repo: Path) -> None:
    missing = lint("--baseline", "nope.json", "plans")
    assert missing.exit_code == 2 and "nope.json: cannot read the baseline" in missing.stderr
    both = lint("--baseline", "a.json", "--write-baseline", "b.json", "plans")
    assert both.exit_code == 2 and "cannot be used together" in both.stderr
    before = (repo / "plans" / "plan.yaml").read_bytes()
    onto = lint("--write-baseline", "plans/plan.yaml", "plans/plan.yaml")
    assert onto.exit_code == 2 and "is one of the files being checked" in onto.stderr
    assert (repo / "plans" / "plan.yaml").read_bytes() == before


def test_adopting_blinacheck_on_the_examples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The adoption workflow of docs/overrides.md, with the built-in rules and examples/."""
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    before = lint("--format", "json", "examples", builtin=True)
    assert before.exit_code == 1  # examples/README.md: two plans have findings
    lint("--write-baseline", ".blinacheck-baseline.json", "examples", builtin=True)
    after = lint(
        "--baseline", ".blinacheck-baseline.json", "--format", "json", "examples", builtin=True
    )

    overridable = {rule.id: rule.overridable for rule in load_rules().rules}
    findings = json.loads(before.stdout)["findings"]
    expected_active = [
        (f["path"], f["line"], f["rule"]) for f in findings if not overridable.get(f["rule"], False)
    ]
    after_findings = json.loads(after.stdout)["findings"]
    active = [(f["path"], f["line"], f["rule"]) for f in after_findings if "suppressed" not in f]
    assert active == expected_active
    assert sum("suppressed" in f for f in after_findings) == len(findings) - len(expected_active)
    assert [(f["path"], f["line"], f["rule"]) for f in after_findings] == [
        (f["path"], f["line"], f["rule"]) for f in findings
    ]


def test_entries_of_rules_that_did_not_run_are_not_judged(repo: Path) -> None:
    lint("--write-baseline", "baseline.json", "plans")
    result = lint(
        "--baseline",
        "baseline.json",
        "--select",
        "daily-dose-above-cap",
        "--format",
        "json",
        "plans",
    )
    assert found(result) == []
    assert result.exit_code == 0


STALE = """\
blinacheck: 1
indication: mrd-positive
patient: {{age_years: 50, weight_kg: 70, weighed_on: {weighed}}}
cycles:
  - cycle: 1
    start: 2026-06-01
    infusion:
      - {{days: 1-28, dose: 28 mcg/day}}
"""


def test_a_finding_whose_substance_changed_comes_back(repo: Path) -> None:
    # A stale weight baselined at 40 days old; the plan's weight then becomes 187 days old.
    plan = repo / "plans" / "plan.yaml"
    plan.write_text(STALE.format(weighed="2026-04-22"), encoding="utf-8")
    select = ("--select", "weight-measurement-stale", "--fail-on", "info", "--format", "json")
    written = lint("--write-baseline", "baseline.json", *select, "plans", builtin=True)
    assert written.exit_code == 0, written.stdout + written.stderr
    entry = next(iter(json.loads((repo / "baseline.json").read_text())["entries"].values()))
    assert entry["severity"] == "info" and "40 days before" in entry["message"]
    same = lint("--baseline", "baseline.json", *select, "plans", builtin=True)
    assert same.exit_code == 0
    plan.write_text(STALE.format(weighed="2025-11-26"), encoding="utf-8")
    changed = lint("--baseline", "baseline.json", *select, "plans", builtin=True)
    assert changed.exit_code == 1
    findings = json.loads(changed.stdout)["findings"]
    stale = [f for f in findings if f["rule"] == "weight-measurement-stale"]
    assert len(stale) == 1 and "suppressed" not in stale[0]
    assert "187 days before" in stale[0]["message"]
    (note,) = [f for f in findings if f["rule"] == "baseline-entry-unmatched"]
    assert "the finding changed since it was baselined" in note["message"]
    assert "40 days before" in note["message"]


def test_a_finding_whose_severity_changed_comes_back(repo: Path) -> None:
    plan = repo / "plans" / "plan.yaml"
    plan.write_text(STALE.format(weighed="2026-04-22"), encoding="utf-8")
    select = ("--select", "weight-measurement-stale", "--fail-on", "info", "--format", "json")
    assert lint("--write-baseline", "baseline.json", *select, "plans", builtin=True).exit_code == 0
    (repo / "blinacheck.toml").write_text('[severity]\nweight-measurement-stale = "error"\n')
    options = ["lint", "--config", "blinacheck.toml", "--baseline", "baseline.json", *select]
    changed = CliRunner().invoke(main, [*options, "plans"], catch_exceptions=False)
    assert changed.exit_code == 1, changed.stdout + changed.stderr
    stale = [
        f for f in json.loads(changed.stdout)["findings"] if f["rule"] != "baseline-entry-unmatched"
    ]
    assert [(f["severity"], "suppressed" in f) for f in stale] == [("error", False)]
