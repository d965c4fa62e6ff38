"""blinacheck: a linter for planned blinatumomab treatment schedules.

The Python API (docs/api.md) is importable from here — ``from blinacheck import lint_text`` —
and lives in :mod:`blinacheck.api`, whose ``__all__`` is the one list of public names. It loads
on first use: ``import blinacheck`` alone imports neither pydantic nor the CEL runtime, so the
command line and pre-commit hook start quickly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # type checkers and IDEs see the real objects, named by api.__all__
    from .api import *  # noqa: F403


def __getattr__(name: str) -> Any:
    if name.startswith("__") and name != "__all__":
        raise AttributeError(f"module 'blinacheck' has no attribute '{name}'")
    # import_module, not `from . import api`: that would look the attribute up here again.
    api = importlib.import_module(".api", __name__)
    if name == "api":
        return api
    if name == "__all__":
        value: Any = [*api.__all__, "__version__"]
    elif name in api.__all__:
        value = getattr(api, name)
    else:
        raise AttributeError(f"module 'blinacheck' has no attribute '{name}'")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    api = importlib.import_module(".api", __name__)
    return sorted({*globals(), *api.__all__})
