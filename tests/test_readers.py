"""The reader registry (read/readers.py): a new input format changes nothing after reading."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from blinacheck.engine.ruleset import RuleSet
from blinacheck.read import readers, yaml_plan
from blinacheck.read.reading import Reader, Reading
from blinacheck.read.source import Document
from blinacheck.results.findings import Finding
from blinacheck.run.batch import lint_paths
from blinacheck.run.lint import lint_bytes

from .conftest import EXAMPLES

TOY = "toy"
QUOTE = b"> "


def _read_toy(raw: bytes, path: str, max_bytes: int) -> Reading:
    """A made-up format: a YAML plan with every line quoted by '> '. Its document points into
    the original file: each column two to the right of the unquoted plan's."""
    lines = raw.splitlines(keepends=True)
    if not lines or not all(line.startswith(QUOTE) for line in lines):
        return Reading(TOY, None, claimed=False)
    inner = yaml_plan.read(b"".join(line[2:] for line in lines), path, max_bytes)
    if inner.document is None:
        problems = tuple(replace(p, column=p.column + 2) for p in inner.problems)
        return Reading(TOY, None, problems)
    document = Document(
        raw.decode(),
        inner.document.data,
        {at: (line, column + 2) for at, (line, column) in inner.document.positions.items()},
        {at: (line, column + 2) for at, (line, column) in inner.document.key_positions.items()},
    )
    return Reading(TOY, document)


@pytest.fixture
def toy_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "READERS", (*readers.READERS, Reader(TOY, _read_toy)))


def shown(findings: list[Finding]) -> list[tuple[str, str, int, int, str]]:
    return [(f.rule, str(f.severity), f.line, f.column, f.message) for f in findings]


def test_the_readers_in_order() -> None:
    # FHIR claims only FHIR JSON about blinatumomab (docs/fhir.md); the YAML plan reader reads
    # everything else and reports what no reader claims.
    assert [reader.name for reader in readers.READERS] == ["fhir", "yaml-plan"]


def test_a_file_in_a_new_format_gives_the_findings_of_the_same_plan_in_yaml(
    builtin_rules: RuleSet, toy_reader: None
) -> None:
    yaml_text = (EXAMPLES / "child-it-day-1.yaml").read_bytes()
    quoted = b"".join(QUOTE + line for line in yaml_text.splitlines(keepends=True))
    as_yaml = lint_bytes(yaml_text, "plan.yaml", builtin_rules)
    as_toy = lint_bytes(quoted, "plan.yaml", builtin_rules, explicit=False)
    assert as_toy.is_plan
    assert shown(as_toy.findings) == [
        (rule, severity, line, column + 2, message)
        for rule, severity, line, column, message in shown(as_yaml.findings)
    ]
    assert ("it-on-infusion-day-1", "error") in {(f.rule, str(f.severity)) for f in as_toy.findings}
    # The reports read the original file: the excerpt of a finding is the quoted line.
    first = as_toy.findings[0]
    assert as_toy.document is not None
    assert as_toy.document.line_text(first.line).startswith("> ")


def test_adding_a_reader_changes_nothing_for_yaml_plans(
    builtin_rules: RuleSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = lint_paths([str(EXAMPLES)], builtin_rules)
    monkeypatch.setattr(readers, "READERS", (*readers.READERS, Reader(TOY, _read_toy)))
    after = lint_paths([str(EXAMPLES)], builtin_rules)
    assert shown(after.findings) == shown(before.findings) and after.skipped == before.skipped
    assert len(before.results) >= 6


def test_a_found_file_no_reader_claims_is_skipped_a_named_one_is_reported(
    builtin_rules: RuleSet, tmp_path: Path
) -> None:
    (tmp_path / "workflow.yaml").write_text("on: push\njobs: {}\n")
    found = lint_paths([str(tmp_path)], builtin_rules)
    assert found.results == [] and found.skipped == [str(tmp_path / "workflow.yaml")]
    named = lint_paths([str(tmp_path / "workflow.yaml")], builtin_rules)
    assert [f.rule for f in named.findings][:1] == ["invalid-plan"]


def test_an_unparsable_file_that_shows_the_header_is_claimed() -> None:
    reading = readers.read(b"blinacheck: 1\ncycles:\n\t- cycle: 1\n", "tab.yaml", 1000)
    assert reading.reader == "yaml-plan" and reading.claimed and reading.document is None
    assert reading.problems[0].line == 3
    assert not readers.read(b"key: [unclosed\n", "other.yaml", 1000).claimed
