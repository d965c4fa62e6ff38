"""Structural validation of the resources blinacheck reads, with the ``fhir.resources`` models.

R4 JSON is read with the package's R4B models (identical for these resources), R5 with its
default (R5) models. The package is an optional extra (``blinacheck[fhir]``) and is imported
only here, only for a file that is FHIR: a plain YAML lint never loads it.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..source import Path
from .resources import Index

READ_TYPES = (
    "Patient",
    "Observation",
    "MedicationRequest",
    "MedicationAdministration",
    "Medication",
    "RequestGroup",
    "RequestOrchestration",
    "CarePlan",
    "Encounter",
    "Immunization",
    "AdverseEvent",
    "Condition",
    "PlanDefinition",
    "ActivityDefinition",
)
INSTALL_HINT = "pip install 'blinacheck[fhir]'"


class MissingPackage(Exception):
    """fhir.resources is not installed."""


def model(version: str, kind: str) -> Any | None:
    """The fhir.resources model class of a resource type in R4 or R5, or None if it has none."""
    package = "fhir.resources.R4B" if version == "R4" else "fhir.resources"
    try:
        importlib.import_module("fhir.resources")
    except ImportError:
        raise MissingPackage from None
    try:
        module = importlib.import_module(f"{package}.{kind.lower()}")
    except ImportError:
        return None
    return getattr(module, kind, None)


def problems(index: Index, version: str) -> list[tuple[Path, str, bool]]:
    """Every structural problem of the resources blinacheck reads, located by JSON path."""
    from pydantic import ValidationError

    found: list[tuple[Path, str, bool]] = []  # (JSON path, message, at the key)
    for resource in index.resources:
        if resource.type not in READ_TYPES:
            continue
        cls = model(version, resource.type)
        if cls is None:
            found.append(
                (
                    (*resource.path, "resourceType"),
                    f"{resource.type} is not a FHIR {version} resource "
                    f"({'RequestOrchestration' if version == 'R4' else 'RequestGroup'} is the "
                    f"{version} name)",
                    False,
                )
            )
            continue
        try:
            cls.model_validate(resource.data)
        except ValidationError as exc:
            for error in exc.errors(include_url=False)[:20]:
                loc = tuple(p for p in error["loc"] if isinstance(p, str | int))
                message = _describe(resource.type, version, error)
                found.append(((*resource.path, *loc), message, error["type"] == "extra_forbidden"))
        except (ValueError, TypeError) as exc:  # the models' own root validators
            message = f"{resource.type} is not valid FHIR {version}: {exc}"
            found.append((resource.path, message, False))
    return found


def _describe(kind: str, version: str, error: Any) -> str:
    where = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in error["loc"]).replace(
        ".[", "["
    )
    element = f"{kind}.{where}" if where else kind
    if error["type"] == "extra_forbidden":
        return f"{element} is not an element of FHIR {version} {kind}; check its spelling"
    if error["type"] == "missing":
        return f"{element} is required in FHIR {version}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{element}: {message} (FHIR {version})"
