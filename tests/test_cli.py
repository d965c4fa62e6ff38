"""`blinacheck lint` end to end: exit codes, formats, discovery, colour, usage errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import EXAMPLES, REPO, run_blinacheck

CHILD = str(EXAMPLES / "child-it-day-1.yaml")
ADULT = str(EXAMPLES / "adult-rr-cycles-1-2.yaml")


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    """The real command, run from the current directory unless ``cwd`` is given."""
    return run_blinacheck(*args, env=env, cwd=cwd)


def test_clean_plan_exits_0() -> None:
    result = run("lint", ADULT)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith("0 errors, 0 warnings, 0 info in 1 file")


def test_finding_exits_1_with_located_block() -> None:
    result = run("lint", CHILD)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        f"{CHILD}:43:9: error[it-on-infusion-day-1] IT methotrexate on Day 1"
    )
    assert lines[1].startswith("   43 |       - {day: 1, drugs: [methotrexate], dose: 12 mg}")
    assert lines[2].endswith("|         ^")
    assert lines[3].startswith("  evidence: [P1] Liu B et al. Front Immunol 2025")
    assert "\x1b[" not in result.stdout  # not a terminal: no colour
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("fail_on", "code"), [("error", 1), ("warning", 1), ("info", 1), ("never", 0)]
)
def test_fail_on_threshold_with_an_error(fail_on: str, code: int) -> None:
    assert run("lint", "--fail-on", fail_on, CHILD).returncode == code


def test_fail_on_error_ignores_warnings(tmp_path: Path) -> None:
    plan = tmp_path / "adult.yaml"
    # An adult with IT on Day 1: a warning, not an error.
    plan.write_text(
        "blinacheck: 1\nindication: mrd-positive\npatient: {age_years: 40, weight_kg: 70}\n"
        "cycles:\n  - cycle: 1\n    infusion: [{days: 1-28, dose: 28 mcg/day}]\n"
        "    intrathecal: [{day: 1, drugs: [methotrexate]}]\n"
        "    premedication: [{drug: prednisone, dose: 100 mg, day: 1, minutes_before: 60}]\n"
        "    hospitalization: 1-3\n"
    )
    assert run("lint", "--fail-on", "error", str(plan)).returncode == 0
    assert run("lint", str(plan)).returncode == 1


def test_json_output_is_stable_and_sorted() -> None:
    result = run("lint", "--format", "json", "--fail-on", "never", str(EXAMPLES))
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["version"] == 1
    keys = [(f["path"], f["line"], f["column"], f["rule"]) for f in data["findings"]]
    assert keys == sorted(keys) and keys
    first = data["findings"][0]
    assert set(first) == {
        "rule",
        "severity",
        "message",
        "path",
        "line",
        "column",
        "cycle",
        "day",
        "evidence",
    }
    assert data["summary"]["files"] == len(list(EXAMPLES.glob("*.yaml")))
    assert set(data["summary"]) >= {"files", "error", "warning", "info"}
    it = next(f for f in data["findings"] if f["rule"] == "it-on-infusion-day-1")
    assert (it["cycle"], it["day"]) == (1, 1)
    assert it["evidence"][0]["source"].startswith("[P1] Liu B et al.")
    # The same run twice gives the same bytes.
    again = run("lint", "--format", "json", "--fail-on", "never", str(EXAMPLES))
    assert again.stdout == result.stdout


def test_directory_search_skips_non_plans_and_lists_them_with_v(tmp_path: Path) -> None:
    shutil.copy(CHILD, tmp_path / "child.yaml")
    (tmp_path / "nested").mkdir()
    shutil.copy(ADULT, tmp_path / "nested" / "adult.yml")
    (tmp_path / "config.yaml").write_text("name: not a plan\n")
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "notes.txt").write_text("blinacheck: 1\n")
    result = run("lint", "-v", "--format", "text", str(tmp_path))
    assert result.returncode == 1
    assert f"skipped (not a blinacheck plan): {tmp_path}/broken.json" in result.stdout
    assert f"skipped (not a blinacheck plan): {tmp_path}/config.yaml" in result.stdout
    assert "notes.txt" not in result.stdout
    assert result.stdout.strip().endswith("in 2 files")
    quiet = run("lint", str(tmp_path))
    assert "skipped" not in quiet.stdout


def test_explicit_non_plan_file_is_linted(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("name: not a plan\n")
    result = run("lint", str(config))
    assert result.returncode == 1
    assert f"{config}:1:1: error[invalid-plan] missing 'blinacheck: 1'" in result.stdout


def test_invalid_plan_does_not_stop_other_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("blinacheck: 1\nindication: nope\ncycles: []\n")
    child = tmp_path / "child-it-day-1.yaml"
    shutil.copy(CHILD, child)
    result = run("lint", "--format", "json", str(child), str(bad))
    data = json.loads(result.stdout)
    assert [(Path(f["path"]).name, f["rule"], f["line"]) for f in data["findings"]] == [
        ("bad.yaml", "invalid-plan", 2),
        ("bad.yaml", "invalid-plan", 3),
        ("child-it-day-1.yaml", "it-on-infusion-day-1", 43),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lint", "missing.yaml"], "missing.yaml: no such file or directory"),
        (["lint", "--format", "xml", "x.yaml"], "Invalid value for '--format'"),
        (["lint", "--fail-on", "sometimes", "x.yaml"], "Invalid value for '--fail-on'"),
        (["lint", "--rules", "no-such-dir", CHILD], "no-such-dir:1:1: rules directory not found"),
        (["lint"], "Missing argument"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_rule_file_exits_2_before_any_plan(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "local.yaml").write_text(
        "rules:\n"
        "  - id: local-typo\n"
        "    title: a typo\n"
        "    severity: warning\n"
        "    for_each: intrathecal\n"
        "    when: intrathecal.cycle_dya == 1\n"
        "    message: m\n"
        "    evidence: [{source: local protocol}]\n"
    )
    result = run("lint", "--rules", str(rules), CHILD)
    assert result.returncode == 2
    assert f"{rules}/local.yaml:6:11: rule 'local-typo' when: intrathecal has no field" in (
        result.stderr
    )
    assert result.stdout == ""


def test_extra_rules_and_no_builtin_rules(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "local.yaml").write_text(
        "rules:\n"
        "  - id: local-any-it\n"
        "    title: any IT at all\n"
        "    severity: info\n"
        "    for_each: intrathecal\n"
        "    when: 'true'\n"
        "    message: IT on day {{intrathecal.cycle_day}}\n"
        "    evidence: [{source: local protocol}]\n"
    )
    only_local = run("lint", "--no-builtin-rules", "--rules", str(rules), "--format", "json", CHILD)
    rules_seen = {f["rule"] for f in json.loads(only_local.stdout)["findings"]}
    assert rules_seen == {"local-any-it"}
    both = run("lint", "--rules", str(rules), "--format", "json", CHILD)
    assert {"local-any-it", "it-on-infusion-day-1"} <= {
        f["rule"] for f in json.loads(both.stdout)["findings"]
    }


def test_colour_on_a_terminal_only_and_never_with_no_color() -> None:
    from click.testing import CliRunner

    from blinacheck.commands import use_color

    class Tty:
        def isatty(self) -> bool:
            return True

    assert use_color(Tty()) is True
    os.environ["NO_COLOR"] = "1"
    try:
        assert use_color(Tty()) is False
    finally:
        del os.environ["NO_COLOR"]
    assert use_color(CliRunner().make_env) is False  # no isatty: not a terminal


def test_linting_never_writes_to_the_plan(tmp_path: Path) -> None:
    plan = tmp_path / "child.yaml"
    shutil.copy(CHILD, plan)
    before = (plan.read_bytes(), plan.stat().st_mtime_ns)
    run("lint", str(plan))
    assert (plan.read_bytes(), plan.stat().st_mtime_ns) == before


def test_plan_on_standard_input_for_editors() -> None:
    text = Path(CHILD).read_text()
    named = subprocess.run(
        [sys.executable, "-m", "blinacheck", "lint", "--stdin-filename", "plans/child.yaml", "-"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert named.returncode == 1
    assert named.stdout.startswith("plans/child.yaml:43:9: error[it-on-infusion-day-1]")
    assert "   43 |       - {day: 1, drugs: [methotrexate], dose: 12 mg}" in named.stdout
    unnamed = subprocess.run(
        [sys.executable, "-m", "blinacheck", "lint", "--format", "json", "-"],
        input="blinacheck: 1\nindication: x\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    findings = json.loads(unnamed.stdout)["findings"]
    assert [(f["path"], f["rule"], f["line"]) for f in findings] == [
        ("<stdin>", "invalid-plan", 1),
        ("<stdin>", "invalid-plan", 2),
    ]


def test_stdin_filename_is_matched_by_per_file_ignores(tmp_path: Path) -> None:
    (tmp_path / "blinacheck.toml").write_text(
        '[per-file-ignores]\n"plans/*.yaml" = ["it-on-infusion-day-1"]\n'
    )
    text = Path(CHILD).read_text()
    for name, code in (("plans/child.yaml", 0), ("other/child.yaml", 1)):
        result = subprocess.run(
            [sys.executable, "-m", "blinacheck", "lint", "--stdin-filename", name, "-"],
            input=text,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            timeout=60,
        )
        assert result.returncode == code, (name, result.stdout, result.stderr)


def test_plan_with_a_broken_header_is_linted_not_skipped(tmp_path: Path) -> None:
    text = (EXAMPLES / "adult-rr-cycles-1-2.yaml").read_text(encoding="utf-8")
    (tmp_path / "misspelt.yaml").write_text(text.replace("blinacheck: 1", "blinachek: 1", 1))
    (tmp_path / "headless.yaml").write_text(text.replace("blinacheck: 1\n", "", 1))
    (tmp_path / "broken.yaml").write_text("cycles:\n  - cycle: 1\n    infusion:\n\t- x\n")
    (tmp_path / "other.yaml").write_text("on: push\njobs: {}\n")
    result = run("lint", "--format", "concise", str(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(
        line.startswith(f"{tmp_path / 'misspelt.yaml'}:")
        and "error[invalid-plan] 'blinachek' is not the format header (did you mean" in line
        for line in lines
    ), lines
    assert any(
        line.startswith(f"{tmp_path / 'headless.yaml'}:")
        and "error[invalid-plan] missing 'blinacheck: 1'" in line
        for line in lines
    ), lines
    assert any(f"{tmp_path / 'broken.yaml'}:" in line for line in lines), lines
    assert not any("other.yaml" in line for line in lines)


def test_a_run_that_lints_no_plan_exits_2(tmp_path: Path) -> None:
    (tmp_path / "ci.yaml").write_text("on: push\njobs: {}\n")
    result = run("lint", str(tmp_path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "no plan was linted: 1 file(s) were skipped as not being plans" in result.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("lint", str(empty))
    assert result.returncode == 2
    assert "no plan was linted: no .yaml, .yml or .json file was found" in result.stderr
    allowed = run("lint", "--allow-no-plans", "--only-plans", str(tmp_path / "ci.yaml"))
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
