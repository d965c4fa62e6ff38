"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers (docs/ci.md).

One run; ``tool.driver.rules`` describes every loaded rule (not only those that fired) so a viewer
can show a rule's help and evidence, plus the two ids the linter reports itself. Overridden
findings stay in the output with ``suppressions``: a viewer hides them, an auditor still sees who
signed off what, and why.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

from .. import __version__
from ..engine.ruleset import Rule
from ..read.source import Document
from ..results.display import json_text
from ..results.files import LintReport
from ..results.findings import (
    BASELINE_ENTRY_UNMATCHED,
    INVALID_PLAN,
    INVALID_SUPPRESSION,
    NOT_JUDGED,
    OWN_CHECKS,
    PLAN_FORMAT_EVIDENCE,
    RULE_ERROR,
    SUPPRESSION_NOT_ALLOWED,
    SUPPRESSION_WITHOUT_REASON,
    UNUSED_SUPPRESSION,
    Evidence,
    Finding,
    Severity,
)
from ..results.findings import fingerprint as stable_key
from . import RenderOptions

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SARIF_VERSION = "2.1.0"
# Relative paths are relative to where blinacheck ran; in CI that is the checkout root, which
# GitHub code scanning knows as %SRCROOT%.
SRCROOT = "%SRCROOT%"
FINGERPRINT = "blinacheck/v1"
# The one fingerprint GitHub code scanning reads. Its documented form is "<hash>:<n>"; blinacheck's
# hash is its own stable fingerprint (rule, file, what the finding is about), never the text of
# nearby lines, so an edit elsewhere keeps the alert. n is always 1: the fingerprint is unique.
LINE_HASH = "primaryLocationLineHash"
# GitHub code scanning's documented limits (docs/ci.md).
MAX_DESCRIPTION = 1024
# problem.severity, which GitHub code scanning shows when security-severity is absent.
PROBLEM_SEVERITY = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "recommendation",
}
# Rules are exact tests on a declared schedule, not heuristics over code: a finding is what it
# says (its evidence may still be unconfirmed, which the help says per rule).
PRECISION = "very-high"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# Finding.suppressed.kind -> SARIF suppression kind: an override written in the plan file is
# "inSource"; anything kept elsewhere (the baseline file, project configuration) is "external".
SUPPRESSION_KINDS = {"inline": "inSource", "baseline": "external"}


def level(severity: Severity) -> str:
    return LEVELS[severity]


def artifact_location(path: str) -> dict[str, str]:
    """A SARIF artifactLocation: relative paths against %SRCROOT%, absolute ones as file URIs.

    The name's bytes are percent-encoded (RFC 3986), so a name that is not UTF-8 (``caf\xe9``)
    is ``caf%E9``: exact, and plain ASCII in the file.
    """
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    posix = Path(os.path.normpath(path)).as_posix()
    return {"uri": quote(os.fsencode(posix), safe="/"), "uriBaseId": SRCROOT}


def fingerprint(finding: Finding) -> str:
    """Stable across edits elsewhere in the plan: rule + file + what the finding is about.

    The line number is left out on purpose. A finding with no subject (a file that is not even
    YAML) falls back to its message.
    """
    path = Path(os.path.normpath(finding.path)).as_posix()
    return stable_key(finding.rule, path, finding.subject or finding.message)


def line_hash(finding: Finding) -> str:
    """``primaryLocationLineHash``, from blinacheck's stable fingerprint (see LINE_HASH)."""
    return f"{fingerprint(finding)[:16]}:1"


def short_text(text: str, limit: int = MAX_DESCRIPTION) -> str:
    """The first paragraph, cut at a sentence (else a word) to at most ``limit`` characters."""
    first = text.split("\n\n", 1)[0]
    if len(first) <= limit:
        return first
    cut = first[: limit - 2]
    end = cut.rfind(". ")
    cut = cut[: end + 1] if end > limit // 2 else cut[: cut.rfind(" ")]
    return cut + " …"


def _unwrap(text: str) -> str:
    """Join a rule file's hard-wrapped lines into paragraphs; viewers wrap text themselves."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


def _camel(rule_id: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_]", rule_id))


def _evidence_text(evidence: tuple[Evidence, ...]) -> list[str]:
    lines = []
    for item in evidence:
        line = f"- {item.source}"
        if item.note:
            line += f": {item.note}"
        if item.link:
            line += f" <{item.link}>"
        if item.unconfirmed:
            line += " (unconfirmed)"
        lines.append(line)
    return lines


def _md(text: str) -> str:
    # Evidence notes are plain text; keep Markdown from reading "*" or "_" as emphasis.
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", text)


def _evidence_markdown(evidence: tuple[Evidence, ...]) -> list[str]:
    lines = []
    for item in evidence:
        source = f"[{_md(item.source)}]({item.link})" if item.link else _md(item.source)
        line = f"- {source}"
        if item.note:
            line += f": {_md(item.note)}"
        if item.unconfirmed:
            line += " *(unconfirmed)*"
        lines.append(line)
    return lines


def _help(description: str, evidence: tuple[Evidence, ...], extra: list[str]) -> dict[str, str]:
    text = [description, *extra]
    markdown = [_md(description), *(_md(line) for line in extra)]
    if evidence:
        text += ["", "Evidence:", *_evidence_text(evidence)]
        markdown += ["", "**Evidence**", "", *_evidence_markdown(evidence)]
    return {"text": "\n".join(text).strip(), "markdown": "\n".join(markdown).strip()}


def _descriptor(
    rule_id: str,
    title: str,
    description: str,
    severity: Severity | None,
    evidence: tuple[Evidence, ...],
    properties: dict[str, object],
    extra_help: list[str],
    docs_url: str | None = None,
) -> dict[str, object]:
    description = _unwrap(description)
    descriptor: dict[str, object] = {
        "id": rule_id,
        "name": _camel(rule_id),
        "shortDescription": {"text": short_text(title)},
        # GitHub keeps at most 1,024 characters here; the whole text is in help.
        "fullDescription": {"text": short_text(description or title)},
        "help": _help(description or title, evidence, extra_help),
    }
    if docs_url:
        descriptor["helpUri"] = rule_uri(docs_url, rule_id)
    if severity is not None:
        descriptor["defaultConfiguration"] = {"level": level(severity)}
        properties = {
            **properties,
            "precision": PRECISION,
            "problem.severity": PROBLEM_SEVERITY[severity],
        }
    descriptor["properties"] = properties
    return descriptor


# The checks blinacheck makes itself are explained on these pages, not in the rule catalogue.
OWN_CHECK_PAGES = {
    INVALID_PLAN: "plan-format.md#invalid-input",
    RULE_ERROR: "rules.md",
    NOT_JUDGED: "fhir.md",
    **dict.fromkeys(
        (
            INVALID_SUPPRESSION,
            SUPPRESSION_WITHOUT_REASON,
            SUPPRESSION_NOT_ALLOWED,
            UNUSED_SUPPRESSION,
            BASELINE_ENTRY_UNMATCHED,
        ),
        "overrides.md",
    ),
}


def rule_uri(docs_url: str, rule_id: str) -> str:
    """The rule's page under the documentation base ``docs_url``: its section of the rule
    catalogue, or for blinacheck's own checks the page that explains them."""
    own = rule_id in OWN_CHECKS
    page = OWN_CHECK_PAGES[rule_id] if own else f"rule-catalogue.md#{rule_id}"
    return f"{docs_url.rstrip('/')}/{page}"


def rule_descriptor(rule: Rule, docs_url: str | None = None) -> dict[str, object]:
    extra = []
    if rule.severity_cases:
        extra.append(
            f"\nDefault severity {rule.severity}; the rule raises or lowers it for some plans."
        )
    if not rule.overridable:
        extra.append("\nThis finding cannot be overridden in the plan file.")
    return _descriptor(
        rule.id,
        rule.title,
        rule.description,
        rule.severity,
        rule.evidence,
        {
            "subject": rule.for_each,
            "tags": ["blinatumomab", rule.for_each],
            "overridable": rule.overridable,
            "builtin": rule.builtin,
        },
        extra,
        docs_url,
    )


def _own_descriptor(rule_id: str, docs_url: str | None) -> dict[str, object]:
    title, severity, description = OWN_CHECKS[rule_id]
    evidence = (PLAN_FORMAT_EVIDENCE,) if rule_id == INVALID_PLAN else ()
    return _descriptor(
        rule_id, title, description, severity, evidence, {"tags": ["blinacheck"]}, [], docs_url
    )


def _seen_descriptor(finding: Finding) -> dict[str, object]:
    """A rule known only from its findings (no rule set given, or an id the linter adds)."""
    title = finding.title or finding.rule
    return _descriptor(
        finding.rule, title, "", None, finding.evidence, {"tags": ["blinacheck"]}, []
    )


def driver_rules(report: LintReport, options: RenderOptions) -> list[dict[str, object]]:
    rules: list[dict[str, object]] = []
    if options.ruleset is not None:
        rules += [rule_descriptor(rule, options.docs_url) for rule in options.ruleset.rules]
    described = {str(rule["id"]) for rule in rules}
    for rule_id in OWN_CHECKS:
        if rule_id not in described:
            rules.append(_own_descriptor(rule_id, options.docs_url))
            described.add(rule_id)
    for finding in report.findings:
        if finding.rule not in described:
            rules.append(_seen_descriptor(finding))
            described.add(finding.rule)
    return rules


def region(finding: Finding, document: Document | None) -> dict[str, int]:
    """Where the finding stands; with its end where the node it points at has a certain extent
    (a value, a key, a flow mapping such as ``{day: 1, drugs: [...]}``, a FHIR resource)."""
    data = {"startLine": max(finding.line, 1), "startColumn": max(finding.column, 1)}
    end = document.end_of(finding.line, finding.column) if document is not None else None
    if end is not None:
        data["endLine"], data["endColumn"] = end
    return data


def result(
    finding: Finding, rule_index: int, document: Document | None = None
) -> dict[str, object]:
    data: dict[str, object] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": level(finding.severity),
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact_location(finding.path),
                    "region": region(finding, document),
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT: fingerprint(finding), LINE_HASH: line_hash(finding)},
    }
    if finding.element:  # where the plan was read from FHIR: the element, in FHIR terms
        location = data["locations"][0]  # type: ignore[index]
        location["logicalLocations"] = [{"fullyQualifiedName": finding.element, "kind": "element"}]
    if finding.suppressed is not None:
        data["suppressions"] = [
            {
                "kind": SUPPRESSION_KINDS.get(finding.suppressed.kind, "external"),
                "status": "accepted",
                "justification": finding.suppressed.reason,
                "properties": {"blinacheckKind": finding.suppressed.kind},
            }
        ]
    properties = {
        key: value
        for key, value in (
            ("cycle", finding.cycle),
            ("day", finding.day),
            ("pointer", finding.subject),
            ("element", finding.element),
        )
        if value not in (None, "")
    }
    if properties:
        data["properties"] = properties
    return data


def as_data(report: LintReport, options: RenderOptions) -> dict[str, object]:
    rules = driver_rules(report, options)
    index = {str(rule["id"]): position for position, rule in enumerate(rules)}
    documents = {r.path: r.document for r in report.results}
    findings = [
        f for f in report.findings if not (options.omit_suppressed and f.suppressed is not None)
    ]
    driver: dict[str, object] = {
        "name": "blinacheck",
        "version": __version__,
        "semanticVersion": __version__,
    }
    if options.docs_url:
        driver["informationUri"] = options.docs_url
    driver["rules"] = rules
    return {
        "$schema": SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                # Columns are counted in characters (code points), as the text output shows them.
                "columnKind": "unicodeCodePoints",
                "results": [result(f, index[f.rule], documents.get(f.path)) for f in findings],
            }
        ],
    }


def render(report: LintReport, options: RenderOptions) -> str:
    return json_text(as_data(report, options)) + "\n"
