"""The service's configuration: the command line, then the ``[serve]`` table of the project
configuration (blinacheck.toml or ``[tool.blinacheck.serve]``), found as ``lint`` finds it.

The lint settings themselves (rules, select, ignore, severities, params) are ``lint``'s and are
loaded by the app (``api.load_settings``); this module reads only what is the service's own.
Reference: docs/cds-hooks.md, "Configuration".
"""

from __future__ import annotations

import ipaddress
import json
import os
from dataclasses import asdict, dataclass, replace
from typing import Any

from ..policy import config as lint_config
from ..policy.config import ConfigError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_AUDIT_DATABASE = "sqlite:///blinacheck-audit.db"
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024  # the size limit of a plan file (read/source.py)
# Where the service runs with several workers, each worker rebuilds its configuration from the
# command line's options, passed in this environment variable (JSON).
ENVIRONMENT = "BLINACHECK_SERVE_OPTIONS"


@dataclass(frozen=True)
class TrustedIssuer:
    """A CDS client whose tokens are accepted: its ``iss``, and where its public keys are."""

    iss: str
    jwks_file: str | None = None  # a JWK Set, read at start and on reload
    jku: tuple[str, ...] = ()  # JWK Set URLs a token's ``jku`` header may name


@dataclass(frozen=True)
class ServeConfig:
    """Everything ``create_app`` needs. Paths are absolute or relative to ``cwd``."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    workers: int = 1
    config: str | None = None  # --config: the lint configuration file (else found from cwd)
    isolated: bool = False
    cwd: str | None = None
    docs_url: str | None = None  # where docs/ is published; else the service's own /rules/ID
    public_url: str | None = None  # the base URL the EHR calls (the tokens' aud); else the URL
    trusted_issuers: tuple[TrustedIssuer, ...] = ()
    fhir_servers: tuple[str, ...] = ()  # FHIR servers prefetch may be fetched from
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    cors_origins: tuple[str, ...] = ()
    audit_database: str = DEFAULT_AUDIT_DATABASE
    fetch_timeout_seconds: float = 5.0
    fetch_max_bytes: int = DEFAULT_MAX_BODY_BYTES
    reload_interval_seconds: float = 1.0  # how often rule and config files are looked at

    @property
    def authenticated(self) -> bool:
        return bool(self.trusted_issuers)

    def to_environment(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_environment(cls, text: str) -> ServeConfig:
        data = json.loads(text)
        data["trusted_issuers"] = tuple(
            TrustedIssuer(i["iss"], i["jwks_file"], tuple(i["jku"]))
            for i in data["trusted_issuers"]
        )
        for key in ("fhir_servers", "cors_origins"):
            data[key] = tuple(data[key])
        return cls(**data)


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (an address, or ``localhost``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


_KEYS = {
    "docs-url": "a web address",
    "public-url": "a web address",
    "trusted-issuers": "a list of tables",
    "fhir-servers": "a list of web addresses",
    "max-body-bytes": "a positive integer",
    "cors-origins": "a list of origins",
    "audit-database": "a database URL",
    "fetch-timeout-seconds": "a positive number",
    "fetch-max-bytes": "a positive integer",
}


def load(base: ServeConfig) -> ServeConfig:
    """``base`` (from the command line) completed by the ``[serve]`` table of the lint
    configuration it names or finds. Raises :class:`ConfigError` with file, line and key."""
    cli = lint_config.CommandLine(config=base.config, isolated=base.isolated)
    found, _notes = lint_config.locate(cli, base.cwd)
    if found is None:
        return base
    table = found.data.get("serve", {})
    if not isinstance(table, dict):
        raise found.error(("serve",), "must be a table")
    for key in table:
        if key not in _KEYS:
            raise found.error(("serve", key), f"unknown key; the keys are: {', '.join(_KEYS)}")

    def text(key: str) -> str | None:
        value = table.get(key)
        if value is not None and not (isinstance(value, str) and _web(value)):
            raise found.error(("serve", key), f"must be {_KEYS[key]} (http or https)")
        return value.rstrip("/") if value else None

    def strings(key: str, check: Any = None) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise found.error(("serve", key), f'must be {_KEYS[key]}, e.g. ["https://..."]')
        for index, item in enumerate(value):
            if check is not None and not check(item):
                raise found.error(("serve", key, index), f"must be {_KEYS[key]}: {item!r}")
        return tuple(v.rstrip("/") for v in value)

    def number(key: str, default: float, kind: type) -> Any:
        value: Any = table.get(key, default)
        allowed = (int, float) if kind is float else (int,)
        if isinstance(value, bool) or not isinstance(value, allowed) or not value > 0:
            raise found.error(("serve", key), f"must be {_KEYS[key]}")
        return kind(value)

    audit = table.get("audit-database", base.audit_database)
    if not isinstance(audit, str) or not audit.startswith(("sqlite:///", "postgresql://")):
        raise found.error(
            ("serve", "audit-database"), 'must be "sqlite:///PATH" or "postgresql://..."'
        )
    if audit.startswith("sqlite:///") and not os.path.isabs(audit.removeprefix("sqlite:///")):
        audit = "sqlite:///" + os.path.join(found.directory, audit.removeprefix("sqlite:///"))
    return replace(
        base,
        docs_url=text("docs-url"),
        public_url=text("public-url"),
        trusted_issuers=_issuers(found, table.get("trusted-issuers", [])),
        fhir_servers=strings("fhir-servers", _web),
        max_body_bytes=number("max-body-bytes", base.max_body_bytes, int),
        cors_origins=strings("cors-origins", _web),
        audit_database=audit,
        fetch_timeout_seconds=number("fetch-timeout-seconds", base.fetch_timeout_seconds, float),
        fetch_max_bytes=number("fetch-max-bytes", base.fetch_max_bytes, int),
    )


def _issuers(found: lint_config.ConfigFile, value: Any) -> tuple[TrustedIssuer, ...]:
    key: tuple[str | int, ...] = ("serve", "trusted-issuers")
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise found.error(key, 'must be a list of tables: [[serve.trusted-issuers]] iss = "..."')
    issuers = []
    for index, entry in enumerate(value):
        at = (*key, index)
        unknown = set(entry) - {"iss", "jwks-file", "jku"}
        if unknown:
            raise found.error(at, f"unknown key {sorted(unknown)[0]!r}; use iss, jwks-file, jku")
        iss = entry.get("iss")
        if not isinstance(iss, str) or not iss:
            raise found.error(at, "iss must be the issuer's identifier (a string)")
        jwks = entry.get("jwks-file")
        jku = entry.get("jku", [])
        if jwks is not None and not isinstance(jwks, str):
            raise found.error(at, "jwks-file must be a path (a string)")
        if not isinstance(jku, list) or not all(isinstance(u, str) and _web(u) for u in jku):
            raise found.error(at, "jku must be a list of https addresses of JWK Sets")
        if jwks is None and not jku:
            raise found.error(at, f"issuer {iss!r} needs a jwks-file or a jku allow-list")
        path = os.path.join(found.directory, jwks) if jwks else None
        if path is not None and not os.path.isfile(path):
            raise found.error(at, f"jwks-file {jwks!r}: no such file")
        issuers.append(TrustedIssuer(iss, path, tuple(jku)))
    return tuple(issuers)


def _web(value: str) -> bool:
    scheme, _, rest = value.partition("://")
    return scheme in ("http", "https") and bool(rest) and not any(c.isspace() for c in value)


__all__ = ["ConfigError", "ServeConfig", "TrustedIssuer", "is_loopback", "load"]
