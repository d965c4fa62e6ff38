"""The feedback endpoint over real HTTP: the spec's feedback body is stored in the audit log
with the cards it is about, survives a restart of the service, and a malformed one is a 400."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from blinacheck.serve import cards
from blinacheck.serve.audit import open_audit_log

from .serve_server import Server, hook_request, running

SIGN = "/cds-services/blinacheck-order-sign"
FEEDBACK = SIGN + "/feedback"


def _card(server: Server) -> dict[str, Any]:
    answer = httpx.post(server.url + SIGN, json=hook_request("order-sign-child-it-day-1.json"))
    (card,) = answer.json()["cards"]
    return dict(card)


def test_feedback_is_stored_and_survives_a_restart(tmp_path: Path) -> None:
    (tmp_path / "blinacheck.toml").write_text('[serve]\naudit-database = "sqlite:///audit.db"\n')
    with running(cwd=tmp_path) as server:
        overridden = _card(server)
        accepted = _card(server)
        body = {
            "feedback": [
                {
                    "card": overridden["uuid"],
                    "outcome": "overridden",
                    "overrideReason": {
                        "reason": {
                            "code": "protocol-specified",
                            "system": cards.OVERRIDE_SYSTEM,
                            "display": "Specified by the protocol",
                        },
                        "userComment": "per study protocol",
                    },
                    "outcomeTimestamp": "2026-03-05T10:15:00Z",
                }
            ]
        }
        answer = httpx.post(server.url + FEEDBACK, json=body)
        assert (answer.status_code, answer.json()) == (200, {})
    with running(cwd=tmp_path) as server:  # the same database after a restart
        suggestion = accepted["suggestions"][0]["uuid"]
        body = {
            "feedback": [
                {
                    "card": accepted["uuid"],
                    "outcome": "accepted",
                    "acceptedSuggestions": [{"id": suggestion}],
                    "outcomeTimestamp": "2026-03-05T10:16:00Z",
                }
            ]
        }
        assert httpx.post(server.url + FEEDBACK, json=body).status_code == 200
    with open_audit_log(f"sqlite:///{tmp_path / 'audit.db'}", create=False) as log:
        rows = {r["card"]: r for r in log.rows()}
    assert rows[overridden["uuid"]]["outcome"] == "overridden"
    assert rows[overridden["uuid"]]["override_code"] == "protocol-specified"
    assert rows[overridden["uuid"]]["override_system"] == cards.OVERRIDE_SYSTEM
    assert rows[overridden["uuid"]]["user_comment"] == "per study protocol"
    assert rows[overridden["uuid"]]["rule"] == "it-on-infusion-day-1"
    assert rows[overridden["uuid"]]["indicator"] == "critical"
    assert rows[accepted["uuid"]]["outcome"] == "accepted"
    assert rows[accepted["uuid"]]["card_known"] is True
    assert rows[accepted["uuid"]]["accepted_suggestions"] == [suggestion]
    # The card's summary as the clinician saw it.
    assert rows[accepted["uuid"]]["summary"] == accepted["summary"]


def test_feedback_about_an_unknown_card_is_kept_and_urn_uuids_are_read(tmp_path: Path) -> None:
    (tmp_path / "blinacheck.toml").write_text('[serve]\naudit-database = "sqlite:///audit.db"\n')
    entry = {"card": f"urn:uuid:{CARD}", "outcome": "accepted", "outcomeTimestamp": "2026-03-05"}
    with running(cwd=tmp_path) as server:
        assert httpx.post(server.url + FEEDBACK, json={"feedback": [entry]}).status_code == 200
    with open_audit_log(f"sqlite:///{tmp_path / 'audit.db'}", create=False) as log:
        (row,) = list(log.rows())
    assert (row["card"], row["card_known"], row["outcome"]) == (CARD, False, "accepted")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with running("--isolated", cwd=tmp_path_factory.mktemp("serve-feedback")) as running_server:
        yield running_server


CARD = "0f8fad5b-d9cb-469f-a165-70867728950e"
BAD = [
    ({}, "feedback: required, an array of feedback entries"),
    ({"feedback": [3]}, "feedback[0]: must be an object"),
    ({"feedback": [{"outcome": "accepted"}]}, "feedback[0].card: required"),
    (
        {"feedback": [{"card": "Zebedee", "outcome": "accepted", "outcomeTimestamp": "2026"}]},
        "feedback[0].card: must be a uuid (the card's or suggestion's uuid)",
    ),
    (
        {"feedback": [{"card": CARD, "outcome": "ignored", "outcomeTimestamp": "2026-03-05"}]},
        "feedback[0].outcome: must be 'accepted' or 'overridden'",
    ),
    (
        {"feedback": [{"card": CARD, "outcome": "accepted", "outcomeTimestamp": "yesterday"}]},
        "feedback[0].outcomeTimestamp: not an ISO 8601 date and time",
    ),
    (
        {
            "feedback": [
                {
                    "card": CARD,
                    "outcome": "accepted",
                    "outcomeTimestamp": "2026-03-05T10:15:00Z",
                    "overrideReason": {"userComment": "x"},
                }
            ]
        },
        "feedback[0].overrideReason: only with the outcome 'overridden'",
    ),
]


@pytest.mark.parametrize(("body", "message"), BAD)
def test_malformed_feedback_is_a_400(server: Server, body: Any, message: str) -> None:
    answer = httpx.post(server.url + FEEDBACK, json=body)
    assert (answer.status_code, answer.json()) == (400, {"error": message})


def test_feedback_to_an_unknown_service_is_a_404(server: Server) -> None:
    answer = httpx.post(server.url + "/cds-services/nope/feedback", json={"feedback": []})
    assert answer.status_code == 404
