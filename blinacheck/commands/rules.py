"""``blinacheck rules``: list the loaded rules."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from . import load_rules, rule_set_options, use_color

COLUMNS = ("ID", "SEVERITY", "SUBJECT", "TITLE")


def rows(ruleset: Any) -> list[tuple[str, str, str, str]]:
    """(id, default severity, subject, title) of each rule, in load order."""
    return [(r.id, str(r.severity), r.for_each, r.title) for r in ruleset.rules]


def as_json(ruleset: Any) -> str:
    from ..api import catalogue

    data = [
        {
            "id": rule.id,
            "severity": str(rule.severity),
            "severity_cases": [
                {"severity": severity, "when": when}
                for severity, when in catalogue.severity_cases(rule)
            ],
            "subject": rule.for_each,
            "title": rule.title,
            "params": rule.params,
            "builtin": rule.builtin,
            "file": catalogue.source_name(rule),
            "line": rule.line,
        }
        for rule in ruleset.rules
    ]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def as_text(ruleset: Any) -> str:
    """Aligned plain-text columns: easy to read, grep and cut."""
    table = [COLUMNS, *rows(ruleset)]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
        + "  "
        + row[3]
        for row in table
    ]
    return "\n".join(lines) + "\n"


def print_rich(ruleset: Any, console: Any = None) -> None:
    # rich is imported only here: the plain listing and every other command stay free of it.
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from ..api import printable

    table = Table(box=None, header_style="bold")
    for name in COLUMNS[:3]:
        table.add_column(name.lower(), no_wrap=True)  # ids are looked up: never cut them
    table.add_column(COLUMNS[3].lower())
    styles = {"error": "bold red", "warning": "bold yellow", "info": "bold cyan"}
    for rule_id, severity, subject, title in rows(ruleset):
        # Text(), not markup: a '[' in a title must print as itself.
        table.add_row(
            Text(rule_id), Text(severity, styles[severity]), Text(subject), Text(printable(title))
        )
    (console or Console()).print(table)


@click.command("rules")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@rule_set_options
def command(output_format: str, rule_dirs: tuple[str, ...], no_builtin_rules: bool) -> None:
    """List the loaded rules: id, default severity, subject, title.

    'blinacheck explain RULE-ID' tells more about one rule.
    """
    ruleset = load_rules(rule_dirs, not no_builtin_rules)
    if output_format == "json":
        sys.stdout.write(as_json(ruleset))
    elif use_color(sys.stdout):
        print_rich(ruleset)
    else:
        from ..api import printable

        sys.stdout.write(printable(as_text(ruleset), keep_newlines=True))
