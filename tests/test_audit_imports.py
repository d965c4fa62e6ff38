"""A plain lint loads none of the service's code (issue 13), and an export of a SQLite audit
log needs neither FastAPI nor psycopg: the pre-commit hook starts no slower, and a pharmacy
can export on a machine without the [serve] extra's web stack."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from blinacheck.serve.audit import open_audit_log

from .conftest import EXAMPLES

_PROBE = textwrap.dedent(
    """
    import json, sys
    from blinacheck.cli import main
    try:
        main(sys.argv[1:], standalone_mode=False)
    except SystemExit:
        pass
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in
        ("psycopg", "fastapi", "starlette", "uvicorn", "httpx", "jwt")
        or m.startswith("blinacheck.serve"))
    print(json.dumps(loaded), file=sys.stderr)
    """
)


def _loaded(*args: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, timeout=60
    )
    loaded: list[str] = json.loads(result.stderr.strip().splitlines()[-1])
    return loaded


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
