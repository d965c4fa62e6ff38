"""The first reader: a plan file in YAML (or JSON, which the YAML reader also reads).

A file claims this format with a top-level ``blinacheck:`` key (docs/plan-format.md), and
also when it is evidently a plan without a valid header: a top-level key spelt close to
``blinacheck`` (``blinachek: 1``), or a ``cycles:`` list whose items have ``infusion:``. Such a
file is linted, and plan validation says what is wrong with its header. A file that cannot be
parsed still claims it when its text shows such a key, or ``cycles:`` and ``infusion:``, near
the top: a tab or a typo must not make a plan drop silently out of a folder's or a pre-commit
hook's check.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from .reading import Reader, Reading
from .source import SourceError, load_bytes

NAME = "yaml-plan"
HEADER = "blinacheck"  # the top-level key every plan file starts with
# The header key at the start of a line, in block or flow style, quoted or not, after a BOM.
_SAYS_PLAN = re.compile(rb"""(?m)^(\xef\xbb\xbf)?[ \t{]*["']?blinacheck["']?[ \t]*:""")
_SAYS_PLAN_WINDOW = 64 * 1024
_SAYS_CYCLES = re.compile(rb"""(?m)^(\xef\xbb\xbf)?[ \t{]*["']?cycles["']?[ \t]*:""")
_SAYS_INFUSION = re.compile(rb"""(?m)^[ \t\-{]*["']?infusion["']?[ \t]*:""")
HEADER_LIKE = 0.8  # how close a top-level key must be to "blinacheck" to be a misspelt header


def header_like(key: object) -> bool:
    """Whether a top-level key is the header, misspelt (``blinachek``, ``Blinacheck``)."""
    if not isinstance(key, str):
        return False
    text = key.strip().lower()
    return difflib.SequenceMatcher(None, text, HEADER).ratio() >= HEADER_LIKE


def evidently_a_plan(data: Any) -> bool:
    """A mapping with the header, a misspelt header, or cycles with infusion steps."""
    if not isinstance(data, dict):
        return False
    if HEADER in data or any(header_like(key) for key in data):
        return True
    cycles = data.get("cycles")
    return isinstance(cycles, list) and any(
        isinstance(cycle, dict) and "infusion" in cycle for cycle in cycles
    )


def _text_says_plan(raw: bytes) -> bool:
    head = raw[:_SAYS_PLAN_WINDOW]
    if _SAYS_PLAN.search(head):
        return True
    return bool(_SAYS_CYCLES.search(head) and _SAYS_INFUSION.search(head))


def read(raw: bytes, path: str, max_bytes: int) -> Reading:
    """Read ``raw`` as a YAML (or JSON) plan file."""
    if path.endswith(".json"):
        # JSON allows tabs as whitespace where YAML does not; outside strings (inside them JSON
        # forbids raw tabs) a tab and a space are the same one column wide, so positions hold.
        raw = raw.replace(b"\t", b" ")
    try:
        document = load_bytes(raw, max_bytes=max_bytes)
    except SourceError as exc:
        return Reading(NAME, None, tuple(exc.problems), _text_says_plan(raw))
    claimed = evidently_a_plan(document.data)
    return Reading(NAME, document, (), claimed)


READER = Reader(NAME, read)
