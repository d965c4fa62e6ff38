"""A hook call: the request read and checked, the plan built, linted, and its cards.

The plan is a FHIR ``collection`` Bundle of ``context.draftOrders``' resources followed by the
prefetch's (each resource once: the draft order wins over the same resource in prefetch),
linted by the one pipeline ``lint`` uses (``api.lint_text``; the FHIR reader, docs/fhir.md).
Resources the reader does not read are left out, and so are orders that are cancelled,
stopped or entered in error. Every problem with the request is a 400 with a message that says
which field, never a traceback.
"""

from __future__ import annotations

import copy
import datetime
import json
import logging
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import api
from ..api import FileResult, Settings
from ..read.fhir import reader as fhir_reader
from . import cards, logs
from .discovery import Service
from .errors import ServiceError, bad_request

MAX_DEPTH = 64  # nesting of the request's JSON (a FHIR Bundle needs about 12)
# The resources the FHIR reader reads (docs/fhir.md); anything else is left out of the plan.
READ_TYPES = frozenset(
    {
        "Patient",
        "Observation",
        "Condition",
        "MedicationRequest",
        "MedicationAdministration",
        "Medication",
        "Encounter",
        "RequestGroup",
        "RequestOrchestration",
        "CarePlan",
        "Immunization",
        "AdverseEvent",
    }
)
NOT_ORDERED = frozenset({"cancelled", "entered-in-error", "stopped", "not-done", "revoked"})
PATH = "cds-hooks-request.json"  # the name the plan has in findings (never shown to a user)
_ENTRY = re.compile(r"^Bundle\.entry\[(\d+)\]\.resource")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(.*)$")
IT_DAY_1 = "it-on-infusion-day-1"


def parse_json(raw: bytes) -> Any:
    """The request body as JSON, or a 400 that says why not."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_request("the request body is not UTF-8 text") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise bad_request(
            f"the request body is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:
        raise bad_request(f"the request body is nested more than {MAX_DEPTH} levels") from None
    _check_depth(value)
    return value


def _check_depth(value: Any) -> None:
    if too_deep(value):
        raise bad_request(f"the request body is nested more than {MAX_DEPTH} levels")


def too_deep(value: Any) -> bool:
    """Whether JSON ``value`` nests more than MAX_DEPTH levels (looked at without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(item, dict):
            stack += [(v, depth + 1) for v in item.values()]
        elif isinstance(item, list):
            stack += [(v, depth + 1) for v in item]
    return False


@dataclass
class HookCall:
    """A checked hook request (CDS Hooks 2.0, "HTTP Request")."""

    service: Service
    hook_instance: str
    context: dict[str, Any]
    prefetch: dict[str, Any] = field(default_factory=dict)
    fhir_server: str | None = None
    access_token: str | None = None


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")


def _need(data: Mapping[str, Any], key: str, kind: type, where: str, required: bool = True) -> Any:
    if key not in data or data[key] is None:
        if required:
            raise bad_request(f"{where}{key}: required")
        return None
    value = data[key]
    if not isinstance(value, kind):
        raise bad_request(f"{where}{key}: must be {_kind(kind())}, not {_kind(value)}")
    return value


def read_request(body: Any, service: Service) -> HookCall:
    """Check a hook request for ``service``; a 400 names the first field that is wrong."""
    if not isinstance(body, dict):
        raise bad_request(f"the request body must be a JSON object, not {_kind(body)}")
    hook = _need(body, "hook", str, "")
    if hook != service.hook:
        raise bad_request(
            f"hook: the service {service.id} answers the hook {service.hook!r}, not {hook!r}"
        )
    instance = _need(body, "hookInstance", str, "")
    server = _need(body, "fhirServer", str, "", required=False)
    auth = _need(body, "fhirAuthorization", dict, "", required=False)
    token = None
    if auth is not None:
        token = _need(auth, "access_token", str, "fhirAuthorization.")
        kind = _need(auth, "token_type", str, "fhirAuthorization.")
        if kind.lower() != "bearer":  # the spec fixes "Bearer"; case is not worth a refusal
            raise bad_request("fhirAuthorization.token_type: must be 'Bearer'")
        if server is None:
            raise bad_request("fhirServer: required with fhirAuthorization")
    context = _need(body, "context", dict, "")
    _need(context, "userId", str, "context.")
    _need(context, "patientId", str, "context.")
    _need(context, "encounterId", str, "context.", required=False)
    if service.hook == "order-select":
        selections = _need(context, "selections", list, "context.")
        if not all(isinstance(s, str) for s in selections):
            raise bad_request("context.selections: must be an array of strings")
    draft = _need(context, "draftOrders", dict, "context.")
    _bundle_entries(draft, "context.draftOrders")
    prefetch = _need(body, "prefetch", dict, "", required=False) or {}
    for key, value in prefetch.items():
        resource = isinstance(value, dict) and isinstance(value.get("resourceType"), str)
        if value is not None and not resource:
            raise bad_request(f"prefetch.{key}: must be a FHIR resource or null")
        if isinstance(value, dict) and value.get("resourceType") == "Bundle":
            _bundle_entries(value, f"prefetch.{key}")
    return HookCall(service, instance, context, dict(prefetch), server, token)


def _bundle_entries(bundle: Mapping[str, Any], where: str) -> list[dict[str, Any]]:
    if bundle.get("resourceType") != "Bundle":
        raise bad_request(f"{where}.resourceType: must be 'Bundle'")
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise bad_request(f"{where}.entry: must be an array, not {_kind(entries)}")
    resources = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise bad_request(f"{where}.entry[{index}]: must be an object")
        resource = entry.get("resource")
        if resource is None:
            continue
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise bad_request(f"{where}.entry[{index}].resource: must be a FHIR resource")
        resources.append(resource)
    return resources


def _resources(value: Mapping[str, Any], where: str) -> list[dict[str, Any]]:
    if value.get("resourceType") == "Bundle":
        return _bundle_entries(value, where)
    return [dict(value)]


def plan_resources(call: HookCall) -> list[dict[str, Any]]:
    """The resources of the plan, each once, draft orders first."""
    found: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    sources = [("context.draftOrders", call.context["draftOrders"])]
    sources += [(f"prefetch.{k}", v) for k, v in call.prefetch.items() if isinstance(v, dict)]
    for where, value in sources:
        for resource in _resources(value, where):
            kind = resource["resourceType"]
            status = resource.get("status")
            if kind not in READ_TYPES or (isinstance(status, str) and status in NOT_ORDERED):
                continue
            ident = resource.get("id")
            if isinstance(ident, str):
                if (kind, ident) in seen:
                    continue
                seen.add((kind, ident))
            found.append(resource)
    return found


def bundle_text(resources: Sequence[Mapping[str, Any]]) -> str:
    entries = [{"resource": r} for r in resources]
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}, indent=1)


@dataclass
class Answer:
    cards: list[dict[str, Any]]
    findings: int
    issued: list[tuple[str, str, str, str]]  # (uuid, rule, indicator, summary), for the audit


def answer(call: HookCall, settings: Settings, source_url: Any) -> Answer:
    """The cards for a checked hook call. ``source_url(rule_id)`` gives each card's link."""
    resources = plan_resources(call)
    try:
        result = api.lint_text(bundle_text(resources), settings, path=PATH)
    except Exception as exc:
        # The pipeline turns bad input into findings; should a reader still fail on some
        # shape of FHIR, the client hears that its orders could not be read, never a 500.
        logs.event("read-failed", logging.ERROR, error=type(exc).__name__)
        raise ServiceError(400, "the orders in this request could not be read") from None
    if _not_about_blinatumomab(result):
        return Answer([], 0, [])
    rules = {r.id: r for r in settings.ruleset.rules}
    made = []
    active = [f for f in result.findings if f.suppressed is None]
    for finding in active:
        resource = _resource_of(finding.element, resources)
        order = _reference(resource)
        suggestion = _suggestion(finding.rule, resource) if resource is not None else None
        made.append(
            cards.card(
                finding,
                rules.get(finding.rule),
                source_url=source_url(finding.rule),
                overridable=settings.policy.can_override(finding.rule),
                order=order,
                suggestion=suggestion,
            )
        )
    issued = [
        (c["uuid"], f.rule, c["indicator"], c["summary"]) for c, f in zip(made, active, strict=True)
    ]
    return Answer(made, len(active), issued)


def _not_about_blinatumomab(result: FileResult) -> bool:
    message = fhir_reader.not_about_blinatumomab().message
    return any(f.message == message for f in result.findings)


def _resource_of(element: str, resources: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    match = _ENTRY.match(element)
    if match is None or int(match[1]) >= len(resources):
        return None
    return resources[int(match[1])]


def _reference(resource: Mapping[str, Any] | None) -> str | None:
    if resource is None or not isinstance(resource.get("id"), str):
        return None
    return f"{resource['resourceType']}/{resource['id']}"


def _suggestion(rule: str, resource: Mapping[str, Any]) -> dict[str, Any] | None:
    """The deterministic fix, where there is one (docs/cds-hooks.md, "Suggestions").

    ``it-on-infusion-day-1`` on an intrathecal MedicationRequest with exactly one date: move
    that date (``timing.event`` or ``timing.repeat.boundsPeriod``) to the day before, Day -1,
    before the infusion starts, as the rule's "what to do" says; nothing else changes.
    """
    if rule != IT_DAY_1 or resource.get("resourceType") != "MedicationRequest":
        return None
    updated = copy.deepcopy(dict(resource))
    places = _dates(updated)
    dates = {value[:10] for _holder, _key, value in places}
    if len(dates) != 1:
        return None
    (day_1,) = dates
    try:
        before = (datetime.date.fromisoformat(day_1) - datetime.timedelta(days=1)).isoformat()
    except ValueError:
        return None
    for holder, key, value in places:
        holder[key] = before + value[10:]
    return {
        "label": "Move this intrathecal order to the day before Day 1",
        "uuid": str(uuid.uuid4()),
        "actions": [
            {
                "type": "update",
                "description": (
                    f"Moves the intrathecal dose from {day_1} (Day 1 of the infusion) to "
                    f"{before} (Day -1); nothing else in the order changes."
                ),
                "resource": updated,
            }
        ],
    }


def _dates(resource: dict[str, Any]) -> list[tuple[Any, Any, str]]:
    """Every place a MedicationRequest's dosage gives a date: (container, key, value)."""
    places: list[tuple[Any, Any, str]] = []
    dosages = resource.get("dosageInstruction")
    if not isinstance(dosages, list):
        return places
    for dosage in dosages:
        timing = dosage.get("timing") if isinstance(dosage, dict) else None
        if not isinstance(timing, dict):
            continue
        events = timing.get("event")
        if isinstance(events, list):
            places += [(events, i, v) for i, v in enumerate(events) if isinstance(v, str)]
        repeat = timing.get("repeat")
        period = repeat.get("boundsPeriod") if isinstance(repeat, dict) else None
        if isinstance(period, dict):
            places += [
                (period, k, period[k]) for k in ("start", "end") if isinstance(period.get(k), str)
            ]
    if any(_DATE.match(v) is None for _h, _k, v in places):
        return []  # a date blinacheck cannot read: no suggestion rather than a wrong one
    return places
