"""The fuzzer's invariants, checked on one case or on a batch of cases (docs/limits.md).

- no exception escapes linting, any output format, or the calendar;
- no case takes over 2 s of CPU;
- every invalid-plan finding is located inside the file (the line-end rule of read/source.py);
- no built-in rule reports a rule-error on a valid plan;
- output is deterministic, and identical with --jobs 1 and --jobs 2 (checked on batches);
- the files linted are never written.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from blinacheck import LintReport, RuleSet, lint_paths, render
from blinacheck.read.source import lines_of
from blinacheck.run.lint import lint_bytes

CPU_LIMIT_SECONDS = 2.0
FORMATS = ("text", "json", "sarif", "github", "html")


@dataclass
class Figures:
    cases: int = 0
    valid: int = 0
    invalid: int = 0
    findings: int = 0
    batches: int = 0
    slowest: float = 0.0
    slowest_case: str = ""
    cpu: float = 0.0
    problems: list[str] = field(default_factory=list)


def _located_inside(raw: bytes, report: LintReport) -> list[str]:
    text = raw.decode("utf-8", "replace").removeprefix("\ufeff")
    lines = lines_of(text)
    problems = []
    for finding in report.findings:
        if finding.rule != "invalid-plan":
            continue
        line, column = finding.line, finding.column
        if line == len(lines) + 1 and column == 1:  # the end of the file, after its last line end
            continue
        if not 1 <= line <= max(len(lines), 1):
            problems.append(f"invalid-plan at line {line} of {len(lines)}: {finding.message}")
        elif not 1 <= column <= len(lines[line - 1] if lines else "") + 1:
            problems.append(
                f"invalid-plan at {line}:{column}, the line has {len(lines[line - 1])} "
                f"characters: {finding.message}"
            )
    return problems


def check_case(raw: bytes, ruleset: RuleSet, *, all_formats: bool, figures: Figures) -> list[str]:
    """The invariants of one case, linted in this process; the problems found."""
    from blinacheck.commands.calendar import render_text

    start = time.process_time()
    problems: list[str] = []
    try:
        result = lint_bytes(raw, "case.yaml", ruleset)
        report = LintReport(results=[result])
        outputs = [
            render(report, name, ruleset=ruleset)
            for name in (FORMATS if all_formats else ("text", "json"))
        ]
        if all_formats:
            outputs.append(render_text(report))
        again = lint_bytes(raw, "case.yaml", ruleset)
        if render(LintReport(results=[again]), "json") != outputs[1]:
            problems.append("the same bytes linted twice gave different JSON")
    except Exception as exc:
        return [f"exception: {type(exc).__name__}: {exc}"]
    cpu = time.process_time() - start
    figures.cases += 1
    figures.cpu += cpu
    if cpu > figures.slowest:
        figures.slowest = cpu
    if cpu > CPU_LIMIT_SECONDS:
        problems.append(f"took {cpu:.2f} s of CPU")
    rules = {f.rule for f in result.findings}
    figures.findings += len(result.findings)
    if "invalid-plan" in rules:
        figures.invalid += 1
    elif result.timeline is not None:
        figures.valid += 1
        errors = [f.message for f in result.findings if f.rule == "rule-error"]
        if errors:
            problems.append(f"rule-error on a valid plan: {errors[0]}")
    problems += _located_inside(raw, report)
    return problems


def _digest(folder: Path) -> dict[str, str]:
    return {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
        for name in sorted(os.listdir(folder))
    }


def check_batch(cases: list[bytes], ruleset: RuleSet, folder: Path) -> list[str]:
    """Lint the cases as files of one folder with --jobs 1 and 2: same output, files unchanged."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, raw in enumerate(cases):
        (folder / f"case-{index:04d}.yaml").write_bytes(raw)
    before = _digest(folder)
    try:
        one = render(lint_paths([str(folder)], ruleset, jobs=1), "json")
        two = render(lint_paths([str(folder)], ruleset, jobs=2), "json")
    except Exception as exc:
        return [f"exception in a batch: {type(exc).__name__}: {exc}"]
    problems = []
    if one != two:
        problems.append("--jobs 1 and --jobs 2 gave different output")
    if _digest(folder) != before:
        problems.append("a linted file was written")
    return problems
