"""The lint settings the service answers with, compiled once and reloaded when asked.

``lint``'s settings (``api.load_settings``: rules, select, ignore, severities, params), loaded
at start. SIGHUP, or a change to the configuration file or to a rule file in the directories
it names (a file changed, added or removed), loads them again; the new set replaces the old
one only if it is valid, otherwise the old one stays and the log says why. A request in flight
keeps the settings it started with (the swap is one reference assignment).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading

from .. import api
from ..api import ConfigError, Settings
from . import logs
from .config import ServeConfig

_RULE_FILES = (".yaml", ".yml")


class Rules:
    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.settings: Settings = self._load()
        self._lock = threading.Lock()
        self._stamps = self._look()
        self._reload_requested = False
        self.reloads = 0  # successful reloads, for the tests and /healthz

    def _load(self) -> Settings:
        return api.load_settings(
            self.config.config, isolated=self.config.isolated, cwd=self.config.cwd
        )

    def watched(self) -> list[str]:
        """The configuration file and the rule files of the directories it names."""
        found = self.settings.config
        if found is None:
            return []
        files = [found.path]
        dirs = found.data.get("rules", [])
        if isinstance(dirs, list):
            for entry in dirs:
                folder = os.path.join(found.directory, str(entry))
                for root, _subdirs, names in os.walk(folder):
                    files += [
                        os.path.join(root, n) for n in sorted(names) if n.endswith(_RULE_FILES)
                    ]
        files += [r.file for r in self.settings.ruleset.rules if not r.builtin]
        return sorted(set(files))

    def _look(self) -> dict[str, tuple[int, int] | None]:
        stamps: dict[str, tuple[int, int] | None] = {}
        for path in self.watched():
            try:
                info = os.stat(path)
                stamps[path] = (info.st_mtime_ns, info.st_size)
            except OSError:
                stamps[path] = None
        return stamps

    def changed(self) -> bool:
        """Whether a watched file changed, appeared or went since the last look."""
        return self._look() != self._stamps

    def reload(self, reason: str) -> bool:
        """Load the settings again; keep the old ones if the new ones are invalid."""
        with self._lock:
            try:
                settings = self._load()
            except ConfigError as exc:
                self._stamps = self._look()  # do not retry until the files change again
                first = str(exc).splitlines()[0][:300]
                logs.event("reload-failed", logging.ERROR, reason=reason, error=first)
                return False
            self.settings = settings
            self._stamps = self._look()
            self.reloads += 1
            logs.event("reloaded", reason=reason, count=len(settings.ruleset.rules))
            return True

    def reload_soon(self) -> None:
        """SIGHUP: reload at the watcher's next turn (a signal handler does no work itself)."""
        self._reload_requested = True

    async def watch(self) -> None:
        """Look at the watched files every ``reload_interval_seconds``; reload on a change or
        after SIGHUP. Runs for the life of the app."""
        interval = self.config.reload_interval_seconds
        while True:
            await asyncio.sleep(interval if interval > 0 else 0.2)
            if self._reload_requested:
                self._reload_requested = False
                await asyncio.to_thread(self.reload, "sighup")
            elif interval > 0 and await asyncio.to_thread(self.changed):
                await asyncio.to_thread(self.reload, "file-changed")
