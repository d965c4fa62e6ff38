"""The identity of a run for the verification record: plan hashes, rule sets, the clock."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable

from ..engine.ruleset import RuleSet, RuleSetError, builtin_rule_files, rule_files_in
from ..results.files import LintReport
from ..results.record import RecordContext


def files_sha256(files: Iterable[tuple[str, bytes]]) -> str:
    """One digest over rule files: each name and its bytes, in name order."""
    digest = hashlib.sha256()
    for name, data in sorted(files):
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def plan_sha256(path: str) -> str | None:
    """SHA-256 of the plan file's bytes (None for standard input or an unreadable file)."""
    if not os.path.isfile(path):
        return None
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def record_context(
    report: LintReport, ruleset: RuleSet, configuration: Iterable[tuple[str, str]] = ()
) -> RecordContext:
    hashes = {r.path: h for r in report.results if (h := plan_sha256(r.path)) is not None}
    rule_sets: list[tuple[str, str]] = []
    if any(rule.builtin for rule in ruleset.rules):
        rule_sets.append(("built-in rules", files_sha256(builtin_rule_files())))
    folders = sorted({os.path.dirname(r.file) or "." for r in ruleset.rules if not r.builtin})
    # A rule directory's sub-folders are part of it: name the outermost folder only.
    roots = [f for f in folders if not any(f.startswith(o + os.sep) for o in folders)]
    for directory in roots:
        try:
            rule_sets.append((f"directory {directory}", files_sha256(rule_files_in(directory))))
        except RuleSetError as exc:
            problems = "; ".join(str(p) for p in exc.problems)
            rule_sets.append((f"directory {directory}", f"unreadable now: {problems}"))
    return RecordContext(
        generated=dt.datetime.now(dt.UTC),
        plan_sha256=hashes,
        rule_sets=tuple(rule_sets),
        configuration=tuple(configuration),
    )
