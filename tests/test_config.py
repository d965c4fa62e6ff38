"""Project configuration, end to end through ``blinacheck lint`` (docs/configuration.md).

Each test builds a small project in a temporary directory: a plan, the test rule pack from
tests/overrides_fixtures/rules (copied to ``rules/``), and a configuration file. The plan
``plans/plan.yaml`` has two findings: it-on-listed-day (warning, line 14) and
daily-dose-above-cap (error, line 11).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from blinacheck.cli import main

FIXTURES = Path(__file__).parent / "overrides_fixtures"

PLAN = """\
# Adult R/R cycle 1 with IT on Day 1 (line 14) and a 30 mcg/day step (line 11).
blinacheck: 1
indication: relapsed-refractory
patient: {age_years: 42, weight_kg: 78, height_cm: 176}
cycles:
  - cycle: 1
    infusion:
      - days: 1-7
        dose: 9 mcg/day
      - days: 8-28
        dose: 30 mcg/day
    intrathecal:
      - {day: 15, drugs: [methotrexate], dose: 15 mg}
      - {day: 1, drugs: [methotrexate], dose: 15 mg}
"""
BOTH = [(11, "daily-dose-above-cap", "error"), (14, "it-on-listed-day", "warning")]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project directory, made the current directory, with rules/ and plans/plan.yaml."""
    shutil.copytree(FIXTURES / "rules", tmp_path / "rules")
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "plan.yaml").write_text(PLAN, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lint(*args: str) -> Result:
    return CliRunner().invoke(main, ["lint", "--no-builtin-rules", *args], catch_exceptions=False)


def found(result: Result) -> list[tuple[int, str, str]]:
    assert result.exit_code in (0, 1), result.stderr
    data = json.loads(result.stdout)
    return [(f["line"], f["rule"], f["severity"]) for f in data["findings"]]


def config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- finding the file


def test_blinacheck_toml_is_found_from_a_subdirectory(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config(project / "blinacheck.toml", 'rules = ["rules"]\nselect = ["it-on-listed-day"]\n')
    monkeypatch.chdir(project / "plans")
    result = lint("--format", "json", "plan.yaml")
    assert found(result) == [(14, "it-on-listed-day", "warning")]


def test_pyproject_table_is_used(project: Path) -> None:
    config(
        project / "pyproject.toml",
        '[tool.blinacheck]\nrules = ["rules"]\nignore = ["it-on-listed-day"]\n',
    )
    assert found(lint("--format", "json", "plans/plan.yaml")) == [
        (11, "daily-dose-above-cap", "error")
    ]


def test_pyproject_without_the_table_does_not_count(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # plans/pyproject.toml has no [tool.blinacheck]: the search goes on up to blinacheck.toml.
    config(project / "plans" / "pyproject.toml", '[project]\nname = "plans"\n')
    config(project / "blinacheck.toml", 'rules = ["rules"]\nselect = ["it-on-listed-day"]\n')
    monkeypatch.chdir(project / "plans")
    assert found(lint("--format", "json", "plan.yaml")) == [(14, "it-on-listed-day", "warning")]


def test_nearest_file_wins_over_one_further_up(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config(project / "blinacheck.toml", 'rules = ["rules"]\nselect = ["it-on-listed-day"]\n')
    config(
        project / "plans" / "blinacheck.toml",
        'rules = ["../rules"]\nselect = ["daily-dose-above-cap"]\n',
    )
    monkeypatch.chdir(project / "plans")
    assert found(lint("--format", "json", "plan.yaml")) == [(11, "daily-dose-above-cap", "error")]


def test_blinacheck_toml_wins_over_pyproject_in_the_same_directory(project: Path) -> None:
    config(project / "blinacheck.toml", 'rules = ["rules"]\nselect = ["it-on-listed-day"]\n')
    config(
        project / "pyproject.toml",
        '[tool.blinacheck]\nrules = ["rules"]\nselect = ["daily-dose-above-cap"]\n',
    )
    result = lint("--format", "json", "plans/plan.yaml")
    assert found(result) == [(14, "it-on-listed-day", "warning")]
    assert "[tool.blinacheck] table in" in result.stderr
    assert "is ignored" in result.stderr


def test_config_option_names_the_file(project: Path) -> None:
    config(project / "blinacheck.toml", 'rules = ["rules"]\nselect = ["it-on-listed-day"]\n')
    config(project / "other.toml", 'rules = ["rules"]\nselect = ["daily-dose-above-cap"]\n')
    result = lint("--config", "other.toml", "--format", "json", "plans/plan.yaml")
    assert found(result) == [(11, "daily-dose-above-cap", "error")]


def test_config_option_with_a_pyproject_without_the_table_is_an_error(project: Path) -> None:
    config(project / "pyproject.toml", '[project]\nname = "x"\n')
    result = lint("--config", "pyproject.toml", "plans/plan.yaml")
    assert result.exit_code == 2
    assert "pyproject.toml: has no [tool.blinacheck] table" in result.stderr


def test_isolated_ignores_the_files(project: Path) -> None:
    config(project / "blinacheck.toml", 'select = ["no-such-rule"]\n')  # would be an error
    result = lint("--isolated", "--rules", "rules", "--format", "json", "plans/plan.yaml")
    assert found(result) == BOTH
    both = lint("--isolated", "--config", "blinacheck.toml", "plans/plan.yaml")
    assert both.exit_code == 2
    assert "--config and --isolated cannot be used together" in both.stderr


# ----------------------------------------------------------------------------- each key


def test_rules_are_relative_to_the_config_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config(project / "blinacheck.toml", 'rules = ["rules"]\n')
    monkeypatch.chdir(project / "plans")  # "rules" is not below here, but is below the config
    assert found(lint("--format", "json", "plan.yaml")) == BOTH


def test_select(project: Path) -> None:
    config(project / "blinacheck.toml", 'rules = ["rules"]\nselect = ["daily-dose-above-cap"]\n')
    assert found(lint("--format", "json", "plans/plan.yaml")) == [
        (11, "daily-dose-above-cap", "error")
    ]


def test_ignore(project: Path) -> None:
    config(project / "blinacheck.toml", 'rules = ["rules"]\nignore = ["daily-dose-above-cap"]\n')
    result = lint("--format", "json", "plans/plan.yaml")
    assert found(result) == [(14, "it-on-listed-day", "warning")]


def test_severity(project: Path) -> None:
    config(
        project / "blinacheck.toml",
        'rules = ["rules"]\n'
        "[severity]\n"
        'it-on-listed-day = "info"\n'
        'daily-dose-above-cap = "warning"\n',
    )
    result = lint("--format", "json", "plans/plan.yaml")
    assert found(result) == [
        (11, "daily-dose-above-cap", "warning"),
        (14, "it-on-listed-day", "info"),
    ]


def test_params(project: Path) -> None:
    # 30 mcg/day is within a cap of 30 (an integer is accepted for a decimal parameter); IT is
    # now flagged on Day 15 instead of Day 1, with the configured label in the message.
    config(
        project / "blinacheck.toml",
        'rules = ["rules"]\n'
        "[params.daily-dose-above-cap]\n"
        "max_mcg_per_day = 30\n"
        "[params.it-on-listed-day]\n"
        'days = [15]\nlabel = "local rule: no IT on Day 15"\n',
    )
    result = lint("--format", "json", "plans/plan.yaml")
    assert found(result) == [(13, "it-on-listed-day", "warning")]
    message = json.loads(result.stdout)["findings"][0]["message"]
    assert message == "IT methotrexate on Day 15 of cycle 1 (local rule: no IT on Day 15)"


def test_params_bool(project: Path) -> None:
    config(
        project / "blinacheck.toml",
        'rules = ["rules"]\nparams = {it-on-listed-day = {check = false}}\n',
    )
    assert found(lint("--format", "json", "plans/plan.yaml")) == [
        (11, "daily-dose-above-cap", "error")
    ]


def test_fail_on(project: Path) -> None:
    config(
        project / "blinacheck.toml",
        'rules = ["rules"]\nignore = ["daily-dose-above-cap"]\nfail-on = "error"\n',
    )
    assert lint("plans/plan.yaml").exit_code == 0  # only a warning left
    assert lint("--fail-on", "warning", "plans/plan.yaml").exit_code == 1  # command line wins


def test_per_file_ignores(project: Path) -> None:
    shutil.copy(project / "plans" / "plan.yaml", project / "plans" / "template.yaml")
    config(
        project / "blinacheck.toml",
        'rules = ["rules"]\n'
        "[per-file-ignores]\n"
        '"template.yaml" = ["daily-dose-above-cap"]\n'
        '"plans/p*.yaml" = ["it-on-listed-day"]\n',
    )
    result = lint("--format", "json", "plans")
    data = json.loads(result.stdout)
    got = [(f["path"], f["line"], f["rule"]) for f in data["findings"]]
    assert got == [
        ("plans/plan.yaml", 11, "daily-dose-above-cap"),
        ("plans/template.yaml", 14, "it-on-listed-day"),
    ]


def test_exclude_applies_to_directory_search(project: Path) -> None:
    (project / "plans" / "drafts").mkdir()
    shutil.copy(project / "plans" / "plan.yaml", project / "plans" / "drafts" / "draft.yaml")
    shutil.copy(project / "plans" / "plan.yaml", project / "plans" / "old.yaml")
    config(
        project / "blinacheck.toml", 'rules = ["rules"]\nexclude = ["drafts", "plans/old.yaml"]\n'
    )
    data = json.loads(lint("--format", "json", ".").stdout)
    assert {f["path"] for f in data["findings"]} == {"./plans/plan.yaml"}
    assert data["summary"]["files"] == 1
    # A file named on the command line is always linted ...
    named = json.loads(lint("--format", "json", "plans/old.yaml").stdout)
    assert named["summary"]["files"] == 1
    # ... except with --only-plans (the pre-commit hook), which treats it like a found file.
    hook = json.loads(lint("--only-plans", "--format", "json", "plans/old.yaml").stdout)
    assert hook["summary"]["files"] == 0


def test_override_checks_can_be_ignored_or_regraded(project: Path) -> None:
    path = project / "plans" / "plan.yaml"
    path.write_text(
        PLAN.replace(
            "dose: 15 mg}\n      - {day: 1",
            "dose: 15 mg}  # blinacheck: ignore[it-on-listed-day] -- x\n      - {day: 1",
        ),
        encoding="utf-8",
    )
    config(project / "blinacheck.toml", 'rules = ["rules"]\n')
    assert (13, "unused-suppression", "info") in found(lint("--format", "json", "plans/plan.yaml"))
    config(
        project / "blinacheck.toml",
        'rules = ["rules"]\nseverity = {unused-suppression = "warning"}\n',
    )
    assert (13, "unused-suppression", "warning") in found(
        lint("--format", "json", "plans/plan.yaml")
    )
    config(project / "blinacheck.toml", 'rules = ["rules"]\nignore = ["unused-suppression"]\n')
    assert found(lint("--format", "json", "plans/plan.yaml")) == BOTH


# ----------------------------------------------------------------------------- command line


def test_command_line_select_and_ignore_win(project: Path) -> None:
    config(project / "blinacheck.toml", 'rules = ["rules"]\nignore = ["it-on-listed-day"]\n')
    # --select replaces the file's selection, re-enabling a rule the file ignores.
    result = lint("--select", "it-on-listed-day", "--format", "json", "plans/plan.yaml")
    assert found(result) == [(14, "it-on-listed-day", "warning")]
    # Comma-separated, ruff-style; --ignore removes from the selection.
    result = lint(
        "--select", "it-on-listed-day,daily-dose-above-cap", "--ignore", "daily-dose-above-cap",
        "--format", "json", "plans/plan.yaml",
    )  # fmt: skip
    assert found(result) == [(14, "it-on-listed-day", "warning")]


def test_command_line_rules_add_to_the_file(project: Path) -> None:
    shutil.copytree(project / "rules", project / "more-rules")
    (project / "more-rules" / "test-rules.yaml").unlink()
    (project / "more-rules" / "extra.yaml").write_text(
        (FIXTURES / "rules" / "test-rules.yaml")
        .read_text(encoding="utf-8")
        .replace("id: it-on-listed-day", "id: it-on-listed-day-copy")
        .replace("id: daily-dose-above-cap", "id: daily-dose-above-cap-copy"),
        encoding="utf-8",
    )
    config(project / "blinacheck.toml", 'rules = ["rules"]\n')
    result = lint("--rules", "more-rules", "--format", "json", "plans/plan.yaml")
    assert [rule for _, rule, _ in found(result)] == [
        "daily-dose-above-cap",
        "daily-dose-above-cap-copy",
        "it-on-listed-day",
        "it-on-listed-day-copy",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--select", "it-on-listed-dy"],
            "--select: unknown rule id 'it-on-listed-dy' (did you mean 'it-on-listed-day'?)",
        ),
        (["--ignore", "nope"], "--ignore: unknown rule id 'nope'"),
        (["--ignore", "invalid-plan"], "--ignore: 'invalid-plan' cannot be configured"),
        (
            ["--select", "unused-suppression"],
            "--select: 'unused-suppression' is a check of overrides",
        ),
    ],
)
def test_command_line_errors(project: Path, args: list[str], message: str) -> None:
    result = lint("--rules", "rules", *args, "plans/plan.yaml")
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


# ----------------------------------------------------------------------------- errors


R = 'rules = ["rules"]\n'  # line 1 of most configurations below


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (R + 'selekt = ["x"]\n', "blinacheck.toml:2: selekt: unknown key (did you mean 'select'?)"),
        (
            R + 'select = ["it-on-listed-dy"]\n',
            "blinacheck.toml:2: select[0]: unknown rule id 'it-on-listed-dy' "
            "(did you mean 'it-on-listed-day'?)",
        ),
        (
            R + 'ignore = "it-on-listed-day"\n',
            "blinacheck.toml:2: ignore: must be a list of rule ids",
        ),
        (
            R + 'ignore = ["invalid-plan"]\n',
            "blinacheck.toml:2: ignore[0]: 'invalid-plan' cannot be configured",
        ),
        (
            R + '[severity]\nit-on-listed-day = "low"\n',
            "blinacheck.toml:3: severity.it-on-listed-day: 'low' is not a severity; "
            "use one of: error, warning, info",
        ),
        (
            R + '[severity]\nno-such-rule = "info"\n',
            "blinacheck.toml:3: severity.no-such-rule: unknown rule id 'no-such-rule'",
        ),
        (R + "[params.nope]\nx = 1\n", "blinacheck.toml:2: params.nope: unknown rule id 'nope'"),
        (
            R + "[params.daily-dose-above-cap]\nmax_mcg_per_dy = 30\n",
            "blinacheck.toml:3: params.daily-dose-above-cap.max_mcg_per_dy: rule "
            "'daily-dose-above-cap' has no parameter 'max_mcg_per_dy' "
            "(did you mean 'max_mcg_per_day'?)",
        ),
        (
            R + '[params.daily-dose-above-cap]\nmax_mcg_per_day = "30"\n',
            "blinacheck.toml:3: params.daily-dose-above-cap.max_mcg_per_day: must be a number "
            'like the rule\'s default 28.0, not "30"',
        ),
        (
            R + "params = {it-on-listed-day = {days = [1, 1.5]}}\n",
            "blinacheck.toml:2: params.it-on-listed-day.days: must be a list of whole numbers "
            "like the rule's default [1], not [1, 1.5]",
        ),
        (
            R + "params = {it-on-listed-day = {check = 1}}\n",
            "blinacheck.toml:2: params.it-on-listed-day.check: must be true or false",
        ),
        (
            R + 'fail-on = "sometimes"\n',
            "blinacheck.toml:2: fail-on: 'sometimes' is not one of: error, warning, info, never",
        ),
        (
            R + '[per-file-ignores]\n"*.yaml" = ["nope"]\n',
            "blinacheck.toml:3: per-file-ignores.\"*.yaml\"[0]: unknown rule id 'nope'",
        ),
        (R + "exclude = [1]\n", "blinacheck.toml:2: exclude: must be a list of strings"),
        (
            'rules = ["missing-dir"]\n',
            "blinacheck.toml:1: rules[0]: 'missing-dir' is not a directory",
        ),
        (R + "select = [\n", "blinacheck.toml: invalid TOML: Invalid value (at end of document)"),
        (
            R + '[severity]\nit-on-listed-day "info"\n',
            "blinacheck.toml:3:18: invalid TOML: Expected '=' after a key in a key/value pair",
        ),
    ],
)
def test_config_errors_name_file_line_and_key(project: Path, text: str, message: str) -> None:
    config(project / "blinacheck.toml", text)
    result = lint("plans/plan.yaml")
    assert result.exit_code == 2
    assert message in result.stderr, result.stderr
    assert result.stdout == ""


def test_error_in_pyproject_names_the_full_key(project: Path) -> None:
    config(
        project / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.blinacheck]\nrules = ["rules"]\n\n'
        "[tool.blinacheck.params.it-on-listed-day]\nlabel = 3\n",
    )
    result = lint("plans/plan.yaml")
    assert result.exit_code == 2
    assert (
        "pyproject.toml:8: tool.blinacheck.params.it-on-listed-day.label: must be a text"
        in result.stderr
    )


# ----------------------------------------------------------------------------- the docs


def _toml_blocks() -> list[str]:
    text = (Path(__file__).parent.parent / "docs" / "configuration.md").read_text(encoding="utf-8")
    return re.findall(r"```toml\n(.*?)```", text, flags=re.DOTALL)


@pytest.mark.parametrize("block", _toml_blocks())
def test_every_configuration_in_the_docs_works(
    block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(Path(__file__).parent.parent / "examples", tmp_path / "examples")
    for directory in ("rules/house", "rules/trial-e1910"):  # the docs' rule directories
        (tmp_path / directory).mkdir(parents=True, exist_ok=True)
    name = "pyproject.toml" if "[tool.blinacheck" in block else "blinacheck.toml"
    config(tmp_path / name, block)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["lint", "examples"], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.stderr
    assert "examples/" in result.stdout or "0 errors, 0 warnings" in result.stdout


def test_docs_show_every_key() -> None:
    from blinacheck.policy.config import KEYS

    text = (Path(__file__).parent.parent / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert all(f"| `{key}` |" in text for key in KEYS)
