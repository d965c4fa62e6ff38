"""The benchmark: blinacheck beside the tools people use, measured in one run on the same files.

    pip install -e '.[bench]'      # yamllint and check-jsonschema
    python bench/run.py            # about two minutes on 2 cores; --quick for a smoke run

Prints three tables (docs/performance.md shows one run and says what the numbers mean):

1. start-up: wall time of ``blinacheck lint`` on one typical plan, against ``yamllint`` and
   ``check-jsonschema`` (with the schema ``blinacheck schema`` prints) on the same file;
2. batch: files per second for a folder of generated plans with ``--jobs 1`` and ``--jobs 2``,
   against merely parsing the same files with PyYAML's C loader (the floor for any YAML linter
   in Python, measured in one process without start-up);
3. scaling: time per cycle for plans of 1, 5, 10 and 20 cycles (20 is the format's limit; a
   100-cycle plan is refused as implausible, and its time is shown too).

Every figure is the median of several runs; ratios are computed from medians of this run.
Nothing is written outside a temporary folder.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402  (bench/generate.py, beside this file)

BIN = Path(sys.executable).parent
TYPICAL = REPO / "examples" / "adult-rr-cycles-1-2.yaml"


def tool(name: str) -> str:
    path = BIN / name
    return str(path) if path.exists() else name


def wall(command: list[str], runs: int) -> list[float]:
    """Wall times of ``runs`` runs of a command (its exit code does not matter)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - started)
    return times


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def startup(runs: int, work: Path) -> dict[str, float]:
    schema = work / "plan.schema.json"
    subprocess.run([tool("blinacheck"), "schema", "-o", str(schema)], check=True)
    commands = {
        "blinacheck lint": [tool("blinacheck"), "lint", "--isolated", str(TYPICAL)],
        "yamllint": [tool("yamllint"), str(TYPICAL)],
        "check-jsonschema": [
            tool("check-jsonschema"),
            "--schemafile",
            str(schema),
            str(TYPICAL),
        ],
    }
    for command in commands.values():  # warm the file cache and the .pyc files once
        wall(command, 1)
    results: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):  # interleaved, so that load on the machine hits every tool alike
        for name, command in commands.items():
            results[name] += wall(command, 1)
    return {name: median(times) for name, times in results.items()}


def parse_floor(paths: list[str], runs: int) -> float:
    """Seconds to read and parse every file with PyYAML's C loader, in this process."""
    import yaml

    times = []
    for _ in range(runs):
        started = time.perf_counter()
        for path in paths:
            # The few broken plans (2026-02-30, tabs) raise; a linter has to read them too.
            with open(path, "rb") as handle, contextlib.suppress(yaml.YAMLError, ValueError):
                yaml.load(handle.read(), Loader=yaml.CSafeLoader)
        times.append(time.perf_counter() - started)
    return median(times)


def batch(count: int, runs: int, work: Path) -> dict[str, float]:
    folder = work / "batch"
    paths = generate.write(str(folder), count, seed=6)
    lint = [tool("blinacheck"), "lint", "--isolated", "--format", "json"]
    wall([*lint, "--jobs", "1", str(folder)], 1)  # warm-up
    one, two = [], []
    for _ in range(runs):
        one += wall([*lint, "--jobs", "1", str(folder)], 1)
        two += wall([*lint, "--jobs", "2", str(folder)], 1)
    return {
        "files": count,
        "jobs1": median(one),
        "jobs2": median(two),
        "floor": parse_floor(paths, runs),
    }


def scaling(repeats: int) -> list[tuple[int, float, str]]:
    """(cycles, milliseconds per plan, what the linter said), linting in this process."""
    sys.path.insert(0, str(REPO))
    from blinacheck.engine.ruleset import load
    from blinacheck.run.lint import lint_bytes

    ruleset = load()
    rows = []
    for cycles in (1, 5, 10, 20, 100):
        text = generate.plan(random.Random(cycles), cycles).encode()
        result = lint_bytes(text, "plan.yaml", ruleset)  # warm-up, and what it says
        refused = [f for f in result.findings if f.rule == "invalid-plan"]
        said = (
            f"refused: {refused[0].message[:60]}" if refused else f"{len(result.findings)} findings"
        )

        def once(text: bytes = text) -> None:
            lint_bytes(text, "plan.yaml", ruleset)

        rows.append((cycles, median(timed(once, repeats)) * 1000, said))
    return rows


def timed(function: Callable[[], None], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description="blinacheck benchmark (docs/performance.md)")
    parser.add_argument("--quick", action="store_true", help="few runs, 500 files: a smoke run")
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=None)
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 15)
    files = 500 if args.quick else args.files
    print(f"machine: {machine()}")
    print(f"command: python bench/run.py{' --quick' if args.quick else ''}\n")
    with tempfile.TemporaryDirectory(prefix="blinacheck-bench-") as tmp:
        work = Path(tmp)
        up = startup(runs, work)
        base = up["yamllint"]
        print(f"1. start-up, one typical plan ({TYPICAL.name}), median of {runs} runs")
        print(f"   {'tool':<18} {'median':>9} {'vs yamllint':>12}")
        for name, seconds in up.items():
            print(f"   {name:<18} {seconds * 1000:>7.0f}ms {seconds / base:>11.2f}x")

        batch_runs = max(3, runs // 5)
        result = batch(files, batch_runs, work)
        count = result["files"]
        print(f"\n2. batch, {count:,} generated plans, median of {batch_runs} runs")
        print(f"   {'what':<34} {'seconds':>8} {'files/s':>9} {'vs floor':>9}")
        floor = result["floor"]
        for name, key in (
            ("blinacheck lint --jobs 1", "jobs1"),
            ("blinacheck lint --jobs 2", "jobs2"),
            ("PyYAML CSafeLoader parse (floor)", "floor"),
        ):
            seconds = result[key]
            print(f"   {name:<34} {seconds:>8.2f} {count / seconds:>9.0f} {seconds / floor:>8.2f}x")

        print("\n3. scaling, one plan linted in-process, median of 30 runs")
        print(f"   {'cycles':>6} {'ms/plan':>9} {'ms/cycle':>9}  outcome")
        for cycles, ms, said in scaling(30):
            print(f"   {cycles:>6} {ms:>9.2f} {ms / cycles:>9.3f}  {said}")


if __name__ == "__main__":
    main()
