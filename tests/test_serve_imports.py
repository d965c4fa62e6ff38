"""``blinacheck lint`` never loads the service or its libraries (issue 13): FastAPI, uvicorn,
httpx and PyJWT are the ``[serve]`` extra's and load only when ``blinacheck serve`` starts."""

from __future__ import annotations

from .conftest import EXAMPLES
from .loaded_modules import loaded_by


def _loaded(*args: str) -> list[str]:
    return loaded_by(
        *args,
        packages=("fastapi", "starlette", "uvicorn", "httpx", "jwt", "cryptography"),
        prefixes=("blinacheck.serve",),
    )


def test_lint_imports_nothing_of_the_service() -> None:
    assert _loaded("lint", str(EXAMPLES / "child-it-day-1.yaml")) == []


def test_the_command_list_imports_nothing_of_the_service() -> None:
    assert _loaded("--help") == []


def test_serve_help_loads_only_its_command() -> None:
    assert _loaded("serve", "--help") == ["blinacheck.serve", "blinacheck.serve.command"]
