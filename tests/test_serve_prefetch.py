"""Prefetch the EHR did not send is fetched from its fhirServer, with its fhirAuthorization
token, only when that server is on the allow-list; any other server is never contacted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from blinacheck.serve.discovery import PREFETCH

from .serve_server import JsonServer, hook_request, running

SIGN = "/cds-services/blinacheck-order-sign"
TOKEN = "ehr-access-token-123"


class FhirServer(JsonServer):
    """A loopback FHIR server answering the discovery's prefetch queries from the fixture."""

    def __init__(self) -> None:
        prefetch = hook_request("order-sign-child-it-day-1.json")["prefetch"]
        answers = {
            "/r4/" + PREFETCH[key].replace("{{context.patientId}}", "pat-7"): prefetch[key]
            for key in PREFETCH
        }
        super().__init__(answers, content_type="application/fhir+json")
        self.url = self.base + "/r4"


@pytest.fixture
def fhir() -> Iterator[FhirServer]:
    server = FhirServer()
    yield server
    server.close()


def _request(fhir_server: str) -> dict[str, Any]:
    request = hook_request("order-sign-child-it-day-1.json")
    del request["prefetch"]
    request["fhirServer"] = fhir_server
    request["fhirAuthorization"] = {
        "access_token": TOKEN,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/Patient.read patient/Observation.read",
        "subject": "blinacheck",
    }
    return request


def _rules(answer: httpx.Response) -> list[str]:
    return sorted(c["source"]["label"].removeprefix("blinacheck: ") for c in answer.json()["cards"])


def test_missing_prefetch_is_fetched_from_an_allowed_server(
    tmp_path: Path, fhir: FhirServer
) -> None:
    (tmp_path / "blinacheck.toml").write_text(f'[serve]\nfhir-servers = ["{fhir.url}"]\n')
    with running(cwd=tmp_path) as server:
        answer = httpx.post(server.url + SIGN, json=_request(fhir.url))
    assert _rules(answer) == ["it-on-infusion-day-1"]  # as with the prefetch sent
    assert sorted(path for path, _auth in fhir.seen) == sorted(
        "/r4/" + t.replace("{{context.patientId}}", "pat-7") for t in PREFETCH.values()
    )
    assert {auth for _path, auth in fhir.seen} == {f"Bearer {TOKEN}"}


def test_a_server_off_the_allow_list_is_never_contacted(tmp_path: Path, fhir: FhirServer) -> None:
    (tmp_path / "blinacheck.toml").write_text(
        '[serve]\nfhir-servers = ["https://fhir.example.org/r4"]\n'
    )
    with running(cwd=tmp_path) as server:
        answer = httpx.post(server.url + SIGN, json=_request(fhir.url))
        (refused,) = server.wait_for_log("prefetch-refused")
    assert fhir.seen == []
    assert answer.status_code == 200
    # Without the patient's data the rules judge less: the indication is not known.
    assert "not-judged" in _rules(answer)
    assert refused["reason"] == "fhirServer not on the allow-list"
    assert TOKEN not in json.dumps(refused)


def test_a_context_value_that_is_not_an_id_is_not_put_into_a_url(
    tmp_path: Path, fhir: FhirServer
) -> None:
    (tmp_path / "blinacheck.toml").write_text(f'[serve]\nfhir-servers = ["{fhir.url}"]\n')
    request = _request(fhir.url)
    request["context"]["patientId"] = "pat-7/../../admin?x=1"
    with running(cwd=tmp_path) as server:
        assert httpx.post(server.url + SIGN, json=request).status_code == 200
    assert fhir.seen == []
