"""PlanDefinition protocol templates (order sets, CPG-on-FHIR style) -> a plan with no patient.

A PlanDefinition's top-level actions are the cycles (those whose actions reach a blinatumomab
ActivityDefinition). Each is read as the cycle's RequestGroup would be: its ActivityDefinitions
as the orders, their ``dosage`` as dosageInstructions, days from the HL7 timing-daysOfCycle
extension on the dosage's timing, the ActivityDefinition's ``timingTiming`` or the action's.
A sub-action coded inpatient (v3 ActCode IMP) with such days is the cycle's hospital stay.
No patient is read, even if the file has one: a template is judged as a YAML template is.
"""

from __future__ import annotations

from typing import Any

from ..source import Path
from . import mapping, vocab
from .resources import Index, Resource, extension_value, has_code, items, names_blinatumomab

_PLAN_TYPES = ("order-set", "protocol", "clinical-protocol", "workflow-definition")


def _definition(index: Index, action: dict[str, Any], within: Resource) -> Resource | None:
    for key in ("definitionCanonical", "definitionUri"):
        if isinstance(action.get(key), str):
            target = index.resolve(action[key], within)
            if target is not None and target.type == "ActivityDefinition":
                return target
    return None


def _walk(actions: Any, at: Path) -> list[tuple[dict[str, Any], Path]]:
    found = []
    for number, action in items(actions):
        if isinstance(action, dict):
            where: Path = (*at, number)
            found.append((action, where))
            found += _walk(action.get("action"), (*where, "action"))
    return found


def _blinatumomab_activity(index: Index, resource: Resource | None) -> bool:
    return resource is not None and names_blinatumomab(resource.data.get("productCodeableConcept"))


def names_blinatumomab_anywhere(index: Index, plan: Resource) -> bool:
    return any(
        _blinatumomab_activity(index, _definition(index, action, plan))
        for action, _ in _walk(plan.data.get("action"), (*plan.path, "action"))
    )


def _timing(action: dict[str, Any]) -> Any:
    return action.get("timingTiming")


def map_document(root: dict[str, Any]) -> mapping.Mapped:
    """The plan of a file: its blinatumomab PlanDefinition's, if it has one; else its orders'."""
    index = Index(root)
    for plan in index.of_type("PlanDefinition"):
        if names_blinatumomab_anywhere(index, plan):
            return map_plandefinition(index, plan)
    return mapping.map_document(root)


def map_plandefinition(index: Index, plan: Resource) -> mapping.Mapped:
    synthetic: list[Resource] = [plan]
    for number, cycle_action in items(plan.data.get("action")):
        if not isinstance(cycle_action, dict):
            continue
        cycle_at: Path = (*plan.path, "action", number)
        inner = _walk(cycle_action.get("action"), (*cycle_at, "action"))
        if not any(_blinatumomab_activity(index, _definition(index, a, plan)) for a, _ in inner):
            continue
        group_actions: list[dict[str, Any]] = []
        for action, action_at in inner:
            name = f"synthetic:{len(synthetic)}"
            definition = _definition(index, action, plan)
            if definition is not None:
                data = dict(definition.data)
                fallback = data.get("timingTiming") or _timing(action)
                dosages = []
                for dosage in data.get("dosage") or []:
                    if isinstance(dosage, dict) and "timing" not in dosage and fallback:
                        dosage = {**dosage, "timing": fallback}
                    dosages.append(dosage)
                if not dosages and fallback:
                    dosages = [{"timing": fallback}]
                data["dosage"] = dosages
                data["resourceType"] = "MedicationRequest"
                # A blinatumomab activity's steps are its dosage; any other activity is placed by
                # its action (the day is the action's), so findings point at the action.
                blin = _blinatumomab_activity(index, definition)
                where = definition.path if blin else action_at
                synthetic.append(Resource("MedicationRequest", data, where, name))
            elif _inpatient(action):
                days = _stay_days(action)
                if days is None:
                    continue
                data = {
                    "resourceType": "Encounter",
                    "status": "planned",
                    "class": {"system": vocab.ACT_CODE, "code": "IMP"},
                    "extension": [{"url": vocab.EXT_CYCLE_DAYS, "valueString": days}],
                }
                synthetic.append(Resource("Encounter", data, action_at, name))
            else:
                continue
            group_actions.append({**action, "resource": {"reference": name}})
        group = {"extension": cycle_action.get("extension", []), "action": group_actions}
        synthetic.append(Resource("RequestGroup", group, cycle_at))
    mapped = mapping._Reader(Index.of(synthetic)).read()
    mapped.template = True
    return mapped


def _inpatient(action: dict[str, Any]) -> bool:
    codes = action.get("code")  # 0..* CodeableConcept in R4, 0..1 in R5
    concepts = [codes] if isinstance(codes, dict) else [code for _, code in items(codes)]
    return any(has_code(code, vocab.ACT_CODE, {"IMP"}) for code in concepts)


def _stay_days(action: dict[str, Any]) -> str | None:
    given = extension_value(action, vocab.EXT_CYCLE_DAYS)
    if given is not None:
        return str(given[0])
    days = mapping.days_of_cycle(_timing(action))
    if not days:
        return None
    first, last = mapping.day_ranges(days)[0]
    return f"{first}-{last}" if first != last else str(first)
