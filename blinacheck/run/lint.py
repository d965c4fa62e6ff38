"""Lint plans: the library entry points that the CLI (and anyone else) calls.

source -> plan -> timeline -> rules -> findings, one file at a time; a file never affects another.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from ..engine import evaluate
from ..engine.ruleset import RuleSet
from ..plan import models as plan_module
from ..read.source import (
    DEFAULT_MAX_BYTES,
    Document,
    NotRegularFile,
    SourceError,
    load_bytes,
    read_regular_file,
)
from ..results.findings import INVALID_PLAN, Evidence, Finding, Severity, sort_findings
from ..timeline import views as timeline_module

PLAN_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"  # as a path: read the plan from standard input (an editor's unsaved buffer)
# A file found in a folder that cannot be read as YAML is still reported when it says it is a
# plan: a tab or a typo must not make a plan drop silently out of a pre-commit check.
_MEANT_AS_PLAN = re.compile(rb"""(?m)^(\xef\xbb\xbf)?[ \t{]*["']?blinacheck["']?[ \t]*:""")
_MEANT_AS_PLAN_WINDOW = 64 * 1024
_FORMAT_EVIDENCE = (Evidence("blinacheck plan-file format, docs/plan-format.md"),)


class PathError(Exception):
    """A path that cannot be read at all (exit code 2)."""


@dataclass
class FileResult:
    """What linting one file produced."""

    path: str
    findings: list[Finding]
    document: Document | None = None
    timeline: timeline_module.Timeline | None = None
    plan: plan_module.Plan | None = None
    is_plan: bool = True


@dataclass
class LintReport:
    results: list[FileResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return sort_findings([f for r in self.results for f in r.findings])

    def counts(self, *, include_suppressed: bool = False) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        for finding in self.findings:
            if finding.suppressed is None or include_suppressed:
                counts[str(finding.severity)] += 1
        return counts


def invalid(path: str, line: int, column: int, message: str, subject: str = "") -> Finding:
    return Finding(
        rule=INVALID_PLAN,
        severity=Severity.ERROR,
        message=message,
        path=path,
        line=line,
        column=column,
        evidence=_FORMAT_EVIDENCE,
        subject=subject,
        title="The plan file is not valid",
    )


def read_document(raw: bytes, path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    if path.endswith(".json"):
        # JSON allows tabs as whitespace where YAML does not; outside strings (inside them JSON
        # forbids raw tabs) a tab and a space are the same one column wide, so positions hold.
        raw = raw.replace(b"\t", b" ")
    return load_bytes(raw, max_bytes=max_bytes)


def lint_bytes(
    raw: bytes,
    path: str,
    ruleset: RuleSet,
    *,
    explicit: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> FileResult:
    """Lint one file's content. A non-plan file met by directory search is marked is_plan=False."""
    try:
        document = read_document(raw, path, max_bytes)
    except SourceError as exc:
        if not explicit and not _MEANT_AS_PLAN.search(raw[:_MEANT_AS_PLAN_WINDOW]):
            return FileResult(path, [], is_plan=False)
        return FileResult(path, [invalid(path, p.line, p.column, p.message) for p in exc.problems])
    if not explicit and not (isinstance(document.data, dict) and "blinacheck" in document.data):
        return FileResult(path, [], document, is_plan=False)
    plan, problems = plan_module.validate(document)
    if plan is None:
        findings = []
        for problem in problems:
            line, column = document.locate(problem.path, key=problem.at_key)
            pointer = "/" + "/".join(str(p) for p in problem.path)
            findings.append(invalid(path, line, column, problem.message, pointer))
        return FileResult(path, sort_findings(findings), document)
    timeline = timeline_module.build(plan)
    findings = evaluate.apply(ruleset, timeline, document, path)
    return FileResult(path, sort_findings(findings), document, timeline, plan)


def lint_text(text: str, ruleset: RuleSet, path: str = "<text>") -> FileResult:
    """Lint plan text (YAML or JSON) given as a string."""
    return lint_bytes(text.encode("utf-8"), path, ruleset)


def lint_file(
    path: str,
    ruleset: RuleSet,
    *,
    explicit: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    stdin_name: str = "<stdin>",
) -> FileResult:
    """Lint one file; ``-`` reads standard input, reported under ``stdin_name``.

    A file named explicitly that cannot be read raises PathError (exit code 2). A file met by
    directory search that cannot be read (a FIFO, a device, a dangling symbolic link, a folder
    that cannot be searched, no permission) is an invalid-plan finding for that path: the
    other files are still linted and reported, and nothing is skipped in silence.
    """
    if path == STDIN:
        raw = sys.stdin.buffer.read(max_bytes + 1)
        return lint_bytes(raw, stdin_name, ruleset, max_bytes=max_bytes)
    try:
        raw = read_regular_file(path, max_bytes + 1)
    except OSError as exc:
        if explicit:
            raise PathError(f"{path}: cannot read: {exc.strerror or exc}") from None
        return FileResult(path, [invalid(path, 1, 1, _unreadable(path, exc))])
    return lint_bytes(raw, path, ruleset, explicit=explicit, max_bytes=max_bytes)


def _unreadable(path: str, exc: OSError) -> str:
    if isinstance(exc, NotRegularFile) and os.path.isdir(path):
        # Met by directory search only when the search could not list it (discover).
        try:
            os.listdir(path)
            reason = "its files could not be listed"
        except OSError as error:
            reason = error.strerror or str(error)
        return f"folder cannot be searched: {reason}; the plans in it are not checked"
    if isinstance(exc, NotRegularFile):
        reason = str(exc)
    elif os.path.islink(path) and not os.path.exists(path):
        reason = f"it is a symbolic link to '{os.readlink(path)}', which does not exist"
    else:
        reason = exc.strerror or str(exc)
    return f"cannot be read: {reason}; blinacheck reads plan files only from regular files"


def discover(
    paths: Iterable[str],
    *,
    exclude: Callable[[str], bool] | None = None,
    only_plans: bool = False,
) -> Iterator[tuple[str, bool]]:
    """Files to lint, each with whether it was named explicitly. Raise PathError for bad paths.

    ``exclude`` (config ``exclude``) prunes directory searches. With ``only_plans`` (the
    pre-commit hook) a named file is treated like a file found in a directory: excluded files
    are left out, and non-plans are skipped instead of reported.
    """
    excluded = exclude or (lambda _path: False)
    for path in paths:
        if path == STDIN:
            yield path, True
        elif os.path.isdir(path):
            found: list[str] = []
            # A sub-folder that cannot be listed is reported (lint_file), never skipped in
            # silence; the folder named itself must be listable.
            unlisted: list[OSError] = []
            for root, dirs, files in os.walk(path, onerror=unlisted.append):
                dirs[:] = sorted(
                    d for d in dirs if not d.startswith(".") and not excluded(os.path.join(root, d))
                )
                found += [os.path.join(root, f) for f in files if f.endswith(PLAN_SUFFIXES)]
            for error in unlisted:
                if error.filename == path:
                    raise PathError(f"{path}: cannot read: {error.strerror or error}")
                found.append(str(error.filename))
            for file in sorted(found):
                if not excluded(file):
                    yield file, False
        elif os.path.isfile(path):
            if not (only_plans and excluded(path)):
                # With only_plans a named file is judged like a found one: skipped unless it
                # is, or says it is, a plan (see _MEANT_AS_PLAN).
                yield path, not only_plans
        elif os.path.exists(path):
            raise PathError(f"{path}: not a regular file or directory")
        else:
            raise PathError(f"{path}: no such file or directory")


def collect_rarely() -> None:
    """Tune CPython's cyclic garbage collector for a batch run (a process-wide choice: the CLI
    and the parallel workers make it, the library never does).

    Linting allocates many small containers (parsed plans, timelines) that are kept until the
    report is printed and that reference counting frees anyway; by default the collector rescans
    that growing heap again and again (about a sixth of a 3,000-plan batch). What is alive now
    (modules, the compiled rules) is frozen out of its scans, and it runs rarely.
    """
    import gc

    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def lint_paths(
    paths: Iterable[str],
    ruleset: RuleSet,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    exclude: Callable[[str], bool] | None = None,
    only_plans: bool = False,
    jobs: int | None = 1,
    stdin_name: str = "<stdin>",
) -> LintReport:
    """Lint files and folders (``-``: standard input, named ``stdin_name`` in the findings).
    ``jobs``: processes to use; None picks (see parallel.auto_jobs). With more than one job the
    output is identical, in the same order (docs/performance.md).
    """
    report = LintReport()
    files = list(discover(list(paths), exclude=exclude, only_plans=only_plans))
    results: Iterable[FileResult] = (
        lint_file(file, ruleset, explicit=explicit, max_bytes=max_bytes, stdin_name=stdin_name)
        for file, explicit in files
    )
    if (jobs is None or jobs > 1) and (STDIN, True) not in files:  # one stdin, one process
        from . import parallel

        jobs = parallel.auto_jobs(len(files)) if jobs is None else min(jobs, len(files))
        if jobs > 1:
            try:
                spec = parallel.spec_of(ruleset)
            except parallel.NotRebuildable:
                spec = None  # rules compiled from text in memory: one process it is
            if spec is not None:
                results = parallel.lint_files(files, spec, max_bytes=max_bytes, jobs=jobs)
    for (file, _), result in zip(files, results, strict=True):
        if result.is_plan:
            report.results.append(result)
        else:
            report.skipped.append(file)
    return report
