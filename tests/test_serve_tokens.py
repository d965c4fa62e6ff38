"""The EHR's bearer JWT, over real HTTP (CDS Hooks 2.0, "Trusting CDS Clients"): a good token
is accepted; a forged signature, an expired token, a wrong audience, a replayed jti, an
unsigned token (alg none), an HMAC token, a missing token, an unknown issuer and a jku off the
allow-list are all refused with 401. Keys are made in the test."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from blinacheck.serve.config import ServeConfig, TrustedIssuer
from blinacheck.serve.server import check

from .serve_server import JsonServer, Server, hook_request, running

ISSUER = "https://ehr.example.org"
SIGN = "/cds-services/blinacheck-order-sign"
EC_KEY = ec.generate_private_key(ec.SECP384R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_EC_KEY = ec.generate_private_key(ec.SECP384R1())
JKU_KEY = ec.generate_private_key(ec.SECP384R1())


def _jwk(key: Any, kid: str, alg: str) -> dict[str, Any]:
    public = key.public_key()
    algorithm = jwt.algorithms.ECAlgorithm if alg.startswith("ES") else jwt.algorithms.RSAAlgorithm
    data: dict[str, Any] = json.loads(algorithm.to_jwk(public))
    data.update({"kid": kid, "alg": alg, "use": "sig"})
    return data


class JwksServer(JsonServer):
    """A loopback server of one JWK Set, the issuer's jku."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        super().__init__({"/jwks.json": jwks})
        self.url = self.base + "/jwks.json"

    @property
    def requests(self) -> int:
        return len(self.seen)


@pytest.fixture(scope="module")
def jwks_server() -> Iterator[JwksServer]:
    served = JwksServer({"keys": [_jwk(JKU_KEY, "jku-1", "ES384")]})
    yield served
    served.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, jwks_server: JwksServer) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("serve-jwt")
    jwks = {"keys": [_jwk(EC_KEY, "ec-1", "ES384"), _jwk(RSA_KEY, "rsa-1", "RS384")]}
    (folder / "ehr-jwks.json").write_text(json.dumps(jwks))
    (folder / "blinacheck.toml").write_text(
        "[[serve.trusted-issuers]]\n"
        f'iss = "{ISSUER}"\n'
        'jwks-file = "ehr-jwks.json"\n'
        f'jku = ["https://ehr.example.org/.well-known/jwks.json", "{jwks_server.url}"]\n'
    )
    with running(cwd=folder) as running_server:
        yield running_server


def claims(server: Server, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    data = {
        "iss": ISSUER,
        "sub": "ehr-client-1",
        "aud": server.url + SIGN,
        "exp": now + 300,
        "iat": now,
        "jti": str(uuid.uuid4()),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def token(payload: dict[str, Any], key: Any = EC_KEY, alg: str = "ES384", **header: Any) -> str:
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": "ec-1", **header})


def post(server: Server, bearer: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer is not None else {}
    return httpx.post(
        server.url + SIGN, json=hook_request("order-sign-child-it-day-1.json"), headers=headers
    )


def refused(answer: httpx.Response, reason: str) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.json() == {"error": f"unauthorized: {reason}"}
    assert answer.headers["www-authenticate"] == "Bearer"


def test_a_good_es384_token_is_accepted(server: Server) -> None:
    answer = post(server, token(claims(server)))
    assert answer.status_code == 200
    assert len(answer.json()["cards"]) == 1


def test_a_good_rs384_token_is_accepted(server: Server) -> None:
    answer = post(server, token(claims(server), RSA_KEY, "RS384", kid="rsa-1"))
    assert answer.status_code == 200


def test_a_forged_signature_is_refused(server: Server) -> None:
    refused(post(server, token(claims(server), OTHER_EC_KEY)), "signature does not verify")


def test_a_tampered_payload_is_refused(server: Server) -> None:
    head, _payload, signature = token(claims(server)).split(".")
    other = token(claims(server, sub="someone-else")).split(".")[1]
    refused(post(server, f"{head}.{other}.{signature}"), "signature does not verify")


def test_an_expired_token_is_refused(server: Server) -> None:
    old = int(time.time()) - 3600
    refused(post(server, token(claims(server, exp=old, iat=old - 300))), "token expired")


def test_a_wrong_audience_is_refused(server: Server) -> None:
    wrong = claims(server, aud=server.url + "/cds-services/blinacheck-order-select")
    refused(post(server, token(wrong)), "aud is not this service's URL")


def test_a_replayed_jti_is_refused(server: Server) -> None:
    once = token(claims(server))
    assert post(server, once).status_code == 200
    refused(post(server, once), "jti already used (a replayed token)")


def test_an_unsigned_token_is_refused(server: Server) -> None:
    unsigned = jwt.encode(claims(server), None, algorithm="none")
    refused(post(server, unsigned), "algorithm not allowed (RS*, PS* or ES* only)")


def test_an_hmac_token_keyed_with_the_public_key_is_refused(server: Server) -> None:
    # The classic confusion attack, signed by hand (PyJWT itself refuses to make it).
    public = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    def part(data: dict[str, Any]) -> bytes:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=")

    signed = part({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}) + b"." + part(claims(server))
    mac = hmac.new(public, signed, hashlib.sha256).digest()
    forged = (signed + b"." + base64.urlsafe_b64encode(mac).rstrip(b"=")).decode()
    refused(post(server, forged), "algorithm not allowed (RS*, PS* or ES* only)")


def test_a_missing_token_is_refused(server: Server) -> None:
    refused(post(server, None), "no bearer token")


def test_garbage_is_refused(server: Server) -> None:
    refused(post(server, "not-a-jwt"), "not a JWT")


def test_an_unknown_issuer_is_refused(server: Server) -> None:
    refused(post(server, token(claims(server, iss="https://evil.example"))), "issuer not trusted")


def test_a_key_from_an_allowed_jku_is_fetched_and_accepted(
    server: Server, jwks_server: JwksServer
) -> None:
    header = {"jku": jwks_server.url, "kid": "jku-1"}
    assert post(server, token(claims(server), JKU_KEY, **header)).status_code == 200
    assert post(server, token(claims(server), JKU_KEY, **header)).status_code == 200
    assert jwks_server.requests == 1  # the set is kept, not fetched for every call
    # a key of the jku set does not sign for the file's kid, nor the other way round
    refused(post(server, token(claims(server), EC_KEY, **header)), "signature does not verify")


def test_feedback_needs_a_token_whose_aud_is_the_feedback_or_the_service_url(
    server: Server,
) -> None:
    feedback = server.url + SIGN + "/feedback"
    body = {"feedback": []}
    for aud in (feedback, server.url + SIGN):
        bearer = token(claims(server, aud=aud))
        answer = httpx.post(feedback, json=body, headers={"Authorization": f"Bearer {bearer}"})
        assert answer.status_code == 200
    refused(httpx.post(feedback, json=body), "no bearer token")
    wrong = token(claims(server, aud=server.url + "/cds-services/blinacheck-order-select"))
    refused(
        httpx.post(feedback, json=body, headers={"Authorization": f"Bearer {wrong}"}),
        "aud is not this service's URL",
    )


def test_a_jku_off_the_allow_list_is_refused(server: Server) -> None:
    header = {"jku": "https://evil.example/jwks.json"}
    refused(post(server, token(claims(server), **header)), "jku not on the issuer's allow-list")


def test_a_token_without_jti_is_refused(server: Server) -> None:
    refused(post(server, token(claims(server, jti=None))), "claim jti missing")


def test_discovery_needs_no_token(server: Server) -> None:
    assert httpx.get(server.url + "/cds-services").status_code == 200


def test_no_token_text_reaches_the_log(server: Server) -> None:
    secret = token(claims(server))
    post(server, secret)
    post(server, secret)
    server.wait_for_log("request", 3)
    text = "\n".join(server.lines)
    assert secret.split(".")[2] not in text and secret.split(".")[1] not in text
    assert not [e for e in server.log() if e.get("event") == "unauthenticated"]


def test_with_trusted_issuers_any_host_may_be_bound(tmp_path: Path) -> None:
    issuer = TrustedIssuer(ISSUER, str(tmp_path / "jwks.json"))
    check(ServeConfig(host="0.0.0.0", trusted_issuers=(issuer,)))  # no error
