"""Human-readable output: one block per finding with the plan line and a marker under the spot.

Everything from a file (its name, plan values in messages, rule text, the plan line) goes
through results.display.printable: no control or bidi character reaches the terminal.
"""

from __future__ import annotations

from ..results.display import printable
from ..results.files import FileResult, LintReport
from ..results.findings import Finding, Severity
from . import RenderOptions

_COLORS = {
    Severity.ERROR: "\033[1;31m",
    Severity.WARNING: "\033[1;33m",
    Severity.INFO: "\033[1;36m",
}
_DIM = "\033[2m"
_BOLD = "\033[1m"
_RESET = "\033[0m"


def _paint(text: str, code: str, options: RenderOptions) -> str:
    return f"{code}{text}{_RESET}" if options.color else text


def _block(finding: Finding, result: FileResult | None, options: RenderOptions) -> list[str]:
    severity = str(finding.severity)
    label = _paint(f"{severity}[{printable(finding.rule)}]", _COLORS[finding.severity], options)
    where = f"{printable(finding.path)}:{finding.line}:{finding.column}:"
    lines = [f"{_paint(where, _BOLD, options)} {label} {printable(finding.message)}"]
    if finding.suppressed is not None:
        reason = printable(finding.suppressed.reason)
        lines.append(f"  = suppressed ({printable(finding.suppressed.kind)}): {reason}")
    source_line = result.document.line_text(finding.line) if result and result.document else ""
    if source_line:
        shown, caret = _excerpt(source_line, finding.column)
        gutter = f"{finding.line:>5} | "
        lines.append(_paint(gutter, _DIM, options) + shown)
        marker = " " * caret + "^"
        lines.append(_paint(" " * (len(gutter) - 2) + "| ", _DIM, options) + marker)
    if finding.evidence:
        evidence = finding.evidence[0]
        note = f" — {evidence.note}" if evidence.note else ""
        more = f" (+{len(finding.evidence) - 1} more)" if len(finding.evidence) > 1 else ""
        text = printable(f"  evidence: {evidence.source}{note}{more}")
        lines.append(_paint(text, _DIM, options))
    return lines


# The plan line is echoed around the finding's column only: a 225 KB one-line plan must not
# print its whole line once per finding. Characters of the line shown before the column, and
# in all; a cut end is marked with an ellipsis.
EXCERPT_BEFORE = 40
EXCERPT_WIDTH = 100
ELLIPSIS = "…"


def _excerpt(line: str, column: int) -> tuple[str, int]:
    """The plan line as shown (at most EXCERPT_WIDTH of its characters, escaped), and how far
    in the caret under ``column`` goes."""
    index = min(max(column - 1, 0), len(line))
    start = max(0, min(index - EXCERPT_BEFORE, len(line) - EXCERPT_WIDTH))
    end = min(len(line), start + EXCERPT_WIDTH)
    head = ELLIPSIS if start > 0 else ""
    tail = ELLIPSIS if end < len(line) else ""
    before = head + printable(line[start:index].expandtabs(1))
    return before + printable(line[index:end].expandtabs(1)) + tail, len(before)


def _plural(count: int, word: str) -> str:
    if word == "info":
        return f"{count} info"
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(report: LintReport) -> str:
    counts = report.counts()
    files = len(report.results)
    text = (
        f"{_plural(counts['error'], 'error')}, {_plural(counts['warning'], 'warning')}, "
        f"{_plural(counts['info'], 'info')} in {_plural(files, 'file')}"
    )
    suppressed = sum(1 for f in report.findings if f.suppressed is not None)
    if suppressed:
        text += f" ({suppressed} suppressed, not counted)"
    return text


def render(report: LintReport, options: RenderOptions) -> str:
    by_path = {result.path: result for result in report.results}
    out: list[str] = []
    if options.verbose:
        out += [f"skipped (not a blinacheck plan): {printable(path)}" for path in report.skipped]
    for finding in report.findings:
        out += _block(finding, by_path.get(finding.path), options)
        out.append("")
    out.append(summary_line(report))
    return "\n".join(out) + "\n"
