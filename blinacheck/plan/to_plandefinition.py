"""A protocol template as a FHIR PlanDefinition (``blinacheck convert --to fhir-r4|fhir-r5`` of a
plan with no patient and no dates): the form order-set authors keep templates in, as the HL7
CPG-on-FHIR IG does.

Made from the orders Bundle of the same plan (to_fhir.py), so that the two forms cannot drift:
each cycle's group becomes a top-level action, each order an ActivityDefinition that a
sub-action points at (``definitionCanonical``, keeping the order's ``relatedAction``), each
planned stay an inpatient sub-action with its cycle days, and the indication a ``useContext``.
read/fhir/templates.py reads it back into the same plan.
"""

from __future__ import annotations

from typing import Any

from ..read.fhir import vocab
from .models import Plan

Json = dict[str, Any]

CANONICAL = "urn:blinacheck:fhir:template:"
_GROUPS = ("RequestGroup", "RequestOrchestration")
_PLAN_TYPE = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
_USAGE_CONTEXT = "http://terminology.hl7.org/CodeSystem/usage-context-type"


def is_template(plan: Plan) -> bool:
    """A plan for no one in particular: no patient, nothing dated, no events or vaccinations
    (which happen to a patient, and have no PlanDefinition form)."""
    if plan.patient is not None or plan.vaccinations:
        return False
    for cycle in plan.cycles:
        if cycle.start is not None or cycle.adverse_events:
            return False
        items = [*cycle.premedication, *cycle.intrathecal, *cycle.interruptions]
        if any(getattr(item, "date", None) is not None for item in items):
            return False
    return True


def template_bundle(orders: Json, plan: Plan, version: str) -> Json:
    """The orders Bundle of a template plan (to_fhir.plan_to_bundle) as a Bundle holding one
    PlanDefinition and its ActivityDefinitions."""
    r5 = version == "R5"
    by_reference = {
        f"{e['resource']['resourceType']}/{e['resource']['id']}": e["resource"]
        for e in orders["entry"]
    }
    activities: list[Json] = []
    cycles: list[Json] = []
    indication: Json | None = None
    for resource in by_reference.values():
        if resource["resourceType"] == "Condition":
            indication = resource["code"]
        if resource["resourceType"] not in _GROUPS:
            continue
        actions: list[Json] = []
        for action in resource["action"]:
            target = by_reference[action["resource"]["reference"]]
            if target["resourceType"] == "MedicationRequest":
                activity = _activity(target, r5)
                activities.append(activity)
                kept = {key: value for key, value in action.items() if key != "resource"}
                actions.append({**kept, "definitionCanonical": activity["url"]})
            elif target["resourceType"] == "Encounter":
                actions.append(_stay(target, r5))
        extensions = [x for x in resource["extension"] if x["url"] != vocab.EXT_PLAN_TITLE]
        number = next(x["valueInteger"] for x in extensions if x["url"] == vocab.EXT_CYCLE_NUMBER)
        cycles.append({"title": f"Cycle {number}", "extension": extensions, "action": actions})
    definition: Json = {
        "resourceType": "PlanDefinition",
        "id": "blinacheck-template",
        "url": CANONICAL + "PlanDefinition:blinacheck-template",
    }
    if plan.title:
        definition["title"] = plan.title
    definition["type"] = {"coding": [{"system": _PLAN_TYPE, "code": "order-set"}]}
    definition["status"] = "draft"
    if indication is not None:
        focus = {"system": _USAGE_CONTEXT, "code": "focus"}
        definition["useContext"] = [{"code": focus, "valueCodeableConcept": indication}]
    definition["action"] = cycles
    return {
        "resourceType": "Bundle",
        "id": "blinacheck-template",
        "type": "collection",
        "entry": [{"resource": r} for r in (definition, *activities)],
    }


def _activity(order: Json, r5: bool) -> Json:
    """An order as the ActivityDefinition of a template: the same product and dosage."""
    activity: Json = {
        "resourceType": "ActivityDefinition",
        "id": order["id"],
        "url": CANONICAL + "ActivityDefinition:" + order["id"],
    }
    if "contained" in order:  # several intrathecal drugs in one syringe
        activity["contained"] = order["contained"]
    activity["status"] = "draft"
    activity["kind"] = "MedicationRequest"
    activity["intent"] = "proposal"
    medication = order.get("medication", {})
    concept = medication.get("concept") if r5 else order.get("medicationCodeableConcept")
    reference = medication.get("reference") if r5 else order.get("medicationReference")
    if concept is not None:
        activity["productCodeableConcept"] = concept
    elif reference is not None:
        activity["productReference"] = reference
    activity["dosage"] = order["dosageInstruction"]
    return activity


def _stay(encounter: Json, r5: bool) -> Json:
    """A planned inpatient stay of a dateless cycle as a sub-action coded inpatient."""
    inpatient = {"coding": [{"system": vocab.ACT_CODE, "code": "IMP"}], "text": "inpatient stay"}
    days = [x for x in encounter["extension"] if x["url"] == vocab.EXT_CYCLE_DAYS]
    return {
        "title": "Inpatient stay",
        "extension": days,
        "code": inpatient if r5 else [inpatient],  # 0..1 in R5, 0..* in R4
    }
