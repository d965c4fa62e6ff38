"""Turn pydantic validation errors into messages that say what is wrong and what would be right."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel

from ..read.source import Path


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The closest of ``choices`` to a mistyped name, or None when none is close."""
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'X'?)`` for the closest of ``choices`` to a mistyped name, else ``""``."""
    close = closest(word, choices)
    return f" (did you mean '{close}'?)" if close else ""


class PathProblem:
    """A problem at a path in a parsed file; ``at_key`` points at the key rather than its value."""

    __slots__ = ("at_key", "message", "path")

    def __init__(self, path: Path, message: str, *, at_key: bool = False) -> None:
        self.path = path
        self.message = message
        self.at_key = at_key

    def __repr__(self) -> str:
        return f"PathProblem({self.path!r}, {self.message!r})"


# pydantic names its own validator steps in an error's location ("function-after[...]"); a
# key of the file (a user's unknown key "functional") is never one of them.
_VALIDATOR_TAG = re.compile(r"function-(?:after|before|wrap|plain)\[")


def model_lookup(
    by_key: dict[str, type[BaseModel]], root: type[BaseModel]
) -> Callable[[Path], type[BaseModel]]:
    """A function naming the model that validates the mapping at a path: the model of the
    nearest enclosing key in ``by_key`` (e.g. items under ``cycles`` are Cycles), else ``root``."""

    def model_at(path: Path) -> type[BaseModel]:
        for part in reversed(path):
            if isinstance(part, str) and part in by_key:
                return by_key[part]
        return root

    return model_at


MAX_SHOWN = 40  # characters of a bad value echoed back in a message


def _shown(given: Any) -> str:
    """The bad value as the message quotes it; a hostile 5,000-digit number is cut short."""
    text = str(given) if isinstance(given, str) else repr(given)
    if len(text) > MAX_SHOWN:
        text = f"{text[: MAX_SHOWN - 10]}...({len(text):,} characters)"
    return f"'{text}'" if isinstance(given, str) else text


def _where(path: Path) -> str:
    names = [p for p in path if isinstance(p, str)]
    return f"'{names[-1]}'" if names else "the file"


def describe_error(error: Any, model_at: Callable[[Path], type[BaseModel]]) -> PathProblem:
    """One pydantic error as a located, actionable problem.

    ``model_at`` names the model that validates the mapping at a path, to list its allowed keys.
    """
    loc: Path = tuple(p for p in error["loc"] if isinstance(p, int) or not _VALIDATOR_TAG.match(p))
    kind = error["type"]
    given = error.get("input")
    field_name = next((p for p in reversed(loc) if isinstance(p, str)), "value")
    if kind == "extra_forbidden":
        parent = loc[:-1]
        allowed = sorted(model_at(parent).model_fields)
        guess = difflib.get_close_matches(field_name, allowed, n=1)
        hint = f"did you mean '{guess[0]}'? " if guess else ""
        return PathProblem(
            loc,
            f"unknown key '{field_name}' in {_where(parent)}; {hint}"
            f"allowed keys: {', '.join(allowed)}",
            at_key=True,
        )
    if kind == "missing":
        return PathProblem(loc[:-1], f"missing required key '{field_name}' in {_where(loc[:-1])}")
    shown = _shown(given)
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return PathProblem(loc, f"{field_name}: {shown} is not allowed; expected one of {expected}")
    if kind in ("float_parsing", "int_parsing", "int_from_float", "float_type", "int_type"):
        whole = "a whole number" if kind.startswith("int") else "a number"
        return PathProblem(
            loc, f"{field_name} must be {whole} (no unit in this field), got {shown}"
        )
    if kind == "int_parsing_size":
        return PathProblem(loc, f"{field_name} is far too large to be meant, got {shown}")
    if kind == "finite_number":
        return PathProblem(loc, f"{field_name} must be a finite number, got {shown}")
    if kind in ("bool_parsing", "bool_type"):
        return PathProblem(loc, f"{field_name} must be true or false, got {shown}")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = error["msg"].replace("Input should be ", "")
        return PathProblem(loc, f"{field_name} must be {bound}, got {shown}")
    if kind in ("too_short", "too_long", "string_too_short", "string_too_long"):
        return PathProblem(loc, f"{field_name}: {error['msg']}")
    if kind in ("list_type", "model_type", "dict_type", "model_attributes_type", "tuple_type"):
        expected = "a list" if kind == "list_type" else "a mapping of keys"
        return PathProblem(loc, f"{field_name} must be {expected}, got {shown}")
    if kind in ("string_type", "string_pattern_mismatch"):
        return PathProblem(loc, f"{field_name}: {error['msg']} (got {shown})")
    if kind == "value_error":
        message = error["msg"].removeprefix("Value error, ")
        return PathProblem(loc, f"{field_name}: {message}" if loc else message)
    return PathProblem(loc, f"{field_name}: {error['msg']} (got {shown})")
