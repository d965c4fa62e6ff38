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


_PLUGINS_PROBE = textwrap.dedent(
    """
    import json, os, sys
    from blinacheck.cli import main
    try:
        main(sys.argv[1:], standalone_mode=False)
    except SystemExit:
        pass
    from pydantic.plugin import _loader
    print(json.dumps([_loader._plugins is None, os.environ.get("PYDANTIC_DISABLE_PLUGINS")]),
          file=sys.stderr)
    """
)


def _plugin_search(env: dict[str, str]) -> list[object]:
    import os

    result = subprocess.run(
        [sys.executable, "-c", _PLUGINS_PROBE, "lint", "--isolated", PLAN],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )
    found: list[object] = json.loads(result.stderr.strip().splitlines()[-1])
    return found


def test_a_command_skips_pydantic_plugin_search_and_restores_the_environment() -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    result = subprocess.run(
        [sys.executable, "-c", _PLUGINS_PROBE, "lint", "--isolated", PLAN],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    # no search for plugins was made, and the variable is gone after the command
    assert json.loads(result.stderr.strip().splitlines()[-1]) == [True, None]


def test_a_users_own_plugin_setting_is_kept() -> None:
    # An empty value keeps plugins on: pydantic searches, and the value is left as it was.
    assert _plugin_search({"PYDANTIC_DISABLE_PLUGINS": ""}) == [False, ""]
    assert _plugin_search({"PYDANTIC_DISABLE_PLUGINS": "logfire"}) == [False, "logfire"]
