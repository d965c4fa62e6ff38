"""What a reader gives the pipeline: a :class:`Reading` of one file; the :class:`Reader` type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .source import Document, Problem


@dataclass(frozen=True)
class Reading:
    """What a reader made of one file.

    ``document``: the plan-shaped values with the line and column in the original file of every
    value and key, or None when the file could not be read; then ``problems`` says why, each
    located in the file. ``claimed``: the file says it is in this reader's format.
    """

    reader: str
    document: Document | None
    problems: tuple[Problem, ...] = ()
    claimed: bool = True


@dataclass(frozen=True)
class Reader:
    """One input format: its name, and ``read(raw, path, max_bytes) -> Reading``."""

    name: str
    read: Callable[[bytes, str, int], Reading]
