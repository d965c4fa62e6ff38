"""`blinacheck lsp`, driven by pytest-lsp as a real client over stdio (docs/editor.md)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from .conftest import REPO, plan_text, run_blinacheck

DOCS = "https://github.com/YOUR-ORG/blinacheck/blob/main/docs"
# Generous: a bound against a hang, not a measure of speed.
ANSWER_WITHIN = 60.0

UNITS_PLAN = plan_text(
    """\
    blinacheck: 1
    title: "Adult 🧪 plan, m² dosing"
    indication: relapsed-refractory
    cycles:
      - cycle: 1
        infusion:
          - {days: 1-7, dose: 9 µg/day}
          - {days: 8-28, dose: 28 mcg/day}
    """
)
# An emoji (two UTF-16 code units) before the misspelt key on its line.
BROKEN_PLAN = plan_text(
    """\
    blinacheck: 1
    indication: relapsed-refractory
    cycles:
      - cycle: 1
        infusion:
          - {days: 1-28, dose: 9 mcg/day}
        interruptions:
          - {day: 12, reason: "pump 🧪 alarm, m² set", hourz: 6}
    """
)


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "blinacheck", "lsp"]),
)
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            initialization_options={"docsUrl": DOCS},
        )
    )
    yield
    await lsp_client.shutdown_session()


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def _open(client: LanguageClient, path: Path, text: str) -> list[types.Diagnostic]:
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text)
        )
    )
    return await _until(client, uri, lambda found: uri in client.diagnostics)


async def _until(
    client: LanguageClient, uri: str, holds: Callable[[list[types.Diagnostic]], bool]
) -> list[types.Diagnostic]:
    """Wait for diagnostics of ``uri`` that satisfy ``holds`` (other files may come first)."""

    async def wait() -> None:
        while not holds(client.diagnostics.get(uri, [])):
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    await asyncio.wait_for(wait(), ANSWER_WITHIN)
    return client.diagnostics[uri]


def _codes(diagnostics: list[types.Diagnostic]) -> list[str]:
    return [str(d.code) for d in diagnostics]


def _by_rule(diagnostics: list[types.Diagnostic], rule: str) -> types.Diagnostic:
    found = [d for d in diagnostics if d.code == rule]
    assert len(found) == 1, [(d.code, d.message) for d in diagnostics]
    return found[0]


@pytest.mark.asyncio(loop_scope="module")
async def test_open_gives_the_findings_with_rule_docs_and_evidence(
    client: LanguageClient, tmp_path: Path
) -> None:
    diagnostics = await _open(client, tmp_path / "plan.yaml", UNITS_PLAN)
    unit = _by_rule(diagnostics, "ambiguous-unit")
    assert unit.severity == types.DiagnosticSeverity.Warning
    assert unit.source == "blinacheck"
    assert unit.code_description is not None
    assert unit.code_description.href == f"{DOCS}/rule-catalogue.md#ambiguous-unit"
    assert unit.related_information and unit.related_information[0].message.startswith("Evidence: ")
    line = UNITS_PLAN.splitlines()[6]
    assert unit.range.start == types.Position(6, _utf16(line[: line.index("dose:")]))
    # The range covers the key it is about, `dose` (its extent is known: Document.end_of, as
    # SARIF's region end), not the rest of the line.
    assert unit.range.end == types.Position(6, _utf16(line[: line.index("dose:") + 4]))


@pytest.mark.asyncio(loop_scope="module")
async def test_a_diagnostic_about_a_block_runs_to_the_end_of_its_line(
    client: LanguageClient, tmp_path: Path
) -> None:
    # hospitalization-missing is about the cycle, a block mapping whose end is not certain.
    diagnostics = await _open(client, tmp_path / "plan.yaml", UNITS_PLAN)
    hospital = _by_rule(diagnostics, "hospitalization-missing")
    line = UNITS_PLAN.splitlines()[4]
    assert hospital.range.start == types.Position(4, _utf16(line[: line.index("cycle")]))
    assert hospital.range.end == types.Position(4, _utf16(line))


@pytest.mark.asyncio(loop_scope="module")
async def test_positions_are_utf16_after_an_emoji_and_the_misspelt_key_is_fixed(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = tmp_path / "broken.yaml"
    diagnostics = await _open(client, path, BROKEN_PLAN)
    typo = next(d for d in diagnostics if "hourz" in d.message)
    line = BROKEN_PLAN.splitlines()[7]
    index = line.index("hourz")
    assert typo.code == "invalid-plan" and typo.severity == types.DiagnosticSeverity.Error
    assert typo.range.start == types.Position(7, _utf16(line[:index]))
    assert _utf16(line[:index]) == index + 1  # the emoji counts twice in UTF-16
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(path.as_uri()),
            range=typo.range,
            context=types.CodeActionContext(diagnostics=[typo]),
        )
    )
    assert actions is not None
    fix = next(a for a in actions if isinstance(a, types.CodeAction) and "hours" in a.title)
    assert fix.title == "Change 'hourz' to 'hours'"
    assert fix.edit is not None and fix.edit.changes is not None
    (edit,) = fix.edit.changes[path.as_uri()]
    assert edit.new_text == "hours"
    assert (edit.range.start.character, edit.range.end.character) == (
        _utf16(line[:index]),
        _utf16(line[: index + 5]),
    )


@pytest.mark.asyncio(loop_scope="module")
async def test_code_actions_fix_the_unit_and_offer_an_override(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = tmp_path / "plan.yaml"
    unit = _by_rule(await _open(client, path, UNITS_PLAN), "ambiguous-unit")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(path.as_uri()),
            range=unit.range,
            context=types.CodeActionContext(diagnostics=[unit]),
        )
    )
    assert actions is not None
    titles = [a.title for a in actions]
    assert titles == ["Override ambiguous-unit with a reason", "Write mcg instead of µg"]
    override, fix = actions
    assert isinstance(override, types.CodeAction) and override.edit and override.edit.changes
    (insert,) = override.edit.changes[path.as_uri()]
    assert insert.new_text == "  # blinacheck: ignore[ambiguous-unit] -- "
    line = UNITS_PLAN.splitlines()[6]
    assert insert.range.start == types.Position(6, _utf16(line))
    assert isinstance(fix, types.CodeAction) and fix.edit and fix.edit.changes
    (edit,) = fix.edit.changes[path.as_uri()]
    assert edit.new_text == "mcg"
    assert edit.range.start.character == line.index("µg")


@pytest.mark.asyncio(loop_scope="module")
async def test_no_override_for_a_rule_that_cannot_be_overridden(
    client: LanguageClient, tmp_path: Path
) -> None:
    # A plan with exactly one dose-above-cap (35 mcg/day, above the 28 mcg/day maximum).
    path = tmp_path / "above-cap.yaml"
    text = (
        "blinacheck: 1\n"
        "indication: mrd-positive\n"
        "patient: {age_years: 40, weight_kg: 80}\n"
        "cycles:\n"
        "  - cycle: 1\n"
        "    infusion:\n"
        "      - {days: 1-28, dose: 35 mcg/day}\n"
    )
    found = await _open(client, path, text)
    assert [d.code for d in found].count("dose-above-cap") == 1
    cap = _by_rule(found, "dose-above-cap")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(path.as_uri()),
            range=cap.range,
            context=types.CodeActionContext(diagnostics=[cap]),
        )
    )
    assert not actions


@pytest.mark.asyncio(loop_scope="module")
async def test_change_is_linted_after_a_pause_and_save_again(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = tmp_path / "plan.yaml"
    uri = path.as_uri()
    assert _by_rule(await _open(client, path, UNITS_PLAN), "ambiguous-unit")
    fixed = UNITS_PLAN.replace("9 µg/day", "9 mcg/day")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)],
        )
    )
    await _until(client, uri, lambda found: "ambiguous-unit" not in _codes(found))
    path.write_text(fixed, encoding="utf-8")
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri))
    )
    await asyncio.wait_for(
        client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), ANSWER_WITHIN
    )
    assert "ambiguous-unit" not in _codes(client.diagnostics[uri])


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_on_an_ignore_comment_is_blinacheck_explain(
    client: LanguageClient, tmp_path: Path
) -> None:
    text = UNITS_PLAN.replace(
        "9 µg/day}", "9 µg/day}  # blinacheck: ignore[ambiguous-unit] -- order set writes µg"
    )
    path = tmp_path / "plan.yaml"
    diagnostics = await _open(client, path, text)
    unit = _by_rule(diagnostics, "ambiguous-unit")
    assert unit.severity == types.DiagnosticSeverity.Hint  # overridden: a hint with its reason
    assert "order set writes µg" in unit.message
    line = text.splitlines()[6]
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(path.as_uri()),
            position=types.Position(6, _utf16(line[: line.index("ambiguous-unit]") + 3])),
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    explained = run_blinacheck("explain", "ambiguous-unit").stdout
    assert hover.contents.value.strip() == explained.strip()


@pytest.mark.asyncio(loop_scope="module")
async def test_configuration_change_reloads(client: LanguageClient, tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    assert _by_rule(await _open(client, path, UNITS_PLAN), "ambiguous-unit")
    config = tmp_path / "blinacheck.toml"
    config.write_text('ignore = ["ambiguous-unit"]\n', encoding="utf-8")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    await _until(client, path.as_uri(), lambda found: "ambiguous-unit" not in _codes(found))
    # A broken configuration is a diagnostic, and the server keeps answering.
    config.write_text("ignore = [\n", encoding="utf-8")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    found = await _until(client, path.as_uri(), lambda found: "configuration" in _codes(found))
    assert _codes(found) == ["configuration"]
    assert "blinacheck.toml" in found[0].message
    # An invalid rule file: its problems are diagnostics on that file.
    (tmp_path / "house").mkdir()
    rule_file = tmp_path / "house" / "bad.yaml"
    rule_file.write_text("rules:\n  - id: bad-rule\n    title: Bad\n", encoding="utf-8")
    config.write_text('rules = ["house"]\n', encoding="utf-8")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=rule_file.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    on_rule = await _until(client, rule_file.as_uri(), lambda found: bool(found))
    assert {d.range.start.line for d in on_rule} == {1}  # at the rule, "- id: bad-rule"
    assert "missing required key 'when' in 'rules'" in [d.message for d in on_rule]


@pytest.mark.asyncio(loop_scope="module")
async def test_a_hostile_plan_is_answered(client: LanguageClient, tmp_path: Path) -> None:
    text = (REPO / "tests" / "hostile" / "billion-laughs.yaml").read_text(encoding="utf-8")
    diagnostics = await _open(client, tmp_path / "laughs.yaml", text)
    assert [d.code for d in diagnostics] == ["invalid-plan"]


def test_plain_import_and_lint_do_not_import_pygls() -> None:
    program = (
        "import sys\n"
        "import blinacheck\n"
        "blinacheck.lint_text(open('examples/child-it-day-1.yaml').read())\n"
        "from blinacheck.cli import main\n"
        "try:\n"
        "    main(['lint', '--fail-on', 'never', 'examples/'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "assert 'pygls' not in sys.modules and 'lsprotocol' not in sys.modules, 'imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert done.returncode == 0, done.stderr
