"""Find the comments in YAML text: YAML drops them, but overrides and rule tests live in them.

A ``#`` starts a comment only at the start of a line or after whitespace, and only outside
scalars: the real YAML scanner says exactly where quoted strings, block scalars and ``a#b``
plain words are. Where the text stops scanning (a fixture for ``invalid-plan`` may have a
syntax error), a simpler quote-aware reading takes over from that line on.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import yaml

from .source import split_lines  # the one line-end rule

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # same marks, ten times faster
_MAX = 2**62


@dataclass(frozen=True)
class Comment:
    """A YAML comment: 1-based line and column of its ``#``, and the text after the ``#``."""

    line: int
    column: int
    text: str
    own_line: bool  # nothing but whitespace before it on its line


# --- comments --------------------------------------------------------------------------------


def _scalar_spans(text: str) -> tuple[list[tuple[int, int, int, int]], int | None]:
    """0-based (line, col, end line, end col) of every scalar the YAML scanner reads.

    Scanning stops at the first syntax error (a fixture for ``invalid-plan`` may have one); its
    0-based line is returned so the caller can fall back to a simpler reading from there.
    """
    spans: list[tuple[int, int, int, int]] = []
    try:
        for token in yaml.scan(text, Loader=_Loader):
            if not isinstance(token, yaml.ScalarToken):
                continue
            start, end = token.start_mark, token.end_mark
            if token.style in ("|", ">"):
                # A block scalar's token starts at its indicator, but a comment may follow the
                # indicator on that line; the content starts on the next line.
                spans.append((start.line + 1, 0, end.line, end.column))
            else:
                spans.append((start.line, start.column, end.line, end.column))
    except yaml.YAMLError as exc:
        # An unclosed quote is reported at the end of the file with its start as the context:
        # fall back from the earliest mark on.
        marks = [getattr(exc, name, None) for name in ("context_mark", "problem_mark")]
        return spans, min((m.line for m in marks if m is not None), default=0)
    return spans, None


def _inside(spans: list[tuple[int, int, int, int]], line: int, column: int) -> bool:
    # Scalars never overlap and come in document order: only the last one starting at or
    # before the position can contain it (a bisection, so a big fixture stays fast).
    index = bisect.bisect_right(spans, (line, column, _MAX, _MAX)) - 1
    return index >= 0 and (line, column) < spans[index][2:]


def _fallback_comment_column(line: str, quote: str | None) -> tuple[int | None, str | None]:
    """Where a comment starts on a line the scanner could not read; the open quote after it.

    A quote opens a quoted scalar only where a value can start (after ``:``, ``-``, ``?``, a
    flow indicator, or at the start of the line); an apostrophe inside plain text does not.
    """
    index = 0
    while index < len(line):
        char = line[index]
        if quote == '"':
            if char == "\\":
                index += 1
            elif char == '"':
                quote = None
        elif quote == "'":
            if char == "'" and line[index + 1 : index + 2] == "'":
                index += 1
            elif char == "'":
                quote = None
        elif char == "#" and (index == 0 or line[index - 1] in " \t"):
            return index, None
        elif char in "\"'":
            before = line[:index].rstrip(" \t")
            if not before or (before[-1] in ":-?[{," and line[index - 1] in " \t[{,"):
                quote = char
        index += 1
    return None, quote


def comments(text: str) -> list[Comment]:
    """Every YAML comment in ``text``: a ``#`` at the start of a line or after whitespace that is
    not inside a quoted or block scalar."""
    lines = split_lines(text)
    spans, broken_at = _scalar_spans(text)
    found: list[Comment] = []
    quote: str | None = None
    for number, line in enumerate(lines):
        column: int | None = None
        if broken_at is not None and number >= broken_at:
            column, quote = _fallback_comment_column(line, quote)
        else:
            for match in re.finditer("#", line):
                start = match.start()
                if start > 0 and line[start - 1] not in " \t":
                    continue
                if not _inside(spans, number, start):
                    column = start
                    break
        if column is not None:
            found.append(
                Comment(number + 1, column + 1, line[column + 1 :], not line[:column].strip())
            )
    return found
