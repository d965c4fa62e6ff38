"""Lint many files in parallel processes, with output identical to one process.

Compiled CEL expressions cannot be pickled, so a worker does not receive the rule set: it
receives a :class:`RuleSetSpec`, a picklable description (the rule files' bytes, then each
final rule's id, params and severity, in order), and rebuilds the identical rule set once, in
its initializer, with :func:`build_ruleset`. Whatever the configuration did to the rule set
(select, ignore, params, severity) is captured by :func:`spec_of` from the final rule set.
"""

from __future__ import annotations

import multiprocessing.util
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from ..engine import rule_cache
from ..engine.ruleset import RuleSet, builtin_rule_files, compile_sources
from ..results.files import FileResult
from ..results.findings import Severity
from .jobs import AUTO_MIN_FILES, auto_jobs
from .lint import lint_file
from .memory import collect_rarely

__all__ = [
    "AUTO_MIN_FILES",
    "NotRebuildable",
    "RuleSetSpec",
    "RuleSpec",
    "auto_jobs",
    "build_ruleset",
    "lint_files",
    "spec_of",
]


@dataclass(frozen=True)
class RuleSpec:
    id: str
    params: dict[str, Any]
    severity: Severity
    keep_cases: bool  # False when a severity override dropped the rule's severity cases


@dataclass(frozen=True)
class RuleSetSpec:
    """Everything needed to rebuild a rule set in another process."""

    sources: tuple[tuple[str, bytes, bool], ...]
    rules: tuple[RuleSpec, ...]


class NotRebuildable(Exception):
    """A rule set whose files cannot be read again (built from text in memory)."""


def spec_of(ruleset: RuleSet) -> RuleSetSpec:
    """The picklable description of ``ruleset``; NotRebuildable if a rule file is gone."""
    sources: list[tuple[str, bytes, bool]] = []
    if any(rule.builtin for rule in ruleset.rules):
        sources += [(name, raw, True) for name, raw in builtin_rule_files()]
    seen = {name for name, _, _ in sources}
    for rule in ruleset.rules:
        if rule.builtin or rule.file in seen:
            continue
        seen.add(rule.file)
        try:
            with open(rule.file, "rb") as handle:
                sources.append((rule.file, handle.read(), False))
        except OSError:
            raise NotRebuildable(rule.file) from None
    rules = tuple(
        RuleSpec(rule.id, dict(rule.params), rule.severity, bool(rule.severity_cases))
        for rule in ruleset.rules
    )
    return RuleSetSpec(tuple(sources), rules)


def build_ruleset(spec: RuleSetSpec) -> RuleSet:
    """Compile the spec's files and apply each rule's params and severity, in the spec's order."""
    loaded = compile_sources(list(spec.sources)).by_id()
    rules = []
    for wanted in spec.rules:
        base = loaded[wanted.id]
        rules.append(
            replace(
                base,
                params=wanted.params,
                severity=wanted.severity,
                severity_cases=base.severity_cases if wanted.keep_cases else (),
            )
        )
    return RuleSet(rules)


# --- the worker side ---------------------------------------------------------------------------

_worker: dict[str, Any] = {}


def _init(spec: RuleSetSpec, max_bytes: int, cache: str | None, timelines: bool) -> None:
    # The rule cache as in the main process (a spawned worker inherits nothing): the worker
    # reads its rules from it, and at its exit keeps the runtime forms it compiled for the
    # plans it linted, for the next run's workers and one-file runs.
    if cache is not None:
        rule_cache.enable(cache)
        multiprocessing.util.Finalize(None, rule_cache.write_pending, exitpriority=10)
    else:
        rule_cache.disable()
    _worker["ruleset"] = build_ruleset(spec)
    _worker["max_bytes"] = max_bytes
    _worker["timelines"] = timelines
    collect_rarely()


def _lint_one(item: tuple[str, bool]) -> FileResult:
    file, explicit = item
    result = lint_file(file, _worker["ruleset"], explicit=explicit, max_bytes=_worker["max_bytes"])
    # Sending the timeline back is most of what the main process pays per result; only the
    # outputs that draw the calendar (html, pdf) read it.
    return result if _worker["timelines"] else replace(result, timeline=None)


def lint_files(
    files: list[tuple[str, bool]],
    spec: RuleSetSpec,
    *,
    max_bytes: int,
    jobs: int,
    timelines: bool = True,
) -> Iterator[FileResult]:
    """Results in the order of ``files``; a PathError in a worker is raised here, in order.
    ``timelines=False``: the results carry no timeline (their findings are the same)."""
    chunksize = max(1, min(64, len(files) // (jobs * 8)))
    # A rule set this process compiled is written to the rule cache now, so that the workers
    # read it instead of compiling it again each.
    rule_cache.write_pending()
    folder = rule_cache.directory()
    cache = str(folder) if folder is not None else None
    initargs = (spec, max_bytes, cache, timelines)
    with ProcessPoolExecutor(jobs, initializer=_init, initargs=initargs) as pool:
        yield from pool.map(_lint_one, files, chunksize=chunksize)
