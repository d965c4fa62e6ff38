"""Human-readable output: one block per finding with the plan line and a marker under the spot."""

from __future__ import annotations

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
    label = _paint(f"{severity}[{finding.rule}]", _COLORS[finding.severity], options)
    location = _paint(f"{finding.path}:{finding.line}:{finding.column}:", _BOLD, options)
    lines = [f"{location} {label} {finding.message}"]
    if finding.suppressed is not None:
        lines.append(f"  = suppressed ({finding.suppressed.kind}): {finding.suppressed.reason}")
    source_line = result.document.line_text(finding.line) if result and result.document else ""
    if source_line:
        gutter = f"{finding.line:>5} | "
        lines.append(_paint(gutter, _DIM, options) + source_line.expandtabs(1))
        marker = " " * (finding.column - 1) + "^"
        lines.append(_paint(" " * (len(gutter) - 2) + "| ", _DIM, options) + marker)
    if finding.evidence:
        evidence = finding.evidence[0]
        note = f" — {evidence.note}" if evidence.note else ""
        more = f" (+{len(finding.evidence) - 1} more)" if len(finding.evidence) > 1 else ""
        lines.append(_paint(f"  evidence: {evidence.source}{note}{more}", _DIM, options))
    return lines


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
        out += [f"skipped (not a blinacheck plan): {path}" for path in report.skipped]
    for finding in report.findings:
        out += _block(finding, by_path.get(finding.path), options)
        out.append("")
    out.append(summary_line(report))
    return "\n".join(out) + "\n"
