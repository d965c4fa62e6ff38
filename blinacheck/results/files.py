"""What a run produced: one :class:`FileResult` per linted file, gathered in a :class:`LintReport`.

Data only. The pipeline (``blinacheck.run``) fills these; policy and the reporters read them, and
nothing here knows how they were made.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..read.source import Document
from ..timeline.views import Timeline
from .findings import Finding, Severity, sort_findings

FAIL_ON = ("error", "warning", "info", "never")  # --fail-on / fail-on: the exit-code threshold


@dataclass
class FileResult:
    """What linting one file produced.

    ``document``: the file as read (text, values, positions), when it could be read;
    ``timeline``: the derived facts the rules read, when the file is a valid plan.
    """

    path: str
    findings: list[Finding]
    document: Document | None = None
    timeline: Timeline | None = None
    is_plan: bool = True


@dataclass
class LintReport:
    """The results of a run, the files skipped as not being plans, and what the run has to
    say besides findings (``notes``: which configuration file won, a baseline written, ...;
    the command line prints them on standard error, the output formats leave them out)."""

    results: list[FileResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return sort_findings([f for r in self.results for f in r.findings])

    def counts(self, *, include_suppressed: bool = False) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        for finding in self.findings:
            if finding.suppressed is None or include_suppressed:
                counts[str(finding.severity)] += 1
        return counts

    def fails(self, fail_on: str) -> bool:
        """Whether the exit code is 1: an active (not overridden) finding at or above
        ``fail_on`` (one of :data:`FAIL_ON`; ``never`` never fails)."""
        if fail_on == "never":
            return False
        threshold = Severity.parse(fail_on)
        return any(f.severity >= threshold and f.suppressed is None for f in self.findings)
