"""Running the service under uvicorn: one process, or ``workers`` processes on one socket."""

from __future__ import annotations

import os

import uvicorn

from . import logs
from .app import create_app
from .config import ENVIRONMENT, ConfigError, ServeConfig, is_loopback


def check(config: ServeConfig) -> None:
    """Refuse what would be unsafe: without trusted issuers, only a loopback address."""
    if not config.authenticated and not is_loopback(config.host):
        raise ConfigError(
            f"--host {config.host}: without trusted issuers ([[serve.trusted-issuers]] in the "
            "configuration) the service accepts unauthenticated requests, so it binds to a "
            "loopback address only (127.0.0.1, ::1 or localhost); see docs/cds-hooks.md"
        )


def run(config: ServeConfig) -> None:
    """Serve until interrupted. Raises ConfigError before listening if anything is wrong."""
    check(config)
    logs.configure()
    # Built first, so that an invalid configuration stops the command before it says anything
    # else; with several workers each builds its own from the same options.
    app = create_app(config)
    if not config.authenticated:
        logs.event(
            "unauthenticated",
            host=config.host,
            reason="no trusted issuers configured: requests are not authenticated; "
            "bound to loopback only",
        )
    logs.event("starting", host=config.host, port=config.port, workers=config.workers)
    if config.workers > 1:
        del app
        os.environ[ENVIRONMENT] = config.to_environment()
        uvicorn.run(
            "blinacheck.serve.app:from_environment",
            factory=True,
            host=config.host,
            port=config.port,
            workers=config.workers,
            log_config=logs.UVICORN_LOG_CONFIG,
            access_log=False,
            server_header=False,
        )
        return
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=config.host,
            port=config.port,
            log_config=logs.UVICORN_LOG_CONFIG,
            access_log=False,
            server_header=False,
        )
    )
    server.run()
