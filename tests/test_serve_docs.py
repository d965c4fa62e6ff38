"""docs/cds-hooks.md says what the service does: its worked request, posted to a running
service, gets the response the page shows; its configuration example loads; the README links
the page; the Dockerfile runs the service as a non-root user."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

from blinacheck.serve import cards, config

from .conftest import REPO
from .serve_server import running

PAGE = (REPO / "docs" / "cds-hooks.md").read_text(encoding="utf-8")
SHOWN_BASE = "http://127.0.0.1:8080"


def block(name: str) -> str:
    found = re.search(rf"<!-- example:{name} -->\n```\w+\n(.*?)```\n", PAGE, re.S)
    assert found, f"docs/cds-hooks.md lost its {name} example"
    return found.group(1)


def without_uuids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "UUID" if k == "uuid" else without_uuids(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_uuids(v) for v in value]
    return value


def test_the_worked_request_gets_the_response_shown(tmp_path: Path) -> None:
    with running("--isolated", cwd=tmp_path) as server:
        answer = httpx.post(
            server.url + "/cds-services/blinacheck-order-sign",
            content=block("request").encode(),
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code == 200
        got = json.loads(answer.text.replace(server.url, SHOWN_BASE))
    assert without_uuids(got) == without_uuids(json.loads(block("response")))


def test_the_configuration_example_loads(tmp_path: Path) -> None:
    (tmp_path / "blinacheck.toml").write_text(block("config"))
    (tmp_path / "ehr-jwks.json").write_text('{"keys": []}')
    loaded = config.load(config.ServeConfig(cwd=str(tmp_path)))
    assert loaded.public_url == "https://cds.example.org"
    assert loaded.fhir_servers == ("https://fhir.example.org/r4",)
    assert [i.iss for i in loaded.trusted_issuers] == ["https://ehr.example.org"]
    assert loaded.audit_database == f"sqlite:///{tmp_path / 'blinacheck-audit.db'}"


def test_the_override_reasons_table_is_the_code_system() -> None:
    for code, display in cards.OVERRIDE_REASONS:
        assert f"| `{code}` | {display} |" in PAGE
    assert cards.OVERRIDE_SYSTEM in PAGE


def test_the_audit_log_heading_is_there_and_the_readme_links_the_page() -> None:
    assert "\n## The audit log\n" in PAGE
    assert "docs/cds-hooks.md" in (REPO / "README.md").read_text(encoding="utf-8")


def test_the_dockerfile_runs_the_service_as_a_non_root_user() -> None:
    lines = (REPO / "Dockerfile").read_text(encoding="utf-8").splitlines()
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users == ["blinacheck"]
    assert any("pip install" in line and "'.[serve]'" in line for line in lines)
    assert lines[-1] == 'CMD ["blinacheck", "serve", "--host", "0.0.0.0", "--port", "8080"]'
    # the user is set before the command runs, after everything is installed
    assert lines.index("USER blinacheck") > max(
        i for i, line in enumerate(lines) if line.startswith("RUN ")
    )
