"""Rule tests as data: run annotated fixture plans against a rule set (``blinacheck test``).

A fixture is a plan file whose YAML comments say which findings it must produce, in the manner
of ``semgrep --test``::

    intrathecal:
      - {day: 1, drugs: [methotrexate], dose: 12 mg}   # expect: it-on-infusion-day-1 (error)
      # expect-not: it-on-infusion-day-1
      - {day: 8, drugs: [methotrexate], dose: 12 mg}

For every rule a fixture names, that rule's findings must sit exactly on its ``expect`` lines;
rules the fixture does not name are not checked in it. Comments are found with the real YAML
scanner, so a ``#`` inside a quoted or block scalar is never taken for one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from .engine.ruleset import RULE_ID, RuleSet
from .plan.validation import did_you_mean as _did_you_mean
from .read.comments import Comment, comments
from .read.source import DEFAULT_MAX_BYTES, SourceError, decode, split_lines
from .results.display import printable
from .results.findings import INVALID_PLAN, RULE_ERROR, Finding, Severity
from .run.lint import lint_bytes

EXPECT, EXPECT_NOT = "expect", "expect-not"
ENGINE_IDS = (INVALID_PLAN, RULE_ERROR)
FIXTURE_SUFFIXES = (".yaml", ".yml")
DEFAULT_FIXTURE_DIR = os.path.join("tests", "rules")

_ANNOTATION = re.compile(r"(?P<kind>expect(?:-not)?)\s*:(?P<body>.*)", re.DOTALL)
# Lower-case words that look like a misspelt annotation ("expected:", "expect_not:").
_NEAR_MISS = re.compile(r"expect[\w-]*\s*:")
_ITEM = re.compile(r"(?P<id>[^\s()]+)\s*(?:\(\s*(?P<severity>[^()]*?)\s*\))?")


class FixtureSearchError(Exception):
    """A fixture path that does not exist or holds no fixtures (a usage error, exit 2)."""


@dataclass(frozen=True)
class Annotation:
    """One rule named by an ``expect``/``expect-not`` comment, resolved to its target line."""

    kind: str  # EXPECT or EXPECT_NOT
    rule: str
    severity: Severity | None
    line: int  # the plan line the annotation is about
    comment_line: int  # where the comment itself is


@dataclass(frozen=True)
class Problem:
    """Something wrong with a fixture or with what it produced, at a line when there is one."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class FixtureResult:
    path: str
    failures: list[Problem] = field(default_factory=list)
    rules: tuple[str, ...] = ()  # the rule ids the fixture checks

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass
class RunReport:
    results: list[FixtureResult] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed


# --- annotations -----------------------------------------------------------------------------


def parse_annotations(
    text: str, known_rules: Collection[str] | None = None
) -> tuple[list[Annotation], list[Problem]]:
    """The annotations of a fixture, and the problems with them (each located at its comment).

    With ``known_rules``, an annotation naming any other id (besides ``invalid-plan`` and
    ``rule-error``) is a problem.
    """
    all_comments = comments(text)
    comment_only = {c.line for c in all_comments if c.own_line}
    lines = split_lines(text)
    known = None if known_rules is None else {*known_rules, *ENGINE_IDS}
    annotations: list[Annotation] = []
    problems: list[Problem] = []

    def target_of(comment: Comment) -> int | None:
        if not comment.own_line:
            return comment.line
        # An annotation on a line of its own is about the next line with YAML on it.
        for number in range(comment.line + 1, len(lines) + 1):
            if lines[number - 1].strip() and number not in comment_only:
                return number
        return None

    for comment in all_comments:
        body = comment.text.strip()
        match = _ANNOTATION.fullmatch(body)
        if match is None:
            near = _NEAR_MISS.match(body)
            if near:
                problems.append(
                    Problem(
                        comment.line,
                        f"'{near.group(0)}' is not an annotation; write 'expect:' or 'expect-not:'",
                    )
                )
            continue
        kind = match.group("kind")
        target = target_of(comment)
        if target is None:
            problems.append(Problem(comment.line, f"'{kind}:' has no line after it to apply to"))
            continue
        items = [item.strip() for item in match.group("body").split(",")]
        if not any(items):
            problems.append(Problem(comment.line, f"'{kind}:' names no rule id"))
            continue
        for item in items:
            parsed = _ITEM.fullmatch(item)
            if not item or parsed is None:
                problems.append(
                    Problem(
                        comment.line,
                        f"cannot read '{item}' in '{kind}:'; write RULE-ID or "
                        "RULE-ID (severity), separated by commas",
                    )
                )
                continue
            rule, severity_text = parsed.group("id"), parsed.group("severity")
            if not RULE_ID.fullmatch(rule):
                problems.append(Problem(comment.line, f"'{rule}' is not a rule id"))
                continue
            if known is not None and rule not in known:
                problems.append(
                    Problem(
                        comment.line,
                        f"unknown rule id '{rule}'{_did_you_mean(rule, known)}",
                    )
                )
                continue
            severity = None
            if severity_text is not None:
                if kind == EXPECT_NOT:
                    problems.append(
                        Problem(
                            comment.line,
                            f"'expect-not:' takes no severity ('{item}'); no finding of the "
                            "rule may be on the line",
                        )
                    )
                    continue
                if severity_text not in ("error", "warning", "info"):
                    problems.append(
                        Problem(
                            comment.line,
                            f"unknown severity '{severity_text}' for '{rule}'; "
                            "use error, warning or info",
                        )
                    )
                    continue
                severity = Severity.parse(severity_text)
            annotations.append(Annotation(kind, rule, severity, target, comment.line))

    expected = {(a.rule, a.line) for a in annotations if a.kind == EXPECT}
    for annotation in annotations:
        if annotation.kind == EXPECT_NOT and (annotation.rule, annotation.line) in expected:
            problems.append(
                Problem(
                    annotation.comment_line,
                    f"line {annotation.line} is annotated both 'expect' and 'expect-not' "
                    f"for '{annotation.rule}'",
                )
            )
    return annotations, problems


# --- checking --------------------------------------------------------------------------------


def _describe(finding: Finding) -> str:
    return f"{finding.rule} ({finding.severity}): {finding.message}"


def compare(annotations: list[Annotation], findings: list[Finding]) -> list[Problem]:
    """What differs between the annotations and the findings, for the rules annotated."""
    failures: list[Problem] = []
    named = sorted({a.rule for a in annotations})
    for rule in named:
        pins: dict[int, set[Severity]] = {}
        for a in annotations:
            if a.rule == rule and a.kind == EXPECT:
                pins.setdefault(a.line, set())
                if a.severity is not None:
                    pins[a.line].add(a.severity)
        banned = {a.line for a in annotations if a.rule == rule and a.kind == EXPECT_NOT}
        reported: dict[int, list[Finding]] = {}
        for finding in findings:
            if finding.rule == rule:
                reported.setdefault(finding.line, []).append(finding)
        for line, wanted in sorted(pins.items()):
            got = reported.get(line, [])
            if not got:
                pinned = f" ({'/'.join(sorted(str(s) for s in wanted))})" if wanted else ""
                failures.append(Problem(line, f"missing finding of {rule}{pinned}"))
                continue
            for finding in got:
                if wanted and finding.severity not in wanted:
                    expected = " or ".join(sorted(str(s) for s in wanted))
                    failures.append(
                        Problem(
                            line,
                            f"wrong severity: {rule} reported as {finding.severity}, "
                            f"expected {expected}: {finding.message}",
                        )
                    )
            for severity in sorted(wanted - {f.severity for f in got}):
                if len(wanted) > 1:
                    failures.append(Problem(line, f"missing finding of {rule} ({severity})"))
        for line, got in sorted(reported.items()):
            if line in pins:
                continue
            marked = " on a line marked expect-not" if line in banned else ""
            for finding in got:
                failures.append(Problem(line, f"unexpected finding{marked}: {_describe(finding)}"))
    return failures


def _engine_failures(named: set[str], findings: list[Finding]) -> list[Problem]:
    """Findings that make a fixture meaningless unless it names them.

    An invalid plan is never evaluated by any rule, so a fixture that only says where a rule
    must *not* fire would pass without testing anything; a ``rule-error`` is a rule that could
    not decide. Both fail the fixture unless it names them.
    """
    failures = []
    for finding in findings:
        if finding.rule == INVALID_PLAN and INVALID_PLAN not in named:
            failures.append(
                Problem(
                    finding.line,
                    f"the plan is not valid, so no rule ran on it: {finding.message} "
                    "(annotate 'expect: invalid-plan' if that is what this fixture tests)",
                )
            )
        elif (
            finding.rule == RULE_ERROR
            and RULE_ERROR not in named
            and finding.subject.rpartition("#")[2] in named
        ):
            failures.append(Problem(finding.line, f"rule error: {finding.message}"))
    return failures


def check_bytes(
    raw: bytes, path: str, ruleset: RuleSet, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> FixtureResult:
    """Check one fixture's content against the rule set."""
    result = FixtureResult(path)
    try:
        text = decode(raw)
    except SourceError as exc:
        result.failures += [
            Problem(p.line, f"cannot read the fixture: {p.message}") for p in exc.problems
        ]
        return result
    annotations, problems = parse_annotations(text, {rule.id for rule in ruleset.rules})
    result.failures += problems
    if not annotations and not problems:
        result.failures.append(
            Problem(
                None,
                "no annotations: a fixture must name the rules it tests with "
                "'# expect: RULE-ID' or '# expect-not: RULE-ID' comments",
            )
        )
    named = {a.rule for a in annotations}
    result.rules = tuple(sorted(named))
    if annotations:
        # The rules alone: no configuration, inline override or baseline is applied, so a
        # fixture shows what a rule reports, whatever a site has silenced.
        findings = lint_bytes(raw, path, ruleset, max_bytes=max_bytes).findings
        result.failures += compare(annotations, findings)
        result.failures += _engine_failures(named, findings)
    result.failures.sort(key=lambda p: (p.line or 0, p.message))
    return result


def check_fixture(
    path: str, ruleset: RuleSet, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> FixtureResult:
    """Check one fixture file against the rule set."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        return FixtureResult(path, [Problem(None, f"cannot read: {exc.strerror or exc}")])
    return check_bytes(raw, path, ruleset, max_bytes=max_bytes)


def find_fixtures(paths: Iterable[str]) -> list[str]:
    """Fixture files: files named explicitly, and every ``*.yaml``/``*.yml`` under directories
    (hidden directories skipped). Raise FixtureSearchError for a missing path or an empty
    directory: a test run that finds nothing must not pass quietly."""
    fixtures: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            found = []
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found += [os.path.join(root, f) for f in files if f.endswith(FIXTURE_SUFFIXES)]
            if not found:
                raise FixtureSearchError(f"{path}: no fixture files (*.yaml, *.yml) found")
            fixtures += sorted(found)
        elif os.path.isfile(path):
            fixtures.append(path)
        elif os.path.exists(path):
            raise FixtureSearchError(f"{path}: not a regular file or directory")
        else:
            raise FixtureSearchError(f"{path}: no such file or directory")
    return fixtures


def run(paths: Iterable[str], ruleset: RuleSet) -> RunReport:
    """Check every fixture under ``paths``. Raise FixtureSearchError for bad paths."""
    return RunReport([check_fixture(path, ruleset) for path in find_fixtures(paths)])


def render(report: RunReport, *, color: bool = False, quiet: bool = False) -> str:
    """``PASS path`` / ``FAIL path`` with indented details, then ``N passed, N failed``.

    Paths and details (which quote the fixture's text) are escaped for the terminal."""
    green, red, reset = ("\033[32m", "\033[1;31m", "\033[0m") if color else ("", "", "")
    out: list[str] = []
    for result in report.results:
        if result.passed:
            if not quiet:
                out.append(f"{green}PASS{reset} {printable(result.path)}")
            continue
        out.append(f"{red}FAIL{reset} {printable(result.path)}")
        out += [f"  {printable(str(failure))}" for failure in result.failures]
    out.append(f"{report.passed} passed, {report.failed} failed")
    return "\n".join(out) + "\n"
