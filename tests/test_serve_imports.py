"""``blinacheck lint`` never loads the service or its libraries (issue 13): FastAPI, uvicorn,
httpx and PyJWT are the ``[serve]`` extra's and load only when ``blinacheck serve`` starts."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

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
        ("fastapi", "starlette", "uvicorn", "httpx", "jwt", "cryptography")
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


def test_lint_imports_nothing_of_the_service() -> None:
    assert _loaded("lint", str(EXAMPLES / "child-it-day-1.yaml")) == []


def test_the_command_list_imports_nothing_of_the_service() -> None:
    assert _loaded("--help") == []


def test_serve_help_loads_only_its_command() -> None:
    assert _loaded("serve", "--help") == ["blinacheck.serve", "blinacheck.serve.command"]
