"""Where the start-up of ``blinacheck lint`` on one plan goes, in milliseconds.

    python bench/profile.py              # 15 fresh processes, medians; --runs N
    python bench/profile.py --plan FILE  # another plan than examples/adult-rr-cycles-1-2.yaml

Each run is a fresh interpreter that does what ``blinacheck lint --isolated PLAN`` does, step
by step, timing each step: the imports in groups (third-party libraries first, so that each of
blinacheck's own groups shows only its own cost), the pydantic plugin discovery, the
construction of the plan models, the rule files (reading, validation, CEL environments, CEL
compilation: how many expressions and the time of each), the first plan (reading, validation,
timeline, rule evaluation, of which compiling the runtime wrappers) and the report. The
interpreter's own start (``python -c pass`` with site) and the whole command's wall time are
measured beside it, interleaved with the runs. docs/performance.md shows one run.

Two columns: rules **compiled** (no rule cache: the first run after a change, or
``--no-cache``) and read from the rule **cached** entry (every later run), each in its own
fresh processes, interleaved. Bytecode is cached (in a temporary ``PYTHONPYCACHEPREFIX``), as
for an installed package; a checkout run with ``PYTHONDONTWRITEBYTECODE`` compiles every
module at every start instead. The children run as the command line does: pydantic's plugin
search off, the garbage collector set by ``blinacheck.cli``.

Figures are medians over the runs; the sum of the steps is close to, not exactly, the wall
time of the command (the command also parses its options and exits).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TYPICAL = REPO / "examples" / "adult-rr-cycles-1-2.yaml"
BIN = Path(sys.executable).parent

# Import groups, in the order a lint run meets them; each group's figure is what importing it
# adds to what the groups before it already loaded.
GROUPS: list[tuple[str, list[str]]] = [
    ("import yaml (C loader)", ["yaml"]),
    ("import click", ["click"]),
    (
        "import pydantic (BaseModel, Field, validators)",
        [
            "pydantic",
            "pydantic.main",
            "pydantic.fields",
            "pydantic.functional_validators",
            "pydantic.types",
            "pydantic.config",
        ],
    ),
    ("import cel_expr_python", ["cel_expr_python.cel"]),
    ("blinacheck, blinacheck.cli", ["blinacheck", "blinacheck.cli"]),
    ("read/, results/ (own)", ["blinacheck.read.source", "blinacheck.results.findings"]),
    ("pydantic plugin discovery", []),  # measured apart: see _plugins
    (
        "plan.validation, engine.fields/celenv",
        [
            "blinacheck.plan.validation",
            "blinacheck.engine.celenv",
        ],
    ),
    ("engine.ruleset (rule-file models built)", ["blinacheck.engine.ruleset"]),
    ("plan.models (plan models built)", ["blinacheck.plan.models"]),
    ("plan.schema", ["blinacheck.plan.schema"]),
    ("timeline.views, plan.drugs", ["blinacheck.timeline.views"]),
    ("policy.config (and overrides, suppressions)", ["blinacheck.policy.config"]),
    (
        "run.pipeline, report, api, commands.lint",
        [
            "blinacheck.run.pipeline",
            "blinacheck.report",
            "blinacheck.api",
            "blinacheck.commands.lint",
        ],
    ),
]
# Imported by a batch only (run/jobs.py decides first): timed after the total.
BATCH_ONLY = ["blinacheck.run.parallel"]


def _plugins() -> None:
    """pydantic looks for plugins (entry points) when it builds its first validator."""
    from pydantic.plugin import _loader

    list(_loader.get_plugins())


def child(plan: str, cache: str | None) -> dict[str, Any]:
    """One fresh process: every step, timed; returns milliseconds (and counts). With ``cache``
    the rule cache is on in that folder, as on the command line."""
    clock = time.perf_counter
    out: dict[str, Any] = {}
    started = clock()
    for name, modules in GROUPS:
        if name == "pydantic plugin discovery":
            at = clock()
            _plugins()
            out[name] = (clock() - at) * 1000
            continue
        at = clock()
        for module in modules:
            importlib.import_module(module)
        out[name] = (clock() - at) * 1000
    out["imports, total"] = (clock() - started) * 1000
    at = clock()
    for module in BATCH_ONLY:
        importlib.import_module(module)
    out["(run.parallel: a batch only, not in the total)"] = (clock() - at) * 1000

    from blinacheck.engine import celenv, rule_cache, ruleset

    if cache:
        rule_cache.enable(cache)

    compiles: list[float] = []
    environments: list[float] = []
    compile_expression = celenv.compile_expression
    environment = celenv.environment.__wrapped__

    def timed_compile(*args: Any, **kwargs: Any) -> Any:
        at = clock()
        try:
            return compile_expression(*args, **kwargs)
        finally:
            compiles.append((clock() - at) * 1000)

    def timed_environment(subject: str) -> Any:
        at = clock()
        try:
            return environment(subject)
        finally:
            environments.append((clock() - at) * 1000)

    runtime_environment = celenv.runtime_environment.__wrapped__
    made: list[float] = []

    def timed_runtime_environment() -> Any:
        at = clock()
        try:
            return runtime_environment()
        finally:
            made.append((clock() - at) * 1000)

    celenv.compile_expression = timed_compile
    celenv.environment = celenv.functools.cache(timed_environment)
    celenv.runtime_environment = celenv.functools.cache(timed_runtime_environment)
    at = clock()
    rules = ruleset.load()
    out["rule loading, total"] = (clock() - at) * 1000
    out["  from the rule cache (1) or compiled (0)"] = int(bool(cache and not compiles))
    out["  CEL environments (count)"] = len(environments)
    out["  CEL environments"] = sum(environments)
    out["  CEL compilations (count)"] = len(compiles)
    out["  CEL compilations"] = sum(compiles) - sum(environments)
    out["  CEL compilation, each (mean)"] = (sum(compiles) - sum(environments)) / max(
        1, len(compiles)
    )
    out["  CEL runtime environment (imports protobuf)"] = sum(made)
    out["  rule files (YAML, validation) or cache entry, rest"] = (
        out["rule loading, total"] - sum(compiles) - sum(made)
    )
    out["rules"] = len(rules.rules)

    from blinacheck.engine import evaluate
    from blinacheck.plan import models
    from blinacheck.read import readers
    from blinacheck.results.files import FileResult, LintReport
    from blinacheck.results.findings import sort_findings
    from blinacheck.timeline import views

    runtime: list[float] = []
    wrapped = celenv.Program.runtime

    def timed_runtime(self: Any, rule_id: str, direct: bool) -> Any:
        fresh = (rule_id, direct) not in self._runtime
        at = clock()
        try:
            return wrapped(self, rule_id, direct)
        finally:
            if fresh:
                runtime.append((clock() - at) * 1000)

    celenv.Program.runtime = timed_runtime  # type: ignore[method-assign]
    raw = Path(plan).read_bytes()
    for label in ("first plan", "second plan"):
        at = clock()
        reading = readers.read(raw, plan, 4 * 1024**2)
        document = reading.document
        assert document is not None
        out[f"{label}: read and locate"] = (clock() - at) * 1000
        at = clock()
        validated, problems = models.validate(document)
        out[f"{label}: validation (pydantic)"] = (clock() - at) * 1000
        assert validated is not None, problems
        at = clock()
        timeline = views.build(validated)
        out[f"{label}: timeline"] = (clock() - at) * 1000
        runtime.clear()
        before = sum(made)
        at = clock()
        findings = sort_findings(evaluate.apply(rules, timeline, document, plan))
        out[f"{label}: evaluation"] = (clock() - at) * 1000
        out[f"{label}:   of which CEL runtime environment"] = sum(made) - before
        out[f"{label}:   of which runtime wrappers compiled"] = sum(runtime) - (sum(made) - before)
        out[f"{label}:   runtime wrappers (count)"] = len(runtime)
        at = clock()
        from blinacheck.report import get

        get("text")(
            LintReport(results=[FileResult(plan, findings, document, timeline)]),
            _options(),
        )
        out[f"{label}: reporting (text)"] = (clock() - at) * 1000
    out["findings"] = len(findings)
    return out


def _options() -> Any:
    from blinacheck.report import RenderOptions

    return RenderOptions(color=False, verbose=False, ruleset=None)


def wall(command: list[str], env: dict[str, str], cwd: Path) -> float:
    at = time.perf_counter()
    subprocess.run(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
        env=env,
        cwd=cwd,
    )
    return (time.perf_counter() - at) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description="blinacheck start-up breakdown")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--plan", default=str(TYPICAL))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cache", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the medians as JSON")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.plan, args.cache)))
        return
    with tempfile.TemporaryDirectory(prefix="blinacheck-profile-") as tmp:
        profile(args, Path(tmp))


def profile(args: argparse.Namespace, tmp: Path) -> None:
    # This checkout's code, the rule cache in a temporary folder, pydantic's plugin search off:
    # the command line's own settings (cli.py), so that the steps add up to its run.
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        "PYTHONPYCACHEPREFIX": str(tmp / "pycache"),  # bytecode as an installed package has it
        "PYTHONPATH": str(REPO),
        "BLINACHECK_CACHE_DIR": str(tmp / "cache"),
        "PYDANTIC_DISABLE_PLUGINS": "__all__",
    }
    blinacheck = str(BIN / "blinacheck") if (BIN / "blinacheck").exists() else "blinacheck"
    lint = [blinacheck, "lint", "--isolated", args.plan]
    commands = {
        "interpreter (python -c pass)": [sys.executable, "-c", "pass"],
        "blinacheck lint --isolated PLAN": lint,
        "blinacheck lint --isolated --no-cache PLAN": [*lint[:3], "--no-cache", args.plan],
    }
    children = {
        "compiled": [sys.executable, __file__, "--child", "--plan", args.plan],
        "cached": [
            *[sys.executable, __file__, "--child", "--plan", args.plan],
            *["--cache", str(tmp / "child-cache")],
        ],
    }
    walls: dict[str, list[float]] = {name: [] for name in commands}
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in children}
    for command in [*commands.values(), *children.values()]:  # .pyc files, caches, page cache
        subprocess.run(command, stdout=subprocess.DEVNULL, env=env, check=False, cwd=tmp)
    rule_cache_entry(children["cached"], env, tmp)
    for _ in range(args.runs):  # interleaved: load on the machine hits every figure alike
        for name, command in commands.items():
            walls[name].append(wall(command, env, tmp))
        for name, command in children.items():
            done = subprocess.run(
                command, capture_output=True, text=True, env=env, check=True, cwd=tmp
            )
            runs[name].append(json.loads(done.stdout))
    medians = {
        name: {key: statistics.median(run[key] for run in found) for key in found[0]}
        for name, found in runs.items()
    }
    whole = {name: statistics.median(times) for name, times in walls.items()}
    if args.json:
        print(json.dumps({"walls": whole, "steps": medians}, indent=1))
        return
    print(f"plan: {Path(args.plan).name}; medians of {args.runs} fresh processes, in ms\n")
    for name, ms in whole.items():
        print(f"{name:<58} {ms:8.1f}")
    print(f"\n{'step':<58} {'compiled':>8} {'cached':>8}")
    for key in medians["compiled"]:
        values = [medians[name][key] for name in children]
        shown = " ".join(
            f"{value:8.0f}"
            if "(count)" in key or key in ("rules", "findings") or "(1)" in key
            else (f"{value:8.2f}" if "each" in key else f"{value:8.1f}")
            for value in values
        )
        print(f"{key:<58} {shown}")


def rule_cache_entry(command: list[str], env: dict[str, str], tmp: Path) -> None:
    """The cached child's entry holds the runtime forms of this plan: written by a first run."""
    subprocess.run(command, stdout=subprocess.DEVNULL, env=env, check=True, cwd=tmp)


if __name__ == "__main__":
    main()
