"""Read JSON into plain values plus the line and column of every value and key.

Used for FHIR files, whose values keep their JSON types (numbers stay numbers, ``true`` stays a
boolean: FHIR is typed JSON, not YAML). Bounded like :mod:`blinacheck.read.source`: nesting
depth and value count are checked as the text is read, duplicate keys and non-finite numbers
are refused, and every problem is a located :class:`~blinacheck.read.source.Problem`.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
from typing import Any

from .source import MAX_DEPTH, MAX_NODES, Document, Path, Problem, SourceError

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_LITERALS = {"true": True, "false": False, "null": None}
MAX_NUMBER_CHARS = 40  # a longer number is not a measurement


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.nodes = 0
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|\n|\r", text)]
        self.positions: dict[Path, tuple[int, int]] = {}
        self.key_positions: dict[Path, tuple[int, int]] = {}
        # Start -> end of every value and key, kept only when asked (json_spans).
        self.ends: dict[tuple[int, int], tuple[int, int]] | None = None

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def fail(self, message: str, offset: int | None = None) -> None:
        line, column = self.position(self.at if offset is None else offset)
        raise SourceError([Problem(line, column, message)])

    def skip(self) -> None:
        match = _WHITESPACE.match(self.text, self.at)
        self.at = match.end() if match else self.at

    def value(self, path: Path, depth: int) -> Any:
        self.skip()
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.fail(f"more than {MAX_NODES:,} values; a FHIR plan is far smaller")
        start = self.positions[path] = self.position(self.at)
        if self.ends is None:
            return self.parse_value(path, depth)
        value = self.parse_value(path, depth)
        self.ends[start] = self.position(self.at)
        return value

    def parse_value(self, path: Path, depth: int) -> Any:
        char = self.text[self.at : self.at + 1]
        if char in ("{", "["):
            if depth >= MAX_DEPTH:
                self.fail(f"nesting deeper than {MAX_DEPTH} levels; a FHIR plan is shallower")
            return self.mapping(path, depth) if char == "{" else self.sequence(path, depth)
        if char == '"':
            return self.string()
        match = _NUMBER.match(self.text, self.at)
        if match:
            token = match.group()
            if len(token) > MAX_NUMBER_CHARS:
                self.fail(f"number '{token[:20]}...' is too long to be a measurement")
            self.at = match.end()
            number = json.loads(token)
            if isinstance(number, float) and number in (float("inf"), float("-inf")):
                self.fail(f"number '{token}' is out of range", match.start())
            return number
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, self.at):
                self.at += len(word)
                return literal
        if not char:
            self.fail("the JSON ends early; a value is missing")
        self.fail(f"JSON syntax error: unexpected {char!r}; expected a value")

    def string(self) -> str:
        match = _STRING.match(self.text, self.at)
        if not match:
            self.fail("JSON syntax error: a string is not closed, or holds a raw control character")
            raise AssertionError  # pragma: no cover - fail raises
        self.at = match.end()
        text: str = json.loads(match.group())
        return text

    def expect(self, char: str, what: str) -> None:
        self.skip()
        if self.text[self.at : self.at + 1] != char:
            found = self.text[self.at : self.at + 1] or "the end of the file"
            self.fail(f"JSON syntax error: expected {what}, found {found!r}")
        self.at += 1

    def mapping(self, path: Path, depth: int) -> dict[str, Any]:
        self.at += 1
        result: dict[str, Any] = {}
        self.skip()
        if self.text.startswith("}", self.at):
            self.at += 1
            return result
        while True:
            self.skip()
            key_at = self.at
            if self.text[self.at : self.at + 1] != '"':
                self.fail("JSON syntax error: expected a key in double quotes")
            key = self.string()
            if self.ends is not None:
                self.ends[self.position(key_at)] = self.position(self.at)
            if key in result:
                first = self.key_positions[(*path, key)]
                self.fail(f"duplicate key '{key}' (first given on line {first[0]})", key_at)
            self.key_positions[(*path, key)] = self.position(key_at)
            self.expect(":", "':' after a key")
            result[key] = self.value((*path, key), depth + 1)
            self.skip()
            if self.text.startswith(",", self.at):
                self.at += 1
                continue
            self.expect("}", "',' or '}'")
            return result

    def sequence(self, path: Path, depth: int) -> list[Any]:
        self.at += 1
        result: list[Any] = []
        self.skip()
        if self.text.startswith("]", self.at):
            self.at += 1
            return result
        while True:
            result.append(self.value((*path, len(result)), depth + 1))
            self.skip()
            if self.text.startswith(",", self.at):
                self.at += 1
                continue
            self.expect("]", "',' or ']'")
            return result


def load_json(text: str) -> JsonDocument:
    """Parse one JSON value; raise SourceError with a located problem."""
    if text.startswith("\ufeff"):
        text = text[1:]
    parser = _Parser(text)
    data = parser.value((), 0)
    parser.skip()
    if parser.at < len(text):
        parser.fail("JSON syntax error: more text after the end of the JSON value")
    return JsonDocument(text, data, parser.positions, parser.key_positions)


def json_spans(text: str) -> dict[tuple[int, int], tuple[int, int]]:
    """Start -> end of every value and key of a JSON text (see Document.end_of)."""
    parser = _Parser(text)
    parser.ends = {}
    try:
        parser.value((), 0)
    except SourceError:
        return {}
    return parser.ends


class JsonDocument(Document):
    """A Document whose positions are the JSON file's own; pickled whole (no re-parse as YAML)."""

    @functools.cached_property
    def spans(self) -> dict[tuple[int, int], tuple[int, int]]:
        return json_spans(self.text)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return _rebuild, (type(self), dict(self.__dict__))


def _rebuild(kind: type[Document], state: dict[str, Any]) -> Document:
    document = kind.__new__(kind)
    document.__dict__.update(state)
    return document
