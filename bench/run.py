"""The benchmark: blinacheck beside the tools people use, measured in one run on the same files.

    pip install -e '.[bench]'      # yamllint and check-jsonschema
    python bench/run.py            # about ten minutes on 2 cores; --quick for a smoke run

Prints these tables (docs/performance.md shows one run and says what the numbers mean):

1. start-up: wall time of ``blinacheck lint`` on one typical plan (with its rule cache, and with
   ``--no-cache``), against ``yamllint`` and ``check-jsonschema`` (with the schema
   ``blinacheck schema`` prints) on the same file;
2. batch: files per second for a folder of generated plans (2,000 by default) with ``--jobs 1``
   and ``--jobs 2``, against merely parsing the same files with PyYAML's C loader (the floor for
   any YAML linter in Python, measured in one process without start-up), with the CPU time of
   each run (main process and workers), which load from other jobs changes little;
3. scaling: time per plan for plans of 1, 5, 10 and 20 cycles (20 is the format's limit; a
   100-cycle plan is refused as implausible, and its time is shown too);
4. 100 extra institution rules (generated into a temporary folder): start-up with them, and the
   time per plan with and without them;
5. discovery: a folder of 10,000 files, half of them not plans (CI files, manifests, JSON): the
   search alone, and the whole lint against the same plans without the other files;
6. pre-commit: ``git commit`` through the real hook (.pre-commit-hooks.yaml, installed by
   pre-commit from a snapshot of this checkout) with 1 and with 20 staged plans, against the
   same commit through a hook that does nothing (pre-commit's own share) and with
   ``--no-verify``, and against ``yamllint`` run on the same files.

Every figure is the median of several runs; ratios are computed from medians of this run, and
the tools compared run interleaved, so that load on the machine hits them alike. Nothing is
written outside a temporary folder; the rule cache (``BLINACHECK_CACHE_DIR``) and the bytecode
(``PYTHONPYCACHEPREFIX``, as an installed package has it) live there too.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE), str(REPO)]  # generate.py; this checkout's blinacheck
import generate  # noqa: E402  (bench/generate.py, beside this file)

BIN = Path(sys.executable).parent
TYPICAL = REPO / "examples" / "adult-rr-cycles-1-2.yaml"


def tool(name: str) -> str:
    path = BIN / name
    return str(path) if path.exists() else name


def _burn(count: int) -> int:
    total = 0
    for number in range(count):
        total += number
    return total


def free_cores() -> float:
    """How many CPU-bound processes the machine runs at once right now (2.0 on two idle cores,
    1.0 when another job takes one of two): the figures below depend on it."""
    import multiprocessing

    started = time.perf_counter()
    _burn(5_000_000)
    alone = time.perf_counter() - started
    with multiprocessing.Pool(2) as pool:
        pool.map(_burn, [1])  # the pool started
        started = time.perf_counter()
        pool.map(_burn, [5_000_000, 5_000_000])
        both = time.perf_counter() - started
    return 2 * alone / both


def cpu_seconds() -> float:
    """CPU time of every child process that has ended (a lint's workers included)."""
    import resource

    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def wall(command: list[str], runs: int, cwd: Path | None = None) -> list[float]:
    """Wall times of ``runs`` runs of a command (its exit code does not matter)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
            cwd=cwd,
        )
        times.append(time.perf_counter() - started)
    return times


def median(values: list[float]) -> float:
    return statistics.median(values)


def interleaved(
    commands: dict[str, list[str]], runs: int, cwd: Path | None = None
) -> dict[str, float]:
    """Median wall time of each command, the commands run in turn ``runs`` times."""
    for command in commands.values():  # warm the file cache, the .pyc files, the rule cache
        wall(command, 1, cwd)
    results: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            results[name] += wall(command, 1, cwd)
    return {name: median(times) for name, times in results.items()}


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ""
    with contextlib.suppress(OSError, AttributeError):
        one, five, fifteen = os.getloadavg()
        load = f", load average {one:.1f} {five:.1f} {fifteen:.1f}"
    return (
        f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}{load}"
    )


def startup(runs: int, work: Path) -> dict[str, float]:
    schema = work / "plan.schema.json"
    subprocess.run([tool("blinacheck"), "schema", "-o", str(schema)], check=True)
    lint = [tool("blinacheck"), "lint", "--isolated"]
    commands = {
        "blinacheck lint": [*lint, str(TYPICAL)],
        "blinacheck lint --no-cache": [*lint, "--no-cache", str(TYPICAL)],
        "yamllint": [tool("yamllint"), str(TYPICAL)],
        "check-jsonschema": [tool("check-jsonschema"), "--schemafile", str(schema), str(TYPICAL)],
    }
    return interleaved(commands, runs)


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
    commands = {
        "jobs1": [*lint, "--jobs", "1", str(folder)],
        "jobs2": [*lint, "--jobs", "2", str(folder)],
    }
    times = interleaved(commands, runs)
    cpu = {}
    for name, command in commands.items():  # CPU time: what the run costs, whatever the load
        before = cpu_seconds()
        wall(command, 1)
        cpu[f"{name} cpu"] = cpu_seconds() - before
    return {"files": count, **times, **cpu, "floor": parse_floor(paths, runs)}


def _lint_in_process(ruleset: Any) -> Callable[[bytes], Any]:
    from blinacheck.run.lint import lint_bytes

    def once(text: bytes) -> Any:
        return lint_bytes(text, "plan.yaml", ruleset)

    return once


def scaling(repeats: int) -> list[tuple[int, float, str]]:
    """(cycles, milliseconds per plan, what the linter said), linting in this process."""
    from blinacheck.engine.ruleset import load

    lint = _lint_in_process(load())
    rows = []
    for cycles in (1, 5, 10, 20, 100):
        text = generate.plan(random.Random(cycles), cycles).encode()
        result = lint(text)  # warm-up, and what it says
        findings = result.findings
        refused = [f for f in findings if f.rule == "invalid-plan"]
        said = f"refused: {refused[0].message[:60]}" if refused else f"{len(findings)} findings"
        rows.append((cycles, median(timed(lambda text=text: lint(text), repeats)) * 1000, said))
    return rows


def timed(function: Callable[[], object], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


# --- 100 institution rules --------------------------------------------------------------------

_TEMPLATES = [
    (
        "plan",
        "plan.cycle_count > params.most",
        "the plan has {{ plan.cycle_count }} cycles, more than {{ params.most }}",
        "{most: %d}",
    ),
    (
        "cycle",
        "cycle.infusion_days > params.most",
        "cycle {{ cycle.number }} has {{ cycle.infusion_days }} infusion days",
        "{most: %d}",
    ),
    (
        "infusion_step",
        "has(infusion_step.mcg_per_day) && infusion_step.mcg_per_day > double(params.cap)",
        "{{ infusion_step.mcg_per_day }} mcg/day is over the local cap of {{ params.cap }}",
        "{cap: %d}",
    ),
    (
        "intrathecal",
        "size(intrathecal.drugs) > params.most",
        "{{ size(intrathecal.drugs) }} drugs in one IT dose",
        "{most: %d}",
    ),
    (
        "premedication",
        "premedication.drug == params.drug && premedication.cycle_day > params.day",
        "{{ premedication.drug }} on day {{ premedication.cycle_day }}",
        "{drug: local-drug, day: %d}",
    ),
]


def institution_rules(folder: Path, count: int = 100) -> Path:
    """``count`` generated rules over the common subjects, in files of 10 (a rules folder)."""
    folder.mkdir(parents=True)
    for start in range(0, count, 10):
        lines = ["rules:"]
        for number in range(start, min(count, start + 10)):
            kind, when, message, params = _TEMPLATES[number % len(_TEMPLATES)]
            lines += [
                f"  - id: local-rule-{number:03d}",
                f"    title: Local rule {number} over {kind}",
                "    severity: info",
                f"    for_each: {kind}",
                f"    when: {when}",
                f"    message: '{message}'",
                f"    params: {params % (30 + number)}",
                "    evidence: [{source: a local policy (generated for the benchmark)}]",
            ]
        (folder / f"local-{start // 10:02d}.yaml").write_text("\n".join(lines) + "\n")
    return folder


def with_institution_rules(runs: int, repeats: int, work: Path, plans: list[str]) -> dict[str, Any]:
    rules = institution_rules(work / "institution-rules")
    lint = [tool("blinacheck"), "lint", "--isolated"]
    up = interleaved(
        {
            "built-in rules": [*lint, str(TYPICAL)],
            "+ 100 rules": [*lint, "--rules", str(rules), str(TYPICAL)],
            "+ 100 rules, --no-cache": [*lint, "--no-cache", "--rules", str(rules), str(TYPICAL)],
        },
        runs,
    )
    from blinacheck.engine.ruleset import load

    texts = [Path(path).read_bytes() for path in plans[:300]]
    per_plan = {}
    for name, ruleset in (("built-in rules", load()), ("+ 100 rules", load([str(rules)]))):
        lint_one = _lint_in_process(ruleset)
        for text in texts:  # warm: every runtime form compiled
            lint_one(text)
        passes = timed(
            lambda lint_one=lint_one: [lint_one(t) for t in texts], max(3, repeats // 10)
        )
        best = min(passes)
        per_plan[name] = best / len(texts) * 1000
    return {"startup": up, "per_plan": per_plan, "rules": len(load([str(rules)]).rules)}


# --- discovery ---------------------------------------------------------------------------------

_NOT_PLANS = [
    ("ci-{n}.yaml", "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: []\n"),
    (
        "deploy-{n}.yml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app-{n}}\nspec: {replicas: 2}\n",
    ),
    ("package-{n}.json", '{"name": "tool-{n}", "version": "1.0.{n}", "private": true}\n'),
    ("notes-{n}.yaml", "# ward notes\nowner: pharmacy\nreviewed: 2026-0{m}-01\nitems: [a, b]\n"),
]


def discovery(runs: int, work: Path, count: int = 10_000) -> dict[str, Any]:
    """10,000 files in a tree of folders, half of them plans: the search, and the whole lint."""
    mixed = work / "mixed"
    plans_only = work / "plans-only"
    plans = generate.write(str(plans_only), count // 2, seed=11)
    for index, path in enumerate(plans):
        target = mixed / f"ward-{index % 20:02d}" / Path(path).name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    for index in range(count - len(plans)):
        name, text = _NOT_PLANS[index % len(_NOT_PLANS)]
        target = mixed / f"ward-{index % 20:02d}" / "other" / name.format(n=index)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text.replace("{n}", str(index)).replace("{m}", str(1 + index % 9)))
    from blinacheck.run.discovery import discover

    search = min(timed(lambda: list(discover([str(mixed)])), max(3, runs)))
    lint = [tool("blinacheck"), "lint", "--isolated", "--format", "json", "--jobs", "2"]
    times = interleaved({"mixed": [*lint, str(mixed)], "alone": [*lint, str(plans_only)]}, runs)
    return {"files": count, "plans": len(plans), "search": search, **times}


# --- pre-commit --------------------------------------------------------------------------------


def _git(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _hook_repository(work: Path, env: dict[str, str]) -> tuple[str, str]:
    """This checkout's files committed in a temporary repository: the hook's ``repo``/``rev``
    (as tests/test_precommit.py does)."""
    listed = _git(REPO, env, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    if listed.returncode != 0:
        raise OSError(f"{REPO} is not a git checkout: {listed.stderr.strip()[:200]}")
    snapshot = work / "hook-repo"
    for name in filter(None, listed.stdout.split("\0")):
        source = REPO / name
        if source.is_file():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "snapshot")):
        _git(snapshot, env, *args)
    return str(snapshot), _git(snapshot, env, "rev-parse", "HEAD").stdout.strip()


def precommit(runs: int, work: Path, plans: list[str]) -> dict[str, float] | str:
    """Seconds of ``git commit`` with the blinacheck hook installed, 1 and 20 staged plans, and
    of ``yamllint`` on the same files; the hook's first run (its environment) is not timed."""
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(work / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.invalid",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.invalid",
        "PATH": os.pathsep.join((str(BIN), os.environ.get("PATH", ""))),
    }
    env.pop("GIT_DIR", None)
    env.pop("GIT_INDEX_FILE", None)
    try:
        repo, rev = _hook_repository(work, env)
    except OSError as exc:
        return str(exc)
    project = work / "project"
    project.mkdir()
    _git(project, env, "init", "-q")
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n      - id: blinacheck\n"
    )
    installed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install-hooks"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if installed.returncode != 0:
        return f"the hook's environment could not be built: {installed.stdout[-300:]}"
    _git(project, env, "add", ".pre-commit-config.yaml")
    _git(project, env, "commit", "-q", "--no-verify", "-m", "config")
    subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"], cwd=project, env=env, check=False
    )
    # pre-commit's own share: the same commit through a hook that does nothing
    noop = work / "noop-project"
    noop.mkdir()
    _git(noop, env, "init", "-q")
    (noop / ".pre-commit-config.yaml").write_text(
        "repos:\n  - repo: local\n    hooks:\n      - id: noop\n        name: noop\n"
        "        entry: 'true'\n        language: system\n        files: \\.(ya?ml|json)$\n"
    )
    _git(noop, env, "add", ".pre-commit-config.yaml")
    _git(noop, env, "commit", "-q", "--no-verify", "-m", "config")
    subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"],
        cwd=noop,
        env=env,
        capture_output=True,
        check=False,
    )
    projects = {"hook": project, "bare": project, "noop": noop}
    results: dict[str, float] = {}
    for staged in (1, 20):
        times: dict[str, list[float]] = {"hook": [], "bare": [], "noop": [], "yamllint": []}
        for run in range(runs + 1):
            took: dict[str, float] = {}
            for what in ("hook", "bare", "noop"):
                project = projects[what]
                names = []
                for index, path in enumerate(plans[:staged]):
                    name = f"plans/{what}-{staged}-{run}-{index}.yaml"
                    (project / name).parent.mkdir(exist_ok=True)
                    shutil.copy(path, project / name)
                    names.append(name)
                _git(project, env, "add", *names)
                verify = ["--no-verify"] if what == "bare" else []
                started = time.perf_counter()
                done = _git(project, env, "commit", "-q", *verify, "-m", f"{staged} plans")
                took[what] = time.perf_counter() - started
                if done.returncode != 0:  # a finding blocked it: still a full hook run
                    _git(project, env, "commit", "-q", "--no-verify", "-m", "blocked")
            started = time.perf_counter()
            subprocess.run([tool("yamllint"), *names], cwd=noop, capture_output=True, check=False)
            took["yamllint"] = time.perf_counter() - started
            if run:  # the first warms the rule cache, the hook's files and git's
                for what, seconds in took.items():
                    times[what].append(seconds)
        for what, seconds_list in times.items():
            results[f"{what}{staged}"] = median(seconds_list)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="blinacheck benchmark (docs/performance.md)")
    parser.add_argument("--quick", action="store_true", help="few runs, 500 files: a smoke run")
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--skip", default="", help="comma-separated sections to skip, e.g. 6")
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 15)
    files = 500 if args.quick else args.files
    skip = set(args.skip.split(","))
    print(f"machine: {machine()}")
    print(f"free cores: {free_cores():.1f} (two CPU-bound processes at once against one by one)")
    print(f"command: python bench/run.py{' --quick' if args.quick else ''}\n")
    with tempfile.TemporaryDirectory(prefix="blinacheck-bench-") as tmp:
        work = Path(tmp)
        os.environ["BLINACHECK_CACHE_DIR"] = str(work / "rule-cache")  # never the real home
        # Bytecode cached as for an installed package (pip compiles it; yamllint's is), in the
        # temporary folder: with PYTHONDONTWRITEBYTECODE every run would compile every module.
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        # The commands run this checkout's code (also when another is installed -e).
        os.environ["PYTHONPATH"] = os.pathsep.join(
            filter(None, (str(REPO), os.environ.get("PYTHONPATH")))
        )
        up = startup(runs, work)
        base = up["yamllint"]
        print(f"1. start-up, one typical plan ({TYPICAL.name}), median of {runs} runs")
        print(f"   {'tool':<28} {'median':>9} {'vs yamllint':>12}")
        for name, seconds in up.items():
            print(f"   {name:<28} {seconds * 1000:>7.0f}ms {seconds / base:>11.2f}x")

        batch_runs = max(3, runs // 5)
        result = batch(files, batch_runs, work)
        count = result["files"]
        print(f"\n2. batch, {count:,} generated plans, median of {batch_runs} runs")
        print(f"   {'what':<34} {'seconds':>8} {'files/s':>9} {'vs floor':>9} {'CPU s':>7}")
        floor = result["floor"]
        for name, key in (
            ("blinacheck lint --jobs 1", "jobs1"),
            ("blinacheck lint --jobs 2", "jobs2"),
            ("PyYAML CSafeLoader parse (floor)", "floor"),
        ):
            seconds = result[key]
            cpu = result.get(f"{key} cpu", seconds)
            print(
                f"   {name:<34} {seconds:>8.2f} {count / seconds:>9.0f} {seconds / floor:>8.2f}x"
                f" {cpu:>7.2f}"
            )

        print("\n3. scaling, one plan linted in-process, median of 30 runs")
        print(f"   {'cycles':>6} {'ms/plan':>9} {'ms/cycle':>9}  outcome")
        for cycles, ms, said in scaling(30):
            print(f"   {cycles:>6} {ms:>9.2f} {ms / cycles:>9.3f}  {said}")

        plans = sorted(str(p) for p in (work / "batch").glob("*.yaml"))
        if "4" not in skip:
            extra = with_institution_rules(runs, 30, work, plans)
            print(f"\n4. 100 institution rules ({extra['rules']} rules in all), median of {runs}")
            print(f"   {'start-up, one plan':<34} {'median':>8}")
            for name, seconds in extra["startup"].items():
                print(f"   {name:<34} {seconds * 1000:>6.0f}ms")
            print(f"   {'in-process, per generated plan':<34} {'ms/plan':>8}")
            for name, ms in extra["per_plan"].items():
                print(f"   {name:<34} {ms:>8.2f}")

        if "5" not in skip:
            found = discovery(batch_runs, work)
            print(
                f"\n5. discovery, {found['files']:,} files in 20 folders, {found['plans']:,} "
                f"of them plans, median of {batch_runs} runs"
            )
            print(f"   search alone (in-process)            {found['search'] * 1000:>8.0f}ms")
            print(f"   lint --jobs 2, the 10,000 files      {found['mixed']:>8.2f}s")
            print(f"   lint --jobs 2, the plans alone       {found['alone']:>8.2f}s")
            others = (found["mixed"] - found["alone"]) / (found["files"] - found["plans"])
            print(f"   cost of each file that is no plan   {others * 1e6:>8.0f}us")

        if "6" not in skip:
            hook = precommit(max(3, runs // 3), work, plans)
            print(f"\n6. pre-commit: git commit through the hook, median of {max(3, runs // 3)}")
            if isinstance(hook, str):
                print(f"   not measured: {hook}")
            else:
                print(
                    f"   {'staged plans':<13} {'commit':>8} {'no-op hook':>11} "
                    f"{'--no-verify':>12} {'blinacheck':>11} {'yamllint':>9} {'ratio':>6}"
                )
                for staged in (1, 20):
                    full, noop, bare = (hook[f"{w}{staged}"] for w in ("hook", "noop", "bare"))
                    other = hook[f"yamllint{staged}"]
                    print(
                        f"   {staged:<13} {full * 1000:>6.0f}ms {noop * 1000:>9.0f}ms "
                        f"{bare * 1000:>10.0f}ms {(full - noop) * 1000:>9.0f}ms "
                        f"{other * 1000:>7.0f}ms {(full - noop) / other:>5.2f}x"
                    )
                print(
                    "   (blinacheck: the commit through its hook less the commit through a hook "
                    "that does nothing,\n   pre-commit's own share; ratio: that against "
                    "yamllint on the same files)"
                )


if __name__ == "__main__":
    main()
