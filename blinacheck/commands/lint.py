"""``blinacheck lint``: lint plan files and report findings."""

from __future__ import annotations

import sys

import click

from . import EXIT_CLEAN, EXIT_FINDINGS, fail, load_rules, use_color

FAIL_ON = ("error", "warning", "info", "never")


@click.command("lint")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--rules",
    "rule_dirs",
    multiple=True,
    type=click.Path(),
    help="Extra rule directory (repeatable).",
)
@click.option("--no-builtin-rules", is_flag=True, help="Do not load the built-in rules.")
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default="warning",
    show_default=True,
    help="Lowest severity that makes the exit code 1.",
)
@click.option("-v", "--verbose", is_flag=True, help="Also list files skipped as not being plans.")
def command(
    paths: tuple[str, ...],
    output_format: str,
    rule_dirs: tuple[str, ...],
    no_builtin_rules: bool,
    fail_on: str,
    verbose: bool,
) -> None:
    """Lint plan files, or directories searched for them."""
    from ..findings import Severity
    from ..lint import PathError, lint_paths
    from ..report import RenderOptions, get

    ruleset = load_rules(rule_dirs, not no_builtin_rules)
    try:
        report = lint_paths(paths, ruleset)
    except PathError as exc:
        fail(str(exc))
    color = use_color(sys.stdout) and output_format == "text"
    sys.stdout.write(get(output_format)(report, RenderOptions(color=color, verbose=verbose)))
    if fail_on == "never":
        sys.exit(EXIT_CLEAN)
    threshold = Severity.parse(fail_on)
    failing = any(f.severity >= threshold and f.suppressed is None for f in report.findings)
    sys.exit(EXIT_FINDINGS if failing else EXIT_CLEAN)
