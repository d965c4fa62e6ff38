"""Read inline override comments from a plan's raw text.

An override is a YAML comment ``# blinacheck: ignore[RULE-ID, ...] -- reason``, either at the end
of the line a finding is reported on, or alone on the line above it (further comment-only lines
may sit in between). Comments are found in the text, not in the parsed values: YAML drops them.
A ``#`` only starts a comment outside scalars, which the YAML scanner tells us exactly (quoted
strings, block scalars and ``a#b`` plain words are all scalar tokens).

This module only reads; what a directive does to findings is decided in ``overrides.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from .engine.ruleset import RULE_ID

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
    lines = text.splitlines()
    inside = _scalar_spans(text)
    directives: list[Directive] = []
    for number, line in enumerate(lines, start=1):
        hash_at = _comment_start(line, inside.get(number, []))
        if hash_at is None:
            continue
        match = _DIRECTIVE.search(line, hash_at)
        if match is None:
            continue
        alone = not line[:hash_at].strip()
        target = _next_content_line(lines, number) if alone else number
        directives.append(_read(match.group("body"), number, match.start() + 1, target))
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
    """The line a comment-only line speaks about: the next one that is not comment-only."""
    for following in range(number + 1, len(lines) + 1):
        if not lines[following - 1].lstrip().startswith("#"):
            return following
    return number + 1


def _comment_start(line: str, inside: list[tuple[int, int]]) -> int | None:
    """0-based index of the '#' that opens a comment on this line, if any."""
    for index, char in enumerate(line):
        if char != "#" or (index > 0 and line[index - 1] not in " \t"):
            continue
        if not any(start <= index < end for start, end in inside):
            return index
    return None


def _scalar_spans(text: str) -> dict[int, list[tuple[int, int]]]:
    """Per 1-based line, the 0-based column ranges covered by scalar tokens."""
    spans: dict[int, list[tuple[int, int]]] = {}
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        for token in yaml.scan(text, Loader=loader):
            if not isinstance(token, yaml.ScalarToken):
                continue
            start, end = token.start_mark, token.end_mark
            for line in range(start.line, end.line + 1):
                first = start.column if line == start.line else 0
                last = end.column if line == end.line else 1 << 30
                spans.setdefault(line + 1, []).append((first, last))
    except yaml.YAMLError:
        # The plan parsed already, so this does not happen; if it ever did, reading no
        # override is the safe side: findings stay active.
        return {line: [(0, 1 << 30)] for line in range(1, text.count("\n") + 2)}
    return spans
