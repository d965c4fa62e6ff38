"""Read inline override comments from a plan's raw text.

An override is a YAML comment ``# blinacheck: ignore[RULE-ID, ...] -- reason``, either at the end
of the line a finding is reported on, or alone on the line above it (further comment-only lines
may sit in between). Comments are found in the text (blinacheck.read.comments): YAML drops them.

This module only reads; what a directive does to findings is decided in ``overrides.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..engine.ruleset import RULE_ID
from ..read.comments import comments
from ..read.source import split_lines

# A directive may open the comment or follow earlier comment text after whitespace:
# "# Day 1  # blinacheck: ignore[x] -- reason".
_DIRECTIVE = re.compile(r"(?:^|(?<=\s))#\s*blinacheck\s*:(?P<body>.*)$")
_IGNORE = re.compile(r"\s*ignore\s*\[(?P<ids>[^\]]*)\](?P<tail>.*)$")
_QUICK = re.compile(r"#\s*blinacheck\s*:")

FORM = "# blinacheck: ignore[RULE-ID] -- reason"


@dataclass(frozen=True, slots=True)
class Directive:
    """One ``# blinacheck:`` comment, as written."""

    line: int  # 1-based line of the comment
    column: int  # 1-based column of its '#'
    target: int  # the plan line whose findings it overrides
    rules: tuple[str, ...]
    reason: str | None  # None or "" when the comment gives no reason
    problem: str | None = None  # set when the comment cannot be read as an override

    @property
    def has_reason(self) -> bool:
        return bool(self.reason)


def parse(text: str) -> list[Directive]:
    """Every ``# blinacheck:`` comment in ``text``, in line order."""
    if not _QUICK.search(text):
        return []  # the common case: no override at all, no second scan of the file
    lines = split_lines(text)
    directives: list[Directive] = []
    for comment in comments(text):
        match = _DIRECTIVE.search(lines[comment.line - 1], comment.column - 1)
        if match is None:
            continue
        target = _next_content_line(lines, comment.line) if comment.own_line else comment.line
        directives.append(_read(match.group("body"), comment.line, match.start() + 1, target))
    return directives


def _read(body: str, line: int, column: int, target: int) -> Directive:
    match = _IGNORE.match(body)
    if match is None:
        return Directive(line, column, target, (), None, f"cannot read this override; write {FORM}")
    ids = tuple(part.strip() for part in match.group("ids").split(","))
    bad = [rule for rule in ids if not RULE_ID.fullmatch(rule)]
    if not any(ids) or bad:
        what = f"'{bad[0]}' is not a rule id" if bad and bad[0] else "no rule id given"
        return Directive(line, column, target, (), None, f"{what}; write {FORM}")
    tail = match.group("tail").strip()
    reason = tail[2:].strip() if tail.startswith("--") else None
    return Directive(line, column, target, ids, reason)


def _next_content_line(lines: list[str], number: int) -> int:
    """The line a comment-only line speaks about: the next line that is not a comment. A blank
    line counts as that line, so an override never reaches across one to a finding below."""
    for following in range(number + 1, len(lines) + 1):
        if not lines[following - 1].lstrip().startswith("#"):
            return following
    return number + 1
