"""What the typed CEL declarations (engine/celtypes.py) cost, measured in fresh processes.

    python bench/typed_cel.py            # about a minute on 2 cores; --runs N to change

1. start-up of ``blinacheck lint`` on one example, with protobuf importable and with it hidden.
   cel-expr-python imports protobuf's descriptor pool for every environment once protobuf is
   installed, also for the untyped environment a plain lint uses: this is the price every run
   pays for the typed check being possible (docs/performance.md);
2. loading the built-in rules without and with the typed field check
   (``load(check_builtin_fields=True)``, what an institution's rules always get).

Figures are medians of ``--runs`` runs; nothing is written.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HIDE_PROTOBUF = "import sys; sys.modules['google'] = None\n"
LINT = (
    "import sys; sys.argv = ['blinacheck', 'lint', 'examples/child-it-day-1.yaml']\n"
    "from blinacheck.cli import main\nmain()\n"
)
LOAD = (
    "import time; t = time.perf_counter()\n"
    "from blinacheck.engine.ruleset import load\n"
    "load(check_builtin_fields={checked})\n"
    "print(time.perf_counter() - t)\n"
)


def _wall(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, check=False)
    return time.perf_counter() - started


def _reported(code: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    return float(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    hidden, present, unchecked, checked = [], [], [], []
    for _ in range(runs):  # interleaved, so that a change in machine load hits both sides
        hidden.append(_wall(HIDE_PROTOBUF + LINT))
        present.append(_wall(LINT))
        unchecked.append(_reported(LOAD.format(checked=False)))
        checked.append(_reported(LOAD.format(checked=True)))
    rows = [
        ("lint start-up, protobuf hidden", hidden),
        ("lint start-up, protobuf installed", present),
        ("load built-in rules, unchecked", unchecked),
        ("load built-in rules, typed check", checked),
    ]
    for name, values in rows:
        print(f"{name:36} median {statistics.median(values) * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
