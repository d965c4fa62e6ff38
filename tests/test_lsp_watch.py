"""The language server asks a client that allows it to watch the configuration and rule files,
and a change to one of them reloads the settings (docs/editor.md, "Watching")."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from .test_lsp import UNITS_PLAN, _codes, _open, _until

REGISTERED: list[types.Registration] = []


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "blinacheck", "lsp"]),
)
async def watching_client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        REGISTERED.extend(params.registrations)

    capabilities = types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=True
            )
        )
    )
    await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities))
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio(loop_scope="module")
async def test_the_server_registers_its_watchers_and_reloads_on_a_change(
    watching_client: LanguageClient, tmp_path: Path
) -> None:
    client = watching_client
    path = tmp_path / "plan.yaml"
    assert "ambiguous-unit" in _codes(await _open(client, path, UNITS_PLAN))
    for _ in range(100):  # the registration follows 'initialized' asynchronously
        if REGISTERED:
            break
        await asyncio.sleep(0.05)
    (registration,) = REGISTERED
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    options = registration.register_options
    assert isinstance(options, dict)
    assert [w["globPattern"] for w in options["watchers"]] == [
        "**/blinacheck.toml",
        "**/pyproject.toml",
        "**/*.{yaml,yml}",
    ]
    config = tmp_path / "blinacheck.toml"
    config.write_text('ignore = ["ambiguous-unit"]\n', encoding="utf-8")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    await _until(client, path.as_uri(), lambda found: "ambiguous-unit" not in _codes(found))
