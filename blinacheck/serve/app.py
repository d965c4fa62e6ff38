"""The FastAPI application: ``create_app(config)`` (docs/cds-hooks.md).

Routes: ``GET /cds-services`` (discovery), ``POST /cds-services/{id}`` (a hook call: cards),
``POST /cds-services/{id}/feedback``, ``GET /rules/{id}`` (a rule's explanation, the cards'
default ``source.url``) and ``GET /healthz``. The lint settings are ``lint``'s, loaded once at
start and again on SIGHUP or when a rule or configuration file changes (rules.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import os
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..report.sarif import rule_uri
from ..results.findings import OWN_CHECKS
from . import discovery, hooks, logs, page, prefetch
from .audit import AuditLogError, IssuedCard, open_audit_log
from .config import ENVIRONMENT, ConfigError, ServeConfig
from .errors import ServiceError
from .feedback import read_feedback
from .rules import Rules
from .tokens import TokenError, Verifier

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def error(status: int, message: str) -> JSONResponse:
    """Every error the service answers: ``{"error": message}`` with its status."""
    return JSONResponse({"error": message}, status_code=status)


def create_app(config: ServeConfig) -> FastAPI:
    """The service for ``config``. Raises ``ConfigError`` if the rules or configuration are
    invalid at start (a reload that fails later keeps the rules it had, and logs why)."""
    rules = Rules(config)
    try:
        audit_log = open_audit_log(config.audit_database)
    except AuditLogError as exc:
        raise ConfigError(str(exc)) from None

    def first_use(issuer: str, jti: str, expires: float) -> bool:
        try:
            return audit_log.first_use(issuer, jti, expires)
        except AuditLogError as exc:
            logs.event("audit-failed", logging.ERROR, error=type(exc).__name__)
            raise TokenError("the token's jti cannot be checked against the audit log") from None

    verifier = Verifier(config.trusted_issuers, config.fetch_timeout_seconds, first_use)

    def base_url(request: Request) -> str:
        return config.public_url or str(request.base_url).rstrip("/")

    async def authorize(request: Request, *also: str) -> None:
        """Without trusted issuers (loopback only) every request is let in; with them, a
        valid bearer token whose aud is the endpoint called (tokens.py)."""
        if not config.authenticated:
            return
        called = base_url(request) + request.url.path
        audiences = [called, *(base_url(request) + path for path in also)]
        try:
            await asyncio.to_thread(
                verifier.verify, request.headers.get("authorization"), audiences
            )
        except TokenError as exc:
            request.state.log = {"reason": str(exc)}
            raise ServiceError(401, f"unauthorized: {exc}") from None

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        watcher = asyncio.create_task(rules.watch())
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGHUP, rules.reload_soon)
        try:
            yield
        finally:
            watcher.cancel()
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signal.SIGHUP)
            audit_log.close()

    app = FastAPI(
        title="blinacheck CDS Hooks service",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.rules = rules

    @app.exception_handler(ServiceError)
    async def _refused(request: Request, exc: ServiceError) -> JSONResponse:
        answer = error(exc.status, exc.message)
        if exc.status == 401:
            answer.headers["WWW-Authenticate"] = "Bearer"
        return answer

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {404: "no such resource", 405: "method not allowed"}
        return error(exc.status_code, messages.get(exc.status_code, str(exc.detail)))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error(400, "the request is not valid")

    @app.get("/healthz")
    def healthz() -> dict[str, object]:
        return {"status": "ok", "version": __version__, "rules": len(rules.settings.ruleset.rules)}

    @app.get("/cds-services")
    def services() -> dict[str, object]:
        return discovery.document()

    @app.get("/rules/{rule_id}", response_class=PlainTextResponse)
    def explain(rule_id: str) -> str:
        found = {r.id: r for r in rules.settings.ruleset.rules}.get(rule_id)
        if found is not None:
            from ..commands.explain import explain_text

            return explain_text(found)
        if rule_id in OWN_CHECKS:
            own = OWN_CHECKS[rule_id]
            return f"{rule_id}: {own.title}\n\n{own.description}\n"
        raise ServiceError(404, "no such rule")

    @app.post("/cds-services/{service_id}")
    async def hook(service_id: str, request: Request) -> JSONResponse:
        service = discovery.SERVICES.get(service_id)
        if service is None:
            raise ServiceError(404, "no such service")
        await authorize(request)
        call = hooks.read_request(hooks.parse_json(await request.body()), service)
        call.prefetch = await prefetch.complete(call, config)
        base = base_url(request)

        def source_url(rule_id: str) -> str:
            if config.docs_url:
                return rule_uri(config.docs_url, rule_id)
            return f"{base}/rules/{rule_id}"

        answered = await asyncio.to_thread(hooks.answer, call, rules.settings, source_url)
        request.state.log = {
            "rules": sorted({rule for _uuid, rule, _indicator, _summary in answered.issued}),
            "cards": len(answered.cards),
            "findings": answered.findings,
        }
        issued_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        issued = [IssuedCard(*card, issued_at) for card in answered.issued]
        try:
            await asyncio.to_thread(audit_log.record_cards, service.id, issued)
        except AuditLogError as exc:
            # The cards still go out: a clinician is better served by an unrecorded card
            # than by none. Feedback on them is stored as about an unknown card.
            logs.event("audit-failed", logging.ERROR, error=type(exc).__name__)
        return JSONResponse({"cards": answered.cards})

    @app.post("/cds-services/{service_id}/feedback")
    async def feedback(service_id: str, request: Request) -> JSONResponse:
        service = discovery.SERVICES.get(service_id)
        if service is None:
            raise ServiceError(404, "no such service")
        # aud: the feedback endpoint called, or the service's own URL (clients differ).
        await authorize(request, f"/cds-services/{service.id}")
        entries = read_feedback(hooks.parse_json(await request.body()))
        try:
            await asyncio.to_thread(audit_log.record_feedback, service.id, entries)
        except AuditLogError as exc:
            logs.event("audit-failed", logging.ERROR, error=type(exc).__name__)
            raise ServiceError(
                503, "the audit log cannot be written; send the feedback again"
            ) from None
        request.state.log = {"count": len(entries)}
        return JSONResponse({})

    app.include_router(page.router)  # GET /, POST /report: the pharmacists' page (page.py)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return error(500, "internal error")

    if config.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(LimitBody, max_bytes=config.max_body_bytes)
    app.add_middleware(LogRequests)  # the last added is the outermost
    return app


def _route(path: str) -> str:
    """The route template of a path, for the logs (never the raw path: it is the client's)."""
    parts = path.strip("/").split("/")
    if path in ("/", "/report", "/healthz", "/cds-services"):
        return path
    if parts[0] == "cds-services" and len(parts) in (2, 3):
        known = parts[1] in discovery.SERVICES
        service = "{id}" if known else "{unknown}"
        return f"/cds-services/{service}" + ("/feedback" if len(parts) == 3 else "")
    if parts[0] == "rules" and len(parts) == 2:
        return "/rules/{id}"
    return "{other}"


class LimitBody:
    """Bodies over ``max_bytes`` get 413: a Content-Length over the limit before anything is
    read, and a body sent without one (chunked) as soon as the bytes counted pass it. The
    body is read here and handed on whole, so no endpoint sees more than the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = f"the request body is larger than {self.max_bytes} bytes"
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                if not value.isdigit():
                    await error(400, "Content-Length is not a number")(scope, receive, send)
                    return
                if int(value) > self.max_bytes:
                    await error(413, too_large)(scope, receive, send)
                    return
        chunks = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await error(413, too_large)(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class LogRequests:
    """One log line per request: method, route template, service, status, duration, and
    what the endpoint put in the request's state under ``log`` (rule ids, counts)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            path = str(scope.get("path", ""))
            parts = path.strip("/").split("/")
            fields: dict[str, Any] = {
                "method": str(scope.get("method", ""))[:10],
                "route": _route(path),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            }
            if len(parts) >= 2 and parts[0] == "cds-services" and parts[1] in discovery.SERVICES:
                fields["service"] = parts[1]
            state = scope.get("state")
            extra = state.get("log") if isinstance(state, dict) else None
            if isinstance(extra, dict):
                fields.update(extra)
            logs.event("request", logging.WARNING if status >= 400 else logging.INFO, **fields)


def from_environment() -> FastAPI:
    """The application of one worker process: the configuration comes from the environment
    (``blinacheck serve --workers N`` sets it); uvicorn calls this (``factory=True``)."""
    logs.configure()
    return create_app(ServeConfig.from_environment(os.environ[ENVIRONMENT]))
