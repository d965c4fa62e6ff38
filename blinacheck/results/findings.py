"""What blinacheck reports: a finding, its severity, its evidence and where it points."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import NamedTuple


class Severity(enum.IntEnum):
    """Finding severity; the integer order is the order of gravity."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]

    def __str__(self) -> str:
        return self.name.lower()


SEVERITY_NAMES = ("error", "warning", "info")

# Rule ids that the linter itself reports (not defined in a rule file).
INVALID_PLAN = "invalid-plan"
RULE_ERROR = "rule-error"
# ... and about overrides (docs/overrides.md): inline comments and baseline entries.
SUPPRESSION_WITHOUT_REASON = "suppression-without-reason"
SUPPRESSION_NOT_ALLOWED = "suppression-not-allowed"
INVALID_SUPPRESSION = "invalid-suppression"
UNUSED_SUPPRESSION = "unused-suppression"
BASELINE_ENTRY_UNMATCHED = "baseline-entry-unmatched"
# ... and about what a plan read from FHIR does not say (docs/fhir.md).
NOT_JUDGED = "not-judged"


class OwnCheck(NamedTuple):
    """A check blinacheck makes itself, with no rule file behind it."""

    title: str
    severity: Severity  # the default
    description: str


OWN_CHECKS: dict[str, OwnCheck] = {
    INVALID_PLAN: OwnCheck(
        "The plan file is not valid",
        Severity.ERROR,
        "The file could not be read as a blinacheck plan (format version 1): a YAML or JSON "
        "syntax error, a missing or unknown key, or a value of the wrong kind. No clinical rule "
        "runs on a plan that is not valid. The message says what to change, at the line given.",
    ),
    RULE_ERROR: OwnCheck(
        "A rule could not be evaluated",
        Severity.ERROR,
        "A rule's condition failed while it was evaluated on this plan (for example, it compared "
        "a value the plan does not give). The rule is neither passed nor failed; fix the rule, "
        "or report it to whoever maintains it.",
    ),
    INVALID_SUPPRESSION: OwnCheck(
        "An override comment that cannot be read",
        Severity.WARNING,
        "A '# blinacheck:' comment that is not of the form 'ignore[RULE-ID] -- reason'. It "
        "overrides nothing (docs/overrides.md).",
    ),
    SUPPRESSION_WITHOUT_REASON: OwnCheck(
        "An override comment without a reason",
        Severity.WARNING,
        "An override must say why, as an override of an alert in the EHR does. Without a "
        "reason the comment overrides nothing and the finding stays.",
    ),
    SUPPRESSION_NOT_ALLOWED: OwnCheck(
        "An override of a rule that cannot be overridden",
        Severity.WARNING,
        "The rule is declared overridable: false (dose caps, discontinuation); only the project "
        "configuration can change it. The finding stays.",
    ),
    UNUSED_SUPPRESSION: OwnCheck(
        "An override comment that matches no finding",
        Severity.INFO,
        "Nothing is reported where the override points; remove the comment, or move it to the "
        "line of the finding it is meant for.",
    ),
    BASELINE_ENTRY_UNMATCHED: OwnCheck(
        "A baseline entry that matches no finding",
        Severity.INFO,
        "The baselined finding is gone (fixed, or the plan changed); regenerate the baseline "
        "with --write-baseline to prune it.",
    ),
    NOT_JUDGED: OwnCheck(
        "Rules that could not judge the plan",
        Severity.WARNING,
        "The plan, read from FHIR, does not say something that some rules need (the "
        "indication, whether a vaccine is live, an adverse event's grade); blinacheck does not "
        "guess it. The message names what is missing, how to give it, and which rules could "
        "not judge the plan (docs/fhir.md).",
    ),
}


def web_address(url: str | None) -> str | None:
    """``url`` if it is a plain web address (http or https, with a host), else None.

    Evidence links are followed by people from reports: javascript:, data:, file: or any other
    scheme is refused when a rule file loads, and dropped from every output.
    """
    if url is None:
        return None
    text = url.strip()
    scheme, _, rest = text.partition("://")
    web = scheme.lower() in ("http", "https") and bool(rest) and not rest.startswith("/")
    plain = not any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in text)
    return text if web and plain else None


@dataclass(frozen=True, slots=True)
class Evidence:
    """One citation behind a rule."""

    source: str
    note: str | None = None
    url: str | None = None
    unconfirmed: bool = False

    @property
    def link(self) -> str | None:
        """The URL when it is a plain web address; outputs show only this (web_address)."""
        return web_address(self.url)

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"source": self.source}
        if self.note:
            data["note"] = self.note
        if self.link:
            data["url"] = self.link
        if self.unconfirmed:
            data["unconfirmed"] = True
        return data


# The citation of blinacheck's own checks: the documents that define what they check.
PLAN_FORMAT_EVIDENCE = Evidence("blinacheck plan-file format, docs/plan-format.md")
OVERRIDES_EVIDENCE = Evidence("blinacheck overrides, docs/overrides.md")


@dataclass(frozen=True, slots=True)
class Suppression:
    """Why a finding does not count: an inline override, a baseline entry, ..."""

    kind: str  # "inline" | "baseline"
    reason: str


@dataclass(frozen=True, slots=True)
class Finding:
    """A located, severity-graded statement about one plan file."""

    rule: str
    severity: Severity
    message: str
    path: str
    line: int
    column: int
    cycle: int | None = None
    day: int | None = None
    evidence: tuple[Evidence, ...] = ()
    # JSON-pointer-like address of what the finding is about ("/cycles/0/intrathecal/1");
    # stable across edits elsewhere in the file, so baselines can key on it.
    subject: str = ""
    suppressed: Suppression | None = None
    title: str | None = field(default=None, compare=False)
    # The element of the source a finding is about, in that source's own terms, where the plan
    # was read from another format: a FHIRPath-like pointer such as
    # "Bundle.entry[3].resource.dosageInstruction[1]" (docs/fhir.md). Empty for YAML plans.
    element: str = ""

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.rule, self.message)

    def with_suppression(self, suppression: Suppression) -> Finding:
        return replace(self, suppressed=suppression)

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "rule": self.rule,
            "severity": str(self.severity),
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "cycle": self.cycle,
            "day": self.day,
            "evidence": [e.as_dict() for e in self.evidence],
        }
        if self.element:
            data["element"] = self.element
        if self.suppressed is not None:
            data["suppressed"] = {"kind": self.suppressed.kind, "reason": self.suppressed.reason}
        return data


def fingerprint(rule: str, path: str, about: str) -> str:
    """A finding's stable key: rule + file + what it is about (Finding.subject), never the line,
    so that it survives edits elsewhere in the plan. Baselines and SARIF both use it."""
    import hashlib

    # surrogateescape: a file name that is not UTF-8 keys on its exact bytes.
    digest = hashlib.sha256("\x1f".join((rule, path, about)).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:32]


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: f.sort_key)
