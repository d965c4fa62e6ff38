"""`blinacheck rules --format fields` with -o / --check on a page that holds the field
reference between its markers (docs/rules.md): only that block is written or compared."""

from __future__ import annotations

from pathlib import Path

from .conftest import REPO, run_blinacheck

PAGE = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")


def test_check_compares_only_the_block(tmp_path: Path) -> None:
    page = tmp_path / "rules.md"
    page.write_text(PAGE, encoding="utf-8")
    assert run_blinacheck("rules", "--format", "fields", "--check", str(page)).returncode == 0
    stale = PAGE.replace("| `cycle_day` | int |", "| `cycle_day` | integer |", 1)
    assert stale != PAGE
    page.write_text(stale, encoding="utf-8")
    result = run_blinacheck("rules", "--format", "fields", "--check", str(page))
    assert result.returncode == 1
    assert "regenerate it: blinacheck rules --format fields -o" in result.stderr


def test_output_replaces_only_the_block(tmp_path: Path) -> None:
    page = tmp_path / "rules.md"
    stale = PAGE.replace("| `cycle_day` | int |", "| `cycle_day` | integer |", 1)
    page.write_text(stale + "\nA line after the page.\n", encoding="utf-8")
    assert run_blinacheck("rules", "--format", "fields", "-o", str(page)).returncode == 0
    assert page.read_text(encoding="utf-8") == PAGE + "\nA line after the page.\n"


def test_a_page_without_markers_is_the_whole_reference(tmp_path: Path) -> None:
    page = tmp_path / "fields.md"
    whole = run_blinacheck("rules", "--format", "fields").stdout
    assert run_blinacheck("rules", "--format", "fields", "-o", str(page)).returncode == 0
    assert page.read_text(encoding="utf-8") == whole
    assert "<!-- fields:start" not in whole
