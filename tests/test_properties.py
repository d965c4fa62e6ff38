"""Property-based tests (hypothesis), bounded so that the whole file runs in well under 30 s.

1. Mutated valid plans (keys deleted, types swapped, random scalars, truncated or corrupted
   text) never raise out of the linter: every outcome is a list of located findings.
2. Generated valid plans lint deterministically: the same output twice, and in any file order.
3. The date <-> cycle-day mapping (no Day 0) round-trips.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import random
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blinacheck.engine.ruleset import RuleSet, load
from blinacheck.plan import dates
from blinacheck.results.files import FileResult
from blinacheck.results.findings import INVALID_PLAN, RULE_ERROR
from blinacheck.run.batch import lint_paths
from blinacheck.run.lint import lint_bytes

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))
BOUNDED = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,  # the same examples on every run and in CI: failures reproduce
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load()


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATE = _generator()


def assert_only_findings(result: FileResult, ruleset: RuleSet) -> None:
    """The linter answered with located findings of known rules, nothing else."""
    known = {rule.id for rule in ruleset.rules} | {INVALID_PLAN, RULE_ERROR}
    text_lines = len(result.document.text.splitlines()) if result.document else None
    for finding in result.findings:
        assert finding.rule in known
        assert finding.line >= 1 and finding.column >= 1
        assert finding.message
        if text_lines is not None:
            assert finding.line <= max(text_lines, 1) + 1


# --- 1. mutated plans never raise -------------------------------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["1-7", "7-1", "0", "2026-02-30", "28 mcg/day", "NO", "~", "", "-3--1"]),
    st.dates().map(dt.date.isoformat),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


def _mutate(data: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    if not path:
        return value if action != "delete" else {}
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "swap":  # the same content, another type
        old = parent[last]
        parent[last] = [old] if not isinstance(old, list) else {"x": old}
    else:
        parent[last] = value
    return data


@BOUNDED
@given(
    example=st.sampled_from(EXAMPLES),
    choice=st.integers(min_value=0),
    action=st.sampled_from(["delete", "swap", "replace"]),
    value=VALUES,
)
def test_mutated_plans_never_raise(
    example: Path, choice: int, action: str, value: Any, rules: RuleSet
) -> None:
    data = yaml.safe_load(example.read_text())
    paths = _paths(data)
    path = paths[choice % len(paths)]
    mutated = _mutate(data, path, action, value)
    try:
        text = yaml.safe_dump(mutated, allow_unicode=True, sort_keys=False)
    except (yaml.YAMLError, ValueError):  # hypothesis made something YAML cannot write
        return
    result = lint_bytes(text.encode("utf-8"), "mutated.yaml", rules)
    assert_only_findings(result, rules)


@BOUNDED
@given(example=st.sampled_from(EXAMPLES), cut=st.floats(min_value=0, max_value=1))
def test_truncated_plans_never_raise(example: Path, cut: float, rules: RuleSet) -> None:
    raw = example.read_bytes()
    result = lint_bytes(raw[: int(len(raw) * cut)], "truncated.yaml", rules)
    assert_only_findings(result, rules)


@BOUNDED
@given(
    example=st.sampled_from(EXAMPLES),
    at=st.floats(min_value=0, max_value=1),
    junk=st.binary(min_size=1, max_size=8)
    | st.sampled_from(
        [
            b"\t",
            b"\x00",
            b"\xff",
            b"&a ",
            b"*a",
            b"!!python/name:os.system ",
            b"{",
            b"- ",
            b": ",
            b"'",
            b"\r",
            b"\xef\xbb\xbf",
        ]
    ),
)
def test_corrupted_plans_never_raise(example: Path, at: float, junk: bytes, rules: RuleSet) -> None:
    raw = example.read_bytes()
    where = int(len(raw) * at)
    result = lint_bytes(raw[:where] + junk + raw[where:], "corrupted.yaml", rules)
    assert_only_findings(result, rules)


@BOUNDED
@given(text=st.text(max_size=200))
def test_arbitrary_text_never_raises(text: str, rules: RuleSet) -> None:
    result = lint_bytes(
        ("blinacheck: 1\n" + text).encode("utf-8", "surrogatepass"), "any.yaml", rules
    )
    assert_only_findings(result, rules)


# --- 2. determinism ---------------------------------------------------------------------------


def _outcome(result: FileResult) -> list[tuple[Any, ...]]:
    return [
        (f.rule, str(f.severity), f.line, f.column, f.message, f.subject, f.cycle, f.day)
        for f in result.findings
    ]


@settings(BOUNDED, max_examples=60)
@given(seed=st.integers(min_value=0, max_value=2**32), cycles=st.integers(min_value=1, max_value=6))
def test_generated_plans_lint_the_same_twice(seed: int, cycles: int, rules: RuleSet) -> None:
    text = GENERATE.plan(random.Random(seed), cycles).encode()
    first = lint_bytes(text, "plan.yaml", rules)
    second = lint_bytes(text, "plan.yaml", rules)
    assert _outcome(first) == _outcome(second)
    assert_only_findings(first, rules)


@settings(BOUNDED, max_examples=15)
@given(seed=st.integers(min_value=0, max_value=2**32), order=st.randoms(use_true_random=False))
def test_file_order_does_not_change_any_file_result(
    seed: int, order: random.Random, rules: RuleSet, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("order")
    paths = GENERATE.write(str(folder), 8, seed=seed % 1000)
    shuffled = list(paths)
    order.shuffle(shuffled)
    straight = lint_paths(paths, rules)
    mixed = lint_paths(shuffled, rules)
    by_path = {r.path: _outcome(r) for r in straight.results}
    assert {r.path: _outcome(r) for r in mixed.results} == by_path
    assert [r.path for r in mixed.results] == shuffled
    assert [f.sort_key for f in mixed.findings] == [f.sort_key for f in straight.findings]


# --- 3. dates and cycle days -------------------------------------------------------------------

STARTS = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))
DAYS = st.integers(min_value=-dates.MAX_ABS_DAY, max_value=dates.MAX_ABS_DAY).filter(bool)


@settings(BOUNDED, max_examples=400)
@given(start=STARTS, day=DAYS)
def test_day_to_date_to_day_round_trips(start: dt.date, day: int) -> None:
    date = dates.day_to_date(day, start)
    assert dates.date_to_day(date, start) == day
    assert (date >= start) == (day > 0)  # Day 1 is the start; there is no Day 0


@settings(BOUNDED, max_examples=400)
@given(start=STARTS, offset=st.integers(min_value=-400, max_value=400))
def test_date_to_day_to_date_round_trips(start: dt.date, offset: int) -> None:
    date = start + dt.timedelta(days=offset)
    day = dates.date_to_day(date, start)
    assert day != 0
    assert dates.day_to_date(day, start) == date
    assert dates.offset_to_day(dates.day_offset(day)) == day
    assert dates.day_offset(day) == offset


@settings(BOUNDED, max_examples=200)
@given(start=STARTS, a=DAYS, b=DAYS)
def test_day_order_is_date_order(start: dt.date, a: int, b: int) -> None:
    assert (a < b) == (dates.day_to_date(a, start) < dates.day_to_date(b, start))


@settings(BOUNDED, max_examples=200)
@given(a=DAYS, b=DAYS)
def test_day_ranges_round_trip(a: int, b: int) -> None:
    first, last = min(a, b), max(a, b)
    assert dates.parse_day_range(f"{first}-{last}") == (first, last)
    assert dates.parse_day_range(str(first)) == (first, first)
    days = dates.days_in_range(first, last)
    assert 0 not in days
    assert len(days) == last - first + 1 - (first < 0 < last)


def test_day_zero_has_no_date() -> None:
    with pytest.raises(ValueError, match="no Day 0"):
        dates.day_to_date(0, dt.date(2026, 3, 2))
