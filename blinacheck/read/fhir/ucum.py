"""UCUM unit conversion for the few units blinacheck reads (docs/fhir.md).

Every factor is an exact definition in The Unified Code for Units of Measure (UCUM,
https://ucum.org/ucum): the gram and the metre are base units with decimal prefixes;
``[lb_av]`` = 7000 ``[gr]`` and ``[gr]`` = 64.79891 mg, so 1 ``[lb_av]`` = 453.59237 g;
``[in_i]`` = 2.54 cm. A year of age is ``a``; a month ``mo`` is a twelfth of it.
"""

from __future__ import annotations

from decimal import Decimal

_MASS_KG = {"kg": Decimal(1), "g": Decimal("0.001"), "[lb_av]": Decimal("0.45359237")}
_LENGTH_CM = {"cm": Decimal(1), "m": Decimal(100), "mm": Decimal("0.1"), "[in_i]": Decimal("2.54")}
_AREA_M2 = {"m2": Decimal(1)}
_AGE_YEARS = {"a": Decimal(1), "mo": Decimal(1) / Decimal(12)}
# Infusion rates: micrograms per day, flat or per m2 of body surface.
_RATE = {
    "ug/d": (Decimal(1), False),
    "mg/d": (Decimal(1000), False),
    "ug/(24.h)": (Decimal(1), False),
    "ug/(m2.d)": (Decimal(1), True),
    "ug/m2/d": (Decimal(1), True),
    "mg/(m2.d)": (Decimal(1000), True),
}
# Single doses (premedication, intrathecal): milligrams, flat or per m2.
_DOSE_MG = {
    "mg": (Decimal(1), False),
    "g": (Decimal(1000), False),
    "ug": (Decimal("0.001"), False),
    "mg/m2": (Decimal(1), True),
}
KINDS = {
    "mass": ("kg", _MASS_KG),
    "length": ("cm", _LENGTH_CM),
    "area": ("m2", _AREA_M2),
    "age": ("a", _AGE_YEARS),
}


def convert(value: float, code: str, kind: str) -> float | None:
    """``value`` in ``code`` expressed in the kind's unit (kg, cm, m2, years); None if unknown."""
    factor = KINDS[kind][1].get(code)
    return None if factor is None else float(Decimal(str(value)) * factor)


def units_of(kind: str) -> str:
    return ", ".join(KINDS[kind][1])


def rate(value: float, code: str) -> tuple[float, bool] | None:
    """An infusion rate in micrograms per day, and whether it is per m2; None if unknown."""
    known = _RATE.get(code.replace(" ", ""))
    return None if known is None else (float(Decimal(str(value)) * known[0]), known[1])


def dose_mg(value: float, code: str) -> tuple[float, bool] | None:
    known = _DOSE_MG.get(code.replace(" ", ""))
    return None if known is None else (float(Decimal(str(value)) * known[0]), known[1])


RATE_UNITS = ", ".join(_RATE)
DOSE_UNITS = ", ".join(_DOSE_MG)


def number(value: float) -> str:
    """A converted number as plan text: at most 6 significant digits, no trailing zeros."""
    return f"{value:.6g}" if abs(value) < 1e6 else f"{value:.0f}"
