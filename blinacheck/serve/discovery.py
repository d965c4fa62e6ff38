"""The CDS Hooks discovery document: the two services and the prefetch each asks for.

The prefetch templates ask for what the FHIR reader reads (docs/fhir.md): the Patient (birth
date, risk data), the latest weight, height and BSA Observations (the LOINC codes
``read/fhir/vocab.py`` recognises), the planned inpatient Encounters (hospital days), the
indication Condition in blinacheck's code system, and the patient's active and draft
MedicationRequests (earlier cycles, IT and premedication orders already placed).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..read.fhir import vocab

_PATIENT = "{{context.patientId}}"


def _latest(loinc: str) -> str:
    return f"Observation?patient={_PATIENT}&code={vocab.LOINC}|{loinc}&_sort=-date&_count=1"


PREFETCH = {
    "patient": f"Patient/{_PATIENT}",
    "weight": _latest(vocab.LOINC_WEIGHT),
    "height": _latest(vocab.LOINC_HEIGHT),
    "bsa": _latest(vocab.LOINC_BSA),
    "indication": f"Condition?patient={_PATIENT}&code={vocab.INDICATION_SYSTEM}|",
    "plannedEncounters": f"Encounter?patient={_PATIENT}&status=planned",
    "activeMedications": f"MedicationRequest?patient={_PATIENT}&status=active",
    "draftMedications": f"MedicationRequest?patient={_PATIENT}&status=draft",
}


@dataclass(frozen=True)
class Service:
    id: str
    hook: str
    title: str
    description: str

    def as_dict(self) -> dict[str, object]:
        return {
            "hook": self.hook,
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "prefetch": dict(PREFETCH),
        }


SERVICES = {
    s.id: s
    for s in (
        Service(
            "blinacheck-order-select",
            "order-select",
            "blinacheck: blinatumomab plan check (order selected)",
            "Checks the blinatumomab orders being drafted, with the patient's other orders, "
            "against the label and the literature blinacheck cites: doses and caps, step-up, "
            "intrathecal chemotherapy on Day 1, premedication, intervals. One card per finding.",
        ),
        Service(
            "blinacheck-order-sign",
            "order-sign",
            "blinacheck: blinatumomab plan check (orders signed)",
            "Checks the blinatumomab orders about to be signed, with the patient's other "
            "orders, against the label and the literature blinacheck cites: doses and caps, "
            "step-up, intrathecal chemotherapy on Day 1, premedication, intervals. One card "
            "per finding.",
        ),
    )
}


def document() -> dict[str, object]:
    """The body of ``GET /cds-services``."""
    return {"services": [s.as_dict() for s in SERVICES.values()]}
