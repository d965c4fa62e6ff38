"""Measure one change: the same command with two source trees of blinacheck, interleaved.

    git worktree add /tmp/before HEAD~1        # or any copy of the tree before the change
    python bench/ab.py /tmp/before .           # blinacheck lint --isolated on a typical plan
    python bench/ab.py /tmp/before . --runs 40 -- lint --isolated --jobs 2 /abs/FOLDER

Each run starts ``python -m blinacheck ARGS`` with ``PYTHONPATH`` set to one tree, then to the
other, alternately (so that load on the machine hits both alike), and prints the medians and
the ratio new/old. ``--instructions`` counts the instructions of one run of each instead
(valgrind's callgrind: deterministic, for changes too small for wall time). Paths in ARGS must
be absolute: the commands run in the temporary folder, so that neither tree is shadowed by the
current one (``-m`` puts it first on sys.path). The levers in docs/performance.md were
measured this way. Bytecode is cached in a temporary folder (``PYTHONPYCACHEPREFIX``), as an
installed package has it.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TYPICAL = Path(__file__).resolve().parent.parent / "examples" / "adult-rr-cycles-1-2.yaml"


_CACHES: dict[str, str] = {}


def _cache(tree: str) -> str:
    """A rule cache of each tree's own: what one tree's runs write never serves the other's
    (the key changes only with the modules that compile rules)."""
    if tree not in _CACHES:
        _CACHES[tree] = tempfile.mkdtemp(prefix="blinacheck-ab-rules-")
    return _CACHES[tree]


def once(tree: str, args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "blinacheck", *args],
        env={**env, "PYTHONPATH": tree, "BLINACHECK_CACHE_DIR": _cache(tree)},
        cwd=tempfile.gettempdir(),  # ``-m`` puts the current folder first on sys.path
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return (time.perf_counter() - started) * 1000


def instructions(tree: str, args: list[str], env: dict[str, str]) -> int:
    """Instructions one run executes, counted by callgrind: deterministic, unlike wall time,
    so one run per tree tells a change of a millisecond from the noise of a shared machine."""
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-m",
            "blinacheck",
            *args,
        ],
        env={
            **env,
            "PYTHONPATH": tree,
            "PYTHONHASHSEED": "0",
            "BLINACHECK_CACHE_DIR": _cache(tree),
        },
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        check=False,
    )
    # One count per process: a --jobs run's forked workers are counted too, and added up.
    found = re.findall(r"Collected : (\d+)", done.stderr)
    if not found:
        raise SystemExit(f"callgrind gave no count: {done.stderr[-500:]}")
    return sum(int(count) for count in found)


def main() -> None:
    parser = argparse.ArgumentParser(description="A/B wall time of two blinacheck trees")
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count instructions with valgrind's callgrind (one run per tree) instead",
    )
    argv = sys.argv[1:]
    given = argv[argv.index("--") + 1 :] if "--" in argv else []
    options = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    args = given or ["lint", "--isolated", str(TYPICAL)]
    # Bytecode cached as for an installed package (pip compiles it), in a folder of this run,
    # never in the trees: with PYTHONDONTWRITEBYTECODE every run would compile every module.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="blinacheck-ab-pycache-")
    trees = {"old": str(Path(options.old).resolve()), "new": str(Path(options.new).resolve())}
    if options.instructions:
        for tree in trees.values():  # the .pyc files, and the rule cache if it is on
            once(tree, args, env)
        old_count, new_count = (instructions(tree, args, env) for tree in trees.values())
        print(f"blinacheck {' '.join(args)}: instructions (callgrind)")
        print(f"  old {old_count:>14,}   {trees['old']}")
        print(f"  new {new_count:>14,}   {trees['new']}")
        print(f"  new/old {new_count / old_count:.4f}  ({new_count - old_count:+,})")
        return
    times: dict[str, list[float]] = {name: [] for name in trees}
    for tree in trees.values():  # warm the .pyc files and the page cache
        once(tree, args, env)
    for run in range(options.runs):
        order = list(trees.items()) if run % 2 == 0 else list(reversed(trees.items()))
        for name, tree in order:
            times[name].append(once(tree, args, env))
    old, new = (statistics.median(times[name]) for name in trees)
    print(f"blinacheck {' '.join(args)}: medians of {options.runs} interleaved runs")
    print(f"  old {old:8.1f} ms   {trees['old']}")
    print(f"  new {new:8.1f} ms   {trees['new']}")
    print(f"  new/old {new / old:.3f}  (saving {old - new:+.1f} ms)")


if __name__ == "__main__":
    main()
