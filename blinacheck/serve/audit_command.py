"""``blinacheck audit export``: the CDS Hooks service's audit log as CSV or JSON, for pharmacy
review (docs/cds-hooks.md, "The audit log").

It lives beside the service rather than in ``commands/``, as ``blinacheck lsp`` does: the audit
log is the service's, and commands reach the library only through the api.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

import click

from ..commands import emit, fail

# A cell a spreadsheet would read as a formula (=, +, -, @, or a tab or carriage return before
# one) is written with a leading apostrophe: the OWASP advice against CSV injection.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def to_csv(rows: Iterable[dict[str, object]], columns: tuple[str, ...]) -> str:
    """The rows as CSV (RFC 4180: CRLF line ends, quotes where needed), header first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[column]) for column in columns])
    return out.getvalue()


def to_json(rows: Iterable[dict[str, object]]) -> str:
    """The rows as a JSON list of objects, one per row, keys in column order."""
    return json.dumps(list(rows), indent=2, ensure_ascii=False) + "\n"


@click.group("audit")
def command() -> None:
    """The CDS Hooks service's audit log: the cards it issued and the feedback on them."""


@command.command("export")
@click.option(
    "--database",
    required=True,
    metavar="URL",
    help="The audit log: sqlite:///FILE or postgresql://USER@HOST:PORT/DATABASE.",
)
@click.option(
    "--format",
    "format_",
    type=click.Choice(["csv", "json"]),
    default="csv",
    show_default=True,
    help="CSV with a fixed header, or a JSON list of objects.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write to FILE instead of standard output.",
)
def export(database: str, format_: str, output: str | None) -> None:
    """Write the audit log for pharmacy review: every card issued, with each feedback on it.

    Feedback about a card the log never issued comes last, with card_known false. Exit 0, or
    2 when the log cannot be read (docs/cds-hooks.md, "The audit log")."""
    from .audit import COLUMNS, AuditLogError, open_audit_log

    try:
        log = open_audit_log(database, create=False)
    except AuditLogError as exc:
        fail(f"blinacheck audit export: {exc}")
    try:
        rows = list(log.rows())
    except AuditLogError as exc:
        fail(f"blinacheck audit export: {exc}")
    finally:
        log.close()
    text = to_csv(rows, COLUMNS) if format_ == "csv" else to_json(rows)
    emit(text, output, checked=[str(log.file)] if log.file is not None else [])
