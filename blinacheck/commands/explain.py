"""``blinacheck explain RULE-ID``: what a rule checks, why, and a plan that triggers it."""

from __future__ import annotations

import difflib
import sys
import textwrap
from typing import Any

import click

from . import fail, load_rules, rule_set_options

_INDENT = "  "


def _block(text: str) -> list[str]:
    """A text block indented under its heading, its own line breaks kept."""
    return [_INDENT + line if line.strip() else "" for line in text.strip("\n").splitlines()]


def _wrapped(text: str, indent: str = _INDENT) -> list[str]:
    return textwrap.wrap(
        " ".join(text.split()), 96, initial_indent=indent, subsequent_indent=indent
    )


def explain_text(rule: Any) -> str:
    """The explanation of one rule as plain text, sections in the order a reader asks."""
    from ..api import catalogue

    description, what_to_do = catalogue.split_description(rule)
    out = [f"{rule.id}: {rule.title}", ""]
    out += ["What it checks", *_block(description or "(no description)"), ""]
    out.append("Subject")
    out.append(f"{_INDENT}{catalogue.subject_text(rule)} (for_each: {rule.for_each})")
    where = catalogue.report_at_text(rule)
    if where:
        out.append(f"{_INDENT}reported at {where.replace('`', '')}")
    out += ["", "Fires when (CEL)", *_block(rule.when_text), ""]
    out += ["Severity", f"{_INDENT}{rule.severity} by default"]
    for severity, when in catalogue.severity_cases(rule):
        out.append(f"{_INDENT}{severity} when {when}")
    if rule.severity_cases:
        out.append(f"{_INDENT}(the first case that holds wins)")
    out.append("")
    out.append("Parameters")
    rows = catalogue.param_rows(rule)
    out += [f"{_INDENT}{name} = {value} ({kind})" for name, value, kind in rows] or [
        f"{_INDENT}(none)"
    ]
    out += ["", "Why: evidence"]
    for number, evidence in enumerate(rule.evidence, start=1):
        flag = " [UNCONFIRMED]" if evidence.unconfirmed else ""
        out += _wrapped(f"{number}. {evidence.source}{flag}")
        if evidence.note:
            out += _wrapped(evidence.note, _INDENT + "   ")
        if evidence.link:
            out.append(f"{_INDENT}   {evidence.link}")
    out += ["", "What to do"]
    out += _wrapped(what_to_do) if what_to_do else [f"{_INDENT}(see What it checks)"]
    out.append("")
    if rule.example:
        out += ["Example: a minimal plan that triggers it", *_block(rule.example), ""]
        findings = catalogue.example_findings(rule)
        if catalogue.example_triggers(rule, findings):
            out.append("Linting the example gives")
        else:
            out.append("Linting the example gives (WARNING: it does not trigger this rule)")
        out += [_INDENT + catalogue.finding_text(f) for f in findings] or [
            f"{_INDENT}(no findings)"
        ]
    else:
        out.append("Example: none given in the rule file")
    out += ["", f"Defined in {catalogue.source_name(rule)}:{rule.line}"]
    return "\n".join(out) + "\n"


@click.command("explain")
@click.argument("rule_id")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown"]),
    default="text",
    show_default=True,
    help="Output format (markdown: the rule's section of the rule catalogue).",
)
@rule_set_options
def command(
    rule_id: str, output_format: str, rule_dirs: tuple[str, ...], no_builtin_rules: bool
) -> None:
    """Explain a rule: what it checks, why (evidence), its parameters and severities, what to
    do about a finding, and a minimal plan that triggers it, linted to show the finding."""
    ruleset = load_rules(rule_dirs, not no_builtin_rules)
    rules = ruleset.by_id()
    rule = rules.get(rule_id)
    if rule is None:
        close = difflib.get_close_matches(rule_id, sorted(rules), n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        fail(f"unknown rule id '{rule_id}'{hint} ('blinacheck rules' lists them)")
    from ..api import printable  # rule text must not drive the terminal

    if output_format == "markdown":
        from ..api import catalogue

        sys.stdout.write(printable(catalogue.render_rule(rule), keep_newlines=True))
    else:
        sys.stdout.write(printable(explain_text(rule), keep_newlines=True))
