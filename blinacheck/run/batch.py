"""Lint many files: discovery, then each file through the one-file pipeline, in order."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..engine.ruleset import RuleSet
from ..read.source import DEFAULT_MAX_BYTES
from ..results.files import FileResult, LintReport
from .discovery import STDIN, discover
from .jobs import processes
from .lint import lint_file


def lint_paths(
    paths: Iterable[str],
    ruleset: RuleSet,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    exclude: Callable[[str], bool] | None = None,
    only_plans: bool = False,
    jobs: int | None = 1,
    stdin_name: str = "<stdin>",
    timelines: bool = True,
) -> LintReport:
    """Lint files and folders (``-``: standard input, named ``stdin_name`` in the findings).
    ``jobs``: processes to use; None picks (see jobs.auto_jobs). With more than one job the
    output is identical, in the same order (docs/performance.md). ``timelines=False``: results
    from worker processes may carry no timeline (for outputs that draw no calendar).
    """
    report = LintReport()
    files = list(discover(list(paths), exclude=exclude, only_plans=only_plans))
    results: Iterable[FileResult] = (
        lint_file(file, ruleset, explicit=explicit, max_bytes=max_bytes, stdin_name=stdin_name)
        for file, explicit in files
    )
    jobs = processes(jobs, len(files))
    if jobs > 1 and (STDIN, True) not in files:  # one stdin, one process
        from . import parallel  # only now: multiprocessing costs a one-file run ~9 ms

        try:
            spec = parallel.spec_of(ruleset)
        except parallel.NotRebuildable:
            spec = None  # rules compiled from text in memory: one process it is
        if spec is not None:
            results = parallel.lint_files(
                files, spec, max_bytes=max_bytes, jobs=jobs, timelines=timelines
            )
    for (file, _), result in zip(files, results, strict=True):
        if result.is_plan:
            report.results.append(result)
        else:
            report.skipped.append(file)
    return report
