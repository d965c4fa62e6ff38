"""Verifying the EHR's bearer JWT (CDS Hooks 2.0, "Trusting CDS Clients").

A token is accepted only if all of this holds:

- its header names an asymmetric algorithm (RS256/384/512, PS256/384/512, ES256/384/512;
  never ``none``, never an HMAC one, whatever the key);
- its ``iss`` is a configured trusted issuer;
- it is signed by a key of that issuer's JWK Set: the ``jwks-file``, or the set at the
  header's ``jku`` if that URL is on the issuer's ``jku`` allow-list (any other ``jku`` is
  refused, never fetched); the key is chosen by ``kid`` (a set with one key needs none) and
  must be an RSA or EC key of the algorithm's family;
- ``aud`` is the URL of the endpoint called (``public-url`` + path, else the URL requested);
- ``exp``, ``iat`` and ``jti`` are present and it has not expired (30 s leeway for clocks);
- its ``jti`` has not been seen from that issuer before it expires: by this process (an
  in-memory cache, bounded: when full, the entries expiring soonest go first), nor by any
  other worker or instance sharing the audit log (``replay_store``: the log's
  ``first_use``, which records each accepted jti until it expires).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import jwt

from .config import ConfigError, TrustedIssuer

RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
EC_ALGORITHMS = frozenset({"ES256", "ES384", "ES512"})
ALGORITHMS = RSA_ALGORITHMS | EC_ALGORITHMS
REQUIRED_CLAIMS = ("iss", "aud", "exp", "iat", "jti")
LEEWAY_SECONDS = 30
MAX_SEEN = 100_000
JKU_CACHE_SECONDS = 300
MAX_JWKS_BYTES = 256 * 1024


class TokenError(Exception):
    """Why a token is refused (answered with 401; the reason is the service's own words)."""


# (issuer, jti, exp) -> True the first time, False for a jti recorded before; raises
# TokenError when it cannot tell (the token is then refused: replay protection fails closed).
ReplayStore = Callable[[str, str, float], bool]


class Verifier:
    def __init__(
        self,
        issuers: Sequence[TrustedIssuer],
        timeout: float = 5.0,
        replay_store: ReplayStore | None = None,
    ) -> None:
        self.issuers = {i.iss: i for i in issuers}
        self.timeout = timeout
        self.replay_store = replay_store
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], float] = {}
        self._files: dict[str, tuple[tuple[int, int], list[dict[str, Any]]]] = {}
        self._remote: dict[str, tuple[float, list[dict[str, Any]]]] = {}
        for issuer in issuers:
            if issuer.jwks_file:
                try:
                    self._file_keys(issuer.jwks_file)
                except TokenError as exc:
                    raise ConfigError(f"trusted issuer {issuer.iss!r}: {exc}") from None

    def verify(self, authorization: str | None, audiences: Sequence[str]) -> dict[str, Any]:
        """The token's claims, or :class:`TokenError`."""
        if not authorization:
            raise TokenError("no bearer token")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise TokenError("the Authorization header is not 'Bearer <token>'")
        token = token.strip()
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise TokenError("not a JWT") from None
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise TokenError("algorithm not allowed (RS*, PS* or ES* only)")
        iss = unverified.get("iss")
        issuer = self.issuers.get(iss) if isinstance(iss, str) else None
        if issuer is None:
            raise TokenError("issuer not trusted")
        key = self._key(issuer, header, alg)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=list(audiences),
                issuer=issuer.iss,
                leeway=LEEWAY_SECONDS,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.ExpiredSignatureError:
            raise TokenError("token expired") from None
        except jwt.InvalidAudienceError:
            raise TokenError("aud is not this service's URL") from None
        except jwt.InvalidSignatureError:
            raise TokenError("signature does not verify") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenError(f"claim {exc.claim} missing") from None
        except jwt.PyJWTError:
            raise TokenError("token not valid") from None
        self._not_replayed(issuer.iss, claims)
        return claims

    def _not_replayed(self, iss: str, claims: dict[str, Any]) -> None:
        jti, exp = claims.get("jti"), claims.get("exp")
        if not isinstance(jti, str) or not jti or not isinstance(exp, int | float):
            raise TokenError("jti must be a string")
        now = time.time()
        with self._lock:
            if (iss, jti) in self._seen:
                raise TokenError("jti already used (a replayed token)")
            if len(self._seen) >= MAX_SEEN:
                for seen, until in list(self._seen.items()):
                    if until + LEEWAY_SECONDS < now:
                        del self._seen[seen]
            while len(self._seen) >= MAX_SEEN:
                del self._seen[min(self._seen, key=self._seen.__getitem__)]
            self._seen[(iss, jti)] = float(exp)
        if self.replay_store is not None and not self.replay_store(iss, jti, float(exp)):
            raise TokenError("jti already used (a replayed token)")

    def _key(self, issuer: TrustedIssuer, header: dict[str, Any], alg: str) -> Any:
        jku = header.get("jku")
        if jku is not None:
            if not isinstance(jku, str) or jku.rstrip("/") not in issuer.jku:
                raise TokenError("jku not on the issuer's allow-list")
            keys = self._remote_keys(jku.rstrip("/"))
        elif issuer.jwks_file:
            keys = self._file_keys(issuer.jwks_file)
        else:
            raise TokenError("the issuer's keys are given by jku, and the token has none")
        kid = header.get("kid")
        chosen = [k for k in keys if kid is None or k.get("kid") == kid]
        if kid is None and len(keys) != 1:
            raise TokenError("kid missing (the issuer has several keys)")
        if not chosen:
            raise TokenError("no key of the issuer has this kid")
        data = chosen[0]
        family = "RSA" if alg in RSA_ALGORITHMS else "EC"
        if data.get("kty") != family:
            raise TokenError(f"the key is not an {family} key, as {alg} needs")
        try:
            return jwt.PyJWK(data, algorithm=alg).key
        except jwt.PyJWTError:
            raise TokenError("the issuer's key cannot be used") from None

    def _file_keys(self, path: str) -> list[dict[str, Any]]:
        try:
            info = os.stat(path)
        except OSError as exc:
            raise TokenError(f"cannot read the JWK Set {path}: {exc.strerror}") from None
        stamp = (info.st_mtime_ns, info.st_size)
        cached = self._files.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            with open(path, "rb") as handle:
                raw = handle.read(MAX_JWKS_BYTES + 1)
        except OSError as exc:
            raise TokenError(f"cannot read the JWK Set {path}: {exc.strerror}") from None
        keys = _keys_of(raw)
        self._files[path] = (stamp, keys)
        return keys

    def _remote_keys(self, url: str) -> list[dict[str, Any]]:
        cached = self._remote.get(url)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            with (
                httpx.Client(timeout=self.timeout, follow_redirects=False) as client,
                client.stream("GET", url) as response,
            ):
                if response.status_code != 200:
                    raise TokenError(f"the JWK Set at jku answered {response.status_code}")
                raw = b""
                for chunk in response.iter_bytes():
                    raw += chunk
                    if len(raw) > MAX_JWKS_BYTES:
                        raise TokenError("the JWK Set at jku is too large")
        except httpx.HTTPError:
            raise TokenError("the JWK Set at jku cannot be fetched") from None
        keys = _keys_of(raw)
        self._remote[url] = (time.monotonic() + JKU_CACHE_SECONDS, keys)
        return keys


def _keys_of(raw: bytes) -> list[dict[str, Any]]:
    if len(raw) > MAX_JWKS_BYTES:
        raise TokenError("the JWK Set is too large")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise TokenError("the JWK Set is not JSON") from None
    keys = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(keys, list) or not all(isinstance(k, dict) for k in keys):
        raise TokenError('the JWK Set has no "keys" list')
    return keys
