"""The first reader: a plan file in YAML (or JSON, which the YAML reader also reads).

A file claims this format with a top-level ``blinacheck:`` key (docs/plan-format.md). A file
that cannot be parsed still claims it when its text shows such a key near the top: a tab or a
typo must not make a plan drop silently out of a folder's or a pre-commit hook's check.
"""

from __future__ import annotations

import re

from .reading import Reader, Reading
from .source import SourceError, load_bytes

NAME = "yaml-plan"
HEADER = "blinacheck"  # the top-level key every plan file starts with
# The header key at the start of a line, in block or flow style, quoted or not, after a BOM.
_SAYS_PLAN = re.compile(rb"""(?m)^(\xef\xbb\xbf)?[ \t{]*["']?blinacheck["']?[ \t]*:""")
_SAYS_PLAN_WINDOW = 64 * 1024


def read(raw: bytes, path: str, max_bytes: int) -> Reading:
    """Read ``raw`` as a YAML (or JSON) plan file."""
    if path.endswith(".json"):
        # JSON allows tabs as whitespace where YAML does not; outside strings (inside them JSON
        # forbids raw tabs) a tab and a space are the same one column wide, so positions hold.
        raw = raw.replace(b"\t", b" ")
    try:
        document = load_bytes(raw, max_bytes=max_bytes)
    except SourceError as exc:
        claimed = bool(_SAYS_PLAN.search(raw[:_SAYS_PLAN_WINDOW]))
        return Reading(NAME, None, tuple(exc.problems), claimed)
    claimed = isinstance(document.data, dict) and HEADER in document.data
    return Reading(NAME, document, (), claimed)


READER = Reader(NAME, read)
