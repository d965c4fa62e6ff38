"""The mutation fuzzer (bench/fuzz) on a short fixed-seed budget: its invariants hold.

The long run (10^5 cases) is `nice python -m bench.fuzz --cases 100000 --seed 7 --keep-going`;
its figures are in docs/limits.md. Here: 200 cases from seed 1, every output format on every
tenth, and one batch linted with --jobs 1 and --jobs 2.
"""

from __future__ import annotations

from pathlib import Path

from bench.fuzz.__main__ import run
from bench.fuzz.mutate import MUTATIONS, case, seeds

from .conftest import fail_if_hung


def test_the_fuzzer_finds_no_broken_invariant(tmp_path: Path) -> None:
    with fail_if_hung(240, "the fuzz budget"):
        figures = run(200, 1, batch_every=200, batch_size=30, failures=tmp_path)
    assert figures.problems == []
    assert figures.cases == 200 and figures.batches == 1
    # The mutations reach both sides: plans that stay valid and plans that do not.
    assert figures.valid >= 20 and figures.invalid >= 80
    assert figures.slowest < 2.0


def test_cases_are_reproducible_from_the_seed() -> None:
    import random

    corpus = seeds()
    assert len(corpus) >= 30  # the examples and the rule-test fixtures
    rng, again_rng = random.Random(5), random.Random(5)
    first = [case(rng, corpus) for _ in range(20)]
    assert first == [case(again_rng, corpus) for _ in range(20)]
    assert len({raw for _, _, raw in first}) > 15  # and they differ from one another
    assert set(MUTATIONS) == {"structural", "value", "bytes", "yaml"}
