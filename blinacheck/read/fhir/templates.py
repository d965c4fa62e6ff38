"""PlanDefinition protocol templates (order sets, CPG-on-FHIR style) -> a plan with no patient."""

from __future__ import annotations

from typing import Any

from .resources import Index, Resource


def names_blinatumomab_anywhere(index: Index, plan: Resource) -> bool:
    return False


def map_plandefinition(index: Index) -> Any:
    raise NotImplementedError
