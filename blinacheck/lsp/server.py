"""The blinacheck language server (docs/editor.md): diagnostics, hover and code actions.

It lints the open buffer in process through the library (``load_settings`` + ``lint_text``,
the one pipeline ``lint`` uses, so configuration, per-file ignores and inline overrides apply
the same way), with the configuration found from the plan's folder as ``lint`` finds it.
Positions are converted to the encoding the client negotiated (UTF-16 unless it asks for
another). Nothing here is imported by ``import blinacheck`` or ``blinacheck lint``.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from ..api import ConfigError, Finding, Settings, lint_text, load_settings
from ..results.findings import Severity

DEBOUNCE_SECONDS = 0.3
SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}
_IGNORE = re.compile(r"#\s*blinacheck:\s*ignore\[([^\]]*)\]")
# Deterministic fixes: a spelling of the microgram the ambiguous-unit rule flags -> mcg.
_MICRO = re.compile(r"(?<=\d)(\s*)(µg|μg|ug)(?=\s*/)")
_DID_YOU_MEAN = re.compile(r"unknown key '([^']+)' in '[^']*'; did you mean '([^']+)'\?")


class PlanServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("blinacheck", __version__)
        self.docs_url: str | None = None
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.settings_cache: dict[str, Settings] = {}


server = PlanServer()


def _settings(ls: PlanServer, path: str) -> Settings | str:
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if folder not in ls.settings_cache:
        try:
            ls.settings_cache[folder] = load_settings(cwd=folder)
        except ConfigError as exc:
            return str(exc)
    return ls.settings_cache[folder]


def _position(lines: Sequence[str], line: int, column: int) -> types.Position:
    """A 1-based line and code-point column -> the client's units (UTF-16 unless negotiated)."""
    row = max(line - 1, 0)
    codec = server.workspace.position_codec
    return codec.position_to_client_units(lines, types.Position(row, max(column - 1, 0)))


def _line_end(lines: Sequence[str], row: int) -> types.Position:
    text = lines[row].rstrip("\r\n") if row < len(lines) else ""
    return _position(lines, row + 1, len(text) + 1)


def diagnostic(
    finding: Finding,
    lines: Sequence[str],
    uri: str,
    docs_url: str | None,
    span_end: tuple[int, int] | None = None,
) -> Any:
    """The finding as an LSP diagnostic: from its start to ``span_end`` where the extent of what
    it points at is known (Document.end_of, as SARIF's region end), else to the end of the line."""
    start = _position(lines, finding.line, finding.column)
    row = max(finding.line - 1, 0)
    if span_end is not None:
        end = _position(lines, *span_end)
    else:
        end = _line_end(lines, row) if row < len(lines) else start
    if (end.line, end.character) <= (start.line, start.character):
        end = types.Position(start.line, start.character + 1)
    message = finding.message
    severity = SEVERITIES[finding.severity]
    tags = None
    if finding.suppressed is not None:
        # Overridden or baselined: shown, faintly, with who signed it off and why.
        severity = types.DiagnosticSeverity.Hint
        message = f"{message} (suppressed, {finding.suppressed.kind}: {finding.suppressed.reason})"
        tags = [types.DiagnosticTag.Unnecessary]
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(uri, types.Range(start, end)),
            message="Evidence: "
            + e.source
            + (f" — {e.note}" if e.note else "")
            + (f" <{e.url}>" if e.url else "")
            + (" (unconfirmed)" if e.unconfirmed else ""),
        )
        for e in finding.evidence
    ]
    href = f"{docs_url.rstrip('/')}/rule-catalogue.md#{finding.rule}" if docs_url else None
    return types.Diagnostic(
        range=types.Range(start, end),
        message=message,
        severity=severity,
        code=finding.rule,
        code_description=types.CodeDescription(href=href) if href else None,
        source="blinacheck",
        related_information=related or None,
        tags=tags,
        data={"rule": finding.rule, "suppressed": finding.suppressed is not None},
    )


def lint_document(ls: PlanServer, uri: str) -> None:
    document = ls.workspace.get_text_document(uri)
    path = to_fs_path(uri) or uri
    settings = _settings(ls, path)
    lines = document.source.splitlines(keepends=True) or [""]
    if isinstance(settings, str):  # an invalid configuration or rule file: said, not crashed
        first = types.Range(types.Position(0, 0), types.Position(0, 0))
        found = [
            types.Diagnostic(
                range=first,
                message=f"blinacheck configuration: {settings}",
                severity=types.DiagnosticSeverity.Error,
                source="blinacheck",
                code="configuration",
            )
        ]
        _publish_rule_file_problems(ls, settings, os.path.dirname(os.path.abspath(path)))
    else:
        result = lint_text(document.source, settings, path=os.path.relpath(path))
        read = result.document
        found = [
            diagnostic(f, lines, uri, ls.docs_url, read.end_of(f.line, f.column) if read else None)
            for f in result.findings
        ]
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=uri, version=document.version, diagnostics=found)
    )


_PROBLEM = re.compile(r"^(?P<file>[^\n]+?):(?P<line>\d+):(?P<col>\d+): (?P<message>.+)$", re.M)


def _publish_rule_file_problems(ls: PlanServer, message: str, folder: str) -> None:
    """Each located problem of an invalid rule or configuration file, on that file."""
    by_file: dict[str, list[types.Diagnostic]] = {}
    for match in _PROBLEM.finditer(message):
        file = os.path.join(folder, match["file"])
        at = types.Position(max(int(match["line"]) - 1, 0), max(int(match["col"]) - 1, 0))
        by_file.setdefault(file, []).append(
            types.Diagnostic(
                range=types.Range(at, at),
                message=match["message"],
                severity=types.DiagnosticSeverity.Error,
                source="blinacheck",
                code="configuration",
            )
        )
    for file, found in by_file.items():
        uri = Path(file).resolve().as_uri()
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=found)
        )


@server.feature(types.INITIALIZE)
def initialize(ls: PlanServer, params: types.InitializeParams) -> None:
    options = params.initialization_options or {}
    if isinstance(options, dict) and isinstance(options.get("docsUrl"), str):
        ls.docs_url = options["docsUrl"]


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: PlanServer, params: types.DidOpenTextDocumentParams) -> None:
    lint_document(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: PlanServer, params: types.DidSaveTextDocumentParams) -> None:
    lint_document(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: PlanServer, params: types.DidChangeTextDocumentParams) -> None:
    """Lint once typing pauses for DEBOUNCE_SECONDS, not on every keystroke."""
    uri = params.text_document.uri
    if uri in ls.pending:
        ls.pending.pop(uri).cancel()
    loop = asyncio.get_running_loop()
    ls.pending[uri] = loop.call_later(DEBOUNCE_SECONDS, _lint_later, ls, uri)


def _lint_later(ls: PlanServer, uri: str) -> None:
    ls.pending.pop(uri, None)
    lint_document(ls, uri)


# What the server asks a client to watch when the client lets it register watchers
# (docs/editor.md): the configuration files and YAML files, where rule files live. A client
# that cannot register them is set up to send the same events (docs/editor.md says how).
WATCHED = ("**/blinacheck.toml", "**/pyproject.toml", "**/*.{yaml,yml}")
WATCH_REGISTRATION = "blinacheck-watched-files"


@server.feature(types.INITIALIZED)
async def initialized(ls: PlanServer, params: types.InitializedParams) -> None:
    workspace = ls.client_capabilities.workspace
    watching = workspace.did_change_watched_files if workspace else None
    if not (watching and watching.dynamic_registration):
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED]
    )
    registration = types.Registration(
        id=WATCH_REGISTRATION,
        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=options,
    )
    await ls.client_register_capability_async(types.RegistrationParams([registration]))


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def files_changed(ls: PlanServer, params: types.DidChangeWatchedFilesParams) -> None:
    """blinacheck.toml, pyproject.toml or a rule file changed: reload and lint again. Every
    watched change reloads, also of a file open in the editor: a rule file or blinacheck.toml
    being edited there is open too, and its save must take effect."""
    _reload(ls)


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
def configuration_changed(ls: PlanServer, params: types.DidChangeConfigurationParams) -> None:
    _reload(ls)


def _reload(ls: PlanServer) -> None:
    ls.settings_cache.clear()
    for uri in list(ls.workspace.text_documents):
        lint_document(ls, uri)


def _rules(ls: PlanServer, uri: str) -> dict[str, Any]:
    settings = _settings(ls, to_fs_path(uri) or uri)
    if isinstance(settings, str):
        return {}
    return {rule.id: rule for rule in settings.ruleset.rules}


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: PlanServer, params: types.HoverParams) -> types.Hover | None:
    """On a rule id in an ignore[...] comment, or on a flagged line: `blinacheck explain`."""
    from ..commands.explain import explain_text

    document = ls.workspace.get_text_document(params.text_document.uri)
    lines = document.lines
    row = params.position.line
    if row >= len(lines):
        return None
    line = lines[row]
    column = document.position_codec.position_from_client_units(lines, params.position).character
    rules = _rules(ls, params.text_document.uri)
    wanted: list[str] = []
    for match in _IGNORE.finditer(line):
        start = match.start(1)
        for part in match.group(1).split(","):
            rule_id = part.strip()
            end = start + len(part)
            if start <= column <= end and rule_id in rules:
                wanted = [rule_id]
            start = end + 1
    if not wanted:
        path = to_fs_path(params.text_document.uri) or params.text_document.uri
        settings = _settings(ls, path)
        if isinstance(settings, str):
            return None
        result = lint_text(document.source, settings, path=path)
        wanted = [f.rule for f in result.findings if f.line == row + 1 and f.rule in rules]
    if not wanted:
        return None
    text = "\n\n".join(explain_text(rules[rule_id]) for rule_id in dict.fromkeys(wanted))
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.PlainText, value=text))


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
)
def code_action(ls: PlanServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    document = ls.workspace.get_text_document(uri)
    lines = document.lines
    rules = _rules(ls, uri)
    actions: list[types.CodeAction] = []
    for diag in params.context.diagnostics:
        if diag.source != "blinacheck":
            continue
        rule_id = str(diag.code)
        row = diag.range.start.line
        line = lines[row] if row < len(lines) else ""
        body = line.rstrip("\r\n")
        rule = rules.get(rule_id)
        suppressed = isinstance(diag.data, dict) and diag.data.get("suppressed")
        if rule is not None and rule.overridable and not suppressed and "#" not in body:
            insert = _position(lines, row + 1, len(body) + 1)
            text = f"  # blinacheck: ignore[{rule_id}] -- "
            actions.append(
                types.CodeAction(
                    title=f"Override {rule_id} with a reason",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diag],
                    edit=_edit(uri, types.Range(insert, insert), text),
                )
            )
        actions += _fixes(uri, lines, row, body, rule_id, diag)
    return actions


def _edit(uri: str, where: types.Range, text: str) -> types.WorkspaceEdit:
    return types.WorkspaceEdit(changes={uri: [types.TextEdit(range=where, new_text=text)]})


def _fixes(
    uri: str, lines: Sequence[str], row: int, body: str, rule_id: str, diag: types.Diagnostic
) -> list[types.CodeAction]:
    """The fixes that are certain: µg/ug -> mcg, a misspelt key -> its "did you mean"."""
    fixes: list[types.CodeAction] = []
    if rule_id == "ambiguous-unit":
        for match in _MICRO.finditer(body):
            start = _position(lines, row + 1, match.start(2) + 1)
            end = _position(lines, row + 1, match.end(2) + 1)
            fixes.append(
                types.CodeAction(
                    title=f"Write mcg instead of {match.group(2)}",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diag],
                    is_preferred=True,
                    edit=_edit(uri, types.Range(start, end), "mcg"),
                )
            )
    suggestion = _DID_YOU_MEAN.search(diag.message)
    if rule_id == "invalid-plan" and suggestion:
        wrong, right = suggestion.groups()
        at = body.find(wrong)
        if at >= 0:
            start = _position(lines, row + 1, at + 1)
            end = _position(lines, row + 1, at + len(wrong) + 1)
            fixes.append(
                types.CodeAction(
                    title=f"Change '{wrong}' to '{right}'",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diag],
                    is_preferred=True,
                    edit=_edit(uri, types.Range(start, end), right),
                )
            )
    return fixes


def main() -> None:
    server.start_io()
