"""Hook calls over real HTTP: the spec-shaped order-select / order-sign requests of
tests/cds_hooks/ (a child's plan with IT methotrexate on Day 1) and what comes back."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from blinacheck.serve import cards

from .conftest import REPO, run_blinacheck
from .serve_server import Server, hook_request, running

SIGN = "/cds-services/blinacheck-order-sign"
SELECT = "/cds-services/blinacheck-order-select"
IT_MESSAGE = (
    "IT methotrexate on Day 1 of cycle 1, the day the blinatumomab infusion starts; give it on "
    "another day"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running("--isolated", cwd=tmp_path_factory.mktemp("serve")) as running_server:
        yield running_server


def post(server: Server, path: str, body: Any) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(
        server.url + path, content=content, headers={"Content-Type": "application/json"}
    )


def _nulls(value: Any, where: str = "") -> list[str]:
    if value is None:
        return [where]
    if isinstance(value, dict):
        return [n for k, v in value.items() for n in _nulls(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [n for i, v in enumerate(value) for n in _nulls(v, f"{where}[{i}]")]
    return []


def test_order_sign_gives_one_critical_card_for_it_on_day_1(server: Server) -> None:
    answer = post(server, SIGN, hook_request("order-sign-child-it-day-1.json"))
    assert answer.status_code == 200
    (card,) = answer.json()["cards"]
    uuid.UUID(card["uuid"])
    assert card["indicator"] == "critical"
    assert card["summary"] == IT_MESSAGE
    assert card["source"] == {
        "label": "blinacheck: it-on-infusion-day-1",
        "url": server.url + "/rules/it-on-infusion-day-1",
    }
    assert card["detail"].startswith(
        "**Intrathecal chemotherapy on the first day of the infusion** "
        "(it\\-on\\-infusion\\-day\\-1, error)\n\nIT methotrexate on Day 1 of cycle 1"
    )
    assert "Order: MedicationRequest/it\\-mtx\\-c1" in card["detail"]
    assert "**Evidence**" in card["detail"]
    assert card["overrideReasons"] == cards.override_reasons()
    assert {r["system"] for r in card["overrideReasons"]} == {cards.OVERRIDE_SYSTEM}
    assert card["selectionBehavior"] == "at-most-one"
    (suggestion,) = card["suggestions"]
    uuid.UUID(suggestion["uuid"])
    (action,) = suggestion["actions"]
    assert action["type"] == "update"
    moved = action["resource"]
    assert moved["id"] == "it-mtx-c1"
    assert moved["dosageInstruction"][0]["timing"]["event"] == ["2026-03-08"]
    assert _nulls(answer.json()) == []


def test_the_suggestion_moves_only_the_date_and_clears_the_card(server: Server) -> None:
    request = hook_request("order-sign-child-it-day-1.json")
    (card,) = post(server, SIGN, request).json()["cards"]
    moved = card["suggestions"][0]["actions"][0]["resource"]
    original = next(
        e["resource"]
        for e in request["context"]["draftOrders"]["entry"]
        if e["resource"]["id"] == "it-mtx-c1"
    )
    expected = copy.deepcopy(original)
    expected["dosageInstruction"][0]["timing"]["event"] = ["2026-03-08"]
    assert moved == expected
    # The EHR applies the update to its draft (and to the draft orders it prefetches).
    for bundle in (request["context"]["draftOrders"], request["prefetch"]["draftMedications"]):
        for entry in bundle["entry"]:
            if entry["resource"]["id"] == "it-mtx-c1":
                entry["resource"] = moved
    assert post(server, SIGN, request).json() == {"cards": []}


def test_order_select_gives_the_same_card(server: Server) -> None:
    answer = post(server, SELECT, hook_request("order-select-child-it-day-1.json"))
    assert answer.status_code == 200
    (card,) = answer.json()["cards"]
    assert (card["indicator"], card["summary"]) == ("critical", IT_MESSAGE)


def test_the_cards_are_the_findings_lint_gives(server: Server, tmp_path: Path) -> None:
    request = hook_request("order-sign-child-it-day-1.json")
    request["context"]["draftOrders"] = json.loads(
        (REPO / "tests" / "fhir" / "adult-per-m2-above-cap-r4.json").read_text()
    )
    request["prefetch"] = {}
    answered = post(server, SIGN, request).json()["cards"]
    assert sorted((c["indicator"], c["source"]["label"]) for c in answered) == [
        ("critical", "blinacheck: dose-above-cap"),
        ("critical", "blinacheck: dose-above-cap"),
        ("critical", "blinacheck: dose-basis-mismatch"),
        ("critical", "blinacheck: dose-basis-mismatch"),
    ]
    for card in answered:
        # dose-above-cap is overridable: false; its cards offer no override reasons
        overridable = card["source"]["label"] != "blinacheck: dose-above-cap"
        assert ("overrideReasons" in card) == overridable
        assert "suggestions" not in card and "selectionBehavior" not in card
    assert len({c["uuid"] for c in answered}) == 4


def test_no_blinatumomab_order_gives_no_cards(server: Server) -> None:
    # The shape of the spec's own order-sign example: a diet and an antibiotic.
    request = {
        "hook": "order-sign",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {
            "userId": "PractitionerRole/123",
            "patientId": "1288992",
            "encounterId": "89284",
            "draftOrders": {
                "resourceType": "Bundle",
                "entry": [
                    {
                        "resource": {
                            "resourceType": "MedicationRequest",
                            "id": "smart-MedicationRequest-103",
                            "status": "draft",
                            "intent": "order",
                            "medicationCodeableConcept": {
                                "coding": [
                                    {
                                        "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                        "code": "617993",
                                        "display": "Amoxicillin 120 MG/ML / clavulanate "
                                        "potassium 8.58 MG/ML Oral Suspension",
                                    }
                                ]
                            },
                            "subject": {"reference": "Patient/1288992"},
                        }
                    },
                    {"resource": {"resourceType": "NutritionOrder", "id": "pureeddiet-simple"}},
                ],
            },
        },
    }
    answer = post(server, SIGN, request)
    assert (answer.status_code, answer.json()) == (200, {"cards": []})


def test_text_from_the_order_is_escaped_in_the_detail(server: Server) -> None:
    request = hook_request("order-sign-child-it-day-1.json")
    hostile = "methotrexate <img src=x onerror=alert(1)> [click](https://evil.example) **x**"
    for bundle in (request["context"]["draftOrders"], request["prefetch"]["draftMedications"]):
        for entry in bundle["entry"]:
            if entry["resource"]["id"] == "it-mtx-c1":
                entry["resource"]["medicationCodeableConcept"] = {"text": hostile}
    answered = post(server, SIGN, request).json()["cards"]
    assert answered
    for card in answered:
        assert "<img" not in card["detail"]
        assert "[click](" not in card["detail"]
        assert "**x**" not in card["detail"]
    assert any("&lt;img src=x onerror=alert\\(1\\)&gt;" in c["detail"] for c in answered)


MALFORMED = [
    (b"\xff\xfe not text", "the request body is not UTF-8 text"),
    (
        b"{not json",
        "the request body is not JSON: Expecting property name enclosed in double "
        "quotes at line 1, column 2",
    ),
    (b"[1, 2]", "the request body must be a JSON object, not an array"),
    (b"{}", "hook: required"),
    (b'{"hook": 5}', "hook: must be a string, not a number"),
    (
        b'{"hook": "order-select", "hookInstance": "x", "context": {}}',
        "hook: the service blinacheck-order-sign answers the hook 'order-sign', not 'order-select'",
    ),
    (
        b'{"hook": "order-sign", "hookInstance": "x", "context": "x"}',
        "context: must be an object, not a string",
    ),
    (
        b'{"hook": "order-sign", "hookInstance": "x", "context": {"userId": "u"}}',
        "context.patientId: required",
    ),
    (
        b'{"hook": "order-sign", "hookInstance": "x", "context": {"userId": "u", "patientId": "p",'
        b' "draftOrders": []}}',
        "context.draftOrders: must be an object, not an array",
    ),
    (
        b'{"hook": "order-sign", "hookInstance": "x", "context": {"userId": "u", "patientId": "p",'
        b' "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": 3}]}}}',
        "context.draftOrders.entry[0].resource: must be a FHIR resource",
    ),
    (
        b'{"hook": "order-sign", "hookInstance": "x", "context": {"userId": "u", "patientId": "p",'
        b' "draftOrders": {"resourceType": "Bundle"}}, "prefetch": {"patient": "Zebedee"}}',
        "prefetch.patient: must be a FHIR resource or null",
    ),
    (b"[" * 100_000 + b"]" * 100_000, "the request body is nested more than 64 levels"),
    (b'{"a":' * 70 + b"1" + b"}" * 70, "the request body is nested more than 64 levels"),
]


@pytest.mark.parametrize(("body", "message"), MALFORMED)
def test_a_malformed_request_is_a_400_that_says_why(
    server: Server, body: bytes, message: str
) -> None:
    answer = post(server, SIGN, body)
    assert (answer.status_code, answer.json()) == (400, {"error": message})


def test_an_unknown_service_is_a_404(server: Server) -> None:
    answer = post(
        server, "/cds-services/no-such-service", hook_request("order-sign-child-it-day-1.json")
    )
    assert (answer.status_code, answer.json()) == (404, {"error": "no such service"})


def test_the_server_lived_through_all_of_it(server: Server) -> None:
    assert httpx.get(server.url + "/healthz").status_code == 200
    assert not [e for e in server.log() if e.get("status") == 500]


def test_summary_is_shortened_below_140_characters() -> None:
    assert cards.summary("a" * 139) == "a" * 139
    shortened = cards.summary("word " * 60)
    assert len(shortened) < 140 and shortened.endswith("…")
    assert cards.summary("two\nlines\x00") == "two lines"


def test_hostile_shapes_inside_the_orders_are_findings_not_crashes(server: Server) -> None:
    request = hook_request("order-sign-child-it-day-1.json")
    encounter = request["prefetch"]["plannedEncounters"]["entry"][0]["resource"]
    encounter["class"] = {"code": ["IMP"]}  # a list where a code is
    request["context"]["draftOrders"]["entry"][1]["resource"]["status"] = ["draft"]
    request["prefetch"]["bsa"] = {"resourceType": ["Observation"]}
    answer = post(server, SIGN, request)
    assert answer.status_code == 400
    assert answer.json() == {"error": "prefetch.bsa: must be a FHIR resource or null"}
    request["prefetch"]["bsa"] = None
    answer = post(server, SIGN, request)
    assert answer.status_code == 200
    assert answer.json()["cards"]


def test_a_reader_that_fails_is_a_400_not_a_500(monkeypatch: pytest.MonkeyPatch) -> None:
    from blinacheck import api
    from blinacheck.serve import discovery, hooks
    from blinacheck.serve.errors import ServiceError

    def broken(*args: object, **kwargs: object) -> None:
        raise TypeError("unhashable type: 'list'")

    monkeypatch.setattr(api, "lint_text", broken)
    call = hooks.read_request(
        hook_request("order-sign-child-it-day-1.json"),
        discovery.SERVICES["blinacheck-order-sign"],
    )
    with pytest.raises(ServiceError) as refused:
        hooks.answer(call, api.load_settings(isolated=True), lambda rule: None)
    assert (refused.value.status, refused.value.message) == (
        400,
        "the orders in this request could not be read",
    )


def test_lint_reads_an_encounter_class_code_given_as_a_list(tmp_path: Path) -> None:
    # Found by fuzzing hook requests: the FHIR reader compared the list with a set of codes
    # (TypeError, a traceback from blinacheck lint); now it is simply not an inpatient class.
    request = hook_request("order-sign-child-it-day-1.json")
    encounter = request["prefetch"]["plannedEncounters"]["entry"][0]["resource"]
    encounter["class"] = {"code": ["IMP"]}
    bundle = tmp_path / "bundle.json"
    bundle.write_text(
        json.dumps(
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": encounter}] + request["context"]["draftOrders"]["entry"],
            }
        )
    )
    result = run_blinacheck("lint", "--isolated", "--format", "json", str(bundle), cwd=tmp_path)
    assert "Traceback" not in result.stderr
    assert result.returncode in (0, 1)
