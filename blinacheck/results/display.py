"""How text that came from outside (file names, plan values, rule text) is written out.

Two representations, one for people and one for programs (docs/output.md):

- :func:`printable` is for every human-facing output (text, GitHub annotations, the calendar,
  stderr messages, ``-v`` lines): control characters (C0, DEL, C1: ESC, BEL, CR, BS, NUL, a
  newline, ...), the Unicode line and paragraph separators and the bidirectional controls
  (U+202E and the like) are shown as escapes, the way ``git`` and ``ls`` quote odd names, so
  nothing from a file can move the cursor, clear the screen, reorder what is shown or start a
  new line (a forged ``::error`` command). A file name byte that is not UTF-8 (Python keeps it
  as a lone surrogate, U+DC80-U+DCFF) is shown as ``\\xNN``.
- :func:`json_text` is for JSON output (JSON, SARIF, baselines): the text stays exact, and the
  output is valid UTF-8 whatever the names: a lone surrogate is written as a JSON ``\\udcNN``
  escape, which reads back (in Python) as the same name, and so as the same bytes on disk.
"""

from __future__ import annotations

import json
import re

# C0 controls, DEL, C1 controls, the Arabic letter mark, LRM/RLM, the line and paragraph
# separators, the bidi embeddings/overrides and isolates, and lone surrogates.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_UNSAFE_KEEPING_NEWLINES = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` safe to show a person: controls, bidi marks and undecodable bytes escaped.

    ``keep_newlines`` leaves line ends of a multi-line text (a rule's description) alone.
    """
    pattern = _UNSAFE_KEEPING_NEWLINES if keep_newlines else _UNSAFE
    return pattern.sub(_escape, text)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_text(data: object, *, indent: int | None = 2) -> str:
    """``data`` as JSON text, exact, and encodable as UTF-8 whatever its strings hold."""
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    # A lone surrogate can only stand inside a JSON string, where its escape means the same.
    return _SURROGATE.sub(_json_escape, text)
