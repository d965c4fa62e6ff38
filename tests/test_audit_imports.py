"""A plain lint loads none of the service's code (issue 13), and an export of a SQLite audit
log needs neither FastAPI nor psycopg: the pre-commit hook starts no slower, and a pharmacy
can export on a machine without the [serve] extra's web stack."""

from __future__ import annotations

from pathlib import Path

from blinacheck.serve.audit import open_audit_log

from .conftest import EXAMPLES
from .loaded_modules import loaded_by


def _loaded(*args: str) -> list[str]:
    return loaded_by(
        *args,
        packages=("psycopg", "fastapi", "starlette", "uvicorn", "httpx", "jwt"),
        prefixes=("blinacheck.serve",),
    )


def test_lint_imports_no_service_code() -> None:
    assert _loaded("lint", str(EXAMPLES / "adult-rr-cycles-1-2.yaml")) == []


def test_a_sqlite_export_imports_no_web_stack_and_no_psycopg(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    open_audit_log(url).close()
    assert _loaded("audit", "export", "--database", url) == [
        "blinacheck.serve",
        "blinacheck.serve.audit",
        "blinacheck.serve.audit_command",
    ]
