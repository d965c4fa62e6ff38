"""blinacheck: a linter for planned blinatumomab treatment schedules.

The Python API (docs/api.md) is importable from here — ``from blinacheck import lint_text`` —
and lives in :mod:`blinacheck.api`. It loads on first use: ``import blinacheck`` alone imports
neither pydantic nor the CEL runtime, so the command line and pre-commit hook start quickly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# The public API, served lazily from blinacheck.api (kept equal to api.__all__; a test checks).
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
    "__version__",
    "builtin_ruleset",
    "lint_file",
    "lint_paths",
    "lint_text",
    "load_rules",
    "plan_schema",
    "printable",
    "render",
]
_API = frozenset(__all__) - {"__version__"}

if TYPE_CHECKING:  # type checkers and IDEs see the real objects
    from .api import (
        DEFAULT_MAX_BYTES,
        FORMATS,
        Evidence,
        FileResult,
        Finding,
        LintReport,
        PathError,
        Rule,
        RuleSet,
        RuleSetError,
        Severity,
        Suppression,
        builtin_ruleset,
        lint_file,
        lint_paths,
        lint_text,
        load_rules,
        plan_schema,
        printable,
        render,
    )


def __getattr__(name: str) -> Any:
    if name in _API:
        from . import api

        value = getattr(api, name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'blinacheck' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
