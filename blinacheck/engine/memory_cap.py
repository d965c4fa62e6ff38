"""A ceiling on the memory that evaluating one file's rules may take (docs/limits.md).

CEL bounds a rule's loops (the iteration budget), not the size of what it builds: a rule may join
a list literal of many copies of a string, and nest that, so that a short expression asks for
gigabytes. Counting calls cannot bound that product, and cel-expr-python has no cost limit. So,
on Linux, while a file's rules are evaluated the process's address space is capped at its
present size plus :data:`RULE_MEMORY_BYTES`. An allocation past it fails inside cel-cpp with
``std::bad_alloc``, which reaches Python as ``MemoryError``; the rule gets a ``rule-error``
finding and the machine keeps its memory. The cap is lifted when the last evaluation under way
in the process ends, so nothing else (a browser a test starts, a server's other work) lives
under it for long. Where the address space cannot be read or capped (not Linux, or a lower
limit already set), evaluation runs without this cap.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

RULE_MEMORY_BYTES = 1024**3  # far above what real rules need (a plan at every limit: ~100 MB)

_lock = threading.Lock()
_depth = 0  # evaluations under way in this process (threads share the one limit)
_saved: tuple[int, int] | None = None  # the limit to restore when the last one ends


def _address_space() -> int:
    """The process's virtual memory size now, in bytes (Linux: /proc/self/statm)."""
    with open("/proc/self/statm", "rb") as statm:
        pages = int(statm.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE")


def _cap() -> tuple[int, int] | None:
    """Lower the soft RLIMIT_AS to now + RULE_MEMORY_BYTES; the limit it replaced, or None."""
    if not sys.platform.startswith("linux"):
        return None
    import resource

    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        wanted = _address_space() + RULE_MEMORY_BYTES
        if hard != resource.RLIM_INFINITY:
            wanted = min(wanted, hard)
        if soft != resource.RLIM_INFINITY and soft <= wanted:
            return None  # someone set a tighter limit: theirs stands
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    except (OSError, ValueError):
        return None
    return soft, hard


@contextmanager
def capped() -> Iterator[None]:
    """Run the block with the address space capped (see the module's docstring)."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = _cap()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                import resource

                resource.setrlimit(resource.RLIMIT_AS, _saved)
                _saved = None
