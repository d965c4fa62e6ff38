"""What identifies a run, for the verification record (data only; see run/identity.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RecordContext:
    """The header facts of a verification record, given by the command that rendered it."""

    generated: dt.datetime  # timezone-aware
    plan_sha256: dict[str, str] = field(default_factory=dict)  # path -> hex digest
    version: str = ""  # blinacheck's version; empty: the version rendering the report
    rule_sets: tuple[tuple[str, str], ...] = ()  # (what, SHA-256 of its files)
    configuration: tuple[tuple[str, str], ...] = ()  # (setting, value in effect)
