"""Findings to CDS Hooks cards (docs/cds-hooks.md, "The card mapping").

One card per finding that is not suppressed. Text from the plan (drug names, anything a
message quotes) reaches the card's Markdown ``detail`` escaped, so that an order cannot put
links, images or HTML into the EHR's display; ``summary`` is plain text, as the spec says.
Attributes with no value are left out, never sent as null.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from ..api import Finding, Rule, Severity

# blinacheck's code system for the reasons a clinician gives when overriding a card.
OVERRIDE_SYSTEM = "urn:blinacheck:fhir:CodeSystem:override-reason"
OVERRIDE_REASONS = (
    ("clinical-judgement", "Clinical judgement: the benefit outweighs this risk for this patient"),
    ("protocol-specified", "Specified by the protocol or study the patient is treated on"),
    ("data-incorrect", "The order or patient data this card is based on is incorrect"),
    ("risk-mitigated", "Risk acknowledged; monitoring or mitigation is in place"),
)
INDICATORS = {Severity.ERROR: "critical", Severity.WARNING: "warning", Severity.INFO: "info"}
SUMMARY_LIMIT = 140  # the spec: a summary of fewer than 140 characters
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def markdown_text(text: str) -> str:
    """``text`` shown literally in Markdown: HTML characters as entities, Markdown's
    punctuation backslash-escaped, control characters and line breaks as spaces."""
    plain = "".join(" " if ord(c) < 0x20 or ord(c) == 0x7F else c for c in text)
    html = plain.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN.sub(r"\\\1", html)


def summary(text: str) -> str:
    """One line of plain text, shortened with … to fewer than 140 characters."""
    line = " ".join("".join(" " if ord(c) < 0x20 or ord(c) == 0x7F else c for c in text).split())
    if len(line) < SUMMARY_LIMIT:
        return line
    return line[: SUMMARY_LIMIT - 2].rstrip() + "…"


def override_reasons() -> list[dict[str, str]]:
    return [
        {"code": code, "system": OVERRIDE_SYSTEM, "display": display}
        for code, display in OVERRIDE_REASONS
    ]


def detail(finding: Finding, rule: Rule | None, order: str | None) -> str:
    """The card's Markdown: the finding, where it is, and the evidence behind the rule."""
    title = rule.title if rule is not None else (finding.title or finding.rule)
    lines = [
        f"**{markdown_text(title)}** ({markdown_text(finding.rule)}, {finding.severity})",
        "",
        markdown_text(finding.message),
    ]
    where = []
    if finding.cycle is not None:
        where.append(f"cycle {finding.cycle}")
    if finding.day is not None:
        where.append(f"Day {finding.day}")
    if where:
        lines += ["", markdown_text("Where: " + ", ".join(where))]
    if order:
        lines += ["", markdown_text(f"Order: {order}")]
    if finding.evidence:
        lines += ["", "**Evidence**", ""]
        for evidence in finding.evidence:
            item = markdown_text(evidence.source)
            if evidence.unconfirmed:
                item += " \\(UNCONFIRMED\\)"
            if evidence.note:
                item += f": {markdown_text(evidence.note)}"
            if evidence.link:
                item += f" [source](<{evidence.link.replace('>', '%3E')}>)"
            lines.append(f"- {item}")
    return "\n".join(lines)


def card(
    finding: Finding,
    rule: Rule | None,
    *,
    source_url: str | None,
    overridable: bool,
    order: str | None = None,
    suggestion: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The card of one finding (a fresh ``uuid`` each time)."""
    source: dict[str, Any] = {"label": f"blinacheck: {finding.rule}"}
    if source_url:
        source["url"] = source_url
    made: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": summary(finding.message),
        "detail": detail(finding, rule, order),
        "indicator": INDICATORS[finding.severity],
        "source": source,
    }
    if suggestion is not None:
        made["suggestions"] = [dict(suggestion)]
        made["selectionBehavior"] = "at-most-one"
    if overridable:
        made["overrideReasons"] = override_reasons()
    return made
