"""Output formats. Each module exposes ``render(report, options) -> str``; loaded on demand."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..engine.ruleset import RuleSet
from ..results.files import LintReport

if TYPE_CHECKING:
    from ..results.record import RecordContext

FORMATS = {
    "text": "blinacheck.report.text",
    "concise": "blinacheck.report.concise",
    "json": "blinacheck.report.json_format",
    "sarif": "blinacheck.report.sarif",
    "github": "blinacheck.report.github",
    "html": "blinacheck.report.html",
}


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    verbose: bool = False
    # The loaded rules, for formats that describe every rule and not only those that fired
    # (SARIF's tool.driver.rules). None: such formats describe the rules seen in the findings.
    ruleset: RuleSet | None = None
    # The verification record's header facts (report/record.py), for the html format.
    record: RecordContext | None = None
    # SARIF: leave overridden and baselined findings out (GitHub code scanning ignores SARIF
    # suppressions and would show them as open alerts), and the base URL of the published docs/
    # (tool.driver.informationUri, each rule's helpUri).
    omit_suppressed: bool = False
    docs_url: str | None = None


class Reporter(Protocol):
    def __call__(self, report: LintReport, options: RenderOptions) -> str: ...


def get(name: str) -> Reporter:
    module = importlib.import_module(FORMATS[name])
    render: Reporter = module.render
    return render
