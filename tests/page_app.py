"""A FastAPI app that serves the web page's router alone, as blinacheck serve mounts it, for
tests/test_serve_page.py: ``uvicorn tests.page_app:create --factory``."""

from __future__ import annotations

import os
from types import SimpleNamespace

from fastapi import FastAPI

from blinacheck import api
from blinacheck.serve.page import router


def create() -> FastAPI:
    app = FastAPI()
    limit = int(os.environ.get("BLINACHECK_TEST_MAX_BODY", str(4 * 1024 * 1024)))
    app.state.config = SimpleNamespace(max_body_bytes=limit)
    app.state.rules = SimpleNamespace(settings=api.load_settings(isolated=True))
    app.include_router(router)
    return app
