"""A token replayed to another instance of the service is refused there too (CDS Hooks 2.0:
jti "used to protect against replay attacks"): instances that share one audit log share the
jti record. Two real `blinacheck serve` processes on one SQLite log, one public URL."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from .serve_server import hook_request, running
from .test_serve_tokens import _jwk

ISSUER = "https://ehr.example.org"
PUBLIC = "https://cds.example.org"
SIGN = "/cds-services/blinacheck-order-sign"
KEY = ec.generate_private_key(ec.SECP384R1())


def _token() -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": PUBLIC + SIGN,
        "exp": now + 300,
        "iat": now,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, KEY, algorithm="ES384", headers={"kid": "ec-1"})


def _post(url: str, token: str) -> httpx.Response:
    return httpx.post(
        url + SIGN,
        json=hook_request("order-sign-child-it-day-1.json"),
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )


def test_a_token_replayed_to_another_instance_is_refused(tmp_path: Path) -> None:
    (tmp_path / "ehr-jwks.json").write_text(json.dumps({"keys": [_jwk(KEY, "ec-1", "ES384")]}))
    (tmp_path / "blinacheck.toml").write_text(
        "[serve]\n"
        f'public-url = "{PUBLIC}"\n'
        'audit-database = "sqlite:///shared-audit.db"\n'
        "[[serve.trusted-issuers]]\n"
        f'iss = "{ISSUER}"\n'
        'jwks-file = "ehr-jwks.json"\n'
    )
    with running(cwd=tmp_path) as first, running(cwd=tmp_path) as second:
        token = _token()
        assert _post(first.url, token).status_code == 200
        replayed = _post(second.url, token)
        assert replayed.status_code == 401, replayed.text
        assert replayed.json() == {"error": "unauthorized: jti already used (a replayed token)"}
        fresh = _token()
        assert _post(second.url, fresh).status_code == 200
        assert _post(first.url, fresh).status_code == 401
