"""The CDS Hooks service under load: order-sign requests on loopback, with 1 and 2 workers.

    pip install -e '.[serve]'
    python bench/serve.py                 # 50 concurrent clients for 20 s per worker count
    python bench/serve.py --seconds 5     # a shorter run

For each worker count it starts ``blinacheck serve --isolated --workers N`` on 127.0.0.1 at a
free port (no trusted issuers: no token checks; the default SQLite audit log in a temporary
folder), sends the CDS Hooks ``order-sign`` request of tests/cds_hooks (a child's plan with
IT methotrexate on Day 1: one critical card) from ``--clients`` concurrent httpx clients for
``--seconds`` after a 2-second warm-up, and prints the p50 and p99 latency of the requests
and the throughput. docs/performance.md ("The CDS Hooks service") shows one run. No test
asserts these figures; the bound on the run is its duration, whatever the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
REQUEST = REPO / "tests" / "cds_hooks" / "order-sign-child-it-day-1.json"
SERVICE = "/cds-services/blinacheck-order-sign"
WARM_UP = 2.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(workers: int, folder: Path) -> Iterator[str]:
    port = free_port()
    options = ["--isolated", "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(
        [sys.executable, "-m", "blinacheck", "serve", *options],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"blinacheck serve exited {process.returncode}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit("blinacheck serve did not start within 60 s")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def load(url: str, body: bytes, clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` concurrent loops of requests; latencies of those started after the warm-up."""
    latencies: list[float] = []
    failures = 0
    cards: set[int] = set()
    started = time.perf_counter()
    measure_from = started + WARM_UP
    stop = measure_from + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:

        async def one_client() -> None:
            nonlocal failures
            while (sent := time.perf_counter()) < stop:
                response = await client.post(SERVICE, content=body, headers=headers)
                done = time.perf_counter()
                if sent < measure_from:
                    continue
                if response.status_code != 200:
                    failures += 1
                    continue
                cards.add(len(response.json()["cards"]))
                latencies.append(done - sent)

        await asyncio.gather(*(one_client() for _ in range(clients)))
    elapsed = time.perf_counter() - measure_from
    ordered = sorted(latencies)
    return {
        "requests": len(latencies),
        "failures": failures,
        "cards per answer": sorted(cards),
        "p50 ms": 1000 * statistics.median(ordered) if ordered else float("nan"),
        "p99 ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        if ordered
        else float("nan"),
        "requests/s": len(latencies) / elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    options = parser.parse_args()
    body = REQUEST.read_bytes()
    print(
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {options.clients} clients, {options.seconds:g} s per run "
        f"after {WARM_UP:g} s of warm-up, {REQUEST.name}"
    )
    print(f"{'workers':>7} {'requests':>9} {'failed':>6} {'p50 ms':>7} {'p99 ms':>7} {'req/s':>7}")
    for workers in options.workers:
        with tempfile.TemporaryDirectory() as folder, serving(workers, Path(folder)) as url:
            result = asyncio.run(load(url, body, options.clients, options.seconds))
        print(
            f"{workers:>7} {result['requests']:>9} {result['failures']:>6} "
            f"{result['p50 ms']:>7.1f} {result['p99 ms']:>7.1f} {result['requests/s']:>7.1f}"
        )
        if result["failures"]:
            print(f"        {result['failures']} requests failed", file=sys.stderr)
        print(f"        cards per answer: {json.dumps(result['cards per answer'])}")


if __name__ == "__main__":
    main()
