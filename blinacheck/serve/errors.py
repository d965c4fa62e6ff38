"""A request the service refuses: an HTTP status and a message for the client."""

from __future__ import annotations


class ServiceError(Exception):
    """Answered as ``{"error": message}`` with ``status`` (never a traceback)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad_request(message: str) -> ServiceError:
    return ServiceError(400, message)
