"""The vaccine vocabulary: the vaccine names a plan may write, and whether each is live.

A vaccination's ``vaccine`` is free text and its ``live`` a flag the author sets; a live
vaccine written ``live: false`` would pass the live-vaccine window unseen. So every name is
read here: a name blinacheck knows says whether the vaccine is live (the timeline field
``vaccination.live_by_name``), a name with both a live and a non-live vaccine behind it
("influenza": LAIV or the inactivated vaccine) is ambiguous, and any other name is unknown
(rules/administration.yaml reports both, with the closest known name).

The live vaccines are those of the CDC's General Best Practice Guidelines for Immunization
(ACIP), "Altered Immunocompetence", table 8-1 and its notes (live viral: MMR, MMRV,
varicella, live zoster, rotavirus, live attenuated influenza, yellow fever, oral polio,
smallpox/vaccinia; live bacterial: BCG, oral typhoid Ty21a); the fact base (§8) says only
"live-virus vaccines" [P10][E1]. The non-live names are the inactivated, recombinant, toxoid,
conjugate and mRNA vaccines of the same guidelines. docs/plan-format.md, "Vaccine names".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .validation import closest

# Canonical name -> live. Each canonical name is also its own spelling.
VACCINES: dict[str, bool] = {
    # live viral
    "measles-mumps-rubella": True,
    "measles-mumps-rubella-varicella": True,
    "measles": True,
    "mumps": True,
    "rubella": True,
    "varicella": True,
    "zoster live": True,
    "rotavirus": True,
    "influenza live attenuated": True,
    "yellow fever": True,
    "polio oral": True,
    "smallpox vaccinia": True,
    # live bacterial
    "bcg": True,
    "typhoid oral ty21a": True,
    # not live
    "influenza inactivated": False,
    "zoster recombinant": False,
    "pneumococcal": False,
    "hepatitis a": False,
    "hepatitis b": False,
    "diphtheria-tetanus-pertussis": False,
    "tetanus-diphtheria": False,
    "tetanus": False,
    "polio inactivated": False,
    "haemophilus influenzae type b": False,
    "meningococcal": False,
    "human papillomavirus": False,
    "covid-19": False,
    "rabies": False,
    "typhoid vi polysaccharide": False,
}

# Other spellings (compared after normalize()) -> canonical name.
ALIASES: dict[str, str] = {
    "mmr": "measles-mumps-rubella",
    "measles mumps rubella": "measles-mumps-rubella",
    "mmrv": "measles-mumps-rubella-varicella",
    "measles mumps rubella varicella": "measles-mumps-rubella-varicella",
    "var": "varicella",
    "varicella zoster": "varicella",
    "chickenpox": "varicella",
    "zvl": "zoster live",
    "live zoster": "zoster live",
    "rv": "rotavirus",
    "laiv": "influenza live attenuated",
    "live attenuated influenza": "influenza live attenuated",
    "yf": "yellow fever",
    "opv": "polio oral",
    "oral polio": "polio oral",
    "smallpox": "smallpox vaccinia",
    "vaccinia": "smallpox vaccinia",
    "bacille calmette-guerin": "bcg",
    "bacillus calmette-guerin": "bcg",
    "ty21a": "typhoid oral ty21a",
    "oral typhoid": "typhoid oral ty21a",
    "typhoid oral": "typhoid oral ty21a",
    "iiv": "influenza inactivated",
    "inactivated influenza": "influenza inactivated",
    "rzv": "zoster recombinant",
    "recombinant zoster": "zoster recombinant",
    "pcv": "pneumococcal",
    "pcv13": "pneumococcal",
    "pcv15": "pneumococcal",
    "pcv20": "pneumococcal",
    "ppsv23": "pneumococcal",
    "pneumococcal conjugate": "pneumococcal",
    "pneumococcal polysaccharide": "pneumococcal",
    "hepa": "hepatitis a",
    "hepb": "hepatitis b",
    "dtap": "diphtheria-tetanus-pertussis",
    "tdap": "diphtheria-tetanus-pertussis",
    "td": "tetanus-diphtheria",
    "ipv": "polio inactivated",
    "inactivated polio": "polio inactivated",
    "hib": "haemophilus influenzae type b",
    "menacwy": "meningococcal",
    "menb": "meningococcal",
    "hpv": "human papillomavirus",
    "covid": "covid-19",
    "sars-cov-2": "covid-19",
    "typhoid vi": "typhoid vi polysaccharide",
}

# Names with a live and a non-live vaccine behind them: which one is meant cannot be known.
AMBIGUOUS: dict[str, tuple[str, ...]] = {
    "influenza": ("influenza live attenuated", "influenza inactivated"),
    "flu": ("influenza live attenuated", "influenza inactivated"),
    "zoster": ("zoster live", "zoster recombinant"),
    "shingles": ("zoster live", "zoster recombinant"),
    "herpes zoster": ("zoster live", "zoster recombinant"),
    "polio": ("polio oral", "polio inactivated"),
    "typhoid": ("typhoid oral ty21a", "typhoid vi polysaccharide"),
}

KNOWN = "known"
AMBIGUOUS_KIND = "ambiguous"
UNKNOWN = "unknown"

_SPACES = re.compile(r"[\s_()]+")


def normalize(written: str) -> str:
    """Lower case, parentheses and underscores dropped, runs of white space as one space."""
    return _SPACES.sub(" ", written.casefold()).strip()


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a vaccine name as written means: ``name`` the canonical vaccine when known, else
    the name in lower case; ``live`` for a known vaccine; ``read_as`` for an ambiguous name,
    the vaccines it may mean; ``suggestion`` for an unknown name, the closest known one."""

    written: str
    name: str
    kind: str
    live: bool | None = None
    read_as: tuple[str, ...] = ()
    suggestion: str | None = None


SPELLINGS = (*VACCINES, *ALIASES, *AMBIGUOUS)


def resolve(written: str) -> Resolved:
    text = normalize(written)
    name = ALIASES.get(text, text)
    if name in VACCINES:
        return Resolved(written, name, KNOWN, VACCINES[name])
    if text in AMBIGUOUS:
        return Resolved(written, text, AMBIGUOUS_KIND, read_as=AMBIGUOUS[text])
    return Resolved(written, text, UNKNOWN, suggestion=closest(text, SPELLINGS))
