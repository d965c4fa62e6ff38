"""``blinacheck schema``: print the JSON Schema of the plan file, for editors and CI checks."""

from __future__ import annotations

import json

import click

from . import emit


@click.command("schema")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the schema to FILE instead of standard output.",
)
def command(output: str | None) -> None:
    """Print the JSON Schema of the plan-file format (docs/editor.md).

    Point an editor at it for completion and checking while typing, e.g. with a first line
    `# yaml-language-server: $schema=plan.schema.json`.
    """
    from ..api import plan_schema

    emit(json.dumps(plan_schema(), indent=2, ensure_ascii=False) + "\n", output)
