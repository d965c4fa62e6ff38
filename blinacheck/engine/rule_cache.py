"""A cache of compiled rule sets across runs, in the user's cache directory (issue 17).

Compiling the rule files (YAML, validation, CEL checks) and the runtime form of each expression
is most of a one-plan run's work after the imports. The command line therefore keeps each rule
set it compiled in a file named by a key, and the next run with the same key reads it instead:

- **the key** is a SHA-256 over everything that shapes the compiled set: the cache format, the
  bytes and names of every rule file (built-in and institution), whether field references are
  checked, blinacheck's version and the source of the modules that compile rules (so that an
  edited checkout never reads a stale entry), the cel-expr-python distribution and binary, the
  pydantic version and the Python version. A change to any of them is a different key: an
  entry is never trusted across versions, and any change to a rule file is a miss.
- **the file** holds the key again and a SHA-256 of its body; a file that cannot be read, is
  truncated or corrupt, has another key, or that is not the user's own (owned by someone else,
  or writable by others: it could disable every rule) is ignored, and the rules are compiled as
  if there were no cache. Only rule sets without problems are stored: a broken rule file is
  compiled, and reported, every time.
- **writing** happens once, when the process exits (so that the runtime forms compiled for the
  plans of this run are kept too), to a temporary file renamed over the entry; a directory that
  cannot be written is no error. At most :data:`KEEP` entries are kept, the oldest removed.
- **where**: ``$BLINACHECK_CACHE_DIR``, else ``$XDG_CACHE_HOME/blinacheck``, else
  ``~/.cache/blinacheck``; never beside the files being checked.

Only the command line turns the cache on (``--no-cache`` keeps it off); the library never writes
to a user's cache directory unless its caller calls :func:`enable`.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

FORMAT = 1
KEEP = 16  # entries kept: a few projects' rule sets, each with and without institution rules
_PREFIX = "rules-"
_SUFFIX = ".json"
_MAGIC = b"blinacheck compiled rules\n"

# Modules whose source shapes a compiled rule set: an edited checkout keeps its version number.
_SHAPING = (
    "__init__.py",
    "engine/cel_ast.py",
    "engine/celenv.py",
    "engine/celtypes.py",
    "engine/fields.py",
    "engine/rule_cache.py",
    "engine/ruleset.py",
    "plan/models.py",
    "plan/validation.py",
    "read/source.py",
    "results/findings.py",
    "results/display.py",
    "timeline/subjects.py",
)

_state: dict[str, Any] = {"enabled": False, "directory": None}
# (folder, key) -> what to write there at exit
_pending: dict[tuple[Path, str], Callable[[], tuple[Any, Blobs] | None]] = {}


def enable(directory: str | os.PathLike[str] | None = None) -> None:
    """Use the cache in this process (the command line does); ``directory`` overrides
    :func:`default_directory`."""
    _state["enabled"] = True
    _state["directory"] = Path(directory) if directory is not None else None


def disable() -> None:
    """Neither read nor write the cache in this process (``--no-cache``); nothing is left
    to write at exit."""
    _state["enabled"] = False
    _state["directory"] = None
    _pending.clear()


def default_directory() -> Path | None:
    """``$BLINACHECK_CACHE_DIR``, ``$XDG_CACHE_HOME/blinacheck`` or ``~/.cache/blinacheck``."""
    chosen = os.environ.get("BLINACHECK_CACHE_DIR")
    if chosen:
        return Path(os.path.abspath(chosen))
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):  # the XDG spec: a relative path is to be ignored
        return Path(xdg) / "blinacheck"
    try:
        return Path.home() / ".cache" / "blinacheck"
    except (RuntimeError, KeyError, OSError):  # no home directory known
        return None


def directory() -> Path | None:
    """The cache directory in use, or None when the cache is off."""
    if not _state["enabled"]:
        return None
    chosen: Path | None = _state["directory"]
    return chosen if chosen is not None else default_directory()


def key(sources: Iterable[tuple[str, bytes, bool]], check_fields: bool) -> str | None:
    """The key of a rule set compiled from ``sources``; None if the environment cannot be
    identified (then there is no caching)."""
    digest = hashlib.sha256()

    def add(*parts: str | bytes) -> None:
        for part in parts:
            data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)

    try:
        add(str(FORMAT), _environment(), "checked" if check_fields else "unchecked")
        for name, raw, builtin in sources:
            add(name, "builtin" if builtin else "local", hashlib.sha256(raw).digest())
    except (OSError, ImportError, AttributeError):
        return None
    return digest.hexdigest()


def _environment() -> str:
    """blinacheck, cel-expr-python, pydantic and Python, identified (cached per process)."""
    cached: str | None = _state.get("environment")
    if cached is not None:
        return cached
    import pydantic
    from cel_expr_python import cel

    package = Path(__file__).resolve().parents[1]
    shaping = hashlib.sha256()
    for name in _SHAPING:
        shaping.update((package / name).read_bytes())
    # The version as the package root states it (read, not imported: the root is the API's
    # facade, and this module is below the API).
    stated = re.search(rb'__version__ = "([^"]*)"', (package / "__init__.py").read_bytes())
    version = stated.group(1).decode("ascii", "replace") if stated else "unknown"
    binary = os.stat(cel.__file__)
    site = Path(cel.__file__).resolve().parents[1]
    dists = sorted(p.name for p in site.glob("cel_expr_python-*.dist-info"))
    found = "|".join(
        [
            f"blinacheck {version} {shaping.hexdigest()}",
            f"cel-expr-python {','.join(dists)} {binary.st_size} {binary.st_mtime_ns}",
            f"pydantic {pydantic.VERSION}",
            f"python {sys.version} {sys.implementation.cache_tag} {sys.platform}",
        ]
    )
    _state["environment"] = found
    return found


def _path(folder: Path, entry: str) -> Path:
    return folder / f"{_PREFIX}{entry}{_SUFFIX}"


def _trusted(stat: os.stat_result) -> bool:
    """Owned by this user and writable by no one else (a planted entry could drop rules)."""
    if not hasattr(os, "getuid"):
        return True
    return stat.st_uid == os.getuid() and not stat.st_mode & 0o022


def fetch(entry: str) -> tuple[Any, Blobs] | None:
    """The payload stored under ``entry`` (its JSON data and byte strings), or None: missing,
    unreadable, corrupt, not ours."""
    folder = directory()
    if folder is None:
        return None
    path = _path(folder, entry)
    try:
        if not _trusted(os.stat(folder)):
            return None
        with open(path, "rb") as handle:
            if not _trusted(os.fstat(handle.fileno())):
                return None
            data = handle.read()
    except OSError:
        return None
    import json

    try:
        magic, stored_key, checksum, body = data.split(b"\n", 3)
        if (
            magic + b"\n" != _MAGIC
            or stored_key.decode("ascii") != entry
            or hashlib.sha256(body).hexdigest() != checksum.decode("ascii")
        ):
            return None
        size = int.from_bytes(body[:8], "little")
        head = json.loads(body[8 : 8 + size])
        blobs, at = [], 8 + size
        for length in head["blobs"]:
            blobs.append(body[at : at + int(length)])
            at += int(length)
        if at != len(body):
            return None
        return head["data"], Blobs(blobs)
    except (ValueError, UnicodeDecodeError, KeyError, TypeError):
        return None


class Blobs:
    """The byte strings of an entry (compiled CEL), kept beside its JSON and named by number."""

    def __init__(self, items: list[bytes] | None = None) -> None:
        self.items = items if items is not None else []

    def add(self, data: bytes) -> int:
        self.items.append(data)
        return len(self.items) - 1

    def get(self, number: Any) -> bytes:
        if not isinstance(number, int) or not 0 <= number < len(self.items):
            raise ValueError(f"no byte string {number!r} in the entry")
        return self.items[number]


def store_at_exit(entry: str, payload: Callable[[], tuple[Any, Blobs] | None]) -> None:
    """Write ``payload()`` under ``entry`` in the cache folder in use now, when the process
    exits; ``payload`` returns None when there is nothing new to write."""
    folder = directory()
    if folder is None:
        return
    if not _state.get("registered"):
        atexit.register(write_pending)
        _state["registered"] = True
    _pending[(folder, entry)] = payload


def write_pending() -> None:
    """Write every entry that has something new (at exit; harmless to call earlier)."""
    for (folder, entry), payload in list(_pending.items()):
        try:
            data = payload()
        except Exception:  # a cache must never break a run that went well
            continue
        if data is not None:
            _write(folder, entry, data)


def _write(folder: Path, entry: str, payload: tuple[Any, Blobs]) -> None:
    import json
    import tempfile  # only here: a run that writes nothing need not import it

    data, blobs = payload
    head = json.dumps({"blobs": [len(b) for b in blobs.items], "data": data}).encode("utf-8")
    body = b"".join([len(head).to_bytes(8, "little"), head, *blobs.items])
    checksum = hashlib.sha256(body).hexdigest().encode("ascii")
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _trusted(os.stat(folder)):
            return
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=_SUFFIX)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(_MAGIC + entry.encode("ascii") + b"\n" + checksum + b"\n" + body)
            os.replace(temporary, _path(folder, entry))
        except BaseException:
            os.unlink(temporary)
            raise
        _prune(folder)
    except OSError:
        return


def _prune(folder: Path) -> None:
    entries = []
    for path in folder.glob(f"{_PREFIX}*{_SUFFIX}"):
        try:
            entries.append((path.stat().st_mtime_ns, path))
        except OSError:
            continue
    for _, path in sorted(entries, reverse=True)[KEEP:]:
        try:
            path.unlink()
        except OSError:
            continue
