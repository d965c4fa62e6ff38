"""The codes, systems and extension URLs that blinacheck reads and writes in FHIR (docs/fhir.md).

Standard codes are cited where they are defined; what FHIR has no element or code for is carried
by extensions blinacheck defines under :data:`BASE` (a URN: blinacheck has no web domain, and
the identifier is not meant to resolve).
"""

from __future__ import annotations

BASE = "urn:blinacheck:fhir:"
EXT = BASE + "StructureDefinition:"

# Extensions blinacheck defines (docs/fhir.md, "What FHIR cannot express").
EXT_CYCLE_NUMBER = EXT + "cycle-number"  # valueInteger, on the cycle's RequestGroup/CarePlan/action
EXT_CYCLE_LENGTH = EXT + "cycle-length-days"  # valueInteger, same places
EXT_BAG = EXT + "bag"  # sub-extensions days (valueString "1-28"), hours (valueDecimal)
EXT_INTERRUPTION = EXT + "interruption"  # sub: day | date, hours, reason
EXT_CYCLE_DAYS = EXT + "cycle-days"  # valueString "1-9": hospital days of a dateless cycle
EXT_CYCLE_DAY = EXT + "cycle-day"  # valueInteger: an adverse event's day in a dateless cycle
EXT_LIVE_VACCINE = EXT + "live-vaccine"  # valueBoolean, on Immunization
EXT_CTCAE_GRADE = EXT + "ctcae-grade"  # valueInteger 1-4, on AdverseEvent
EXT_PATIENT = EXT + "patient"  # sub-extensions named by the plan's patient keys
EXT_PLAN_TITLE = EXT + "plan-title"  # valueString, on each cycle's group (the plan title)
EXT_INDICATION = EXT + "indication"  # valueCode, where no Condition or reason carries it

# The indication as a local code system (docs/fhir.md): the plan format's three values.
INDICATION_SYSTEM = BASE + "CodeSystem:indication"
INDICATIONS = ("relapsed-refractory", "mrd-positive", "consolidation")

# HL7 core extension used by the CPG-on-FHIR IG for days within a cycle.
DAYS_OF_CYCLE = "http://hl7.org/fhir/StructureDefinition/timing-daysOfCycle"

LOINC = "http://loinc.org"
LOINC_WEIGHT = "29463-7"  # Body weight
LOINC_HEIGHT = "8302-2"  # Body height
LOINC_BSA = "8277-6"  # Body surface area
# Age: LOINC 30525-0, the one code of HL7 Terminology's value set
# v3-LOINCObservationActContextAgeDefinitionCode ("Age", expansion from LOINC 2.81).
LOINC_AGE = "30525-0"
SNOMED = "http://snomed.info/sct"
SNOMED_INTRATHECAL = "72607000"  # Intrathecal route (qualifier value)
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
# RxNorm concepts for blinatumomab (ingredient and the BLINCYTO products) named in issue 12.
BLINATUMOMAB_RXNORM = frozenset({"1597258", "1597263", "1597262"})
BLINATUMOMAB_WORDS = ("blinatumomab", "blincyto")
UCUM = "http://unitsofmeasure.org"
# HL7 v3 ActCode codes for inpatient encounter classes.
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
INPATIENT_CLASSES = frozenset({"IMP", "ACUTE", "NONAC"})

# Corticosteroids read as premedication when ordered before a blinatumomab start (the label's
# premedication is dexamethasone; prednisone is used in the paediatric protocols).
CORTICOSTEROIDS = (
    "dexamethasone",
    "prednisone",
    "prednisolone",
    "methylprednisolone",
    "hydrocortisone",
)
