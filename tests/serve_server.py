"""A real ``blinacheck serve`` on a free loopback port, for the service's tests.

The server runs as a subprocess (the command a user runs, under real uvicorn); its standard
error, the JSON log, is collected line by line while it runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

HOOKS = Path(__file__).resolve().parent / "cds_hooks"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def hook_request(name: str) -> dict[str, Any]:
    """A request body from tests/cds_hooks/."""
    data: dict[str, Any] = json.loads((HOOKS / name).read_text(encoding="utf-8"))
    return data


class JsonServer:
    """A loopback HTTP server that answers a GET of a known path with its JSON (404 for any
    other) and records each request's path and Authorization header: an EHR's FHIR server or
    its JWK Set, for the service to fetch from."""

    def __init__(self, answers: dict[str, Any], content_type: str = "application/json") -> None:
        self.seen: list[tuple[str, str | None]] = []
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = urllib.parse.unquote(self.path)
                seen.append((path, self.headers.get("Authorization")))
                found = answers.get(path)
                body = json.dumps(found if found is not None else {}).encode()
                self.send_response(200 if found is not None else 404)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    def log(self) -> list[dict[str, Any]]:
        """The JSON log so far, one object per line (a line that is not JSON fails the test)."""
        return [json.loads(line) for line in list(self.lines)]

    def wait_for_log(
        self, event: str, count: int = 1, seconds: float = 30, since: int = 0
    ) -> list[dict[str, Any]]:
        """The log's ``event`` lines (from line ``since`` on), once there are ``count``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = [e for e in self.log()[since:] if e.get("event") == event]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no {event!r} in the log within {seconds} s: {self.lines}")


@contextlib.contextmanager
def running(*args: str, cwd: Path | str, env: dict[str, str] | None = None) -> Iterator[Server]:
    """The service started in ``cwd`` (a test's own folder: its audit log is created there)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "blinacheck", "serve", "--port", str(port), *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    server = Server(f"http://127.0.0.1:{port}", process)
    assert process.stderr is not None
    stderr = process.stderr

    def collect() -> None:
        for line in stderr:
            server.lines.append(line.rstrip("\n"))

    reader = threading.Thread(target=collect, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                reader.join(5)
                raise AssertionError(
                    f"blinacheck serve exited {process.returncode}: {server.lines}"
                )
            try:
                if httpx.get(server.url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"blinacheck serve did not start: {server.lines}")
            time.sleep(0.05)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        reader.join(5)
