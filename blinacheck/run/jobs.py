"""How many processes a batch uses, decided without importing multiprocessing.

A one-file lint (the pre-commit hook's usual case) must not pay for importing
:mod:`.parallel` and ``concurrent.futures.process`` (about 9 ms) only to learn that one process
it is.
"""

from __future__ import annotations

import os

# Below this many files a pool costs more (start-up, one rule compile per worker) than it saves.
AUTO_MIN_FILES = 50


def auto_jobs(files: int) -> int:
    """The default --jobs: every usable CPU for a batch, one process for a handful of files."""
    if files < AUTO_MIN_FILES:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, cpus)


def processes(jobs: int | None, files: int) -> int:
    """The processes to lint ``files`` files with: ``jobs`` (None: :func:`auto_jobs`), at most
    one per file."""
    wanted = auto_jobs(files) if jobs is None else jobs
    return max(1, min(wanted, files))
