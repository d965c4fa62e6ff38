"""Run the fuzzer: ``python -m bench.fuzz --cases 100000 --seed 1`` (see bench/fuzz/__init__.py)."""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from blinacheck import builtin_ruleset

from .check import Figures, check_batch, check_case
from .mutate import case, seeds

FAILURES = Path(__file__).resolve().parent / "failures"


def run(
    cases: int,
    seed: int,
    *,
    all_formats_every: int = 10,
    batch_every: int = 500,
    batch_size: int = 40,
    stop_on_failure: bool = True,
    progress: bool = False,
    failures: Path = FAILURES,
) -> Figures:
    """Fuzz ``cases`` cases from ``seed``; every ``batch_every`` cases, a --jobs 1/2 batch."""
    rng = random.Random(seed)
    corpus = seeds()
    ruleset = builtin_ruleset()
    figures = Figures()
    batch: list[bytes] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="blinacheck-fuzz-") as scratch:
        for number in range(cases):
            name, applied, raw = case(rng, corpus)
            problems = check_case(
                raw, ruleset, all_formats=number % all_formats_every == 0, figures=figures
            )
            if len(batch) < batch_size:
                batch.append(raw)
            if (number + 1) % batch_every == 0 or number + 1 == cases:
                folder = Path(scratch) / f"batch-{figures.batches}"
                problems += check_batch(batch, ruleset, folder)
                figures.batches += 1
                batch = []
            for problem in problems:
                label = f"case {number} (seed {seed}, from {name}, {'+'.join(applied)}): {problem}"
                figures.problems.append(label)
                failures.mkdir(parents=True, exist_ok=True)
                (failures / f"seed{seed}-case{number}.yaml").write_bytes(raw)
            if problems and stop_on_failure:
                return figures
            if progress and (number + 1) % 1000 == 0:
                elapsed = time.monotonic() - started
                print(
                    f"{number + 1} cases, {elapsed:.0f} s, {figures.valid} valid, "
                    f"{figures.batches} batches, slowest {figures.slowest:.2f} s CPU, "
                    f"{len(figures.problems)} broken invariants",
                    file=sys.stderr,
                    flush=True,
                )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-going", action="store_true", help="do not stop at a failure")
    parser.add_argument(
        "--batch-every", type=int, default=500, help="a --jobs 1/2 batch every N cases"
    )
    args = parser.parse_args()
    started = time.monotonic()
    figures = run(
        args.cases,
        args.seed,
        batch_every=args.batch_every,
        stop_on_failure=not args.keep_going,
        progress=True,
    )
    elapsed = time.monotonic() - started
    print(
        f"{figures.cases:,} cases from seed {args.seed} in {elapsed:,.0f} s "
        f"({figures.cpu / max(figures.cases, 1) * 1000:.1f} ms CPU per case): "
        f"{figures.valid:,} valid plans, {figures.invalid:,} with invalid-plan findings, "
        f"{figures.findings:,} findings, {figures.batches} --jobs 1/2 batches; slowest case "
        f"{figures.slowest:.2f} s CPU; {len(figures.problems)} broken invariants"
    )
    for problem in figures.problems[:20]:
        print(problem)
    return 1 if figures.problems else 0


if __name__ == "__main__":
    sys.exit(main())
