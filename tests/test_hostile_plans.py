"""Hostile plan files: every one ends in located `invalid-plan` findings, never a traceback.

Each case goes through the real entry points (blinacheck.run.lint, and the CLI in a subprocess for
exit codes and stderr). A watchdog turns a hang into a failure instead of a stuck test run; the
durations themselves are not asserted (see `pytest --durations`).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from blinacheck.engine.ruleset import RuleSet, load
from blinacheck.plan import models as plan_module
from blinacheck.read import source
from blinacheck.results.files import FileResult
from blinacheck.results.findings import INVALID_PLAN
from blinacheck.run.batch import lint_paths
from blinacheck.run.lint import lint_bytes

from .conftest import fail_if_hung, run_blinacheck

HOSTILE = Path(__file__).resolve().parent / "hostile"
MARKER_RULES = str(HOSTILE / "rules")

HEAD = "blinacheck: 1\nindication: relapsed-refractory\n"
ONE_CYCLE = "cycles:\n  - cycle: 1\n    infusion:\n      - {days: 1-28, dose: 28 mcg/day}\n"


@pytest.fixture(autouse=True)
def watchdog() -> Iterator[None]:
    """Fail (rather than hang) a case that runs far longer than the one second it should."""
    with fail_if_hung(10, "hostile input"):
        yield


@pytest.fixture(scope="module")
def marker() -> RuleSet:
    """Only the test marker rule: one info finding per IT entry, at the entry."""
    return load([MARKER_RULES], builtin=False)


def found(result: FileResult) -> list[tuple[str, int, int]]:
    return [(f.rule, f.line, f.column) for f in result.findings]


def lint_raw(raw: bytes | str, ruleset: RuleSet, path: str = "plan.yaml") -> FileResult:
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    return lint_bytes(data, path, ruleset)


def only_invalid(result: FileResult) -> str:
    """The single invalid-plan finding's message (and that it is the only finding)."""
    assert len(result.findings) == 1, found(result)
    finding = result.findings[0]
    assert finding.rule == INVALID_PLAN
    assert str(finding.severity) == "error"
    return finding.message


# --- YAML syntax --------------------------------------------------------------------------


def test_syntax_error_is_located_where_the_parser_gave_up(marker: RuleSet) -> None:
    result = lint_raw(HEAD + "cycles: [\n  {cycle: 1,\n", marker)
    message = only_invalid(result)
    assert found(result) == [(INVALID_PLAN, 5, 1)]
    assert message.startswith("YAML syntax error:")


def test_unclosed_quote(marker: RuleSet) -> None:
    result = lint_raw(HEAD + "title: 'R/R B-ALL\n" + ONE_CYCLE, marker)
    only_invalid(result)
    assert found(result)[0][0] == INVALID_PLAN
    assert "YAML syntax error" in result.findings[0].message


def test_tab_indentation_says_tabs(marker: RuleSet) -> None:
    result = lint_raw((HOSTILE / "tabs.yaml").read_bytes(), marker, "tabs.yaml")
    message = only_invalid(result)
    assert found(result) == [(INVALID_PLAN, 7, 1)]
    assert "indent with spaces, not tabs" in message


def test_duplicate_key_names_both_lines(marker: RuleSet) -> None:
    result = lint_raw((HOSTILE / "duplicate-key.yaml").read_bytes(), marker)
    message = only_invalid(result)
    assert found(result) == [(INVALID_PLAN, 8, 1)]
    assert message == "duplicate key 'indication' (first given on line 3)"


# --- anchors, aliases, tags -----------------------------------------------------------------


def test_billion_laughs_is_refused_at_the_first_anchor(marker: RuleSet) -> None:
    result = lint_raw((HOSTILE / "billion-laughs.yaml").read_bytes(), marker)
    message = only_invalid(result)
    assert found(result) == [(INVALID_PLAN, 3, 4)]
    assert "anchor '&a'" in message and "write the values out" in message


def test_alias_is_refused_even_when_well_meant(marker: RuleSet) -> None:
    result = lint_raw((HOSTILE / "alias-reuse.yaml").read_bytes(), marker)
    message = only_invalid(result)
    assert found(result) == [(INVALID_PLAN, 8, 15)]
    assert "anchor '&full'" in message


def test_alias_without_anchor_is_refused_at_the_alias(marker: RuleSet) -> None:
    result = lint_raw(HEAD + "title: *undefined\n" + ONE_CYCLE, marker)
    message = only_invalid(result)
    # libyaml reports the undefined alias itself; either way, located on line 3.
    assert found(result)[0][1] == 3
    assert "alias" in message or "undefined" in message


PAYLOADS = [
    "!!python/object/apply:os.system ['touch {target}']",
    "!!python/object/apply:subprocess.call [['touch', '{target}']]",
    "!!python/object/new:subprocess.Popen [['touch', '{target}']]",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_python_tags_are_refused_and_nothing_runs(
    payload: str, marker: RuleSet, tmp_path: Path
) -> None:
    target = tmp_path / "pwned"
    text = HEAD + f"title: {payload.format(target=target)}\n" + ONE_CYCLE
    result = lint_raw(text, marker)
    message = only_invalid(result)
    assert found(result) == [(INVALID_PLAN, 3, 8)]
    assert message.startswith("tag 'tag:yaml.org,2002:python/object/")
    assert not target.exists()


def test_the_payload_would_run_in_an_unsafe_loader(tmp_path: Path) -> None:
    """The control for the test above: the same text really does create the file elsewhere."""
    target = tmp_path / "pwned"
    yaml.unsafe_load(f"title: {PAYLOADS[0].format(target=target)}\n")
    assert target.exists()


def test_payload_as_the_whole_document(marker: RuleSet, tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    result = lint_raw(PAYLOADS[0].format(target=target) + "\n", marker)
    only_invalid(result)
    assert found(result) == [(INVALID_PLAN, 1, 1)]
    assert not target.exists()


def test_tag_hidden_behind_a_tag_directive(marker: RuleSet, tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    text = (
        "%TAG !e! tag:yaml.org,2002:python/\n---\n"
        f"title: !e!object/apply:os.system ['touch {target}']\n"
    )
    result = lint_raw(text, marker)
    message = only_invalid(result)
    assert found(result) == [(INVALID_PLAN, 3, 8)]
    assert "python/object/apply:os.system" in message
    assert not target.exists()


@pytest.mark.parametrize(
    ("value", "tag"),
    [("!secret db-password", "!secret"), ("!!binary aGVsbG8=", "binary"), ("!!set {a}", "set")],
)
def test_non_core_tags_are_refused(value: str, tag: str, marker: RuleSet) -> None:
    result = lint_raw(HEAD + f"title: {value}\n" + ONE_CYCLE, marker)
    message = only_invalid(result)
    assert found(result) == [(INVALID_PLAN, 3, 8)]
    assert tag in message


# --- nesting, size, node count ------------------------------------------------------------

DEEP = 10_000


@pytest.mark.parametrize(
    ("name", "text", "column"),
    [
        ("flow sequences", "title: " + "[" * DEEP + "]" * DEEP + "\n", 7 + source.MAX_DEPTH),
        ("flow mappings", "{a: " * DEEP + "1" + "}" * DEEP + "\n", 1 + 4 * source.MAX_DEPTH),
        ("JSON objects", '{"a":' * DEEP + "1" + "}" * DEEP, 1 + 5 * source.MAX_DEPTH),
        ("block sequences", "- " * DEEP + "x\n", 1 + 2 * source.MAX_DEPTH),
    ],
)
def test_nesting_ten_thousand_deep(name: str, text: str, column: int, marker: RuleSet) -> None:
    result = lint_raw(text, marker, "deep.json" if name == "JSON objects" else "deep.yaml")
    message = only_invalid(result)
    assert found(result) == [(INVALID_PLAN, 1, column)]
    assert message == f"nesting deeper than {source.MAX_DEPTH} levels; a plan file is shallow"


def test_block_mappings_ten_thousand_deep_are_over_the_size_limit(marker: RuleSet) -> None:
    # Indentation makes 10,000 levels of block mappings ~50 MB: the size limit fires first.
    text = "".join(" " * level + "a:\n" for level in range(DEEP)) + " " * DEEP + "a: 1\n"
    assert len(text) > source.DEFAULT_MAX_BYTES
    message = only_invalid(lint_raw(text, marker))
    assert "over the limit of 4,194,304" in message


def test_block_mappings_deeper_than_the_limit(marker: RuleSet) -> None:
    depth = source.MAX_DEPTH + 10
    text = "".join(" " * level + "a:\n" for level in range(depth)) + " " * depth + "a: 1\n"
    result = lint_raw(text, marker)
    only_invalid(result)
    assert found(result) == [(INVALID_PLAN, source.MAX_DEPTH + 1, source.MAX_DEPTH + 1)]


def test_too_many_values(marker: RuleSet) -> None:
    text = "title: [" + "1, " * (source.MAX_NODES + 5) + "1]\n"
    result = lint_raw(text, marker)
    message = only_invalid(result)
    assert found(result)[0][1] == 1
    assert message == f"more than {source.MAX_NODES:,} values; a plan file is far smaller"


def test_file_over_the_size_limit(marker: RuleSet) -> None:
    raw = (HEAD + ONE_CYCLE).encode() + b"#" * source.DEFAULT_MAX_BYTES
    result = lint_raw(raw, marker)
    message = only_invalid(result)
    assert found(result) == [(INVALID_PLAN, 1, 1)]
    assert "over the limit of 4,194,304" in message and "--max-file-size" in message


def test_size_limit_is_configurable_through_lint_paths(marker: RuleSet, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_bytes((HOSTILE / "normal.yaml").read_bytes())
    small = lint_paths([str(plan)], marker, max_bytes=100)
    assert [f.rule for f in small.findings] == [INVALID_PLAN]
    assert "over the limit of 100" in small.findings[0].message
    normal = lint_paths([str(plan)], marker, max_bytes=10_000)
    assert [(f.rule, f.line) for f in normal.findings] == [
        ("marker-intrathecal", 11),
        ("marker-intrathecal", 12),
    ]


# --- encodings and line ends --------------------------------------------------------------


def test_normal_plan_baseline(marker: RuleSet) -> None:
    result = lint_raw((HOSTILE / "normal.yaml").read_bytes(), marker)
    assert found(result) == [("marker-intrathecal", 11, 9), ("marker-intrathecal", 12, 9)]


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda raw: b"\xef\xbb\xbf" + raw, id="BOM"),
        pytest.param(lambda raw: raw.replace(b"\n", b"\r\n"), id="CRLF"),
        pytest.param(lambda raw: b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n"), id="BOM+CRLF"),
        pytest.param(lambda raw: raw.replace(b"\n", b"\r"), id="CR"),
    ],
)
def test_bom_and_line_ends_lint_normally_on_the_same_lines(encode, marker: RuleSet) -> None:  # type: ignore[no-untyped-def]
    raw = encode((HOSTILE / "normal.yaml").read_bytes())
    result = lint_raw(raw, marker)
    assert found(result) == [("marker-intrathecal", 11, 9), ("marker-intrathecal", 12, 9)]
    assert result.document is not None
    assert (
        result.document.line_text(11).strip() == "- {day: -3, drugs: [methotrexate], dose: 15 mg}"
    )


def test_crlf_error_is_located_like_lf(marker: RuleSet) -> None:
    raw = (HOSTILE / "overlapping-steps.yaml").read_bytes()
    lf = found(lint_raw(raw, marker))
    crlf = found(lint_raw(b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n"), marker))
    assert lf == crlf == [(INVALID_PLAN, 8, 16)]


def test_non_utf8_byte_is_located(marker: RuleSet) -> None:
    raw = (HEAD + "title: caf").encode() + b"\xe9" + ("\n" + ONE_CYCLE).encode()
    result = lint_raw(raw, marker)
    message = only_invalid(result)
    assert found(result) == [(INVALID_PLAN, 3, 11)]
    assert message == "byte 0xe9 is not valid UTF-8; save the file as UTF-8 text"


def test_utf16_file_is_named_as_such(marker: RuleSet) -> None:
    result = lint_raw((HOSTILE / "normal.yaml").read_text().encode("utf-16"), marker)
    message = only_invalid(result)
    assert found(result) == [(INVALID_PLAN, 1, 1)]
    assert "UTF-16" in message


def test_nul_byte_is_located(marker: RuleSet) -> None:
    result = lint_raw(HEAD + "title: R/R\x00B-ALL\n" + ONE_CYCLE, marker)
    message = only_invalid(result)
    assert found(result) == [(INVALID_PLAN, 3, 11)]
    assert "NUL byte" in message


def test_control_character_is_located(marker: RuleSet) -> None:
    result = lint_raw(HEAD + "title: R/R\x07B-ALL\n" + ONE_CYCLE, marker)
    message = only_invalid(result)
    assert found(result) == [(INVALID_PLAN, 3, 11)]
    assert message.startswith("control character U+0007 is not allowed")


# --- wrong shapes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "file is empty; a plan starts with 'blinacheck: 1'"),
        ("\n  \n\n", "file is empty; a plan starts with 'blinacheck: 1'"),
        ("# a comment and nothing else\n", "the file has no plan in it"),
        ("- blinacheck: 1\n", "the file holds a list"),
        ("just some words\n", "the file holds a single value"),
        ("42\n", "the file holds a single value"),
        ("a: 1\n---\nb: 2\n", "more than one YAML document"),
    ],
)
def test_empty_and_wrong_shapes(text: str, expected: str, marker: RuleSet) -> None:
    result = lint_raw(text, marker)
    assert only_invalid(result).startswith(expected)
    assert found(result)[0][1] in (1, 2)


def test_multi_document_is_located_at_the_second_document(marker: RuleSet) -> None:
    assert found(lint_raw("a: 1\n---\nb: 2\n", marker)) == [(INVALID_PLAN, 2, 1)]


@pytest.mark.parametrize("version", ["2", "0", "one", "1.5", "'1a'"])
def test_unsupported_format_version(version: str, marker: RuleSet) -> None:
    text = f"blinacheck: {version}\nindication: relapsed-refractory\n" + ONE_CYCLE
    result = lint_raw(text, marker)
    message = only_invalid(result)
    assert found(result) == [(INVALID_PLAN, 1, 13)]
    assert "is not supported; this blinacheck reads version 1" in message


def test_missing_format_version(marker: RuleSet) -> None:
    result = lint_raw("indication: relapsed-refractory\n" + ONE_CYCLE, marker)
    assert only_invalid(result) == "missing 'blinacheck: 1' (the format version) at the top"


# --- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (".nan", "weight_kg must be a number"),
        (".inf", "weight_kg must be a number"),
        ("-.inf", "weight_kg must be a number"),
        ("NaN", "weight_kg must be a finite number"),
        ("Infinity", "weight_kg must be a finite number"),
        ("-Infinity", "weight_kg must be a finite number"),
        ("1e400", "weight_kg must be a finite number"),
        ("1" + "0" * 400, "weight_kg must be a finite number"),
        ("1e300", "weight_kg must be less than or equal to 350"),
    ],
)
def test_nan_infinity_and_huge_numbers(value: str, expected: str, marker: RuleSet) -> None:
    result = lint_raw(HEAD + f"patient:\n  weight_kg: {value}\n" + ONE_CYCLE, marker)
    assert only_invalid(result).startswith(expected)
    assert found(result) == [(INVALID_PLAN, 4, 14)]


@pytest.mark.parametrize(
    "dose", ["1e400 mcg/day", "9" * 400 + " mcg/day", "9" * 13 + " mcg/day", "inf mcg/day"]
)
def test_huge_doses(dose: str, marker: RuleSet) -> None:
    text = HEAD + f"cycles:\n  - cycle: 1\n    infusion:\n      - {{days: 1-28, dose: {dose}}}\n"
    result = lint_raw(text, marker)
    message = only_invalid(result)
    assert found(result) == [(INVALID_PLAN, 6, 28)]
    assert message.startswith("dose: ")
    assert len(message) < 200  # the 400 digits are not echoed back in full


@pytest.mark.parametrize(
    ("cycle", "days", "expected"),
    [
        ("1" + "0" * 400, "1-28", "cycle must be less than or equal to 20"),
        ("1", "1-" + "9" * 400, "days: '1-99999"),
        ("1", "1-" + "9" * 5000, "days: '1-99999"),
    ],
)
def test_huge_cycle_and_day_numbers(cycle: str, days: str, expected: str, marker: RuleSet) -> None:
    step = f"      - {{days: {days}, dose: 28 mcg/day}}\n"
    text = HEAD + f"cycles:\n  - cycle: {cycle}\n    infusion:\n" + step
    result = lint_raw(text, marker)
    message = only_invalid(result)
    assert message.startswith(expected)
    assert found(result)[0][1] in (4, 6)
    if not cycle.startswith("1000"):  # pydantic's own range message echoes the input in full
        assert len(message) < 300


def test_implausible_patient_and_impossible_values_each_located(marker: RuleSet) -> None:
    result = lint_raw((HOSTILE / "impossible-values.yaml").read_bytes(), marker)
    messages = {(f.line, f.column): f.message for f in result.findings}
    assert {f.rule for f in result.findings} == {INVALID_PLAN}
    assert messages == {
        (5, 14): "age_years must be less than or equal to 120, got '430'",
        (6, 14): "weight_kg must be less than or equal to 350, got '7800'",
        (7, 14): "height_cm must be a number (no unit in this field), got '.inf'",
        (8, 11): "bsa_m2 must be a finite number, got 'NaN'",
        (11, 12): "start: 2026-02-30 is not a date: February 2026 has 28 days",
        (13, 16): "days: range '7-1' runs backwards; write the first day first (1-7)",
        (14, 28): "dose: '1e400 mcg/day' is not an infusion dose; write '<number> mcg/day' "
        "or '<number> mcg/m2/day'",
        (16, 15): "day: there is no Day 0: Day -1 is the day before Day 1",
    }


@pytest.mark.parametrize(
    ("field", "value", "line", "expected"),
    [
        ("age_years", "-1", 4, "age_years must be greater than or equal to 0"),
        ("age_years", "121", 4, "age_years must be less than or equal to 120"),
        ("weight_kg", "0.1", 4, "weight_kg must be greater than or equal to 0.3"),
        ("weight_kg", "351", 4, "weight_kg must be less than or equal to 350"),
        ("height_cm", "19", 4, "height_cm must be greater than or equal to 20"),
        ("height_cm", "251", 4, "height_cm must be less than or equal to 250"),
        ("bsa_m2", "3.6", 4, "bsa_m2 must be less than or equal to 3.5"),
        ("weight_kg", "78 kg", 4, "weight_kg must be a number (no unit in this field)"),
    ],
)
def test_implausible_patient_values(
    field: str, value: str, line: int, expected: str, marker: RuleSet
) -> None:
    result = lint_raw(HEAD + f"patient:\n  {field}: {value}\n" + ONE_CYCLE, marker)
    assert only_invalid(result).startswith(expected)
    assert found(result)[0][1] == line


# --- days, ranges and dates ----------------------------------------------------------------


def cycle_with(extra: str, infusion: str = "      - {days: 1-28, dose: 28 mcg/day}\n") -> str:
    return HEAD + "cycles:\n  - cycle: 1\n    start: 2026-03-02\n    infusion:\n" + infusion + extra


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2026-02-30", "start: 2026-02-30 is not a date: February 2026 has 28 days"),
        ("2026-13-01", "start: 2026-13-01 is not a date: there is no month 13"),
        ("2026-04-31", "start: 2026-04-31 is not a date: April 2026 has 30 days"),
        ("03/04/2026", "start: date '03/04/2026' is ambiguous"),
    ],
)
def test_impossible_dates(date: str, expected: str, marker: RuleSet) -> None:
    step = "      - {days: 1-28, dose: 28 mcg/day}\n"
    text = HEAD + f"cycles:\n  - cycle: 1\n    start: {date}\n    infusion:\n" + step
    result = lint_raw(text, marker)
    assert only_invalid(result).startswith(expected)
    assert found(result) == [(INVALID_PLAN, 5, 12)]


def test_day_zero(marker: RuleSet) -> None:
    result = lint_raw(
        cycle_with("    intrathecal:\n      - {day: 0, drugs: [methotrexate]}\n"), marker
    )
    assert only_invalid(result) == "day: there is no Day 0: Day -1 is the day before Day 1"
    assert found(result) == [(INVALID_PLAN, 9, 15)]


def test_day_zero_inside_a_range(marker: RuleSet) -> None:
    result = lint_raw(cycle_with("", "      - {days: 0-28, dose: 28 mcg/day}\n"), marker)
    assert only_invalid(result) == "days: there is no Day 0: Day -1 is the day before Day 1"
    assert found(result) == [(INVALID_PLAN, 7, 16)]


def test_reversed_range(marker: RuleSet) -> None:
    infusion = "      - {days: 7-1, dose: 9 mcg/day}\n      - {days: 8-28, dose: 28 mcg/day}\n"
    result = lint_raw(cycle_with("", infusion), marker)
    assert (
        only_invalid(result) == "days: range '7-1' runs backwards; write the first day first (1-7)"
    )
    assert found(result) == [(INVALID_PLAN, 7, 16)]


def test_overlapping_infusion_steps(marker: RuleSet) -> None:
    result = lint_raw((HOSTILE / "overlapping-steps.yaml").read_bytes(), marker)
    assert only_invalid(result) == (
        "infusion steps overlap: days 8-28 and 1-8; each day has one dose"
    )
    assert found(result) == [(INVALID_PLAN, 8, 16)]


def test_date_without_cycle_start(marker: RuleSet) -> None:
    result = lint_raw((HOSTILE / "date-without-start.yaml").read_bytes(), marker)
    assert only_invalid(result).startswith("'date' needs the cycle's 'start' (the date of Day 1)")
    assert found(result) == [(INVALID_PLAN, 10, 16)]


def test_date_years_away_from_day_1(marker: RuleSet) -> None:
    extra = "    intrathecal:\n      - {date: 2062-03-16, drugs: [methotrexate]}\n"
    result = lint_raw(cycle_with(extra), marker)
    assert "days from its Day 1 (2026-03-02); check the year" in only_invalid(result)
    assert found(result) == [(INVALID_PLAN, 9, 16)]


# --- more than any real plan has -------------------------------------------------------------


def test_more_cycles_than_any_plan(marker: RuleSet) -> None:
    cycles = "".join(
        f"  - cycle: {n}\n    infusion:\n      - {{days: 1-28, dose: 28 mcg/day}}\n"
        for n in range(1, plan_module.MAX_CYCLES + 2)
    )
    result = lint_raw(HEAD + "cycles:\n" + cycles, marker)
    message = only_invalid(result)
    assert found(result) == [(INVALID_PLAN, 4, 3)]
    assert f"at most {plan_module.MAX_CYCLES} items" in message


def test_cycle_number_beyond_the_limit(marker: RuleSet) -> None:
    text = HEAD + "cycles:\n  - cycle: 21\n    infusion:\n      - {days: 1-28, dose: 28 mcg/day}\n"
    result = lint_raw(text, marker)
    assert only_invalid(result) == "cycle must be less than or equal to 20, got '21'"
    assert found(result) == [(INVALID_PLAN, 4, 12)]


def test_more_infusion_days_than_any_cycle(marker: RuleSet) -> None:
    result = lint_raw(cycle_with("", "      - {days: 1-121, dose: 28 mcg/day}\n"), marker)
    assert only_invalid(result) == "infusion day 121 is beyond day 120; no cycle runs that long"
    assert found(result) == [(INVALID_PLAN, 7, 16)]


def test_day_far_from_day_1(marker: RuleSet) -> None:
    extra = "    intrathecal:\n      - {day: 401, drugs: [methotrexate]}\n"
    result = lint_raw(cycle_with(extra), marker)
    assert only_invalid(result) == "day: day 401 is more than 400 days from Day 1"
    assert found(result) == [(INVALID_PLAN, 9, 15)]


def test_more_items_than_any_cycle(marker: RuleSet) -> None:
    items = "".join(
        f"      - {{day: {1 + n % 28}, drugs: [methotrexate]}}\n"
        for n in range(plan_module.MAX_ITEMS + 1)
    )
    result = lint_raw(cycle_with("    intrathecal:\n" + items), marker)
    message = only_invalid(result)
    assert found(result) == [(INVALID_PLAN, 9, 7)]
    assert f"at most {plan_module.MAX_ITEMS} items" in message


def test_largest_valid_plan_still_lints(marker: RuleSet) -> None:
    """At every limit at once (20 cycles x 200 IT entries) the plan lints, with all findings."""
    cycles = ""
    for n in range(1, plan_module.MAX_CYCLES + 1):
        items = "".join(
            f"      - {{day: {1 + i % 120}, drugs: [methotrexate]}}\n"
            for i in range(plan_module.MAX_ITEMS)
        )
        cycles += (
            f"  - cycle: {n}\n    infusion:\n      - {{days: 1-120, dose: 28 mcg/day}}\n"
            f"    intrathecal:\n{items}"
        )
    result = lint_raw(HEAD + "cycles:\n" + cycles, marker)
    assert {f.rule for f in result.findings} == {"marker-intrathecal"}
    assert len(result.findings) == plan_module.MAX_CYCLES * plan_module.MAX_ITEMS


# --- through the command line: exit codes, no traceback ------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_blinacheck("lint", "--isolated", *args, cwd=None, env={"NO_COLOR": "1"})


def test_cli_hostile_folder_exit_1_and_no_traceback(tmp_path: Path) -> None:
    files = {
        "laughs.yaml": (HOSTILE / "billion-laughs.yaml").read_bytes(),
        "tag.yaml": f"title: {PAYLOADS[0].format(target=tmp_path / 'pwned')}\n".encode(),
        "deep.yaml": ("title: " + "[" * DEEP + "]" * DEEP + "\n").encode(),
        "latin1.yaml": b"blinacheck: 1\ntitle: caf\xe9\n",
        "nul.yaml": b"blinacheck: 1\ntitle: a\x00b\n",
        "empty.yaml": b"",
        "list.yaml": b"- 1\n",
        "dates.yaml": (HOSTILE / "impossible-values.yaml").read_bytes(),
    }
    for name, raw in files.items():
        (tmp_path / name).write_bytes(raw)
    paths = [str(tmp_path / name) for name in sorted(files)]
    done = run_cli("--no-builtin-rules", "--format", "json", *paths)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "pwned").exists()
    findings = json.loads(done.stdout)["findings"]
    by_file = {os.path.basename(f["path"]) for f in findings if f["rule"] == INVALID_PLAN}
    assert by_file == set(files)
    assert all(f["line"] >= 1 and f["column"] >= 1 for f in findings)


def test_cli_bom_crlf_plan_lints_normally(tmp_path: Path) -> None:
    plan = tmp_path / "windows.yaml"
    plan.write_bytes(
        b"\xef\xbb\xbf" + (HOSTILE / "normal.yaml").read_bytes().replace(b"\n", b"\r\n")
    )
    done = run_cli("--no-builtin-rules", "--rules", MARKER_RULES, str(plan))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{plan}:11:9: info[marker-intrathecal]" in done.stdout
    assert f"{plan}:12:9: info[marker-intrathecal]" in done.stdout
    assert done.stderr == ""


@pytest.mark.parametrize("path", ["/definitely/not/here.yaml", "/dev/null"])
def test_cli_unreadable_path_exits_2(path: str) -> None:
    done = run_cli(path)
    assert done.returncode == 2
    assert path in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_cli_max_file_size_option(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_bytes((HOSTILE / "normal.yaml").read_bytes())
    small = run_cli("--no-builtin-rules", "--max-file-size", "100", str(plan))
    assert small.returncode == 1
    assert f"{plan}:1:1: error[invalid-plan] file is" in small.stdout
    assert "over the limit of 100;" in small.stdout
    fine = run_cli("--no-builtin-rules", "--max-file-size", "1MiB", str(plan))
    assert fine.returncode == 0, fine.stdout + fine.stderr
    bad = run_cli("--max-file-size", "lots", str(plan))
    assert bad.returncode == 2
    assert "--max-file-size" in bad.stderr
    assert "Traceback" not in bad.stderr
