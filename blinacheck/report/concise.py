"""One line per finding, ``path:line:col: severity[rule] message``: for grep, ``make``'s error
parsers, efm-langserver and nvim-lint (docs/output.md).

Nothing else is printed: no source excerpt, no summary, so every line of the output is a finding a
tool can parse. Overridden and baselined findings are left out, as the GitHub annotations leave
them out: a pharmacist has signed them off. A line never breaks: file names and messages go
through :func:`printable`, the escaping of every human-facing output.
"""

from __future__ import annotations

from ..results.display import printable
from ..results.files import LintReport
from ..results.findings import Finding
from . import RenderOptions


def line(finding: Finding) -> str:
    return (
        f"{printable(finding.path)}:{max(finding.line, 1)}:{max(finding.column, 1)}: "
        f"{finding.severity}[{printable(finding.rule)}] {printable(finding.message)}"
    )


def render(report: LintReport, options: RenderOptions) -> str:
    return "".join(line(f) + "\n" for f in report.findings if f.suppressed is None)
