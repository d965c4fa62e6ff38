"""Which files a run lints: paths named on the command line, and plan files found in folders."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator

from ..results.display import printable

PLAN_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"  # as a path: read the plan from standard input (an editor's unsaved buffer)


class PathError(Exception):
    """A path that cannot be read at all (exit code 2)."""


def discover(
    paths: Iterable[str],
    *,
    exclude: Callable[[str], bool] | None = None,
    only_plans: bool = False,
) -> Iterator[tuple[str, bool]]:
    """Files to lint, each with whether it was named explicitly. Raise PathError for bad paths.

    ``exclude`` (config ``exclude``) prunes directory searches. With ``only_plans`` (the
    pre-commit hook) a named file is treated like a file found in a directory: excluded files
    are left out, and non-plans are skipped instead of reported.
    """
    excluded = exclude or (lambda _path: False)
    for path in paths:
        if path == STDIN:
            yield path, True
        elif os.path.isdir(path):
            found: list[str] = []
            # A sub-folder that cannot be listed is reported (lint_file), never skipped in
            # silence; the folder named itself must be listable.
            unlisted: list[OSError] = []
            for root, dirs, files in os.walk(path, onerror=unlisted.append):
                dirs[:] = sorted(
                    d for d in dirs if not d.startswith(".") and not excluded(os.path.join(root, d))
                )
                found += [os.path.join(root, f) for f in files if f.endswith(PLAN_SUFFIXES)]
            for error in unlisted:
                if error.filename == path:
                    raise PathError(f"{printable(path)}: cannot read: {error.strerror or error}")
                found.append(str(error.filename))
            for file in sorted(found):
                if not excluded(file):
                    yield file, False
        elif os.path.isfile(path):
            if not (only_plans and excluded(path)):
                # With only_plans a named file is judged like a found one: skipped unless it
                # is, or says it is, a plan (see read/readers.py).
                yield path, not only_plans
        elif os.path.exists(path):
            raise PathError(f"{printable(path)}: not a regular file or directory")
        else:
            raise PathError(f"{printable(path)}: no such file or directory")
