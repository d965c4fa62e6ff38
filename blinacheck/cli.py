"""The ``blinacheck`` command line: parse options, call the library, pick a reporter."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import click

from . import __version__

FAIL_ON = ("error", "warning", "info", "never")
EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(EXIT_USAGE)


def _load_rules(rule_dirs: tuple[str, ...], builtin: bool):  # type: ignore[no-untyped-def]
    from .engine.ruleset import RuleSetError, load

    try:
        return load(rule_dirs, builtin=builtin)
    except RuleSetError as exc:
        _fail("invalid rule set:\n" + "\n".join(str(p) for p in exc.problems))


def _use_color(stream: object) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="blinacheck")
def main() -> None:
    """Lint planned blinatumomab treatment schedules."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(), help="Extra rule directory (repeatable).")
@click.option("--no-builtin-rules", is_flag=True, help="Do not load the built-in rules.")
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default="warning",
    show_default=True,
    help="Lowest severity that makes the exit code 1.",
)
@click.option("-v", "--verbose", is_flag=True, help="Also list files skipped as not being plans.")
def lint(
    paths: tuple[str, ...],
    output_format: str,
    rule_dirs: tuple[str, ...],
    no_builtin_rules: bool,
    fail_on: str,
    verbose: bool,
) -> None:
    """Lint plan files, or directories searched for them."""
    from .findings import Severity
    from .lint import PathError, lint_paths
    from .report import RenderOptions, get

    ruleset = _load_rules(rule_dirs, not no_builtin_rules)
    try:
        report = lint_paths(paths, ruleset)
    except PathError as exc:
        _fail(str(exc))
    options = RenderOptions(color=_use_color(sys.stdout) and output_format == "text", verbose=verbose)
    sys.stdout.write(get(output_format)(report, options))
    if fail_on == "never":
        sys.exit(EXIT_CLEAN)
    threshold = Severity.parse(fail_on)
    failing = any(
        f.severity >= threshold and f.suppressed is None for f in report.findings
    )
    sys.exit(EXIT_FINDINGS if failing else EXIT_CLEAN)
