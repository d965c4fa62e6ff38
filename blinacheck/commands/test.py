"""``blinacheck test``: run annotated fixture plans against the loaded rules."""

from __future__ import annotations

import os
import sys

import click

from . import EXIT_CLEAN, EXIT_FINDINGS, fail, load_rules, rule_set_options, use_color


@click.command("test")
@click.argument("paths", nargs=-1, type=click.Path())
@rule_set_options
@click.option("-q", "--quiet", is_flag=True, help="List only the fixtures that fail.")
def command(
    paths: tuple[str, ...], rule_dirs: tuple[str, ...], no_builtin_rules: bool, quiet: bool
) -> None:
    """Check annotated fixture plans: each rule a fixture names must fire exactly on its
    '# expect: RULE-ID' lines. PATHS are fixture files or directories searched for *.yaml and
    *.yml; without PATHS, tests/rules (if it exists).

    Prints PASS or FAIL per fixture and 'N passed, N failed'; exits 1 when a fixture fails,
    2 for a bad path or an invalid rule set. See docs/testing-rules.md.
    """
    from ..api import ruletest

    if not paths:
        if not os.path.isdir(ruletest.DEFAULT_FIXTURE_DIR):
            fail(
                f"no fixture paths given and no {ruletest.DEFAULT_FIXTURE_DIR} directory here; "
                "name the fixture files or directories to test"
            )
        paths = (ruletest.DEFAULT_FIXTURE_DIR,)
    ruleset = load_rules(rule_dirs, not no_builtin_rules)
    try:
        report = ruletest.run(paths, ruleset)
    except ruletest.FixtureSearchError as exc:
        fail(str(exc))
    sys.stdout.write(ruletest.render(report, color=use_color(sys.stdout), quiet=quiet))
    sys.exit(EXIT_FINDINGS if report.failed else EXIT_CLEAN)
