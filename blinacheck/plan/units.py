"""Dose strings and body surface area."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# "microgram" in its spellings; the written spelling is kept so a rule can flag µg/ug.
_MICRO = r"(?P<micro>mcg|micrograms?|µg|μg|ug)"
_NUMBER = r"(?P<number>[0-9]+(?:\.[0-9]+)?)"  # ASCII digits only, as in dates.py
_INFUSION = re.compile(
    rf"\s*{_NUMBER}\s*{_MICRO}\s*(?P<per_m2>/\s*m(?:2|²|\^2)\s*)?/\s*(?:day|d|24\s*h)\s*",
    re.IGNORECASE,
)
_MG = re.compile(rf"\s*{_NUMBER}\s*mg\s*(?P<per_m2>/\s*m(?:2|²|\^2)\s*)?", re.IGNORECASE)
_NAKED_DECIMAL = re.compile(r"\s*\.[0-9]")
MAX_DIGITS = 12  # digits in a dose number, decimals included: more is a typo, not a dose


@dataclass(frozen=True, slots=True)
class Dose:
    """A parsed dose: amount, whether per m², and how the unit was written."""

    amount: float
    per_m2: bool
    unit: str  # canonical: "mcg/day", "mcg/m2/day", "mg", "mg/m2"
    written_unit: str  # the micro spelling as written ("mcg", "µg", "ug", ...) or "mg"
    text: str


def _check_number(text: str) -> None:
    if _NAKED_DECIMAL.match(text):
        raise ValueError(f"dose '{text.strip()}' has no leading zero; write 0.5, not .5")


def _amount(number: str, text: str) -> float:
    # A 400-digit number is "inf" as a float; no rule can compare that meaningfully.
    amount = float(number)
    if not math.isfinite(amount) or len(number) > MAX_DIGITS:
        raise ValueError(f"dose '{text.strip()[:40]}' is not a plausible number")
    return amount


def parse_infusion_dose(text: str) -> Dose:
    _check_number(text)
    match = _INFUSION.fullmatch(text)
    if not match:
        raise ValueError(
            f"'{text}' is not an infusion dose; write '<number> mcg/day' or '<number> mcg/m2/day'"
        )
    per_m2 = match.group("per_m2") is not None
    amount = _amount(match.group("number"), text)
    if amount <= 0:
        raise ValueError(f"dose '{text}' is zero; omit the step for days without infusion")
    return Dose(
        amount,
        per_m2,
        "mcg/m2/day" if per_m2 else "mcg/day",
        match.group("micro").lower().replace("μ", "µ"),
        text.strip(),
    )


def parse_mg_dose(text: str) -> Dose:
    _check_number(text)
    match = _MG.fullmatch(text)
    if not match:
        raise ValueError(f"'{text}' is not a dose in mg; write '<number> mg' or '<number> mg/m2'")
    per_m2 = match.group("per_m2") is not None
    amount = _amount(match.group("number"), text)
    if amount <= 0:
        raise ValueError(f"dose '{text}' is zero")
    return Dose(amount, per_m2, "mg/m2" if per_m2 else "mg", "mg", text.strip())


def mosteller_bsa(height_cm: float, weight_kg: float) -> float:
    """Body surface area in m² (Mosteller, N Engl J Med 1987)."""
    return math.sqrt(height_cm * weight_kg / 3600.0)
