"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line per finding.

GitHub turns these lines into pull-request annotations on the plan line they name
(https://docs.github.com/actions/reference/workflow-commands-for-github-actions). Overridden
findings are not annotated: a pharmacist has already signed them off, and an annotation would ask
for the same review again. They are counted on the summary line and stay in the JSON and SARIF
output with their reason.
"""

from __future__ import annotations

from ..results.display import printable
from ..results.files import LintReport
from ..results.findings import Finding, Severity
from . import RenderOptions
from .text import summary_line

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message, as the runner's toolkit does (``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (file, title): also ``:`` and ``,``, which delimit properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    """One workflow command. Every text from a file is made printable first (no control
    character; a line end only in the message, where the runner shows it as one), then
    escaped as the runner expects."""
    title = f"blinacheck {printable(finding.rule)}"
    if finding.title:
        title += f": {printable(finding.title)}"
    properties = ",".join(
        f"{key}={escape_property(value)}"
        for key, value in (
            ("file", printable(finding.path)),
            ("line", str(max(finding.line, 1))),
            ("col", str(max(finding.column, 1))),
            ("title", title),
        )
    )
    message = printable(finding.message, keep_newlines=True)  # a line end: %0A, below
    if finding.evidence:
        first = finding.evidence[0]
        source = printable(first.source) + (f" ({printable(first.link)})" if first.link else "")
        message += f"\nEvidence: {source}"
    return f"::{COMMANDS[finding.severity]} {properties}::{escape_data(message)}"


def render(report: LintReport, options: RenderOptions) -> str:
    out: list[str] = []
    if options.verbose:
        # Plain lines are ordinary log output in a workflow run.
        out += [f"skipped (not a blinacheck plan): {printable(path)}" for path in report.skipped]
    out += [annotation(f) for f in report.findings if f.suppressed is None]
    out.append(f"blinacheck: {summary_line(report)}")
    return "\n".join(out) + "\n"
