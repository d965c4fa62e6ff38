"""``blinacheck rules``: list the loaded rules, or render their catalogue or field reference.

The generated pages (docs/rule-catalogue.md, the field reference in docs/rules.md) are made by
this command and nothing else: ``--format markdown`` and ``--format fields``, with ``-o FILE``
or ``--check FILE``.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import click

from . import EXIT_FINDINGS, emit, fail, load_rules, rule_set_options, use_color

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


GENERATED = ("markdown", "fields")


def generator_command(output_format: str, rule_dirs: tuple[str, ...], builtin: bool) -> str:
    """The command line that renders this page again (written into the catalogue's header)."""
    words = ["blinacheck rules --format", output_format]
    if not builtin:
        words.append("--no-builtin-rules")
    words += [f"--rules {directory}" for directory in rule_dirs]
    return " ".join(words)


def generated_page(output_format: str, rule_dirs: tuple[str, ...], builtin: bool) -> str:
    from ..api import catalogue, fields

    if output_format == "fields":
        return fields.markdown()
    ruleset = load_rules(rule_dirs, builtin)
    command = generator_command(output_format, rule_dirs, builtin)
    if command == "blinacheck rules --format markdown":
        command = catalogue.GENERATE_COMMAND  # the built-in catalogue names its own file
    return catalogue.render(ruleset, command=command)


# A page holding the field reference between these markers (docs/rules.md) gets only that
# block written or checked; any other file is the whole reference.
_FIELDS_BLOCK = re.compile(r"(<!-- fields:start[^>]*-->\n)(.*?)(<!-- fields:end -->)", re.DOTALL)


def _read(page: str) -> str | None:
    try:
        with open(page, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        fail(f"{page}: cannot read: {exc.strerror or exc}")


def placed(output_format: str, text: str, current: str | None) -> str:
    """What the file should hold: ``text``, or, for the field reference and a page with its
    markers, that page with the block between them replaced."""
    if output_format != "fields" or current is None:
        return text
    block = _FIELDS_BLOCK.search(current)
    if block is None:
        return text
    return current[: block.start(2)] + text + current[block.end(2) :]


def check(page: str, text: str, again: str) -> None:
    """Exit 1, saying how to regenerate it, when the file ``page`` differs from ``text``."""
    current = _read(page)
    if current is None:
        fail(f"{page}: cannot read: No such file or directory")
    if current != text:
        click.echo(f"{page} is out of date; regenerate it: {again} -o {page}", err=True)
        sys.exit(EXIT_FINDINGS)


@click.command("rules")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", *GENERATED]),
    default="text",
    show_default=True,
    help="text or json: the list of rules. markdown: the rule catalogue (as "
    "docs/rule-catalogue.md). fields: the reference of the fields rule conditions can read "
    "(as in docs/rules.md).",
)
@rule_set_options
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the page to FILE, only once it has rendered (markdown and fields).",
)
@click.option(
    "--check",
    "check_file",
    type=click.Path(dir_okay=False),
    help="Exit 1 if FILE differs from a fresh render (markdown and fields; for CI).",
)
def command(
    output_format: str,
    rule_dirs: tuple[str, ...],
    no_builtin_rules: bool,
    output: str | None,
    check_file: str | None,
) -> None:
    """List the loaded rules: id, default severity, subject, title.

    'blinacheck explain RULE-ID' tells more about one rule. '--format markdown' renders the
    rule catalogue and '--format fields' the field reference, the pages docs/ holds.
    """
    if output_format not in GENERATED and (output or check_file):
        fail("-o and --check go with --format markdown or --format fields")
    if output and check_file:
        fail("-o and --check cannot be used together")
    if output_format in GENERATED:
        text = generated_page(output_format, rule_dirs, not no_builtin_rules)
        if check_file:
            again = generator_command(output_format, rule_dirs, not no_builtin_rules)
            check(check_file, placed(output_format, text, _read(check_file)), again)
            return
        emit(placed(output_format, text, _read(output) if output else None), output)
        return
    ruleset = load_rules(rule_dirs, not no_builtin_rules)
    if output_format == "json":
        sys.stdout.write(as_json(ruleset))
    elif use_color(sys.stdout):
        print_rich(ruleset)
    else:
        from ..api import printable

        sys.stdout.write(printable(as_text(ruleset), keep_newlines=True))
