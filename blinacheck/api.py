"""The public Python API of blinacheck (docs/api.md). The command line uses this and nothing else.

Everything here is also available as ``blinacheck.<name>``, loaded on first use so that
``import blinacheck`` stays cheap. The objects returned are the ones the reporters render:
:class:`Finding` (rule id, severity, message, file, line, column, evidence, suppression),
gathered per file in :class:`FileResult` and per run in :class:`LintReport`.

For example (``text`` holds a plan)::

    from blinacheck import lint_text, render

    result = lint_text(text)  # the built-in rules unless a RuleSet or Settings is given
    print([(f.rule, str(f.severity), f.line) for f in result.findings])
    print(render(result, "sarif"))
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .engine import ruleset as _ruleset
from .engine.ruleset import Rule, RuleSet, RuleSetError
from .plan.schema import plan_schema
from .policy import config as _config
from .policy.baseline import BaselineError
from .policy.config import ConfigError, Settings
from .read.source import DEFAULT_MAX_BYTES
from .report import FORMATS, RenderOptions
from .report import get as _reporter
from .results.display import printable
from .results.files import FAIL_ON, FileResult, LintReport
from .results.findings import Evidence, Finding, Severity, Suppression
from .results.record import RecordContext
from .run import pipeline as _pipeline
from .run.discovery import PathError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FAIL_ON",
    "FORMATS",
    "BaselineError",
    "ConfigError",
    "Evidence",
    "FileResult",
    "Finding",
    "LintReport",
    "PathError",
    "Rule",
    "RuleSet",
    "RuleSetError",
    "Settings",
    "Severity",
    "Suppression",
    "builtin_ruleset",
    "convert_file",
    "lint_file",
    "lint_paths",
    "lint_text",
    "load_rules",
    "load_settings",
    "plan_schema",
    "printable",
    "render",
]


def load_rules(rule_dirs: Iterable[str] = (), *, builtin: bool = True) -> RuleSet:
    """Load and compile the built-in rules (unless ``builtin=False``) and every rule directory.

    Raises :class:`RuleSetError` listing every problem (``file:line:col: message``).
    """
    return _ruleset.load(rule_dirs, builtin=builtin)


@functools.cache
def builtin_ruleset() -> RuleSet:
    """The built-in rules, loaded once per process (rules compile once, then are read-only)."""
    return load_rules()


def load_settings(
    config: str | None = None,
    *,
    isolated: bool = False,
    rule_dirs: Iterable[str] = (),
    builtin: bool = True,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] = (),
    fail_on: str | None = None,
    cwd: str | None = None,
) -> Settings:
    """The settings ``blinacheck lint`` would use with these options: the configuration file
    (``config``, else the one found from ``cwd`` or the current directory; none if
    ``isolated``), the rules it names plus ``rule_dirs``, select/ignore, severities, params,
    per-file ignores, exclude and fail-on (docs/configuration.md). Raises :class:`ConfigError`.
    """
    cli = _config.CommandLine(
        config=config,
        isolated=isolated,
        select=tuple(select) if select is not None else None,
        ignore=tuple(ignore),
        rule_dirs=tuple(rule_dirs),
        builtin=builtin,
        fail_on=fail_on,
    )
    return _config.resolve(cli, cwd)


@functools.cache
def _builtin_settings() -> Settings:
    return Settings.for_ruleset(builtin_ruleset())


def _settings(rules: RuleSet | Settings | None) -> Settings:
    if rules is None:
        return _builtin_settings()
    if isinstance(rules, Settings):
        return rules
    return Settings.for_ruleset(rules)


def lint_text(
    text: str, ruleset: RuleSet | Settings | None = None, *, path: str = "<text>"
) -> FileResult:
    """Lint a plan given as YAML or JSON text. ``path`` is only the name used in findings."""
    return _pipeline.lint_text(text, _settings(ruleset), path)


def lint_file(
    path: str, ruleset: RuleSet | Settings | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> FileResult:
    """Lint one plan file. Raises :class:`PathError` if it cannot be read."""
    return _pipeline.lint_file(path, _settings(ruleset), max_bytes=max_bytes)


def lint_paths(
    paths: Iterable[str],
    ruleset: RuleSet | Settings | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    exclude: Callable[[str], bool] | None = None,
    only_plans: bool = False,
    jobs: int | None = 1,
    stdin_name: str = "<stdin>",
    baseline: str | None = None,
    write_baseline: str | None = None,
    timelines: bool = True,
) -> LintReport:
    """Lint files and directories (searched for ``*.yaml``, ``*.yml``, ``*.json`` plans).

    A file named explicitly is always linted; a file found in a directory is linted only if it
    declares ``blinacheck:`` at the top (others are listed in ``report.skipped``). Raises
    :class:`PathError` for a path that does not exist or cannot be read. ``exclude(path)``
    prunes files and directories; ``only_plans`` treats named files like found ones (skip
    non-plans and excluded files, as the pre-commit hook wants). ``jobs`` lints in that many
    processes (None: every CPU for 50 files or more), with identical output in the same order.
    The path ``-`` reads a plan from standard input, reported as ``stdin_name``.
    ``baseline`` / ``write_baseline``: as ``--baseline`` / ``--write-baseline`` (raise
    :class:`BaselineError`). ``report.notes`` holds what the run says besides findings.
    ``timelines=False`` lets results linted in worker processes come back without their
    timeline, which only the calendar outputs (html, pdf) read: a batch's main process then
    receives much less (the findings are the same).
    """
    return _pipeline.lint_paths(
        paths,
        _settings(ruleset),
        max_bytes=max_bytes,
        exclude=exclude,
        only_plans=only_plans,
        jobs=jobs,
        stdin_name=stdin_name,
        baseline_file=baseline,
        write_baseline=write_baseline,
        timelines=timelines,
    )


def convert_file(path: str, to: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """Convert a plan file (YAML/JSON plan or FHIR; ``-`` is standard input) to ``to``:
    ``fhir-r4``, ``fhir-r5`` or ``yaml`` (docs/fhir.md). Returns an object with ``text`` (None
    when the plan is not valid) and ``findings`` (its invalid-plan findings then). Raises
    :class:`PathError` if the file cannot be read."""
    import sys

    from .run import convert

    if to not in convert.TARGETS:
        raise ValueError(f"unknown target '{to}'; choose one of {', '.join(convert.TARGETS)}")
    if path == "-":
        raw = sys.stdin.buffer.read(max_bytes + 1)
    else:
        try:
            with open(path, "rb") as handle:
                raw = handle.read(max_bytes + 1)
        except OSError as exc:
            raise PathError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return convert.convert_bytes(raw, "<stdin>" if path == "-" else path, to, max_bytes=max_bytes)


def render(
    report: LintReport | FileResult,
    format: str = "text",
    *,
    ruleset: RuleSet | None = None,
    color: bool = False,
    verbose: bool = False,
    record: RecordContext | None = None,
    omit_suppressed: bool = False,
    docs_url: str | None = None,
) -> str:
    """Render findings as the CLI prints them; ``format`` is one of :data:`FORMATS`.

    ``ruleset`` lets the ``sarif`` format describe every loaded rule, not only those that fired.
    ``record`` (see :func:`record_context`) fills the html format's verification header.
    For ``sarif``, ``omit_suppressed`` leaves overridden and baselined findings out, and
    ``docs_url`` (where blinacheck's docs/ are published) gives ``informationUri`` and each
    rule's ``helpUri`` (docs/ci.md).
    """
    if format not in FORMATS:
        raise ValueError(f"unknown format '{format}'; choose one of {', '.join(FORMATS)}")
    if isinstance(report, FileResult):
        report = LintReport(results=[report])
    options = RenderOptions(
        color=color,
        verbose=verbose,
        ruleset=ruleset,
        record=record,
        omit_suppressed=omit_suppressed,
        docs_url=docs_url,
    )
    return _reporter(format)(report, options)


# The rest of the library that the commands build on (docs/api.md, "For the commands"): rule
# tests, the rule catalogue, the calendar model, the batch memory setting, the rule cache.
# Loaded on first access (PEP 562), so that `blinacheck lint` on a plan never imports the code
# of `calendar` or `explain`. Not in __all__: they are not part of the stable API.
if TYPE_CHECKING:  # the real objects, for type checkers; at run time see __getattr__
    from . import ruletest as ruletest
    from .engine import fields as fields
    from .engine import rule_cache as rule_cache
    from .plan import draft as draft
    from .report import calendar as calendar
    from .report import catalogue as catalogue
    from .report import pdf as pdf
    from .report.text import summary_line as summary_line
    from .run.identity import record_context as record_context
    from .run.memory import collect_rarely as collect_rarely

_LAZY = {
    "collect_rarely": ("blinacheck.run.memory", "collect_rarely"),
    "rule_cache": ("blinacheck.engine.rule_cache", None),
    "summary_line": ("blinacheck.report.text", "summary_line"),
    "ruletest": ("blinacheck.ruletest", None),
    "fields": ("blinacheck.engine.fields", None),
    "catalogue": ("blinacheck.report.catalogue", None),
    "calendar": ("blinacheck.report.calendar", None),
    "draft": ("blinacheck.plan.draft", None),
    "record_context": ("blinacheck.run.identity", "record_context"),
    "pdf": ("blinacheck.report.pdf", None),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'blinacheck.api' has no attribute {name!r}")
    import importlib

    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value
