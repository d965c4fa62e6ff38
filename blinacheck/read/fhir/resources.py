"""The resources of a FHIR JSON file: where each stands, references between them, codings.

Works on the plain JSON values of :mod:`blinacheck.read.jsonpos`, R4 and R5 alike.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from ..source import Path
from . import vocab


@dataclass(frozen=True)
class Resource:
    type: str
    data: dict[str, Any]
    path: Path  # JSON path of the resource in the file
    url: str = ""  # Bundle.entry.fullUrl, if any


class Index:
    """Every resource in the file (a Bundle's entries, or the one resource) and their names."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root_type = str(root.get("resourceType", ""))
        self._by_name: dict[str, Resource] = {}
        self.resources: list[Resource] = []
        if self.root_type == "Bundle":
            for number, entry in enumerate(_list(root.get("entry"))):
                if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
                    resource = entry["resource"]
                    self._add(
                        resource, ("entry", number, "resource"), str(entry.get("fullUrl", ""))
                    )
        else:
            self._add(root, ())
        for resource in self.resources:
            rid = resource.data.get("id")
            if isinstance(rid, str):
                self._by_name.setdefault(f"{resource.type}/{rid}", resource)
            if resource.url:
                self._by_name.setdefault(resource.url, resource)
            canonical = resource.data.get("url")
            if isinstance(canonical, str):
                self._by_name.setdefault(canonical, resource)

    @classmethod
    def of(cls, resources: list[Resource]) -> Index:
        """An index over given resources (a template's activities read as orders)."""
        index = cls({"resourceType": "PlanDefinition"})
        index.resources = list(resources)
        index._by_name = {}
        for resource in resources:
            if resource.url:
                index._by_name.setdefault(resource.url, resource)
        return index

    def _add(self, data: dict[str, Any], path: Path, url: str = "") -> None:
        kind = data.get("resourceType")
        if isinstance(kind, str):
            self.resources.append(Resource(kind, data, path, url))

    def of_type(self, *kinds: str) -> list[Resource]:
        return [r for r in self.resources if r.type in kinds]

    def resolve(self, reference: Any, within: Resource) -> Resource | None:
        """The resource a Reference (or a canonical URL string) points at, if in the file."""
        target = reference.get("reference") if isinstance(reference, dict) else reference
        if not isinstance(target, str):
            return None
        if target.startswith("#"):
            for number, item in enumerate(_list(within.data.get("contained"))):
                if isinstance(item, dict) and item.get("id") == target[1:]:
                    return Resource(
                        str(item.get("resourceType", "")),
                        item,
                        (*within.path, "contained", number),
                    )
            return None
        found = self._by_name.get(target.split("|")[0])
        if found is None and "/" in target:  # an absolute URL ending in Type/id
            found = self._by_name.get("/".join(target.rstrip("/").split("/")[-2:]))
        return found


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def items(value: Any) -> list[tuple[int, Any]]:
    return list(enumerate(_list(value)))


def pointer(root_type: str, path: Path) -> str:
    """A FHIRPath-like pointer: ``Bundle.entry[3].resource.dosageInstruction[1]``."""
    text = root_type or "Resource"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def codings(concept: Any) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    return [c for c in _list(concept.get("coding")) if isinstance(c, dict)]


def has_code(concept: Any, system: str, codes: frozenset[str] | set[str]) -> bool:
    return any(c.get("system") == system and str(c.get("code")) in codes for c in codings(concept))


def words(concept: Any) -> str:
    """The concept's text and displays, lower-cased, for matching drug names."""
    if not isinstance(concept, dict):
        return ""
    parts = [str(concept.get("text", ""))]
    parts += [str(c.get("display", "")) for c in codings(concept)]
    return " ".join(parts).lower()


def label(concept: Any) -> str:
    """A concept as a person names it: its text, else its first display, else its code."""
    if not isinstance(concept, dict):
        return ""
    if isinstance(concept.get("text"), str) and concept["text"].strip():
        return str(concept["text"]).strip()
    for coding in codings(concept):
        for key in ("display", "code"):
            if isinstance(coding.get(key), str) and coding[key].strip():
                return str(coding[key]).strip()
    return ""


def extensions(data: Any, url: str) -> list[tuple[int, dict[str, Any]]]:
    if not isinstance(data, dict):
        return []
    return [
        (n, e)
        for n, e in items(data.get("extension"))
        if isinstance(e, dict) and e.get("url") == url
    ]


def extension_value(data: Any, url: str) -> tuple[Any, int] | None:
    """The value[x] of the first extension with this url, and its index."""
    for number, ext in extensions(data, url):
        for key, value in ext.items():
            if key.startswith("value"):
                return value, number
    return None


_DATE = re.compile(r"([0-9]{4})(-([0-9]{2})(-([0-9]{2}))?)?(T.*)?")


def parse_date(value: Any) -> dt.date:
    """A FHIR date or dateTime as a calendar date. Raise ValueError with a message in FHIR terms."""
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a FHIR date; write YYYY-MM-DD")
    match = _DATE.fullmatch(value.strip())
    if not match:
        raise ValueError(f"'{value[:40]}' is not a FHIR date; write YYYY-MM-DD")
    if match.group(5) is None:
        raise ValueError(
            f"'{value}' is not a full date (the day is missing); blinacheck needs YYYY-MM-DD"
        )
    year, month, day = int(match.group(1)), int(match.group(3)), int(match.group(5))
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"'{value}' is not a date: there is no such day") from None


def day_of(date: dt.date, day1: dt.date) -> int:
    """Cycle day of ``date`` when ``day1`` is Day 1 (there is no Day 0)."""
    delta = (date - day1).days
    return delta + 1 if delta >= 0 else delta


def names_blinatumomab(concept: Any) -> bool:
    if has_code(concept, vocab.RXNORM, vocab.BLINATUMOMAB_RXNORM):
        return True
    text = words(concept)
    return any(word in text for word in vocab.BLINATUMOMAB_WORDS)
