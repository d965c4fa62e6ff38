"""Glob patterns over file paths, for ``exclude`` and ``per-file-ignores`` (docs/configuration.md).

A pattern without a ``/`` matches a file or directory name anywhere below the base directory
(``drafts``, ``*.tmpl.yaml``); a pattern with a ``/`` is anchored at the base directory (the
directory of the configuration file) and matches that path or anything below it
(``plans/archive``, ``plans/**/old-*.yaml``). ``*`` and ``?`` stay within one path segment,
``**`` spans any number of directories, ``[abc]`` is a character class.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import PurePosixPath


def _translate(pattern: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:[^/]+/)*")
            index += 3
            continue
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and "]" in pattern[index + 2 :]:
            end = pattern.index("]", index + 2)
            body = pattern[index + 1 : end]
            body = "^" + body[1:] if body.startswith("!") else body
            out.append(f"[{body.replace(chr(92), chr(92) * 2)}]")
            index = end
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


class PathPatterns:
    """A set of glob patterns, matched against paths relative to ``base``."""

    def __init__(self, patterns: Sequence[str], base: str) -> None:
        self.patterns = tuple(patterns)
        self.base = os.path.realpath(base)
        self._names: list[re.Pattern[str]] = []
        self._anchored: list[re.Pattern[str]] = []
        for pattern in self.patterns:
            text = pattern.strip()
            cleaned = text.removeprefix("./").strip("/")
            # "/drafts" and "./drafts" are anchored like "plans/drafts"; "drafts/" is a name.
            if "/" in text.rstrip("/"):
                self._anchored.append(re.compile(_translate(cleaned)))
            else:
                self._names.append(re.compile(_translate(cleaned)))

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def matches(self, path: str) -> bool:
        """Whether ``path`` (relative to the current directory, or absolute) is matched."""
        real = os.path.realpath(path)
        relative = os.path.relpath(real, self.base)
        inside = not relative.startswith("..") and not os.path.isabs(relative)
        parts = PurePosixPath(relative.replace(os.sep, "/")).parts if inside else ()
        names = parts or (os.path.basename(real),)
        if any(p.fullmatch(name) for p in self._names for name in names):
            return True
        if not inside:
            return False
        # An anchored pattern matches the path itself or any directory above it.
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        return any(p.fullmatch(prefix) for p in self._anchored for prefix in prefixes)
