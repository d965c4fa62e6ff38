"""The rule catalogue: Markdown generated from the loaded rule set (docs/rule-catalogue.md).

Regenerate after changing a rule file::

    blinacheck rules --format markdown -o docs/rule-catalogue.md

(``--check FILE`` exits 1 when FILE differs from a fresh render; tests/test_catalogue.py does
the same.) The helpers here also serve ``blinacheck explain``: one wording of a rule's subject,
severity and example, wherever the rule is shown.
"""

from __future__ import annotations

import json

from ..engine.ruleset import Rule, RuleSet, param_type
from ..results.findings import Finding
from ..run.lint import lint_text
from ..timeline import subjects

GENERATE_COMMAND = "blinacheck rules --format markdown -o docs/rule-catalogue.md"

SUBJECTS = {kind.name: kind.each for kind in subjects.KINDS}
# What a report_at key belongs to, per subject (a cycle_gap is reported on the later cycle).
_OWNERS = {kind.name: kind.owner for kind in subjects.KINDS}
_WHAT_TO_DO = "What to do:"


def subject_text(rule: Rule) -> str:
    return SUBJECTS.get(rule.for_each, rule.for_each)


def report_at_text(rule: Rule) -> str | None:
    """Where findings are placed, e.g. "the `infusion` key of the cycle"; None by default."""
    if not rule.report_at:
        return None
    owner = _OWNERS.get(rule.for_each, "the subject")
    return f"the `{'.'.join(rule.report_at)}` key of {owner}"


def severity_cases(rule: Rule) -> list[tuple[str, str]]:
    """(severity, CEL condition) of each severity case, in the order they are tried."""
    return [(str(case.severity), " ".join(case.when.split())) for case in rule.severity_cases]


def severity_text(rule: Rule) -> str:
    """'warning', or 'warning; error when ...' for a rule with severity cases."""
    cases = severity_cases(rule)
    if not cases:
        return str(rule.severity)
    shown = "; ".join(f"{severity} when {when}" for severity, when in cases)
    return f"{rule.severity} by default; {shown}"


def split_description(rule: Rule) -> tuple[str, str | None]:
    """The description, and its 'What to do:' part when it has one (rules put it last)."""
    text = rule.description.strip()
    before, marker, after = text.partition(_WHAT_TO_DO)
    if not marker:
        return text, None
    what_to_do = " ".join(after.split())
    return before.strip(), what_to_do[:1].upper() + what_to_do[1:]


def source_name(rule: Rule) -> str:
    """Where the rule is defined; built-in rules by their path in the repository."""
    return "rules/" + rule.file.removeprefix("<builtin>/") if rule.builtin else rule.file


def example_findings(rule: Rule) -> list[Finding]:
    """What linting the rule's example gives with this rule alone (plus invalid-plan or
    rule-error findings, which show a broken example)."""
    if not rule.example:
        return []
    return lint_text(rule.example, RuleSet([rule]), path="example.yaml").findings


def example_triggers(rule: Rule, findings: list[Finding]) -> bool:
    return any(f.rule == rule.id for f in findings)


def finding_text(finding: Finding) -> str:
    return f"line {finding.line}: {finding.severity}[{finding.rule}] {finding.message}"


def param_rows(rule: Rule) -> list[tuple[str, str, str]]:
    """(name, default as JSON, type) of each parameter."""
    return [
        (name, json.dumps(value, ensure_ascii=False), param_type(value))
        for name, value in rule.params.items()
    ]


# --- Markdown --------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _code(text: str) -> str:
    """Inline code that survives backticks inside the text."""
    text = " ".join(text.split())
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def _link_text(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]")


def render_rule(rule: Rule) -> str:
    """One rule's section of the catalogue."""
    out = [f"## {rule.id}", "", f"**{rule.title}**", ""]
    cases = severity_cases(rule)
    if cases:
        out.append(f"- Severity: **{rule.severity}** by default, unless a case matches:")
        out += [f"  - **{severity}** when {_code(when)}" for severity, when in cases]
    else:
        out.append(f"- Severity: **{rule.severity}**")
    out.append(f"- Subject: {subject_text(rule)} (`for_each: {rule.for_each}`)")
    where = report_at_text(rule)
    if where:
        out.append(f"- Reported at: {where}")
    out.append(f"- Can be overridden in a plan: {'yes' if rule.overridable else 'no'}")
    out.append(f"- Defined in: `{source_name(rule)}`")
    out += ["", rule.description or "*No description.*", ""]
    out += ["Fires when:", "", "```cel", rule.when_text.strip(), "```", ""]
    rows = param_rows(rule)
    if rows:
        out += ["| Parameter | Default | Type |", "|---|---|---|"]
        out += [f"| `{name}` | `{_cell(value)}` | {kind} |" for name, value, kind in rows]
        out.append("")
    out += ["Evidence:", ""]
    for number, evidence in enumerate(rule.evidence, start=1):
        source = _link_text(evidence.source)
        line = f"{number}. [{source}]({evidence.link})" if evidence.link else f"{number}. {source}"
        if evidence.note:
            line += f" — {' '.join(evidence.note.split())}"
        if evidence.unconfirmed:
            line += " *(unconfirmed)*"
        out.append(line)
    out.append("")
    if rule.example:
        out += ["Example, a minimal plan that triggers the rule:", ""]
        out += ["```yaml", rule.example.rstrip("\n"), "```", ""]
        findings = example_findings(rule)
        if example_triggers(rule, findings):
            out += ["Linting the example with this rule gives:", "", "```text"]
        else:
            out += ["**The example does not trigger the rule.** Linting it gives:", "", "```text"]
        out += [finding_text(f) for f in findings] or ["(no findings)"]
        out += ["```", ""]
    else:
        out += ["*No example given.*", ""]
    return "\n".join(out)


def render(ruleset: RuleSet, *, command: str = GENERATE_COMMAND) -> str:
    """The whole catalogue page; ``command`` is how it was generated (said in its header)."""
    builtin_only = command == GENERATE_COMMAND
    freshness = (
        " (`tests/test_catalogue.py` fails when this page and the rules disagree)"
        if builtin_only
        else ""
    )
    out = [
        f"<!-- Generated from the rule files by `{command}`; do not edit. -->",
        "",
        "# Rule catalogue",
        "",
        f"Every rule blinacheck applies, generated from the rule files{freshness}. On the "
        "command line, `blinacheck rules` lists them and `blinacheck explain RULE-ID` shows "
        "one. Severities are defaults: a severity case, listed under the rule, can raise or "
        "lower them for some plans.",
        "",
        f"{len(ruleset.rules)} rule{'' if len(ruleset.rules) == 1 else 's'}.",
        "",
        "| Rule | Severity | Subject | Title |",
        "|---|---|---|---|",
    ]
    for rule in ruleset.rules:
        severity = str(rule.severity)
        others = sorted({s for s, _ in severity_cases(rule)} - {severity})
        if others:
            severity += f" (or {', '.join(others)})"
        out.append(
            f"| [{rule.id}](#{rule.id}) | {severity} | `{rule.for_each}` | {_cell(rule.title)} |"
        )
    out.append("")
    for rule in ruleset.rules:
        out.append(render_rule(rule))
    return "\n".join(out).rstrip("\n") + "\n"
