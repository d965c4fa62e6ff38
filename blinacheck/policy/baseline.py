"""Baseline files: the known findings of a repository, accepted when blinacheck was adopted.

An entry is keyed by the finding's stable fingerprint (rule id + plan path + subject, the
JSON-pointer-like address of what the finding is about, e.g. ``/cycles/0/intrathecal/1``; the
same fingerprint SARIF reports) and a digest of its substance: its severity and its message,
which carries the values it reports. The line is not part of the key, so the entry survives
edits elsewhere in the plan; a finding whose substance changed (a stale weight going from 4 to
187 days old, a warning become an error) no longer matches and is reported again. Paths are
stored relative to the baseline file's directory, so the file works from any current
directory. A version-1 file (fingerprint only) is refused: it cannot tell a changed finding
from the one accepted. Format: docs/overrides.md.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from ..results.display import json_text
from ..results.findings import Finding, fingerprint

VERSION = 2
_ABOUT = "blinacheck baseline: known findings, reported as suppressed; see docs/overrides.md"


class BaselineError(Exception):
    """A baseline file that cannot be read or written (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Entry:
    rule: str
    path: str  # relative to the baseline file's directory, with '/' separators
    subject: str
    message: str = ""
    count: int = 1
    severity: str = ""

    @property
    def fingerprint(self) -> str:
        """The stable fingerprint (rule, path, subject), shared with SARIF."""
        return fingerprint(self.rule, self.path, self.subject)

    @property
    def key(self) -> str:
        """The entry's key: the fingerprint and the digest of what the finding said."""
        return f"{self.fingerprint}-{substance(self.severity, self.message)}"


def substance(severity: str, message: str) -> str:
    """A digest of what a finding says: its severity and its message (the values it reports)."""
    import hashlib

    text = f"{severity}\x1f{message}".encode("utf-8", "surrogateescape")
    return hashlib.sha256(text).hexdigest()[:16]


def relative_path(path: str, base: str) -> str:
    """``path`` relative to ``base`` (a real directory path), '/'-separated."""
    relative = os.path.relpath(os.path.realpath(path), base)
    return relative.replace(os.sep, "/")


@dataclass
class Baseline:
    file: str  # as named on the command line; used in messages
    entries: dict[str, Entry] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return os.path.dirname(os.path.realpath(self.file))

    def key(self, finding: Finding) -> str:
        stable = fingerprint(finding.rule, relative_path(finding.path, self.base), finding.subject)
        return f"{stable}-{substance(str(finding.severity), finding.message)}"

    def counts(self) -> Counter[str]:
        return Counter({key: entry.count for key, entry in self.entries.items()})

    def missing_plans(self) -> list[str]:
        """Plan paths named by entries that no longer exist on disk (sorted, unique)."""
        paths = {entry.path for entry in self.entries.values()}
        return sorted(p for p in paths if not os.path.exists(os.path.join(self.base, p)))


def build(file: str, findings: Iterable[Finding]) -> Baseline:
    baseline = Baseline(file)
    for finding in findings:
        entry = Entry(
            finding.rule,
            relative_path(finding.path, baseline.base),
            finding.subject,
            finding.message,
            severity=str(finding.severity),
        )
        key = entry.key
        if key in baseline.entries:
            entry = replace(baseline.entries[key], count=baseline.entries[key].count + 1)
        baseline.entries[key] = entry
    return baseline


def dumps(baseline: Baseline) -> str:
    entries: dict[str, dict[str, object]] = {}
    for key, entry in sorted(baseline.entries.items(), key=lambda kv: _order(kv[1])):
        data: dict[str, object] = {
            "rule": entry.rule,
            "path": entry.path,
            "subject": entry.subject,
            "severity": entry.severity,
            "message": entry.message,
        }
        if entry.count != 1:
            data["count"] = entry.count
        entries[key] = data
    document = {"version": VERSION, "about": _ABOUT, "entries": entries}
    return json_text(document) + "\n"


def _order(entry: Entry) -> tuple[str, str, str]:
    return (entry.path, entry.subject, entry.rule)


def write(baseline: Baseline) -> None:
    try:
        with open(baseline.file, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(dumps(baseline))
    except OSError as exc:
        raise BaselineError(f"{baseline.file}: cannot write: {exc.strerror or exc}") from None


def load(file: str) -> Baseline:
    """Read a baseline file; BaselineError says what is wrong and where."""
    try:
        with open(file, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise BaselineError(f"{file}: cannot read the baseline: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise BaselineError(f"{file}: the baseline is not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(
            f"{file}:{exc.lineno}:{exc.colno}: not a JSON baseline: {exc.msg}"
        ) from None
    if isinstance(data, dict) and data.get("version") == 1:
        raise BaselineError(
            f"{file}: a version 1 baseline, which does not record what each finding said (its "
            "severity and the values in its message), so a finding that changed would stay "
            "suppressed; review the findings and rewrite it with --write-baseline"
        )
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise BaselineError(
            f'{file}: not a blinacheck baseline (expected a JSON object with "version": '
            f"{VERSION}); write one with --write-baseline"
        )
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, dict):
        raise BaselineError(f'{file}: "entries" must be a JSON object of fingerprint -> entry')
    baseline = Baseline(file)
    for key, raw in raw_entries.items():
        baseline.entries[key] = _entry(file, key, raw)
    return baseline


def _entry(file: str, key: str, raw: object) -> Entry:
    fields = ("rule", "path", "subject", "severity", "message")
    if not isinstance(raw, dict) or not all(isinstance(raw.get(f), str) for f in fields):
        raise BaselineError(
            f'{file}: entry "{key}" needs the text fields "rule", "path", "subject", '
            '"severity" and "message"'
        )
    count = raw.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise BaselineError(f'{file}: entry "{key}": "count" must be a whole number >= 1')
    entry = Entry(raw["rule"], raw["path"], raw["subject"], raw["message"], count, raw["severity"])
    if entry.key != key:
        # The key is derived from the fields; a hand edit that changed one but not the other
        # would otherwise match nothing, silently.
        raise BaselineError(
            f'{file}: entry "{key}" does not match its rule/path/subject/severity/message '
            f'(expected key "{entry.key}"); regenerate the file with --write-baseline'
        )
    return entry
