"""A valid plan as a FHIR R4 or R5 Bundle (``blinacheck convert --to fhir-r4|fhir-r5``).

The Bundle is what the FHIR reader (read/fhir) reads back into the same plan, so that linting
either gives the same findings: one RequestGroup (R4) / RequestOrchestration (R5) per cycle,
holding the cycle's blinatumomab MedicationRequest (one dosageInstruction per step), its
premedication and intrathecal orders, planned inpatient Encounters and AdverseEvents; the
patient as Patient and Observations; the indication as a Condition; vaccinations as
Immunizations. What FHIR has no element for is carried by blinacheck's extensions
(read/fhir/vocab.py, docs/fhir.md). Days of a cycle without dates use the HL7
timing-daysOfCycle extension.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..read.fhir import vocab
from . import dates
from .models import Cycle, Plan
from .units import Dose

Json = dict[str, Any]
_EVENT_TEXT = {
    "crs": "cytokine release syndrome",
    "neurologic": "neurologic event",
    "seizure": "seizure",
}


def plan_to_bundle(plan: Plan, version: str) -> Json:
    """The plan as a FHIR ``collection`` Bundle; ``version`` is "R4" or "R5"."""
    writer = _Writer(version)
    return writer.bundle(plan)


def _ref(kind: str, rid: str) -> Json:
    return {"reference": f"{kind}/{rid}"}


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _ucum(value: float, unit: str, code: str) -> Json:
    return {"value": _number(value), "unit": unit, "system": vocab.UCUM, "code": code}


def _days_of_cycle(days: list[int]) -> Json:
    return {
        "url": vocab.DAYS_OF_CYCLE,
        "extension": [{"url": "day", "valueInteger": day} for day in days],
    }


def _ext(url: str, key: str, value: Any) -> Json:
    return {"url": url, key: value}


def _range_text(days: tuple[int, int]) -> str:
    return str(days[0]) if days[0] == days[1] else f"{days[0]}-{days[1]}"


class _Writer:
    def __init__(self, version: str) -> None:
        self.r5 = version == "R5"
        self.entries: list[Json] = []
        self.subject = _ref("Patient", "patient")

    def add(self, resource: Json) -> Json:
        self.entries.append({"resource": resource})
        return resource

    def bundle(self, plan: Plan) -> Json:
        self._patient(plan)
        self.add(
            {
                "resourceType": "Condition",
                "id": "indication",
                "clinicalStatus": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                            "code": "active",
                        }
                    ]
                },
                "code": {
                    "coding": [{"system": vocab.INDICATION_SYSTEM, "code": plan.indication}],
                    "text": f"B-ALL, {plan.indication}",
                },
                "subject": self.subject,
            }
        )
        for number, cycle in enumerate(plan.cycles, start=1):
            self._cycle(plan, cycle, number)
        for number, vaccination in enumerate(plan.vaccinations, start=1):
            self.add(
                {
                    "resourceType": "Immunization",
                    "id": f"vaccination-{number}",
                    "extension": [_ext(vocab.EXT_LIVE_VACCINE, "valueBoolean", vaccination.live)],
                    "status": "completed",
                    "vaccineCode": {"text": vaccination.vaccine},
                    "patient": self.subject,
                    "occurrenceDateTime": vaccination.date.isoformat(),
                }
            )
        return {
            "resourceType": "Bundle",
            "id": "blinacheck-plan",
            "type": "collection",
            "entry": self.entries,
        }

    # patient -------------------------------------------------------------------------------

    def _patient(self, plan: Plan) -> None:
        patient: Json = {"resourceType": "Patient", "id": "patient"}
        data = plan.patient
        if data is not None:
            subs: list[Json] = []
            for key, kind in (
                ("bone_marrow_blasts_pct", "valueDecimal"),
                ("cd4_per_uL", "valueDecimal"),
                ("albumin_g_L", "valueDecimal"),
                ("prior_neurotoxicity", "valueBoolean"),
                ("seizure_history", "valueBoolean"),
                ("cns_status", "valueCode"),
                ("down_syndrome", "valueBoolean"),
            ):
                value = getattr(data, key)
                if value is not None:
                    subs.append(
                        {"url": key, kind: _number(value) if kind == "valueDecimal" else value}
                    )
            subs += [{"url": "mutations", "valueString": m} for m in data.mutations]
            if subs:
                patient["extension"] = [{"url": vocab.EXT_PATIENT, "extension": subs}]
        self.add(patient)
        if data is None:
            return
        for key, loinc, unit, display in (
            ("age_years", vocab.LOINC_AGE, "a", "Age"),
            ("weight_kg", vocab.LOINC_WEIGHT, "kg", "Body weight"),
            ("height_cm", vocab.LOINC_HEIGHT, "cm", "Body height"),
            ("bsa_m2", vocab.LOINC_BSA, "m2", "Body surface area"),
        ):
            value = getattr(data, key)
            if value is None:
                continue
            observation: Json = {
                "resourceType": "Observation",
                "id": key.split("_")[0],
                "status": "final",
                "code": {"coding": [{"system": vocab.LOINC, "code": loinc, "display": display}]},
                "subject": self.subject,
            }
            if key == "weight_kg" and data.weighed_on is not None:
                observation["effectiveDateTime"] = data.weighed_on.isoformat()
            observation["valueQuantity"] = _ucum(value, unit, unit)
            self.add(observation)

    # a cycle ------------------------------------------------------------------------------

    def _cycle(self, plan: Plan, cycle: Cycle, number: int) -> None:
        start = cycle.start
        tag = f"c{number}"
        group: Json = {
            "resourceType": "RequestOrchestration" if self.r5 else "RequestGroup",
            "id": f"cycle-{number}",
            "extension": [_ext(vocab.EXT_CYCLE_NUMBER, "valueInteger", cycle.cycle)],
            "status": "active",
            "intent": "order",
            "subject": self.subject,
            "action": [],
        }
        extensions = group["extension"]
        if plan.title:
            extensions.append(_ext(vocab.EXT_PLAN_TITLE, "valueString", plan.title))
        if cycle.length_days is not None:
            extensions.append(_ext(vocab.EXT_CYCLE_LENGTH, "valueInteger", cycle.length_days))
        for bag in cycle.bags:
            extensions.append(
                {
                    "url": vocab.EXT_BAG,
                    "extension": [
                        {"url": "days", "valueString": _range_text(bag.days)},
                        {"url": "hours", "valueDecimal": _number(bag.hours)},
                    ],
                }
            )
        for interruption in cycle.interruptions:
            subs: list[Json] = []
            if interruption.date is not None:
                subs.append({"url": "date", "valueDate": interruption.date.isoformat()})
            else:
                subs.append({"url": "day", "valueInteger": interruption.day})
            subs.append({"url": "hours", "valueDecimal": _number(interruption.hours)})
            if interruption.reason:
                subs.append({"url": "reason", "valueString": interruption.reason})
            extensions.append({"url": vocab.EXT_INTERRUPTION, "extension": subs})
        actions: list[Json] = group["action"]
        blin_id = f"blinatumomab-{tag}"
        self.add(self._blinatumomab(cycle, blin_id, start))
        actions.append({"id": "blinatumomab", "resource": _ref("MedicationRequest", blin_id)})
        for index, premed in enumerate(cycle.premedication, start=1):
            rid = f"premedication-{tag}-{index}"
            self.add(
                self._order(
                    rid,
                    {"text": premed.drug},
                    self._timing(premed.day, premed.date),
                    premed.dose,
                    None,
                )
            )
            related: Json = {
                "targetId" if self.r5 else "actionId": "blinatumomab",
                "relationship": "before-start",
            }
            if premed.minutes_before is not None:
                related["offsetDuration"] = _ucum(premed.minutes_before, "min", "min")
            actions.append({"resource": _ref("MedicationRequest", rid), "relatedAction": [related]})
        for index, it in enumerate(cycle.intrathecal, start=1):
            rid = f"intrathecal-{tag}-{index}"
            route = {
                "coding": [
                    {
                        "system": vocab.SNOMED,
                        "code": vocab.SNOMED_INTRATHECAL,
                        "display": "Intrathecal route",
                    }
                ]
            }
            order = self._order(
                rid, {"text": it.drugs[0]}, self._timing(it.day, it.date), it.dose, route
            )
            if len(it.drugs) > 1:
                self._compound(order, it.drugs)
            self.add(order)
            actions.append({"resource": _ref("MedicationRequest", rid)})
        for index, (first, last) in enumerate(cycle.hospitalization, start=1):
            rid = f"hospital-{tag}-{index}"
            self.add(self._encounter(rid, first, last, start))
            actions.append({"resource": _ref("Encounter", rid)})
        for index, event in enumerate(cycle.adverse_events, start=1):
            rid = f"adverse-event-{tag}-{index}"
            self.add(self._adverse_event(rid, event, start))
            actions.append({"resource": _ref("AdverseEvent", rid)})
        self.add(group)

    def _medication(self, concept: Json) -> Json:
        return (
            {"medication": {"concept": concept}}
            if self.r5
            else {"medicationCodeableConcept": concept}
        )

    def _blinatumomab(self, cycle: Cycle, rid: str, start: dt.date | None) -> Json:
        dosages = []
        for sequence, step in enumerate(cycle.infusion, start=1):
            if start is not None:
                timing: Json = {
                    "repeat": {
                        "boundsPeriod": {
                            "start": dates.day_to_date(step.days[0], start).isoformat(),
                            "end": dates.day_to_date(step.days[1], start).isoformat(),
                        }
                    }
                }
            else:
                timing = {"extension": [_days_of_cycle(dates.days_in_range(*step.days))]}
            dose = step.dose
            unit = f"{dose.written_unit}/{'m2/' if dose.per_m2 else ''}day"
            code = "ug/(m2.d)" if dose.per_m2 else "ug/d"
            dosages.append(
                {
                    "sequence": sequence,
                    "text": f"{dose.text} continuous intravenous infusion, "
                    f"days {_range_text(step.days)}",
                    "timing": timing,
                    "doseAndRate": [{"rateQuantity": _ucum(dose.amount, unit, code)}],
                }
            )
        order: Json = {
            "resourceType": "MedicationRequest",
            "id": rid,
            "status": "active",
            "intent": "order",
            **self._medication({"text": "blinatumomab (BLINCYTO)"}),
            "subject": self.subject,
        }
        if self.r5:
            order["reason"] = [{"reference": _ref("Condition", "indication")}]
        else:
            order["reasonReference"] = [_ref("Condition", "indication")]
        order["dosageInstruction"] = dosages
        return order

    def _timing(self, day: int | None, date: dt.date | None) -> Json:
        if date is not None:
            return {"event": [date.isoformat()]}
        return {"extension": [_days_of_cycle([day or 1])]}

    def _order(
        self, rid: str, concept: Json, timing: Json, dose: Dose | None, route: Json | None
    ) -> Json:
        dosage: Json = {"timing": timing}
        if route is not None:
            dosage["route"] = route
        if dose is not None:
            dosage["doseAndRate"] = [{"doseQuantity": _ucum(dose.amount, dose.unit, dose.unit)}]
        return {
            "resourceType": "MedicationRequest",
            "id": rid,
            "status": "active",
            "intent": "order",
            **self._medication(concept),
            "subject": self.subject,
            "dosageInstruction": [dosage],
        }

    def _compound(self, order: Json, drugs: list[str]) -> None:
        """Several intrathecal drugs in one syringe: a contained Medication with ingredients."""
        ingredients = [
            {"item": {"concept": {"text": d}}} if self.r5 else {"itemCodeableConcept": {"text": d}}
            for d in drugs
        ]
        order["contained"] = [
            {"resourceType": "Medication", "id": "it-medication", "ingredient": ingredients}
        ]
        order.pop("medication", None)
        order.pop("medicationCodeableConcept", None)
        reference = {"reference": "#it-medication"}
        if self.r5:
            order["medication"] = {"reference": reference}
        else:
            order["medicationReference"] = reference
        # keep the key order readable: medication before subject
        for key in ("subject", "dosageInstruction"):
            order[key] = order.pop(key)

    def _encounter(self, rid: str, first: int, last: int, start: dt.date | None) -> Json:
        inpatient = {"system": vocab.ACT_CODE, "code": "IMP", "display": "inpatient encounter"}
        encounter: Json = {"resourceType": "Encounter", "id": rid}
        if start is None:  # a dateless cycle: its hospital days as cycle days
            days = _range_text((first, last))
            encounter["extension"] = [_ext(vocab.EXT_CYCLE_DAYS, "valueString", days)]
        encounter["status"] = "planned"
        encounter["class"] = [{"coding": [inpatient]}] if self.r5 else inpatient
        encounter["subject"] = self.subject
        if start is None:
            return encounter
        begin = dates.day_to_date(first, start).isoformat()
        end = dates.day_to_date(last, start).isoformat()
        if self.r5:
            encounter["plannedStartDate"], encounter["plannedEndDate"] = begin, end
        else:
            encounter["period"] = {"start": begin, "end": end}
        return encounter

    def _adverse_event(self, rid: str, event: Any, start: dt.date | None) -> Json:
        resource: Json = {"resourceType": "AdverseEvent", "id": rid, "extension": []}
        resource["extension"].append(_ext(vocab.EXT_CTCAE_GRADE, "valueInteger", event.grade))
        if event.date is None:
            resource["extension"].append(_ext(vocab.EXT_CYCLE_DAY, "valueInteger", event.day))
        if self.r5:
            resource["status"] = "completed"
        resource["actuality"] = "actual"
        resource["code" if self.r5 else "event"] = {"text": _EVENT_TEXT[event.type]}
        resource["subject"] = self.subject
        if event.date is not None:
            resource["occurrenceDateTime" if self.r5 else "date"] = event.date.isoformat()
        return resource
