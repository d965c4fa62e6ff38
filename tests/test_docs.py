"""The docs say what the code does."""

from __future__ import annotations

import re

from blinacheck.engine import fields

from .conftest import REPO


def test_field_reference_in_docs_matches_the_schema() -> None:
    text = (REPO / "docs" / "rules.md").read_text()
    block = re.search(r"<!-- fields:start[^>]*-->\n(.*)<!-- fields:end -->", text, re.DOTALL)
    assert block, "docs/rules.md lost its generated field reference"
    assert block.group(1) == fields.markdown(), (
        "docs/rules.md is out of date: regenerate the block with `blinacheck rules --format fields`"
    )


def test_readme_first_screen_has_the_two_commands() -> None:
    first_screen = "\n".join((REPO / "README.md").read_text().splitlines()[:24])
    assert "pip install '.[test]' && blinacheck lint examples/" in first_screen
    assert ". .venv/bin/activate && pytest" in first_screen
    ci = (REPO / ".ci" / "run").read_text()
    assert "python3 -m venv .venv && . .venv/bin/activate && pip install '.[test]'" in ci
    assert ". .venv/bin/activate && pytest" in ci
