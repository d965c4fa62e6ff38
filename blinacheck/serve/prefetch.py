"""Fetching the prefetch an EHR did not send, from its ``fhirServer`` (CDS Hooks 2.0,
"FHIR Resource Access").

Only a server on the configuration's allow-list (``fhir-servers``) is asked, with the request's
``fhirAuthorization`` bearer token; any other server is refused and nothing is fetched. A
template's ``{{context.X}}`` must be a FHIR id (letters, digits, ``-``, ``.``; at most 64) so
that nothing else can be put in the URL. Each fetch has a timeout and a size bound; one that
fails is left out (the rules then see less, as with an EHR that sends less) and logged by its
prefetch key only.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import httpx

from . import logs
from .config import ServeConfig
from .discovery import PREFETCH
from .hooks import HookCall, too_deep

_TOKEN = re.compile(r"\{\{\s*context\.([A-Za-z]+)\s*\}\}")
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def allowed(server: str, allow_list: tuple[str, ...]) -> bool:
    """Whether ``server`` is an allowed base URL, or a path below one."""
    base = server.rstrip("/")
    return any(base == a or base.startswith(a + "/") for a in allow_list)


def query(template: str, context: dict[str, Any]) -> str | None:
    """The template with the context's values, or None if a value is missing or not an id."""
    failed = False

    def value(match: re.Match[str]) -> str:
        nonlocal failed
        found = context.get(match[1])
        if not isinstance(found, str) or not _FHIR_ID.match(found):
            failed = True
            return ""
        return found

    text = _TOKEN.sub(value, template)
    return None if failed else text


async def complete(call: HookCall, config: ServeConfig) -> dict[str, Any]:
    """The request's prefetch with what it lacked fetched, where that is allowed."""
    missing = [key for key in PREFETCH if key not in call.prefetch]
    prefetch = dict(call.prefetch)
    if not missing:
        return prefetch
    server = call.fhir_server
    if server is None or not allowed(server, config.fhir_servers):
        reason = "no fhirServer" if server is None else "fhirServer not on the allow-list"
        logs.event("prefetch-refused", logging.WARNING, prefetch=missing, reason=reason)
        return prefetch
    headers = {"Accept": "application/fhir+json"}
    if call.access_token:
        headers["Authorization"] = f"Bearer {call.access_token}"
    timeout = httpx.Timeout(config.fetch_timeout_seconds)
    async with httpx.AsyncClient(
        timeout=timeout, follow_redirects=False, headers=headers
    ) as client:
        for key in missing:
            path = query(PREFETCH[key], call.context)
            if path is None:
                logs.event("prefetch-failed", logging.WARNING, prefetch=[key], reason="context")
                continue
            fetched = await _fetch(client, server.rstrip("/") + "/" + path, config.fetch_max_bytes)
            if isinstance(fetched, str):
                logs.event("prefetch-failed", logging.WARNING, prefetch=[key], reason=fetched)
            else:
                prefetch[key] = fetched
    return prefetch


async def _fetch(client: httpx.AsyncClient, url: str, limit: int) -> dict[str, Any] | str:
    """The resource at ``url``, or why not (a short reason with no data in it)."""
    try:
        async with client.stream("GET", url) as response:
            if response.status_code != 200:
                return f"status {response.status_code}"
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > limit:
                    return "too large"
    except httpx.TimeoutException:
        return "timeout"
    except httpx.HTTPError as exc:
        return type(exc).__name__
    try:
        value = json.loads(bytes(body))
    except (ValueError, RecursionError):
        return "not JSON"
    if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
        return "not a FHIR resource"
    if too_deep(value):
        return "nested too deeply"
    return value
