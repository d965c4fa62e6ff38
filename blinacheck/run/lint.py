"""Lint one file: read -> plan -> timeline -> rules -> findings.

A file never affects another; batches of files are in :mod:`.batch`.
"""

from __future__ import annotations

import os
import sys

from ..engine import evaluate
from ..engine.ruleset import RuleSet
from ..plan import models as plan_module
from ..read import readers
from ..read.source import (
    DEFAULT_MAX_BYTES,
    NotRegularFile,
    position,
    read_regular_file,
)
from ..results.display import printable
from ..results.files import FileResult
from ..results.findings import INVALID_PLAN, PLAN_FORMAT_EVIDENCE, Finding, Severity, sort_findings
from ..timeline import views as timeline_module
from .discovery import STDIN, PathError


def invalid(
    path: str, line: int, column: int, message: str, subject: str = "", element: str = ""
) -> Finding:
    return Finding(
        rule=INVALID_PLAN,
        severity=Severity.ERROR,
        message=message,
        path=path,
        line=line,
        column=column,
        evidence=(PLAN_FORMAT_EVIDENCE,),
        subject=subject,
        title="The plan file is not valid",
        element=element,
    )


def lint_bytes(
    raw: bytes,
    path: str,
    ruleset: RuleSet,
    *,
    explicit: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> FileResult:
    """Lint one file's content. A file met by directory search (``explicit=False``) that no
    reader claims is not a plan: its result is marked ``is_plan=False`` (see read/readers.py).
    """
    reading = readers.read(raw, path, max_bytes)
    document = reading.document
    if not explicit and not reading.claimed:
        return FileResult(path, [], document, is_plan=False)
    if document is None:
        findings = [
            invalid(path, p.line, p.column, p.message, *(2 * [getattr(p, "element", "")]))
            for p in reading.problems
        ]
        return FileResult(path, sort_findings(findings))
    if getattr(document, "fhir_version", None):  # read from FHIR (docs/fhir.md)
        from . import fhir

        return fhir.lint_document(document, path, ruleset, invalid)
    plan, problems = plan_module.validate(document)
    if plan is None:
        findings = []
        for problem in problems:
            line, column = document.locate(problem.path, key=problem.at_key)
            pointer = "/" + "/".join(str(p) for p in problem.path)
            findings.append(invalid(path, line, column, problem.message, pointer))
        return FileResult(path, sort_findings(findings), document)
    timeline = timeline_module.build(plan)
    findings = evaluate.apply(ruleset, timeline, document, path)
    return FileResult(path, sort_findings(findings), document, timeline)


def lint_text(text: str, ruleset: RuleSet, path: str = "<text>") -> FileResult:
    """Lint plan text (YAML or JSON) given as a string.

    A lone surrogate (a str that is not valid Unicode, as surrogateescape decoding makes) has
    no UTF-8 form: it is an invalid-plan finding at its place, like a byte that is not UTF-8.
    """
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bom = int(text.startswith("\ufeff"))  # not part of the text's first line
        line, column = position(text[bom:], exc.start - bom)
        code = ord(text[exc.start])
        message = (
            f"U+{code:04X} is a lone surrogate, not a character: the text is not valid "
            "Unicode; decode the file as UTF-8 and report its bad bytes instead"
        )
        return FileResult(path, [invalid(path, line, column, message)])
    return lint_bytes(raw, path, ruleset)


def lint_file(
    path: str,
    ruleset: RuleSet,
    *,
    explicit: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    stdin_name: str = "<stdin>",
) -> FileResult:
    """Lint one file; ``-`` reads standard input, reported under ``stdin_name``.

    A file named explicitly that cannot be read raises PathError (exit code 2). A file met by
    directory search that cannot be read (a FIFO, a device, a dangling symbolic link, a folder
    that cannot be searched, no permission) is an invalid-plan finding for that path: the
    other files are still linted and reported, and nothing is skipped in silence.
    """
    if path == STDIN:
        raw = sys.stdin.buffer.read(max_bytes + 1)
        return lint_bytes(raw, stdin_name, ruleset, max_bytes=max_bytes)
    try:
        raw = read_regular_file(path, max_bytes + 1)
    except OSError as exc:
        if explicit:
            raise PathError(f"{printable(path)}: cannot read: {exc.strerror or exc}") from None
        return FileResult(path, [invalid(path, 1, 1, _unreadable(path, exc))])
    return lint_bytes(raw, path, ruleset, explicit=explicit, max_bytes=max_bytes)


def _unreadable(path: str, exc: OSError) -> str:
    if isinstance(exc, NotRegularFile) and os.path.isdir(path):
        # Met by directory search only when the search could not list it (discover).
        try:
            os.listdir(path)
            reason = "its files could not be listed"
        except OSError as error:
            reason = error.strerror or str(error)
        return f"folder cannot be searched: {reason}; the plans in it are not checked"
    if isinstance(exc, NotRegularFile):
        reason = str(exc)
    elif os.path.islink(path) and not os.path.exists(path):
        reason = f"it is a symbolic link to '{os.readlink(path)}', which does not exist"
    else:
        reason = exc.strerror or str(exc)
    return f"cannot be read: {reason}; blinacheck reads plan files only from regular files"
