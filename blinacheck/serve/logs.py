"""Structured logs: one JSON object per line on standard error, with no patient data.

How that is ensured: the service logs only through :func:`event`, whose fields are a closed
set of names (``FIELDS``) holding the service's own vocabulary (event names, service ids,
rule ids, status codes, counts, durations, configuration paths). Nothing a request carries is
logged: no plan text, no names, no identifiers, no dates, no exception messages (an unexpected
error logs its exception class only). uvicorn's own loggers go through the same formatter, and
its access log, which would name the client address and the raw path, is off; the service logs
each request itself with the route's template, never the raw path.
"""

from __future__ import annotations

import datetime
import json
import logging
import sys
from typing import Any

LOGGER = "blinacheck.serve"
# The names a log line may carry besides time, level, logger and message.
FIELDS = frozenset(
    {
        "event",
        "service",
        "method",
        "route",
        "status",
        "duration_ms",
        "rules",
        "cards",
        "findings",
        "count",
        "reason",
        "error",
        "host",
        "port",
        "workers",
        "authenticated",
        "files",
        "database",
        "prefetch",
    }
)


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line: time (UTC, ISO 8601), level, logger, event, fields."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.datetime.fromtimestamp(record.created, datetime.UTC)
        data: dict[str, Any] = {
            "time": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            data.update(fields)
        elif record.name.startswith("uvicorn"):
            # uvicorn's own lines (start-up, shutdown) are its fixed texts with host and port;
            # an exception's text is never written (it could quote a request).
            data["event"] = "uvicorn"
            data["message"] = record.getMessage() if record.exc_info is None else "error"
            if record.exc_info and record.exc_info[0] is not None:
                data["error"] = record.exc_info[0].__name__
        else:
            data["event"] = "log"
            data["message"] = record.getMessage()
        return json.dumps(data, ensure_ascii=False, default=str)


def event(name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one event. Only the names in ``FIELDS`` are accepted (a programming error else)."""
    unknown = set(fields) - FIELDS
    if unknown:
        raise ValueError(f"log fields not allowed: {sorted(unknown)}")
    logging.getLogger(LOGGER).log(level, name, extra={"fields": {"event": name, **fields}})


def configure(level: int = logging.INFO) -> None:
    """Send the service's and uvicorn's logs to standard error as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name in (LOGGER, "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
    access = logging.getLogger("uvicorn.access")
    access.handlers[:] = []
    access.propagate = False
    access.disabled = True


# uvicorn's log_config: the same, for uvicorn.run (each worker process configures itself).
UVICORN_LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "blinacheck.serve.logs.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        LOGGER: {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}
