"""PostgreSQL for the audit-log tests: the server .ci/run started, or one started here.

``BLINACHECK_TEST_POSTGRES`` names a server whose user may create databases (.ci/run starts
one with .ci/postgres and sets it). Without it, under CI, the tests fail; elsewhere they start
their own throwaway cluster with .ci/postgres (PostgreSQL's pg_ctl must be installed) and fail,
saying how to run them, when that is not possible. They never pass without PostgreSQL.
Each test gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from .conftest import REPO

HOW = (
    "the PostgreSQL tests need a server: set BLINACHECK_TEST_POSTGRES=postgresql://USER@HOST:PORT/DB"
    " (USER may create databases), or install PostgreSQL (Debian: apt-get install postgresql)"
    " so that they start their own with .ci/postgres"
)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    url = os.environ.get("BLINACHECK_TEST_POSTGRES")
    if url:
        yield url
        return
    if os.environ.get("CI") == "true":
        pytest.fail("BLINACHECK_TEST_POSTGRES is unset under CI: .ci/run sets it. " + HOW)
    # Not under pytest's own temporary directory: PostgreSQL may run as another user (root
    # runs it as postgres), who cannot enter that one.
    directory = tempfile.mkdtemp(prefix="blinacheck-pg-")
    started = subprocess.run(
        ["bash", str(REPO / ".ci" / "postgres"), "start", directory],
        capture_output=True,
        text=True,
        timeout=120,
        # Should this run be killed before its teardown, the server stops all the same.
        env={**os.environ, "BLINACHECK_PG_OWNER": str(os.getpid())},
    )
    if started.returncode != 0:
        shutil.rmtree(directory, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {started.stderr.strip()}\n{HOW}")
    try:
        yield started.stdout.strip()
    finally:
        subprocess.run(
            ["bash", str(REPO / ".ci" / "postgres"), "stop", directory],
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(directory, ignore_errors=True)


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """The URL of a new, empty database on the test server."""
    import psycopg
    from psycopg import sql

    name = f"blinacheck_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_database(postgres_server, name)
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
