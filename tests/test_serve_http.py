"""``blinacheck serve`` over real HTTP: discovery, health, rule pages, start-up refusals."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from .conftest import fail_if_hung, run_blinacheck
from .serve_server import Server, running

SERVICES = {"blinacheck-order-select": "order-select", "blinacheck-order-sign": "order-sign"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> object:
    with running("--isolated", cwd=tmp_path_factory.mktemp("serve")) as running_server:
        yield running_server


def test_discovery_lists_both_services_with_their_prefetch(server: Server) -> None:
    answer = httpx.get(server.url + "/cds-services")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    services = answer.json()["services"]
    assert {s["id"]: s["hook"] for s in services} == SERVICES
    for service in services:
        assert service["title"] and service["description"]
        prefetch = service["prefetch"]
        assert prefetch["patient"] == "Patient/{{context.patientId}}"
        assert "code=http://loinc.org|29463-7" in prefetch["weight"]
        assert "code=http://loinc.org|8302-2" in prefetch["height"]
        assert "code=http://loinc.org|8277-6" in prefetch["bsa"]
        assert "_sort=-date&_count=1" in prefetch["weight"]
        assert prefetch["activeMedications"].endswith("status=active")
        assert prefetch["draftMedications"].endswith("status=draft")
        assert all(v is not None for v in service.values())


def test_healthz(server: Server) -> None:
    answer = httpx.get(server.url + "/healthz")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"
    assert answer.json()["rules"] > 30


def test_rule_page_explains_the_rule(server: Server) -> None:
    answer = httpx.get(server.url + "/rules/it-on-infusion-day-1")
    assert answer.status_code == 200
    assert answer.text.startswith("it-on-infusion-day-1: Intrathecal chemotherapy")
    missing = httpx.get(server.url + "/rules/no-such-rule")
    assert (missing.status_code, missing.json()) == (404, {"error": "no such rule"})


def test_unknown_path_is_a_json_404(server: Server) -> None:
    answer = httpx.get(server.url + "/nothing/here")
    assert (answer.status_code, answer.json()) == (404, {"error": "no such resource"})


def test_every_log_line_is_json_and_names_the_route(server: Server) -> None:
    httpx.get(server.url + "/cds-services")
    found = server.wait_for_log("request", 2)
    assert any(e["route"] == "/cds-services" and e["status"] == 200 for e in found)
    assert server.log()  # every line parsed as JSON


def test_unauthenticated_service_says_so_in_its_log(server: Server) -> None:
    (line,) = server.wait_for_log("unauthenticated")
    assert line["level"] == "info" and line["host"] == "127.0.0.1"


def test_without_trusted_issuers_a_public_host_is_refused(tmp_path: Path) -> None:
    result = run_blinacheck("serve", "--isolated", "--host", "0.0.0.0", cwd=tmp_path)
    assert result.returncode == 2
    assert "binds to a loopback address only" in result.stderr


def test_an_invalid_configuration_stops_the_start(tmp_path: Path) -> None:
    (tmp_path / "blinacheck.toml").write_text('[serve]\nmax-body-bytes = "big"\n')
    result = run_blinacheck("serve", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "blinacheck: blinacheck.toml:2: serve.max-body-bytes: must be a positive integer\n"
    )


def test_the_configuration_reaches_every_worker_whole() -> None:
    from blinacheck.serve.config import ServeConfig, TrustedIssuer

    config = ServeConfig(
        host="10.0.0.5",
        workers=3,
        public_url="https://cds.example.org",
        trusted_issuers=(
            TrustedIssuer("https://ehr.example.org", "/etc/jwks.json", ("https://a",)),
        ),
        fhir_servers=("https://fhir.example.org/r4",),
        cors_origins=("https://sandbox.cds-hooks.org",),
    )
    assert ServeConfig.from_environment(config.to_environment()) == config


def test_two_workers_answer_hook_calls(tmp_path: Path) -> None:
    from .serve_server import hook_request

    with running("--isolated", "--workers", "2", cwd=tmp_path) as server:
        for _ in range(4):
            answer = httpx.post(
                server.url + "/cds-services/blinacheck-order-sign",
                json=hook_request("order-sign-child-it-day-1.json"),
            )
            assert [c["indicator"] for c in answer.json()["cards"]] == ["critical"]

        def started() -> int:
            return sum(str(e.get("message")).startswith("Started server") for e in server.log())

        with fail_if_hung(30, "the second worker"):
            while started() < 2:
                time.sleep(0.05)
        assert started() == 2


CONFIG_ERRORS = [
    (
        "[serve]\nport = 8080\n",
        "blinacheck.toml:2: serve.port: unknown key; the keys are: docs-url, public-url, "
        "trusted-issuers, fhir-servers, max-body-bytes, cors-origins, audit-database, "
        "fetch-timeout-seconds, fetch-max-bytes",
    ),
    (
        '[serve]\naudit-database = "mysql://db"\n',
        'blinacheck.toml:2: serve.audit-database: must be "sqlite:///PATH" or "postgresql://..."',
    ),
    (
        '[[serve.trusted-issuers]]\niss = "https://ehr.example.org"\n',
        "blinacheck.toml:1: serve.trusted-issuers[0]: issuer 'https://ehr.example.org' needs a "
        "jwks-file or a jku allow-list",
    ),
    (
        '[[serve.trusted-issuers]]\niss = "https://ehr.example.org"\njwks-file = "keys.json"\n',
        "trusted issuer 'https://ehr.example.org': the JWK Set is not JSON",
    ),
]


@pytest.mark.parametrize(("text", "message"), CONFIG_ERRORS)
def test_a_configuration_error_is_one_message_and_exit_2(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "blinacheck.toml").write_text(text)
    (tmp_path / "keys.json").write_text("not json")
    result = run_blinacheck("serve", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, f"blinacheck: {message}\n")
