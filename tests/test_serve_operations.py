"""Running the service: body limits (413), CORS for configured origins only, JSON logs with no
patient data, and reloading the rules and configuration (a changed file, SIGHUP)."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .serve_server import Server, hook_request, running

SIGN = "/cds-services/blinacheck-order-sign"
SANDBOX = "https://sandbox.cds-hooks.org"
HOUSE_RULE = """\
rules:
  - id: house-it-review
    title: IT order for the pharmacist's review (house rule for the tests)
    severity: info
    for_each: intrathecal
    when: intrathecal.cycle_day == 1
    message: IT on Day 1, house review
    evidence:
      - source: house policy, for the tests
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("serve-ops")
    (folder / "blinacheck.toml").write_text(
        f'[serve]\nmax-body-bytes = 200000\ncors-origins = ["{SANDBOX}"]\n'
    )
    with running(cwd=folder) as running_server:
        yield running_server


def test_a_body_over_the_limit_is_413(server: Server) -> None:
    answer = httpx.post(server.url + SIGN, content=b" " * 200_001)
    assert answer.status_code == 413
    assert answer.json() == {"error": "the request body is larger than 200000 bytes"}


def test_a_chunked_body_over_the_limit_is_413(server: Server) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(30):
            yield b" " * 10_000

    answer = httpx.post(server.url + SIGN, content=chunks())
    assert answer.status_code == 413


def test_a_body_under_the_limit_is_read(server: Server) -> None:
    answer = httpx.post(server.url + SIGN, json=hook_request("order-sign-child-it-day-1.json"))
    assert answer.status_code == 200


def test_cors_allows_the_configured_origin(server: Server) -> None:
    preflight = httpx.options(
        server.url + SIGN,
        headers={
            "Origin": SANDBOX,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == SANDBOX
    answer = httpx.get(server.url + "/cds-services", headers={"Origin": SANDBOX})
    assert answer.headers["access-control-allow-origin"] == SANDBOX


def test_cors_refuses_any_other_origin(server: Server) -> None:
    preflight = httpx.options(
        server.url + SIGN,
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    answer = httpx.get(server.url + "/cds-services", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in answer.headers


def test_without_configured_origins_there_is_no_cors(tmp_path: Path) -> None:
    with running("--isolated", cwd=tmp_path) as plain:
        answer = httpx.get(plain.url + "/cds-services", headers={"Origin": SANDBOX})
        assert "access-control-allow-origin" not in answer.headers


def test_the_log_holds_no_patient_data(server: Server) -> None:
    request = hook_request("order-sign-child-it-day-1.json")
    patient = request["prefetch"]["patient"]
    assert patient["name"][0]["family"] == "Zebedee" and patient["birthDate"] == "2018-11-20"
    before = len(server.lines)
    assert httpx.post(server.url + SIGN, json=request).status_code == 200
    broken = json.loads(json.dumps(request))
    broken["prefetch"]["patient"] = "Zebedee Quentin 2018-11-20"
    assert httpx.post(server.url + SIGN, json=broken).status_code == 400
    httpx.post(server.url + "/cds-services/Zebedee-2018-11-20", json=request)
    after = server.wait_for_log("request", 3, since=before)
    (hook_line,) = [
        e for e in after if e.get("route") == "/cds-services/{id}" and e["status"] == 200
    ]
    assert hook_line["rules"] == ["it-on-infusion-day-1"] and hook_line["cards"] == 1
    assert [e["route"] for e in after if e["status"] == 404] == ["/cds-services/{unknown}"]
    text = "\n".join(server.lines[before:])
    for secret in (
        "Zebedee",
        "Quentin",
        "2018-11-20",
        "2026-03-09",
        "pat-7",
        "it-mtx-c1",
        "methotrexate",
        "89284",
        "PractitionerRole",
    ):
        assert secret not in text


def put(path: Path, text: str) -> None:
    """Replace a file at once, as an editor saving it does (never seen half-written)."""
    partial = path.with_suffix(".partial")
    partial.write_text(text)
    os.replace(partial, path)


def test_a_changed_rule_file_or_sighup_reloads_and_an_invalid_one_is_refused(
    tmp_path: Path,
) -> None:
    (tmp_path / "house").mkdir()
    config = tmp_path / "blinacheck.toml"
    put(config, 'rules = ["house"]\n')
    rule_file = tmp_path / "house" / "rules.yaml"
    put(rule_file, "rules: []\n")
    request = hook_request("order-sign-child-it-day-1.json")

    def labels(server: Server) -> list[tuple[str, str]]:
        answered = httpx.post(server.url + SIGN, json=request).json()["cards"]
        return sorted((c["source"]["label"], c["indicator"]) for c in answered)

    with running(cwd=tmp_path) as server:
        assert labels(server) == [("blinacheck: it-on-infusion-day-1", "critical")]
        put(rule_file, HOUSE_RULE)
        server.wait_for_log("reloaded")
        assert labels(server) == [
            ("blinacheck: house-it-review", "info"),
            ("blinacheck: it-on-infusion-day-1", "critical"),
        ]
        # The configuration's severities apply as lint's do, and a change reloads them.
        put(config, 'rules = ["house"]\n[severity]\nit-on-infusion-day-1 = "warning"\n')
        server.wait_for_log("reloaded", 2)
        assert ("blinacheck: it-on-infusion-day-1", "warning") in labels(server)
        # An invalid rule file: the old rules stay, and the log says so.
        put(rule_file, HOUSE_RULE.replace("when: intrathecal.cycle_day == 1", "when: ((("))
        (failed,) = server.wait_for_log("reload-failed")
        assert failed["reason"] == "file-changed" and failed["level"] == "error"
        assert len(labels(server)) == 2
        put(rule_file, "rules: []\n")
        server.wait_for_log("reloaded", 3)
        server.process.send_signal(signal.SIGHUP)
        (*_, last) = server.wait_for_log("reloaded", 4)
        assert last["reason"] == "sighup"
        assert labels(server) == [("blinacheck: it-on-infusion-day-1", "warning")]
