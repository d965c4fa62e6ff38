"""FHIR R4/R5 JSON in: detection, positions, structural validation and the mapping to a plan.

The reader registered in read/readers.py lives here with :func:`looks_like_fhir`, so that
deciding a file is not FHIR costs a regular expression and no import (the rest, and
fhir.resources, load for FHIR files only). A FHIR file claims this reader when it is about
blinatumomab; one that is not is recognised (a located problem) but not claimed, so that it is
skipped in directory mode and reported when named.
"""

from __future__ import annotations

import re

from ..reading import Reader, Reading

NAME = "fhir"

_START = re.compile(rb"\A(\xef\xbb\xbf)?[ \t\r\n]*\{")
_WINDOW = 64 * 1024


def looks_like_fhir(raw: bytes) -> bool:
    """Cheap first look: a JSON object naming a resourceType (confirmed when parsed)."""
    return bool(_START.match(raw)) and b'"resourceType"' in raw[:_WINDOW]


def read(raw: bytes, path: str, max_bytes: int) -> Reading:
    if not looks_like_fhir(raw):
        return Reading(NAME, None, (), False)
    from ..source import SourceError
    from . import reader

    try:
        result = reader.read(raw, max_bytes)
    except SourceError:
        return Reading(NAME, None, (), False)  # not JSON: the plan reader says why
    if not result.is_fhir:
        return Reading(NAME, None, (), False)
    if not result.about_blinatumomab:
        return Reading(NAME, None, (reader.not_about_blinatumomab(),), False)
    if result.document is None:
        return Reading(NAME, None, tuple(result.problems), True)
    return Reading(NAME, result.document, (), True)


READER = Reader(NAME, read)
