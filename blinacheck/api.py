"""The public Python API of blinacheck (docs/api.md). The command line uses this and nothing else.

Everything here is also available as ``blinacheck.<name>``, loaded on first use so that
``import blinacheck`` stays cheap. The objects returned are the ones the reporters render:
:class:`Finding` (rule id, severity, message, file, line, column, evidence, suppression),
gathered per file in :class:`FileResult` and per run in :class:`LintReport`.

For example (``text`` holds a plan)::

    from blinacheck import lint_text, render

    result = lint_text(text)  # the built-in rules unless a RuleSet is given
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
from .read.source import DEFAULT_MAX_BYTES
from .report import FORMATS, RenderOptions
from .report import get as _reporter
from .results.display import printable
from .results.files import FileResult, LintReport
from .results.findings import Evidence, Finding, Severity, Suppression
from .run import batch as _batch
from .run import lint as _lint
from .run.discovery import PathError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMATS",
    "Evidence",
    "FileResult",
    "Finding",
    "LintReport",
    "PathError",
    "Rule",
    "RuleSet",
    "RuleSetError",
    "Severity",
    "Suppression",
    "builtin_ruleset",
    "lint_file",
    "lint_paths",
    "lint_text",
    "load_rules",
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


def _rules(ruleset: RuleSet | None) -> RuleSet:
    return builtin_ruleset() if ruleset is None else ruleset


def lint_text(text: str, ruleset: RuleSet | None = None, *, path: str = "<text>") -> FileResult:
    """Lint a plan given as YAML or JSON text. ``path`` is only the name used in findings."""
    return _lint.lint_text(text, _rules(ruleset), path)


def lint_file(
    path: str, ruleset: RuleSet | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> FileResult:
    """Lint one plan file. Raises :class:`PathError` if it cannot be read."""
    return _lint.lint_file(path, _rules(ruleset), max_bytes=max_bytes)


def lint_paths(
    paths: Iterable[str],
    ruleset: RuleSet | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    exclude: Callable[[str], bool] | None = None,
    only_plans: bool = False,
    jobs: int | None = 1,
    stdin_name: str = "<stdin>",
) -> LintReport:
    """Lint files and directories (searched for ``*.yaml``, ``*.yml``, ``*.json`` plans).

    A file named explicitly is always linted; a file found in a directory is linted only if it
    declares ``blinacheck:`` at the top (others are listed in ``report.skipped``). Raises
    :class:`PathError` for a path that does not exist or cannot be read. ``exclude(path)``
    prunes files and directories; ``only_plans`` treats named files like found ones (skip
    non-plans and excluded files, as the pre-commit hook wants). ``jobs`` lints in that many
    processes (None: every CPU for 50 files or more), with identical output in the same order.
    The path ``-`` reads a plan from standard input, reported as ``stdin_name``.
    """
    return _batch.lint_paths(
        paths,
        _rules(ruleset),
        max_bytes=max_bytes,
        exclude=exclude,
        only_plans=only_plans,
        jobs=jobs,
        stdin_name=stdin_name,
    )


def render(
    report: LintReport | FileResult,
    format: str = "text",
    *,
    ruleset: RuleSet | None = None,
    color: bool = False,
    verbose: bool = False,
) -> str:
    """Render findings as the CLI prints them; ``format`` is one of :data:`FORMATS`.

    ``ruleset`` lets the ``sarif`` format describe every loaded rule, not only those that fired.
    """
    if format not in FORMATS:
        raise ValueError(f"unknown format '{format}'; choose one of {', '.join(FORMATS)}")
    if isinstance(report, FileResult):
        report = LintReport(results=[report])
    options = RenderOptions(color=color, verbose=verbose, ruleset=ruleset)
    return _reporter(format)(report, options)


# The rest of the library that the commands build on: configuration, overrides and baselines,
# rule tests, the rule catalogue and the calendar model. Loaded on first access (PEP 562), so
# that `blinacheck lint` on a plan never imports the code of `calendar` or `explain`.
if TYPE_CHECKING:  # the real objects, for type checkers; at run time see __getattr__
    from . import ruletest as ruletest
    from .policy.baseline import BaselineError as BaselineError
    from .policy.config import CommandLine as CommandLine
    from .policy.config import ConfigError as ConfigError
    from .policy.config import resolve
    from .policy.overrides import run
    from .report import calendar as calendar
    from .report import catalogue as catalogue
    from .report.text import summary_line as summary_line
    from .run.memory import collect_rarely as collect_rarely

    resolve_settings = resolve
    apply_overrides = run

_LAZY = {
    "CommandLine": ("blinacheck.policy.config", "CommandLine"),
    "ConfigError": ("blinacheck.policy.config", "ConfigError"),
    "resolve_settings": ("blinacheck.policy.config", "resolve"),
    "apply_overrides": ("blinacheck.policy.overrides", "run"),
    "BaselineError": ("blinacheck.policy.baseline", "BaselineError"),
    "collect_rarely": ("blinacheck.run.memory", "collect_rarely"),
    "summary_line": ("blinacheck.report.text", "summary_line"),
    "ruletest": ("blinacheck.ruletest", None),
    "catalogue": ("blinacheck.report.catalogue", None),
    "calendar": ("blinacheck.report.calendar", None),
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
