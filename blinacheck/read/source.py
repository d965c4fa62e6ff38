"""Read a YAML or JSON file into plain values plus the line and column of every node.

Files are opened only when they are regular files, without ever blocking (read_regular_file).
Defensive by construction: the document is built from the YAML *event* stream with an explicit
stack, so nesting depth, node count, aliases, tags and duplicate keys are all checked before any
value is materialised. Nothing is ever constructed from a tag; a "billion laughs" file is refused
at its first alias. Scalars stay text unless the caller asks for JSON-like typing (rule files):
YAML 1.1 must not turn ``NO`` into false or ``12:30`` into 750 behind the user's back.
"""

from __future__ import annotations

import functools
import os
import re
import stat
from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[str | int, ...]

DEFAULT_MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 200_000

_CORE_TAGS = {
    "tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "map", "seq")
}
# The C parser (libyaml) is ~10x faster; PyYAML does not export CParser at the top level, so
# ask whether it was built with libyaml at all.
_HAS_LIBYAML = bool(getattr(yaml, "__with_libyaml__", False))


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with the input, at a 1-based line and column."""

    line: int
    column: int
    message: str


class SourceError(Exception):
    """The text could not be read as one YAML/JSON document."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass
class Document:
    """A parsed file: its values, and where each value and each key stands in the text."""

    text: str
    data: Any
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def __reduce__(self) -> tuple[Any, tuple[str, Any]]:
        # Sent between processes (lint --jobs) as text and values only: the position tables
        # are most of the pickle and cost more to unpickle than to parse the text again, which
        # happens only if something asks for a position.
        return _unpickled_document, (self.text, self.data)

    def __getattr__(self, name: str) -> Any:
        if name in ("positions", "key_positions"):  # absent only after unpickling
            parsed = load_text(self.text)
            self.positions, self.key_positions = parsed.positions, parsed.key_positions
            return getattr(self, name)
        raise AttributeError(name)

    def locate(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Line and column of the node at ``path``; the nearest existing ancestor otherwise."""
        if key and path in self.key_positions:
            return self.key_positions[path]
        probe = tuple(path)
        while probe:
            if probe in self.positions:
                return self.positions[probe]
            probe = probe[:-1]
        return self.positions.get((), (1, 1))

    def has(self, path: Path) -> bool:
        return path in self.positions

    def end_of(self, line: int, column: int) -> tuple[int, int] | None:
        """Where the node that starts at ``line``:``column`` ends: the line of its last
        character and the column just after it (SARIF's ``endLine``/``endColumn``). None where
        the extent is not certain: nothing starts there, or a block collection or block scalar
        does, whose end the parser marks at the next token, past comments and blank lines."""
        return self.spans.get((line, column))

    @functools.cached_property
    def spans(self) -> dict[tuple[int, int], tuple[int, int]]:
        """The ends of the nodes whose extent is certain, by where they start (see end_of).
        Computed on first use (only the SARIF format asks), by reading the text's events again."""
        return yaml_spans(self.text)

    def line_text(self, line: int) -> str:
        lines = self.lines
        return lines[line - 1] if 0 < line <= len(lines) else ""

    @functools.cached_property
    def lines(self) -> list[str]:
        """The text's lines by the line-end rule, split once."""
        return split_lines(self.text)


def yaml_spans(text: str) -> dict[tuple[int, int], tuple[int, int]]:
    """Start -> end of each scalar and flow collection of a YAML text (see Document.end_of).
    A text that does not parse gives no spans: it never reached the rules."""
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    uncertain: set[tuple[int, int]] = set()
    starts: list[tuple[int, int] | None] = []
    try:
        for event in yaml.parse(text, Loader=_loader()):
            if isinstance(event, yaml.ScalarEvent):
                start = _position(event)
                end = _end(event)
                if event.style not in ("|", ">") and end != start and start not in uncertain:
                    spans.setdefault(start, end)
            elif isinstance(event, yaml.CollectionStartEvent):
                start = _position(event)
                if event.flow_style:
                    starts.append(start)
                else:  # a block mapping starts where its first key does: neither is certain
                    uncertain.add(start)
                    starts.append(None)
            elif isinstance(event, yaml.CollectionEndEvent) and starts:
                opened = starts.pop()
                if opened is not None:
                    spans[opened] = _end(event)
    except (yaml.YAMLError, RecursionError):
        return {}
    for start in uncertain:
        spans.pop(start, None)
    return spans


def _end(event: yaml.Event) -> tuple[int, int]:
    mark = event.end_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _unpickled_document(text: str, data: Any) -> Document:
    document = Document.__new__(Document)
    document.text, document.data = text, data
    return document


class NotRegularFile(OSError):
    """The path is not a regular file (a FIFO, a device, a socket, a folder)."""


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def read_regular_file(path: str, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file, never blocking on anything else.

    The path is looked at before it is opened (a device is never opened) and the opened file
    again (it may have been swapped in between); the open itself does not block, so a FIFO
    named ``*.yaml`` is reported, never waited on. Raises OSError (NotRegularFile for a path
    that is not a regular file).
    """
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise NotRegularFile(f"it is {_kind(mode)}, not a regular file")
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb") as handle:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(f"it is {_kind(mode)}, not a regular file")
        return handle.read(limit)


def decode(raw: bytes) -> str:
    """Decode UTF-8 (BOM allowed); refuse other encodings and NUL bytes with a location."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # also the start of UTF-32 LE/BE
        raise SourceError(
            [Problem(1, 1, "the file is saved as UTF-16 or UTF-32; save it as UTF-8 text")]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _offset_to_position(raw[: exc.start].decode("utf-8", "replace"))
        raise SourceError(
            [
                Problem(
                    line,
                    column,
                    f"byte 0x{raw[exc.start]:02x} is not valid UTF-8; save the file as UTF-8 text",
                )
            ]
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        line, column = _offset_to_position(text[:nul])
        raise SourceError(
            [Problem(line, column, "NUL byte in the file; a plan file is plain text")]
        )
    return text


# The one line-end rule: YAML's own line breaks, on which PyYAML and libyaml agree: LF, CRLF,
# CR, NEL (U+0085), LS (U+2028) and PS (U+2029). Every line and column blinacheck reports, and
# every line it shows, counts by it (docs/limits.md); str.splitlines() also splits at VT, FF
# and U+001C-U+001E, which are not line ends here.
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` by the line-end rule (a final line end leaves an empty last one)."""
    return LINE_BREAK.split(text)


def lines_of(text: str) -> list[str]:
    """The lines of ``text``, as a person counts them: none after a final line end."""
    lines = split_lines(text)
    return lines[:-1] if lines and lines[-1] == "" else lines


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``text[offset]``, by the line-end rule."""
    return _offset_to_position(text[:offset])


def _offset_to_position(prefix: str) -> tuple[int, int]:
    """1-based line and column of the character just after ``prefix``."""
    line, start = 1, 0
    for match in LINE_BREAK.finditer(prefix):
        line, start = line + 1, match.end()
    return line, len(prefix) - start + 1


def load_bytes(raw: bytes, *, typed: bool = False, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    if len(raw) > max_bytes:
        raise SourceError(
            [
                Problem(
                    1,
                    1,
                    f"file is {len(raw):,} bytes, over the limit of {max_bytes:,}; "
                    "a plan is far smaller (raise the limit with --max-file-size if needed)",
                )
            ]
        )
    return load_text(decode(raw), typed=typed)


def load_text(text: str, *, typed: bool = False) -> Document:
    """Parse one YAML (or JSON) document. Raise SourceError with located problems."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise SourceError([Problem(1, 1, "file is empty; a plan starts with 'blinacheck: 1'")])
    try:
        return _build(text, typed, _loader())
    except _LibyamlDepthLimit:
        # libyaml 0.2.6 (PyYAML 6.0.4) has a nesting limit of its own that its scanner reaches
        # while looking ahead, before blinacheck sees the 65th level. Read such a file again
        # with the pure-Python parser, which has none, so blinacheck's own limit decides and
        # the message and column are the same whatever libyaml is installed.
        return _build(text, typed, yaml.SafeLoader)


class _LibyamlDepthLimit(Exception):
    pass


def _build(text: str, typed: bool, loader: type) -> Document:
    builder = _Builder(text, typed)
    try:
        events = yaml.parse(text, Loader=loader)
        for event in events:
            builder.feed(event)
    except yaml.MarkedYAMLError as exc:
        if loader is not yaml.SafeLoader and "maximum nesting depth" in str(exc.problem):
            raise _LibyamlDepthLimit from None
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = exc.problem or exc.context or "invalid YAML"
        message = _explain_yaml_error(reason, text, line)
        raise SourceError([Problem(line, column, message)]) from None
    except yaml.reader.ReaderError as exc:  # a control character YAML does not allow
        raise SourceError([_control_character(text, exc)]) from None
    except yaml.YAMLError as exc:
        raise SourceError([Problem(1, 1, f"cannot read the file as YAML: {exc}")]) from None
    except RecursionError:  # pragma: no cover - the depth limit fires long before
        raise SourceError([Problem(1, 1, "nesting too deep")]) from None
    return builder.document()


def _loader() -> type:
    return yaml.CSafeLoader if _HAS_LIBYAML else yaml.SafeLoader


def _explain_yaml_error(reason: str, text: str = "", line: int = 0) -> str:
    # libyaml's messages do not name the tab (the pure-Python parser's do): look at the line.
    lines = split_lines(text)
    tab_on_line = 0 < line <= len(lines) and "\t" in lines[line - 1]
    if "\\t" in reason or "\t" in reason or "tab" in reason or tab_on_line:
        return f"YAML syntax error: {reason}; indent with spaces, not tabs"
    return f"YAML syntax error: {reason}"


def _control_character(text: str, exc: yaml.reader.ReaderError) -> Problem:
    # The C reader reports a byte offset, the Python one a character offset: find the
    # character itself, which is what the user has to delete anyway.
    code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or " ")
    offset = text.find(chr(code))
    line, column = _offset_to_position(text[:offset]) if offset >= 0 else (1, 1)
    return Problem(
        line,
        column,
        f"control character U+{code:04X} is not allowed in a YAML file; delete it "
        "(it is often pasted in invisibly from another program)",
    )


class _Stop(yaml.YAMLError):
    pass


def _position(event: yaml.Event) -> tuple[int, int]:
    """1-based line and column where an event starts."""
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


class _Builder:
    """Turns YAML events into plain values while recording positions."""

    def __init__(self, text: str, typed: bool) -> None:
        self.text = text
        self.typed = typed
        self.positions: dict[Path, tuple[int, int]] = {}
        self.key_positions: dict[Path, tuple[int, int]] = {}
        # Stack entries: [container, path, pending_key, key_position]
        self.stack: list[list[Any]] = []
        self.root: Any = None
        self.documents = 0
        self.nodes = 0

    def fail(self, event: yaml.Event, message: str) -> None:
        raise SourceError([Problem(*_position(event), message)])

    def feed(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self.fail(event, "more than one YAML document ('---'); put one plan per file")
            return
        if isinstance(event, yaml.AliasEvent):
            self.fail(
                event,
                f"alias '*{event.anchor}' found; anchors and aliases are not supported "
                "in blinacheck files: write the values out",
            )
        if isinstance(event, yaml.NodeEvent) and getattr(event, "anchor", None):
            self.fail(
                event,
                f"anchor '&{event.anchor}' found; anchors and aliases are not supported "
                "in blinacheck files: write the values out",
            )
        if isinstance(event, yaml.ScalarEvent):
            self._check_tag(event)
            self._add(event, self._scalar(event))
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            self._check_tag(event)
            if len(self.stack) >= MAX_DEPTH:
                self.fail(
                    event,
                    f"nesting deeper than {MAX_DEPTH} levels; a plan file is shallow",
                )
            container: Any = {} if isinstance(event, yaml.MappingStartEvent) else []
            path = self._add(event, container)
            self.stack.append([container, path, None, None])
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            self.stack.pop()

    def _check_tag(self, event: Any) -> None:
        tag = event.tag
        if tag is None or tag == "!":
            return
        if tag not in _CORE_TAGS:
            self.fail(event, f"tag '{tag}' is not allowed; remove it and write a plain value")

    def _scalar(self, event: yaml.ScalarEvent) -> Any:
        value: str = event.value
        plain = event.implicit[0] and not event.style
        if event.tag == "tag:yaml.org,2002:str":
            return value
        if not plain:
            return value
        if value in ("", "~", "null", "Null", "NULL"):
            return None
        if self.typed:
            return _json_like(value)
        return value

    def _add(self, event: yaml.Event, value: Any) -> Path:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.fail(event, f"more than {MAX_NODES:,} values; a plan file is far smaller")
        position = _position(event)
        if not self.stack:
            self.root = value
            self.positions[()] = position
            return ()
        top = self.stack[-1]
        container = top[0]
        parent: Path = top[1]
        if isinstance(container, list):
            path = (*parent, len(container))
            container.append(value)
            self.positions[path] = position
            return path
        if top[2] is None:  # this node is a key
            if not isinstance(value, str | int | float | bool):
                self.fail(event, "a key must be a plain word, not empty, a list or a mapping")
            key = str(value)
            if key in container:
                first = self.key_positions[(*parent, key)]
                self.fail(event, f"duplicate key '{key}' (first given on line {first[0]})")
            top[2], top[3] = key, position
            return parent
        key, key_position = top[2], top[3]
        top[2] = top[3] = None
        path = (*parent, key)
        container[key] = value
        self.positions[path] = position
        self.key_positions[path] = key_position
        return path

    def document(self) -> Document:
        return Document(self.text, self.root, self.positions, self.key_positions)


_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+")


def _json_like(value: str) -> Any:
    """YAML 1.2 core-schema typing of a plain scalar (for rule files and config)."""
    if value in ("true", "True", "TRUE"):
        return True
    if value in ("false", "False", "FALSE"):
        return False
    if _INT.fullmatch(value):
        return int(value)
    if _FLOAT.fullmatch(value):
        return float(value)
    return value
