"""The reader registry: which input formats blinacheck reads, and how a file finds its reader.

A reader turns a file's bytes into a :class:`~.reading.Reading`: a located document
(plan-shaped values, and the line and column in the original file of every value and key) or
the located problems that stopped it, and whether the file *claims* the reader's format (the
YAML plan reader: a top-level ``blinacheck:`` key). Everything after reading (plan validation,
the timeline, the rules, policy, the reports) sees only the document, so adding a reader
changes none of it. To add one: a module beside ``yaml_plan.py`` with a ``READER``, listed here.

A file is offered to each reader in ``READERS`` order; the first reader the file claims reads
it. A file that no reader claims is reported by the first reader that recognised it (why it
is not a plan), or, when it was met by directory search, skipped as not being a plan.
"""

from __future__ import annotations

from . import fhir, yaml_plan
from .reading import Reader, Reading

READERS: tuple[Reader, ...] = (fhir.READER, yaml_plan.READER)


def read(raw: bytes, path: str, max_bytes: int) -> Reading:
    """The reading of the first reader that ``raw`` claims; else that of the first reader that
    recognised the format without claiming it (a reading with a document or problems: a FHIR
    file not about blinatumomab), else the last reader's (the YAML plan reader)."""
    first: Reading | None = None
    for reader in READERS:
        reading = reader.read(raw, path, max_bytes)
        if reading.claimed:
            return reading
        if first is None and (reading.document is not None or reading.problems):
            first = reading
    return first or reading
