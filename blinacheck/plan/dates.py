"""Calendar dates, cycle days and day ranges, by the project's one convention.

Day 1 is the day a cycle's infusion starts; the day before is Day -1; there is no Day 0.
"""

from __future__ import annotations

import datetime as dt
import re

# Digits are ASCII 0-9 only, everywhere in the plan format: int() and \d would also read
# Arabic-Indic or fullwidth digits as numbers (text stays text, docs/plan-format.md).
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_NUMERIC_ONLY = re.compile(r"[0-9\s./-]+")
_MONTH_WORD = re.compile(r"[A-Za-z]{3,}")
_RANGE = re.compile(r"\s*(-?[0-9]+)\s*(?:(?:-|–|to|\.\.)\s*(-?[0-9]+)\s*)?")

MAX_ABS_DAY = 400  # no cycle plans items more than about a year from its Day 1
# Every day of a cycle lies within MAX_ABS_DAY days of its Day 1, so a Day 1 this far inside
# the ends of Python's calendar (years 1-9999) gives every one of its days a date.
EARLIEST_DAY1 = dt.date.min + dt.timedelta(days=MAX_ABS_DAY)
LATEST_DAY1 = dt.date.max - dt.timedelta(days=MAX_ABS_DAY)


def parse_date(text: str) -> dt.date:
    """ISO ``YYYY-MM-DD``; other spellings only when they cannot be misread."""
    text = text.strip()
    iso = _ISO.fullmatch(text)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise ValueError(_impossible(year, month, day)) from None
    if _NUMERIC_ONLY.fullmatch(text):
        raise ValueError(
            f"date '{text}' is ambiguous (day/month order, or not a date); write it as YYYY-MM-DD"
        )
    if not _MONTH_WORD.search(text):
        raise ValueError(f"'{text}' is not a date; write it as YYYY-MM-DD")
    return _parse_worded(text)


def _parse_worded(text: str) -> dt.date:
    from dateutil import parser  # lazy: only worded dates need it

    # Parse against two different defaults: a field the text does not give shows up as a
    # difference, and a date with a missing year or day is refused rather than guessed.
    try:
        first = parser.parse(text, default=dt.datetime(2000, 1, 1))
        second = parser.parse(text, default=dt.datetime(2001, 2, 2))
    except (ValueError, OverflowError, parser.ParserError):
        raise ValueError(f"'{text}' is not a date; write it as YYYY-MM-DD") from None
    if first.date() != second.date():
        raise ValueError(f"date '{text}' lacks a day, month or year; write it as YYYY-MM-DD")
    if first.time() != dt.time(0) or first.tzinfo is not None:
        raise ValueError(f"'{text}' has a time of day; give only the date as YYYY-MM-DD")
    return first.date()


def _impossible(year: int, month: int, day: int) -> str:
    if not 1 <= month <= 12:
        return f"{year:04d}-{month:02d}-{day:02d} is not a date: there is no month {month}"
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    last = (next_month - dt.timedelta(days=1)).day
    return (
        f"{year:04d}-{month:02d}-{day:02d} is not a date: "
        f"{dt.date(year, month, 1):%B %Y} has {last} days"
    )


def check_day1(start: dt.date) -> None:
    """Refuse a Day-1 date so near year 1 or year 9999 that its cycle's days have no date."""
    if not EARLIEST_DAY1 <= start <= LATEST_DAY1:
        raise ValueError(
            f"Day 1 on {start.isoformat()} is too near the end of the calendar for its days "
            f"to have dates (Day 1 must fall between {EARLIEST_DAY1.isoformat()} and "
            f"{LATEST_DAY1.isoformat()}); check the year"
        )


def date_to_day(date: dt.date, start: dt.date) -> int:
    """Cycle day of ``date`` in a cycle whose Day 1 is ``start`` (no Day 0)."""
    delta = (date - start).days
    return delta + 1 if delta >= 0 else delta


def day_to_date(day: int, start: dt.date) -> dt.date:
    """Calendar date of cycle ``day`` (inverse of :func:`date_to_day`)."""
    if day == 0:
        raise ValueError("there is no Day 0")
    return start + dt.timedelta(days=day - 1 if day > 0 else day)


def day_offset(day: int) -> int:
    """Days after Day 1 (Day 1 -> 0, Day -1 -> -1): turns day arithmetic into plain subtraction."""
    return day - 1 if day > 0 else day


def offset_to_day(offset: int) -> int:
    return offset + 1 if offset >= 0 else offset


def check_day(day: int) -> None:
    if day == 0:
        raise ValueError("there is no Day 0: Day -1 is the day before Day 1")
    if abs(day) > MAX_ABS_DAY:
        shown = str(day) if len(str(day)) <= 8 else f"{str(day)[:8]}..."
        raise ValueError(f"day {shown} is more than {MAX_ABS_DAY} days from Day 1")


def parse_day_range(text: str) -> tuple[int, int]:
    """``1-7`` -> (1, 7); ``12`` -> (12, 12); ``-3--1`` -> (-3, -1). Inclusive."""
    match = _RANGE.fullmatch(text)
    if not match or len(text) > 40:  # also keeps int() away from 5,000-digit numbers
        raise ValueError(f"'{text[:40]}' is not a day or day range; write e.g. 8 or 1-7")
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) is not None else first
    check_day(first)
    check_day(last)
    if last < first:
        raise ValueError(
            f"range '{text}' runs backwards; write the first day first ({last}-{first})"
        )
    return first, last


def days_in_range(first: int, last: int) -> list[int]:
    return [d for d in range(first, last + 1) if d != 0]
