"""The feedback endpoint's body (CDS Hooks 2.0, "Feedback"), checked into audit-log entries.

``{"feedback": [{"card": UUID, "outcome": "accepted" | "overridden", "acceptedSuggestions":
[{"id": UUID}], "overrideReason": {"reason": Coding, "userComment": text},
"outcomeTimestamp": ISO 8601}]}``. An override reason comes only with ``overridden``; every
problem is a 400 that names the field. ``card`` and suggestion ids must be uuids, as the spec
types them, so that nothing but a uuid from the client reaches the log or the database's keys.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from .audit import OUTCOMES, FeedbackEntry
from .errors import bad_request

MAX_ENTRIES = 1000
MAX_TEXT = 10_000  # characters of a user comment
MAX_ID = 200  # characters of a card or suggestion id, a code or a system


def _text(data: dict[str, Any], key: str, where: str, limit: int, required: bool) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise bad_request(f"{where}{key}: required")
        return None
    if not isinstance(value, str):
        raise bad_request(f"{where}{key}: must be a string")
    if len(value) > limit:
        raise bad_request(f"{where}{key}: longer than {limit} characters")
    return value


def _uuid(value: str | None, where: str) -> str:
    """A uuid, as the spec types ``card`` and a suggestion's ``id`` (``urn:uuid:`` allowed)."""
    text = str(value).removeprefix("urn:uuid:")
    try:
        uuid.UUID(text)
    except ValueError:
        raise bad_request(f"{where}: must be a uuid (the card's or suggestion's uuid)") from None
    return text


def read_feedback(body: Any) -> list[FeedbackEntry]:
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    items = body.get("feedback")
    if not isinstance(items, list):
        raise bad_request("feedback: required, an array of feedback entries")
    if len(items) > MAX_ENTRIES:
        raise bad_request(f"feedback: more than {MAX_ENTRIES} entries")
    return [_entry(item, f"feedback[{i}].") for i, item in enumerate(items)]


def _entry(item: Any, where: str) -> FeedbackEntry:
    if not isinstance(item, dict):
        raise bad_request(f"{where[:-1]}: must be an object")
    card = _uuid(_text(item, "card", where, MAX_ID, True), f"{where}card")
    outcome = _text(item, "outcome", where, MAX_ID, True)
    if outcome not in OUTCOMES:
        raise bad_request(f"{where}outcome: must be 'accepted' or 'overridden'")
    stamp = _text(item, "outcomeTimestamp", where, MAX_ID, True)
    try:
        datetime.datetime.fromisoformat(str(stamp))
    except ValueError:
        raise bad_request(f"{where}outcomeTimestamp: not an ISO 8601 date and time") from None
    accepted = item.get("acceptedSuggestions", [])
    if not isinstance(accepted, list):
        raise bad_request(f"{where}acceptedSuggestions: must be an array")
    ids = []
    for index, suggestion in enumerate(accepted):
        at = f"{where}acceptedSuggestions[{index}]."
        if not isinstance(suggestion, dict):
            raise bad_request(f"{at[:-1]}: must be an object with an id")
        ids.append(_uuid(_text(suggestion, "id", at, MAX_ID, True), f"{at}id"))
    if ids and outcome != "accepted":
        raise bad_request(f"{where}acceptedSuggestions: only with the outcome 'accepted'")
    code = system = comment = None
    reason = item.get("overrideReason")
    if reason is not None:
        if outcome != "overridden":
            raise bad_request(f"{where}overrideReason: only with the outcome 'overridden'")
        if not isinstance(reason, dict):
            raise bad_request(f"{where}overrideReason: must be an object")
        at = f"{where}overrideReason."
        coding = reason.get("reason")
        if coding is not None:
            if not isinstance(coding, dict):
                raise bad_request(f"{at}reason: must be a Coding (code, system)")
            code = _text(coding, "code", f"{at}reason.", MAX_ID, True)
            system = _text(coding, "system", f"{at}reason.", MAX_ID, False)
        comment = _text(reason, "userComment", at, MAX_TEXT, False)
    return FeedbackEntry(
        card=str(card),
        outcome=str(outcome),
        override_code=code,
        override_system=system,
        user_comment=comment,
        accepted_suggestions=tuple(ids),
        outcome_timestamp=str(stamp),
    )
