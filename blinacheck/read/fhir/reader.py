"""Read a FHIR JSON file (a Bundle or one resource, R4 or R5) as a located plan document.

Detection is by content: a JSON object with a top-level ``resourceType``. The plan values come
from :mod:`.mapping`; each value's position is that of the FHIR element it came from, and each
has a FHIRPath-like pointer (``Bundle.entry[3].resource.dosageInstruction[1]``) for reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..jsonpos import JsonDocument, load_json
from ..source import DEFAULT_MAX_BYTES, Path, Problem, SourceError, decode
from . import mapping, templates
from .resources import Index, items, pointer


@dataclass(frozen=True, slots=True)
class Located(Problem):
    """A problem or a note at a FHIR element (FHIRPath-like pointer)."""

    element: str = ""


def not_about_blinatumomab() -> Located:
    return Located(
        1,
        1,
        "this FHIR file has no blinatumomab order: no MedicationRequest (nor PlanDefinition "
        "activity) whose medication is RxNorm 1597258, 1597263 or 1597262 or names "
        "blinatumomab or BLINCYTO; blinacheck had nothing to check",
    )


class FhirDocument(JsonDocument):
    """A plan read from FHIR: plan values, positions in the FHIR file, and FHIR pointers."""

    elements: dict[Path, str]
    fhir_version: str
    notes: list[Located]
    indication_known: bool

    def element(self, path: Path) -> str:
        probe = tuple(path)
        while probe:
            if probe in self.elements:
                return self.elements[probe]
            probe = probe[:-1]
        return self.elements.get((), "")


@dataclass
class FhirRead:
    """What reading a FHIR file gave: a document, or located problems; and whether it is about
    blinatumomab at all (a FHIR file that is not is skipped in directory mode)."""

    is_fhir: bool
    about_blinatumomab: bool = False
    document: FhirDocument | None = None
    problems: list[Located] = field(default_factory=list)
    template: bool = False


def version_of(index: Index) -> str:
    """R5 or R4, from the elements that differ between them (R4 when nothing tells)."""
    r5 = r4 = False
    for resource in index.resources:
        data = resource.data
        r5 |= resource.type == "RequestOrchestration"
        r4 |= resource.type == "RequestGroup"
        if resource.type in ("MedicationRequest", "MedicationAdministration"):
            r5 |= "medication" in data or "reason" in data
            r4 |= "medicationCodeableConcept" in data or "medicationReference" in data
            r4 |= "reasonCode" in data or "reasonReference" in data
        if resource.type == "Encounter":
            r5 |= isinstance(data.get("class"), list) or "actualPeriod" in data
            r4 |= isinstance(data.get("class"), dict)
        if resource.type == "AdverseEvent":
            r5 |= "code" in data or "occurrenceDateTime" in data
            r4 |= "event" in data or "date" in data
        if resource.type == "PlanDefinition":
            five, four = _action_versions(data.get("action"))
            r5, r4 = r5 or five, r4 or four
        for _, contained in items(data.get("contained")):  # a compounded Medication
            if isinstance(contained, dict) and contained.get("resourceType") == "Medication":
                for _, ingredient in items(contained.get("ingredient")):
                    if isinstance(ingredient, dict):
                        r5 |= "item" in ingredient  # CodeableReference
                        r4 |= "itemCodeableConcept" in ingredient or "itemReference" in ingredient
    return "R5" if r5 and not r4 else "R4"


def _action_versions(actions: Any) -> tuple[bool, bool]:
    """Whether PlanDefinition actions are written as R5 (relatedAction.targetId, one code) or
    as R4 (relatedAction.actionId, a list of codes)."""
    r5 = r4 = False
    for _, action in items(actions):
        if not isinstance(action, dict):
            continue
        for _, related in items(action.get("relatedAction")):
            if isinstance(related, dict):
                r5 |= "targetId" in related
                r4 |= "actionId" in related
        r5 |= isinstance(action.get("code"), dict)
        r4 |= isinstance(action.get("code"), list)
        five, four = _action_versions(action.get("action"))
        r5, r4 = r5 or five, r4 or four
    return r5, r4


def read(raw: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> FhirRead:
    """Read FHIR bytes. Raise SourceError for what is not JSON (located)."""
    if len(raw) > max_bytes:
        raise SourceError(
            [Problem(1, 1, f"file is {len(raw):,} bytes, over the limit of {max_bytes:,}")]
        )
    source = load_json(decode(raw))
    root = source.data
    if not isinstance(root, dict) or not isinstance(root.get("resourceType"), str):
        return FhirRead(is_fhir=False)
    index = Index(root)
    version = version_of(index)

    def locate(path: Path, message: str, key: bool = False) -> Located:
        position = source.locate(path, key=key)
        return Located(*position, message, pointer(index.root_type, _existing(source, path)))

    mapped = templates.map_document(root)
    result = FhirRead(True, mapped.about_blinatumomab, template=mapped.template)
    if not mapped.about_blinatumomab:
        return result
    from . import validate

    try:
        structural = validate.problems(index, version)
    except validate.MissingPackage:
        result.problems.append(
            Located(
                1,
                1,
                f"this is a FHIR {version} file; reading FHIR needs the optional package "
                f"fhir.resources: {validate.INSTALL_HINT}",
                index.root_type,
            )
        )
        return result
    ours = [locate(p.path, p.message) for p in mapped.problems]
    taken = {(p.line, p.column) for p in ours}  # the mapping's wording wins at one place
    result.problems += [
        problem
        for problem in (locate(path, message, key) for path, message, key in structural)
        if (problem.line, problem.column) not in taken
    ]
    result.problems += ours
    if result.problems or mapped.data is None:
        return result
    result.document = _document(source, index, mapped, version, locate)
    return result


def _document(
    source: JsonDocument, index: Index, mapped: mapping.Mapped, version: str, locate: Any
) -> FhirDocument:
    positions: dict[Path, tuple[int, int]] = {}
    key_positions: dict[Path, tuple[int, int]] = {}
    elements: dict[Path, str] = {}
    for plan_path, json_path in mapped.origins.items():
        positions[plan_path] = source.locate(json_path)
        key_positions[plan_path] = source.key_positions.get(json_path, positions[plan_path])
        elements[plan_path] = pointer(index.root_type, _existing(source, json_path))
    document = FhirDocument(source.text, mapped.data, positions, key_positions)
    document.elements = elements
    document.fhir_version = version
    document.notes = [locate(n.path, n.message) for n in mapped.notes]
    document.indication_known = mapped.indication_known
    return document


def _existing(source: JsonDocument, path: Path) -> Path:
    probe = tuple(path)
    while probe and probe not in source.positions:
        probe = probe[:-1]
    return probe
