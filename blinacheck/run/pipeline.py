"""The one pipeline every entry point runs: lint, then apply the user's policy.

read -> plan -> timeline -> rules -> findings (:mod:`.batch`, :mod:`.lint`), then policy
(:mod:`blinacheck.policy`): the configuration's select, ignore, severities and params are in
``settings.ruleset``; per-file ignores, inline directives and the baseline are applied here.
``blinacheck lint``, ``blinacheck calendar``, the HTML report and the Python API all call these
functions, so they answer the same for the same plan and settings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..policy import overrides
from ..policy.config import Settings
from ..read.source import DEFAULT_MAX_BYTES
from ..results.files import FileResult, LintReport
from . import batch, lint


def lint_paths(
    paths: Iterable[str],
    settings: Settings,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    exclude: Callable[[str], bool] | None = None,
    only_plans: bool = False,
    jobs: int | None = 1,
    stdin_name: str = "<stdin>",
    baseline_file: str | None = None,
    write_baseline: str | None = None,
    timelines: bool = True,
) -> LintReport:
    """Lint files and folders with ``settings``; ``report.notes`` has the run's notes.

    ``exclude`` replaces the configuration's ``exclude``. Raises PathError (a path that
    cannot be read) and BaselineError.
    """
    if exclude is None and settings.exclude is not None:
        exclude = settings.exclude.matches
    report = batch.lint_paths(
        paths,
        settings.ruleset,
        max_bytes=max_bytes,
        exclude=exclude,
        only_plans=only_plans,
        jobs=jobs,
        stdin_name=stdin_name,
        timelines=timelines,
    )
    report, notes = overrides.run(
        report, settings.policy, baseline_file=baseline_file, write_baseline=write_baseline
    )
    report.notes = [*settings.notes, *notes]
    return report


def lint_file(path: str, settings: Settings, *, max_bytes: int = DEFAULT_MAX_BYTES) -> FileResult:
    """One named file with ``settings`` applied. Raises PathError."""
    return _one(lint.lint_file(path, settings.ruleset, max_bytes=max_bytes), settings)


def lint_text(text: str, settings: Settings, path: str = "<text>") -> FileResult:
    """Plan text with ``settings`` applied; ``path`` names it in findings and per-file ignores."""
    return _one(lint.lint_text(text, settings.ruleset, path), settings)


def _one(result: FileResult, settings: Settings) -> FileResult:
    return overrides.apply(LintReport(results=[result]), settings.policy).results[0]
