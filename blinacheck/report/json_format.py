"""JSON output, version 1: stable, sorted by path, line, column and rule (docs/output.md)."""

from __future__ import annotations

from ..results.display import json_text
from ..results.files import LintReport
from . import RenderOptions

VERSION = 1


def as_data(report: LintReport) -> dict[str, object]:
    counts = report.counts()
    summary: dict[str, object] = {"files": len(report.results), **counts}
    suppressed = sum(1 for f in report.findings if f.suppressed is not None)
    if suppressed:
        summary["suppressed"] = suppressed
    return {
        "version": VERSION,
        "findings": [finding.as_dict() for finding in report.findings],
        "summary": summary,
    }


def render(report: LintReport, options: RenderOptions) -> str:
    return json_text(as_data(report)) + "\n"
