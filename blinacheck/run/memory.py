"""The process-wide memory choice of a batch run (the CLI and the parallel workers make it)."""

from __future__ import annotations


def collect_rarely() -> None:
    """Tune CPython's cyclic garbage collector for a batch run (a process-wide choice: the CLI
    and the parallel workers make it, the library never does).

    Linting allocates many small containers (parsed plans, timelines) that are kept until the
    report is printed and that reference counting frees anyway; by default the collector rescans
    that growing heap again and again (about a sixth of a 3,000-plan batch). What is alive now
    (modules, the compiled rules) is frozen out of its scans, and it runs rarely.
    """
    import gc

    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
