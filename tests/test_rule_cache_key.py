"""The compiled-rule cache's key covers the source of every module that compiles rules
(engine/rule_cache.py, _SHAPING): an edited checkout keeps its version number, so a module that
shapes a compiled rule set but is left out of the key would let a stale entry be trusted."""

from __future__ import annotations

import json
import subprocess
import sys

from blinacheck.engine import rule_cache

# Loaded when rules load, but nothing in them decides what a compiled rule set holds.
NOT_SHAPING = {
    "plan/dates.py": "date arithmetic of plans, imported by the plan models",
    "plan/units.py": "dose values of plans, imported by the plan models",
    "read/reading.py": "the Reading a plan reader returns",
    "read/yaml_plan.py": "the plan reader (rule files are read by read/source.py)",
}

_PROBE = """
import json, sys
from pathlib import Path
import blinacheck
from blinacheck.engine import ruleset
ruleset.load([], builtin=True)
root = Path(blinacheck.__file__).resolve().parent
files = [Path(m.__file__).resolve() for n, m in list(sys.modules.items())
         if n.startswith("blinacheck") and getattr(m, "__file__", None)]
print(json.dumps(sorted(f.relative_to(root).as_posix() for f in files if f.is_relative_to(root))))
"""


def test_every_module_that_compiles_rules_is_in_the_cache_key() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    loaded = set()
    for relative in json.loads(result.stdout):  # paths inside the package, wherever installed
        if relative.endswith("__init__.py") and relative != "__init__.py":
            continue  # package markers
        loaded.add(relative)
    assert loaded - set(rule_cache._SHAPING) - set(NOT_SHAPING) == set()
    assert set(NOT_SHAPING) <= loaded, "an allowed module is no longer loaded: drop it"
