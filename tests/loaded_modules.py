"""Which modules a command loads, in a fresh interpreter: how the tests hold the optional parts
(FHIR, the service, the audit log's drivers) out of a plain lint, whose start-up the pre-commit
hook pays on every commit."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable

_PROBE = """
import json, sys
from blinacheck.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def loaded_by(*args: str, packages: Iterable[str] = (), prefixes: Iterable[str] = ()) -> list[str]:
    """The modules ``blinacheck ARGS`` loads (its exit status aside) that belong to one of
    ``packages`` (top-level names) or start with one of ``prefixes``, sorted."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, timeout=60
    )
    modules: list[str] = json.loads(result.stderr.strip().splitlines()[-1])
    tops, starts = set(packages), tuple(prefixes)
    return [m for m in modules if m.split(".")[0] in tops or (starts and m.startswith(starts))]
