"""A RuleSet shared between threads gives every thread the findings one thread gets.

docs/api.md says a loaded RuleSet may be shared between threads. Each evaluation must read its
own plan: an evaluation context that lived in the process (one "current subject" for all
threads) once turned a child's IT-on-Day-1 error into `rule-error ... Index error` in about one
lint in ten when eight threads shared a RuleSet.
"""

from __future__ import annotations

import sys
import threading

from blinacheck.engine.ruleset import RuleSet
from blinacheck.results.findings import Finding
from blinacheck.run.lint import lint_text

from .conftest import EXAMPLES

THREADS = 8
ROUNDS = 60  # 480 lints; switching threads every few microseconds makes overlaps likely


def _findings(text: str, ruleset: RuleSet, name: str) -> list[tuple[object, ...]]:
    result = lint_text(text, ruleset, path=name)
    return [_key(f) for f in result.findings]


def _key(f: Finding) -> tuple[object, ...]:
    return (f.rule, str(f.severity), f.line, f.column, f.subject, f.message)


def test_shared_ruleset_gives_the_same_findings_in_every_thread(builtin_rules: RuleSet) -> None:
    plans = {p.name: p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.yaml"))}
    assert "child-it-day-1.yaml" in plans
    expected = {name: _findings(text, builtin_rules, name) for name, text in plans.items()}
    # The child's IT on Day 1 is among them, and no plan gives a rule-error alone.
    assert any(key[0] == "it-on-infusion-day-1" for key in expected["child-it-day-1.yaml"])
    assert not any(key[0] == "rule-error" for keys in expected.values() for key in keys)

    wrong: list[tuple[str, list[tuple[object, ...]]]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work(offset: int) -> None:
        try:
            start.wait()
            names = list(plans)
            for round_ in range(ROUNDS):
                # Each thread walks the plans in its own order, so different plans overlap.
                name = names[(offset + round_) % len(names)]
                got = _findings(plans[name], builtin_rules, name)
                if got != expected[name]:
                    wrong.append((name, got))
        except BaseException as exc:  # reported below, never lost in a thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    finally:
        sys.setswitchinterval(interval)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert len(wrong) == 0, f"{len(wrong)} of {THREADS * ROUNDS:,} lints differ: {wrong[:1]}"
