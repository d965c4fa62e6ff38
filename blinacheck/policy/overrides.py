"""Apply overrides to a lint report: per-file ignores, inline comments with reasons, a baseline.

findings -> overrides -> reporters: ``apply`` takes a LintReport and returns a new one. An
overridden finding is never dropped; it carries ``Finding.suppressed`` and stops counting for the
exit code. Only configuration (``ignore``, ``per-file-ignores``) removes findings, because it
turns the rule off for those files. Problems with overrides themselves are findings too:

- ``invalid-suppression`` (warning): a ``# blinacheck:`` comment that cannot be read;
- ``suppression-without-reason`` (warning): no reason after ``--``, so it does not apply;
- ``suppression-not-allowed`` (warning): the rule is ``overridable: false``, or is one of
  blinacheck's own checks (``invalid-plan``, ``rule-error``, these override checks);
- ``unused-suppression`` (info): the comment matches no finding on its line;
- ``baseline-entry-unmatched`` (info): a baseline entry for a linted plan matches nothing.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ..results.findings import (
    BASELINE_ENTRY_UNMATCHED,
    INVALID_PLAN,
    INVALID_SUPPRESSION,
    OVERRIDES_EVIDENCE,
    OWN_CHECKS,
    RULE_ERROR,
    SUPPRESSION_NOT_ALLOWED,
    SUPPRESSION_WITHOUT_REASON,
    UNUSED_SUPPRESSION,
    Finding,
    Severity,
    Suppression,
    sort_findings,
)
from . import suppressions

if TYPE_CHECKING:
    from ..engine.ruleset import RuleSet
    from ..results.files import FileResult, LintReport
    from .baseline import Baseline
    from .paths import PathPatterns

# blinacheck's own checks of overrides: id -> (title, default severity). They can be ignored or
# re-graded in the configuration, never overridden inline.
# The override checks: their titles and default severities are in findings.OWN_CHECKS.
CHECKS: dict[str, tuple[str, Severity]] = {
    rule: (OWN_CHECKS[rule].title, OWN_CHECKS[rule].severity)
    for rule in (
        INVALID_SUPPRESSION,
        SUPPRESSION_WITHOUT_REASON,
        SUPPRESSION_NOT_ALLOWED,
        UNUSED_SUPPRESSION,
        BASELINE_ENTRY_UNMATCHED,
    )
}
# Findings about the plan file or the rules, not about the treatment: never overridable, never
# baselined, never ignored. A plan blinacheck cannot read has not been checked at all.
FIXED = frozenset({INVALID_PLAN, RULE_ERROR})


@dataclass(frozen=True)
class Policy:
    """What ``apply`` needs to know; built by ``config.resolve`` or ``Policy.for_ruleset``."""

    active: frozenset[str] = frozenset()  # rule ids that were evaluated
    known: frozenset[str] = frozenset()  # every loaded rule id, selected or not
    not_overridable: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()  # override checks turned off everywhere
    severity: Mapping[str, Severity] = field(default_factory=dict)  # of override checks
    per_file_ignores: tuple[tuple[PathPatterns, frozenset[str]], ...] = ()
    baseline: Baseline | None = None

    @classmethod
    def for_ruleset(cls, ruleset: RuleSet, *, loaded: RuleSet | None = None) -> Policy:
        """Defaults for ``ruleset`` (``loaded``: the rule set before select/ignore, if any)."""
        everything = loaded or ruleset
        return cls(
            active=frozenset(rule.id for rule in ruleset.rules),
            known=frozenset(rule.id for rule in everything.rules),
            not_overridable=frozenset(r.id for r in everything.rules if not r.overridable),
        )

    def off_for(self, path: str) -> frozenset[str]:
        """Rule and check ids turned off for this file by the configuration."""
        off = set(self.ignore)
        for patterns, ids in self.per_file_ignores:
            if patterns.matches(path):
                off |= ids
        return frozenset(off - FIXED)

    def can_override(self, rule: str) -> bool:
        return rule in self.known and rule not in self.not_overridable


def apply(report: LintReport, policy: Policy) -> LintReport:
    """The report with per-file ignores, inline overrides and the baseline applied."""
    remaining = policy.baseline.counts() if policy.baseline else Counter()
    results = [_file(result, policy, remaining) for result in report.results]
    if policy.baseline is not None:
        results = [_unmatched(result, policy, policy.baseline, remaining) for result in results]
    return replace(report, results=results)


def _file(result: FileResult, policy: Policy, remaining: Counter[str]) -> FileResult:
    off = policy.off_for(result.path)
    findings = [f for f in result.findings if f.rule not in off]
    checks: list[Finding] = []
    directives = suppressions.parse(result.document.text) if result.document else []
    ran = _rules_ran(result)

    def check(rule: str, directive: suppressions.Directive, message: str) -> None:
        checks.append(_check(rule, message, result.path, directive.line, directive.column))

    for directive in directives:
        if directive.problem:
            check(INVALID_SUPPRESSION, directive, directive.problem)
            continue
        allowed = []
        for rule in directive.rules:
            refusal = _refusal(rule, policy)
            if refusal:
                check(SUPPRESSION_NOT_ALLOWED, directive, refusal)
            else:
                allowed.append(rule)
        if allowed and not directive.has_reason:
            ids = ", ".join(allowed)
            check(
                SUPPRESSION_WITHOUT_REASON,
                directive,
                f"the override of {ids} gives no reason, so it does not apply; write "
                f"'# blinacheck: ignore[{ids}] -- why the plan is right as written'",
            )
            continue
        for rule in allowed:
            hits = [
                i for i, f in enumerate(findings) if f.rule == rule and f.line == directive.target
            ]
            for i in hits:
                if findings[i].suppressed is None:
                    suppression = Suppression("inline", directive.reason or "")
                    findings[i] = findings[i].with_suppression(suppression)
            if hits or not ran or rule in off:
                continue
            if rule not in policy.known:
                check(
                    UNUSED_SUPPRESSION,
                    directive,
                    f"no rule '{rule}' is loaded, so this override matches nothing; check the id",
                )
            elif rule in policy.active:
                check(
                    UNUSED_SUPPRESSION,
                    directive,
                    f"no '{rule}' finding on line {directive.target}; remove this override",
                )
    if policy.baseline is not None:
        findings = _baselined(findings, policy, policy.baseline, remaining)
    checks = [_graded(f, policy) for f in checks if f.rule not in off]
    return replace(result, findings=sort_findings(findings + checks))


def _rules_ran(result: FileResult) -> bool:
    """Whether the rules were evaluated on this file: it was read and is a valid plan."""
    return result.document is not None and all(f.rule != INVALID_PLAN for f in result.findings)


def _refusal(rule: str, policy: Policy) -> str | None:
    """Why ``rule`` cannot be overridden inline, or None when it can."""
    if rule == INVALID_PLAN:
        return "'invalid-plan' cannot be overridden: the plan was not checked at all; fix it"
    if rule == RULE_ERROR:
        return "'rule-error' cannot be overridden: a rule failed here; report it to its author"
    if rule in CHECKS:
        return (
            f"'{rule}' is a check of overrides, not of the plan; turn it off in the "
            "configuration (ignore) if you must"
        )
    if rule in policy.not_overridable:
        return (
            f"rule '{rule}' cannot be overridden in a plan (overridable: false); its finding "
            "stays. Only the project configuration can change it (docs/overrides.md)"
        )
    return None


def _baselined(
    findings: list[Finding], policy: Policy, baseline: Baseline, remaining: Counter[str]
) -> list[Finding]:
    out = []
    for finding in findings:
        key = baseline.key(finding)
        if remaining[key] > 0 and policy.can_override(finding.rule):
            remaining[key] -= 1
            if finding.suppressed is None:  # an inline reason says more than the baseline
                finding = finding.with_suppression(
                    Suppression("baseline", f"in baseline {baseline.file}")
                )
        out.append(finding)
    return out


def _unmatched(
    result: FileResult, policy: Policy, baseline: Baseline, remaining: Counter[str]
) -> FileResult:
    """Report this plan's baseline entries that matched nothing (when its rules ran)."""
    if not _rules_ran(result) or result.document is None:
        return result  # an invalid plan: no rule ran, so no entry can be judged
    from ..read.source import Path
    from .baseline import relative_path

    path = relative_path(result.path, baseline.base)
    off = policy.off_for(result.path)
    extra = []
    for key, entry in baseline.entries.items():
        if remaining[key] <= 0 or entry.path != path:
            continue
        if entry.rule not in policy.active or entry.rule in off:
            continue  # the rule did not run on this file: the entry cannot be judged
        pointer: Path = tuple(
            int(part) if part.isdigit() else part for part in entry.subject.split("/") if part
        )
        line, column = result.document.locate(pointer)
        changed = any(
            f.rule == entry.rule and f.subject == entry.subject and f.suppressed is None
            for f in result.findings
        )
        why = (
            f"the finding changed since it was baselined (it said: {entry.severity} "
            f"'{entry.message}'), so it is reported again; review it, then rerun "
            "--write-baseline"
            if changed
            else f"matches no finding any more; remove it from {baseline.file} or rerun "
            "--write-baseline"
        )
        extra.append(
            _check(
                BASELINE_ENTRY_UNMATCHED,
                f"baseline entry {key} ({entry.rule} at {entry.subject or '/'}) {why}",
                result.path,
                line,
                column,
            )
        )
    extra = [_graded(f, policy) for f in extra if f.rule not in off]
    if not extra:
        return result
    return replace(result, findings=sort_findings([*result.findings, *extra]))


def _check(rule: str, message: str, path: str, line: int, column: int) -> Finding:
    title, severity = CHECKS[rule]
    return Finding(
        rule=rule,
        severity=severity,
        message=message,
        path=path,
        line=line,
        column=column,
        evidence=(OVERRIDES_EVIDENCE,),
        subject=f"#{line}",
        title=title,
    )


def _graded(finding: Finding, policy: Policy) -> Finding:
    severity = policy.severity.get(finding.rule)
    return finding if severity is None else replace(finding, severity=severity)


def baselinable(finding: Finding, policy: Policy) -> bool:
    """Whether ``--write-baseline`` records this finding: active and overridable."""
    return finding.suppressed is None and policy.can_override(finding.rule)


def run(
    report: LintReport,
    policy: Policy,
    *,
    baseline_file: str | None = None,
    write_baseline: str | None = None,
) -> tuple[LintReport, list[str]]:
    """``apply`` with ``--baseline`` / ``--write-baseline``; also returns notes for stderr.

    Writing a baseline records every active, overridable finding left after the inline
    overrides, then reports the run as if that baseline had been given. Raises BaselineError.
    """
    from . import baseline as baseline_module

    notes: list[str] = []
    loaded = None
    if write_baseline is not None:
        for result in report.results:
            if os.path.exists(write_baseline) and os.path.samefile(write_baseline, result.path):
                raise baseline_module.BaselineError(
                    f"{write_baseline}: is one of the files being checked; choose another "
                    "baseline file"
                )
        inline = apply(report, policy)
        candidates = [f for f in inline.findings if baselinable(f, policy)]
        loaded = baseline_module.build(write_baseline, candidates)
        baseline_module.write(loaded)
        notes.append(f"wrote {len(candidates)} finding(s) to the baseline {write_baseline}")
        left = sorted(
            {f.rule for f in inline.findings if f.suppressed is None and f.rule in FIXED}
            | {f.rule for f in inline.findings if f.rule in policy.not_overridable}
        )
        if left:
            notes.append(f"not baselined (cannot be overridden; fix the plans): {', '.join(left)}")
    elif baseline_file is not None:
        loaded = baseline_module.load(baseline_file)
        missing = loaded.missing_plans()
        if missing:
            notes.append(
                f"note: {baseline_file} has entries for plans that no longer exist: "
                f"{', '.join(missing)}; remove them or rerun --write-baseline"
            )
    if loaded is not None:
        policy = replace(policy, baseline=loaded)
    return apply(report, policy), notes
