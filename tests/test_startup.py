"""What a one-plan lint loads (issue 17): the start-up of the pre-commit hook does not pay for
code that only a batch or another command needs. Timings are measured in bench/, never here."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from .conftest import EXAMPLES

_PROBE = textwrap.dedent(
    """
    import json, sys
    from blinacheck.cli import main
    try:
        main(sys.argv[1:], standalone_mode=False)
    except SystemExit:
        pass
    print(json.dumps(sorted(sys.modules)), file=sys.stderr)
    """
)


def _loaded(*args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, timeout=60
    )
    loaded: list[str] = json.loads(result.stderr.strip().splitlines()[-1])
    return set(loaded)


PLAN = str(EXAMPLES / "adult-rr-cycles-1-2.yaml")


def test_one_plan_lint_imports_no_multiprocessing() -> None:
    loaded = _loaded("lint", "--isolated", PLAN)
    assert "blinacheck.engine.ruleset" in loaded  # the probe did lint
    assert "blinacheck.run.parallel" not in loaded
    assert "concurrent.futures.process" not in loaded


def test_jobs_two_on_one_plan_imports_no_multiprocessing() -> None:
    # one file is one process whatever --jobs says
    assert "blinacheck.run.parallel" not in _loaded("lint", "--isolated", "--jobs", "2", PLAN)
