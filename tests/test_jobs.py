"""--jobs: linting in parallel processes gives the output of one process, in the same order."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from blinacheck.engine.ruleset import RuleSet, compile_sources, load
from blinacheck.results.files import LintReport
from blinacheck.results.findings import Severity
from blinacheck.run import parallel
from blinacheck.run.batch import lint_paths

from .conftest import run_blinacheck

REPO = Path(__file__).resolve().parents[1]
HOSTILE = REPO / "tests" / "hostile"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """120 generated plans, a few broken ones, a YAML file that is not a plan, a subfolder."""
    root = tmp_path_factory.mktemp("plans")
    _generator().write(str(root / "generated"), 120, seed=11)
    for name in ("billion-laughs.yaml", "impossible-values.yaml", "tabs.yaml"):
        (root / name).write_bytes((HOSTILE / name).read_bytes())
    (root / "not-a-plan.yaml").write_text("name: a CI workflow\non: push\n")
    (root / "sub").mkdir()
    (root / "sub" / "a.yaml").write_bytes((HOSTILE / "normal.yaml").read_bytes())
    return root


def summary(report: LintReport) -> tuple[list[str], list[str], list[tuple[object, ...]]]:
    findings = [
        (f.path, f.line, f.column, f.rule, str(f.severity), f.message, f.subject)
        for f in report.findings
    ]
    return [r.path for r in report.results], report.skipped, findings


def test_the_folder_exercises_findings_errors_and_skips(folder: Path) -> None:
    report = lint_paths([str(folder)], load(), jobs=1)
    rules = {f.rule for f in report.findings}
    assert "invalid-plan" in rules and len(rules) >= 4
    # Unreadable YAML found in a folder is a plan when it says so (tabs.yaml), else skipped.
    assert report.skipped == [str(folder / n) for n in ("billion-laughs.yaml", "not-a-plan.yaml")]
    assert len(report.results) == 123
    tabs = [f for f in report.findings if f.path == str(folder / "tabs.yaml")]
    assert [(f.rule, f.line) for f in tabs] == [("invalid-plan", 7)]


def test_library_jobs_2_equals_jobs_1(folder: Path) -> None:
    ruleset = load()
    one = lint_paths([str(folder)], ruleset, jobs=1)
    two = lint_paths([str(folder)], ruleset, jobs=2)
    assert summary(two) == summary(one)
    # Each result keeps what the reporters need (source lines, the timeline).
    for a, b in zip(one.results, two.results, strict=True):
        assert (a.document is None) == (b.document is None)
        assert (a.timeline is None) == (b.timeline is None)
        if a.document is not None and b.document is not None:
            assert a.document.text == b.document.text
            assert a.document.key_positions == b.document.key_positions  # rebuilt on demand


def test_without_timelines_workers_send_findings_only(folder: Path) -> None:
    # What a format that draws no calendar asks for (lint --format text/json/sarif...): the
    # same findings, and no timeline to unpickle in the main process.
    ruleset = load()
    full = lint_paths([str(folder)], ruleset, jobs=2)
    lean = lint_paths([str(folder)], ruleset, jobs=2, timelines=False)
    assert summary(lean) == summary(full)
    assert sum(r.timeline is not None for r in full.results) > 100
    assert all(r.timeline is None for r in lean.results)
    assert [r.document is not None for r in lean.results] == [
        r.document is not None for r in full.results
    ]


@pytest.mark.parametrize("output_format", ["sarif", "html"])
def test_cli_reports_that_need_sources_or_calendars_are_identical(
    folder: Path, output_format: str, tmp_path: Path
) -> None:
    # SARIF reads the documents (region ends), html the timelines (the calendar): both the same
    # from worker processes, where lint sends timelines back for html only.
    plans = sorted(str(p) for p in (folder / "generated").glob("*.yaml"))[:60]
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"report-{jobs}.{output_format}"
        run_cli("--format", output_format, "--jobs", jobs, "-o", str(out), *plans)
        outputs.append(out.read_text(encoding="utf-8"))
    if output_format == "html":  # its header says when it was made
        outputs = [re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "TIME", o) for o in outputs]
        # the calendars are drawn: every plan's infusion days
        assert outputs[0].count('class="day day-infusion') > 60 * 20
    assert outputs[1] == outputs[0]


def test_order_follows_the_paths_given(folder: Path) -> None:
    files = sorted(str(p) for p in (folder / "generated").glob("*.yaml"))[:60]
    backwards = list(reversed(files))
    one = lint_paths(backwards, load(), jobs=1)
    two = lint_paths(backwards, load(), jobs=2)
    assert [r.path for r in two.results] == backwards
    assert summary(two) == summary(one)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_blinacheck("lint", "--isolated", *args, cwd=None, env={"NO_COLOR": "1"}, timeout=300)


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_cli_output_is_byte_identical(folder: Path, output_format: str) -> None:
    one = run_cli("--format", output_format, "--jobs", "1", "-v", str(folder))
    two = run_cli("--format", output_format, "--jobs", "2", "-v", str(folder))
    assert one.returncode == two.returncode == 1
    assert two.stdout == one.stdout
    assert two.stderr == one.stderr == ""


def test_cli_with_rule_selection_and_extra_rules(folder: Path) -> None:
    args = [
        "--format",
        "json",
        "--ignore",
        "it-on-infusion-day-1",
        "--rules",
        str(HOSTILE / "rules"),
    ]
    one = run_cli(*args, "--jobs", "1", str(folder))
    two = run_cli(*args, "--jobs", "2", str(folder))
    assert one.returncode == two.returncode == 1
    assert '"rule": "marker-intrathecal"' in one.stdout
    assert '"rule": "it-on-infusion-day-1"' not in one.stdout
    assert two.stdout == one.stdout


def test_cli_unreadable_path_exits_2_with_jobs(folder: Path) -> None:
    done = run_cli("--jobs", "2", str(folder), str(folder / "missing.yaml"))
    assert done.returncode == 2
    assert "missing.yaml: no such file or directory" in done.stderr
    assert "Traceback" not in done.stderr


def test_jobs_must_be_positive(folder: Path) -> None:
    done = run_cli("--jobs", "0", str(folder))
    assert done.returncode == 2
    assert "--jobs" in done.stderr


def test_spec_rebuilds_params_severity_and_order() -> None:
    loaded = load([str(HOSTILE / "rules")])
    changed = []
    for rule in reversed(loaded.rules):  # another order, as a configuration could not give
        if rule.id == "marker-intrathecal":
            rule = rule.with_severity(Severity.ERROR)
        elif rule.params:
            rule = rule.with_params({next(iter(rule.params)): 999})
        changed.append(rule)
    ruleset = RuleSet(changed)
    rebuilt = parallel.build_ruleset(parallel.spec_of(ruleset))

    def shape(rules: RuleSet) -> list[tuple[object, ...]]:
        return [
            (r.id, r.params, r.severity, len(r.severity_cases), r.file, r.line, r.when_text)
            for r in rules.rules
        ]

    assert shape(rebuilt) == shape(ruleset)
    assert any(r.params and 999 in r.params.values() for r in rebuilt.rules)


def test_rules_from_memory_fall_back_to_one_process(folder: Path) -> None:
    text = (HOSTILE / "rules" / "marker.yaml").read_bytes()
    ruleset = compile_sources([("<memory>/marker.yaml", text, False)])
    with pytest.raises(parallel.NotRebuildable):
        parallel.spec_of(ruleset)
    paths = [str(folder / "sub" / "a.yaml")] * 3
    report = lint_paths(paths, ruleset, jobs=2)
    assert [(f.rule, f.line) for f in report.findings] == [("marker-intrathecal", 11)] * 3 + [
        ("marker-intrathecal", 12)
    ] * 3


@pytest.mark.parametrize(("files", "expected"), [(1, 1), (parallel.AUTO_MIN_FILES - 1, 1)])
def test_auto_jobs_is_one_process_for_a_handful(files: int, expected: int) -> None:
    assert parallel.auto_jobs(files) == expected


def test_auto_jobs_uses_the_cpus_for_a_batch() -> None:
    assert parallel.auto_jobs(parallel.AUTO_MIN_FILES) == len(os.sched_getaffinity(0))
