"""The drug vocabulary: every drug name a plan may write, and what it means.

One table of the drugs a blinatumomab plan names besides blinatumomab itself: the intrathecal
(IT) chemotherapy drugs, the corticosteroids given as premedication with their glucocorticoid
equivalence, the abbreviations on the error-prone lists, and the combination "triple IT".
The timeline reads every name through :func:`resolve`, so the rules see one canonical name
("MTX" and "methotrexate sodium" are both ``methotrexate``) and know which names were
abbreviated, ambiguous or unknown (rules/drug-names.yaml reports those).
Facts: the clinical fact base, sections 4 and 9 (source keys [S1], [O1], [O6], [P7]);
docs/plan-format.md, "Drug names".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .validation import closest


@dataclass(frozen=True, slots=True)
class Drug:
    """A drug blinacheck knows, by its full (generic) name.

    ``equivalent_mg``: for a corticosteroid, the dose of it as strong as 5 mg of prednisone
    (prednisone 5 = prednisolone 5 = methylprednisolone 4 = dexamethasone 0.75 =
    hydrocortisone 20 mg; the table printed in US prednisolone labeling [S1]).
    ``never_intrathecal``: a drug that must never be given intrathecally (fact base §9:
    mitoxantrone, the reason "MTX" is on the error-prone lists [O1][O6]).
    """

    name: str
    intrathecal: bool = False
    equivalent_mg: float | None = None
    never_intrathecal: bool = False

    @property
    def corticosteroid(self) -> bool:
        return self.equivalent_mg is not None


PREDNISONE_REFERENCE_MG = 5.0  # the equivalence table's unit: 5 mg of prednisone

DRUGS: dict[str, Drug] = {
    drug.name: drug
    for drug in (
        Drug("methotrexate", intrathecal=True),
        Drug("cytarabine", intrathecal=True),
        Drug("hydrocortisone", intrathecal=True, equivalent_mg=20.0),
        Drug("dexamethasone", intrathecal=True, equivalent_mg=0.75),
        Drug("prednisone", equivalent_mg=5.0),
        Drug("prednisolone", equivalent_mg=5.0),
        Drug("methylprednisolone", equivalent_mg=4.0),
        Drug("mitoxantrone", never_intrathecal=True),
    )
}


@dataclass(frozen=True, slots=True)
class Abbreviation:
    """An abbreviated drug name on the error-prone lists [O1][O6].

    ``means``: the drug blinacheck reads it as, or None when the abbreviation is ambiguous and
    blinacheck reads it as no drug at all. ``read_as``: what it has been (mis)read as.
    """

    spelling: str
    means: str | None
    read_as: tuple[str, ...] = ()


# Keyed by the abbreviation in lower case without '-', '.' or spaces ("Ara-C" -> "arac").
ABBREVIATIONS: dict[str, Abbreviation] = {
    "mtx": Abbreviation("MTX", "methotrexate", ("methotrexate", "mitoxantrone")),
    "arac": Abbreviation("ARA-C", "cytarabine", ("cytarabine",)),
    "hc": Abbreviation("HC", "hydrocortisone", ("hydrocortisone",)),
    "hct": Abbreviation("HCT", None, ("hydrocortisone", "hydrochlorothiazide")),
    "dex": Abbreviation("DEX", "dexamethasone", ("dexamethasone",)),
}

# Names of a combination, and the drugs they stand for (§9: triple IT is methotrexate,
# cytarabine and hydrocortisone [P7]).
COMBINATIONS: dict[str, tuple[str, ...]] = {
    "triple it": ("methotrexate", "cytarabine", "hydrocortisone"),
    "triple intrathecal": ("methotrexate", "cytarabine", "hydrocortisone"),
}

# Words of a salt or ester form after a drug's name: "dexamethasone sodium phosphate",
# "methylprednisolone sodium succinate", "methotrexate sodium", "prednisolone acetate".
SALT_WORDS = frozenset({"sodium", "disodium", "phosphate", "succinate", "hemisuccinate", "acetate"})

NAME = "name"  # a full name, or a salt form of it
ABBREVIATION = "abbreviation"  # an abbreviation read as one drug
AMBIGUOUS = "ambiguous"  # an abbreviation read as no drug: it has more than one meaning
COMBINATION = "combination"  # the name of a combination of drugs (triple IT)
UNKNOWN = "unknown"  # a name blinacheck does not know
KINDS = (NAME, ABBREVIATION, AMBIGUOUS, COMBINATION, UNKNOWN)


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a drug name as written means.

    ``name``: the canonical drug when the name means exactly one, else the name as written in
    lower case with spaces collapsed; ``drugs``: the canonical drugs it stands for (empty
    when ambiguous or unknown); ``suggestion``: for an unknown name, the closest known one.
    """

    written: str
    name: str
    kind: str
    drugs: tuple[str, ...]
    abbreviation: Abbreviation | None = None
    suggestion: str | None = None

    @property
    def known(self) -> bool:
        return bool(self.drugs)


_SEPARATORS = re.compile(r"[\s()]+")


def normalize(written: str) -> str:
    """Lower case, parentheses dropped, runs of white space as one space."""
    return _SEPARATORS.sub(" ", written.casefold()).strip()


def _abbreviation_key(text: str) -> str:
    return re.sub(r"[\s.\-]+", "", text)


def resolve(written: str) -> Resolved:
    """The meaning of one drug name as a plan writes it."""
    text = normalize(written)
    drug = DRUGS.get(text)
    if drug is not None:
        return Resolved(written, drug.name, NAME, (drug.name,))
    words = text.split(" ")
    for length in range(len(words) - 1, 0, -1):
        base = DRUGS.get(" ".join(words[:length]))
        if base is not None and all(word in SALT_WORDS for word in words[length:]):
            return Resolved(written, base.name, NAME, (base.name,))
    shown = " ".join(written.lower().split())  # a name that is no one drug, as written
    abbreviation = ABBREVIATIONS.get(_abbreviation_key(text))
    if abbreviation is not None:
        if abbreviation.means is None:
            return Resolved(written, shown, AMBIGUOUS, (), abbreviation)
        means = abbreviation.means
        return Resolved(written, means, ABBREVIATION, (means,), abbreviation)
    combination = COMBINATIONS.get(text)
    if combination is not None:
        return Resolved(written, shown, COMBINATION, combination)
    return Resolved(written, shown, UNKNOWN, (), suggestion=closest(text, KNOWN_NAMES))


KNOWN_NAMES = (*DRUGS, *COMBINATIONS)


def equivalent_mg(drug: str, dose_mg: float, *, to: str) -> float | None:
    """``dose_mg`` of corticosteroid ``drug`` as mg of corticosteroid ``to`` (same strength),
    or None when either is not a corticosteroid of the table."""
    source, target = DRUGS.get(drug), DRUGS.get(to)
    if source is None or target is None:
        return None
    if source.equivalent_mg is None or target.equivalent_mg is None:
        return None
    return dose_mg * target.equivalent_mg / source.equivalent_mg
