"""``blinacheck convert``: write a plan in another form (YAML <-> FHIR R4/R5)."""

from __future__ import annotations

import sys

import click

from . import EXIT_FINDINGS, emit, fail


@click.command("convert")
@click.argument("plan", type=click.Path())
@click.option(
    "--to",
    "target",
    type=click.Choice(["fhir-r4", "fhir-r5", "yaml"]),
    required=True,
    help="The form to write.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write to FILE instead of standard output (never over PLAN).",
)
def command(plan: str, target: str, output: str | None) -> None:
    """Convert PLAN (a YAML/JSON plan, or FHIR; '-' reads standard input) to TARGET.

    Only a valid plan converts: otherwise its invalid-plan findings are printed on standard
    error and the exit code is 1 (docs/fhir.md).
    """
    from ..api import FileResult, LintReport, PathError, convert_file, render

    try:
        converted = convert_file(plan, target)
    except PathError as exc:
        fail(str(exc))
    if converted.text is None:
        report = LintReport(results=[FileResult(plan, converted.findings)])
        click.echo(render(report, "text"), err=True, nl=False)
        sys.exit(EXIT_FINDINGS)
    emit(converted.text, output, checked=[plan] if plan != "-" else [])
