"""Benchmark: ticket creation through the real API, against the database's physical ceiling.

    .venv/bin/python bench/ticket_create.py [-n 2000] [-c 8]

In a throwaway PostgreSQL database (tests.support.db; FRONTDESK_TEST_PG_URL):
1. the backend in its own process (uvicorn on loopback, outbox dispatcher off), N ticket
   creations over HTTP (httpx, each with its own Idempotency-Key), `-c` at a time;
2. N single-row INSERTs (asyncpg, autocommit, same concurrency) into a table of similar width:
   the ceiling one committed write per request can reach on this machine.
Prints requests/s and p50/p99 latency for both, and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from backend.kernel.config import DEV_INTERNAL_SECRET  # noqa: E402
from bot.backend_client import SignedRequests  # noqa: E402
from tests.support.db import postgres_database  # noqa: E402
from tests.support.processes import Service, free_port  # noqa: E402

WARMUP = 100


def ticket_body(i: int) -> dict:
    return {
        "customer": {"channel": "telegram", "chat_id": str(10_000 + i % 500),
                     "display_name": "李雷", "language": "zh-Hans"},
        "type": ("repair", "installation", "complaint", "inquiry")[i % 4],
        "product": "冰箱",
        "description": "冷藏室不制冷，压缩机有异响，已经持续三天",
        "error_code": "E5",
        "phone": "13812345678",
        "address": "上海市浦东新区世纪大道100号 12楼",
        "preferred_time": "周六上午",
    }


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Stats:
    def __init__(self, name: str, latencies: list[float], elapsed: float) -> None:
        self.name, self.latencies, self.elapsed = name, sorted(latencies), elapsed
        self.server_cpu: float | None = None  # the backend's CPU seconds in the measured run

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed

    def percentile(self, p: float) -> float:
        index = min(len(self.latencies) - 1, round(p / 100 * (len(self.latencies) - 1)))
        return self.latencies[index] * 1000

    def line(self) -> str:
        return (f"{self.name:<28} {len(self.latencies):>6} in {self.elapsed:6.2f}s  "
                f"{self.rate:8.0f}/s  p50 {self.percentile(50):6.2f} ms  "
                f"p99 {self.percentile(99):6.2f} ms  mean "
                f"{statistics.fmean(self.latencies) * 1000:6.2f} ms")


async def run_concurrently(n: int, concurrency: int, one) -> tuple[list[float], float]:
    """Call `one(i)` for i in range(n), `concurrency` at a time; latencies and wall time."""
    latencies: list[float] = []
    counter = iter(range(n))

    async def worker() -> None:
        for i in counter:
            start = time.perf_counter()
            await one(i)
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - start


async def bench_api(base_url: str, n: int, concurrency: int, server_pid: int) -> Stats:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30,
                                 auth=SignedRequests(DEV_INTERNAL_SECRET)) as client:
        async def create(i: int) -> None:
            response = await client.post("/api/v1/tickets", json=ticket_body(i),
                                          headers={"Idempotency-Key": str(uuid.uuid4())})
            if response.status_code != 201:
                raise RuntimeError(f"HTTP {response.status_code}: {response.text[:300]}")

        await run_concurrently(WARMUP, concurrency, create)
        cpu_before = process_cpu_seconds(server_pid)
        latencies, elapsed = await run_concurrently(n, concurrency, create)
        cpu_after = process_cpu_seconds(server_pid)
    stats = Stats("API POST /api/v1/tickets", latencies, elapsed)
    if cpu_before is not None and cpu_after is not None:
        stats.server_cpu = cpu_after - cpu_before
    return stats


async def bench_raw(database_url: str, n: int, concurrency: int) -> Stats:
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency)
    try:
        await pool.execute("""
            CREATE TABLE bench_raw (
                id bigserial PRIMARY KEY, idempotency_key text UNIQUE NOT NULL,
                description text NOT NULL, phone text, address text,
                created_at timestamptz NOT NULL DEFAULT now())
        """)
        body = ticket_body(0)

        async def insert(i: int) -> None:
            await pool.execute(
                "INSERT INTO bench_raw (idempotency_key, description, phone, address) "
                "VALUES ($1, $2, $3, $4)",
                str(uuid.uuid4()), body["description"], body["phone"], body["address"],
            )

        await run_concurrently(WARMUP, concurrency, insert)
        latencies, elapsed = await run_concurrently(n, concurrency, insert)
    finally:
        await pool.close()
    return Stats("raw INSERT (asyncpg)", latencies, elapsed)


def start_backend(database_url: str, port: int) -> Service:
    """The backend as its own process (`frontdesk backend`), healthy."""
    return Service("backend", ["backend"], {
        "ENVIRONMENT": "development", "DATABASE_URL": database_url, "BACKEND_PORT": str(port),
        "OUTBOX_DISPATCHER_ENABLED": "false", "LOG_LEVEL": "WARNING",
    }, f"http://127.0.0.1:{port}/health").start(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="requests per measurement")
    parser.add_argument("-c", "--concurrency", type=int, default=8)
    args = parser.parse_args()

    with postgres_database(prefix="frontdesk_bench") as database_url:
        port = free_port()
        backend = start_backend(database_url, port)
        try:
            api = asyncio.run(bench_api(f"http://127.0.0.1:{port}", args.n, args.concurrency,
                                        backend.process.pid))
        finally:
            backend.stop()
        raw = asyncio.run(bench_raw(database_url, args.n, args.concurrency))

    print(f"PostgreSQL, {args.n} requests, concurrency {args.concurrency}, "
          f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f}), "
          f"{WARMUP} warm-up requests each not counted")
    print(api.line())
    print(raw.line())
    if api.server_cpu is not None:
        print(f"backend process CPU: {api.server_cpu / args.n * 1000:.1f} ms per ticket "
              f"({api.server_cpu / api.elapsed:.0%} of one core during the run)")
    print(f"API throughput is {api.rate / raw.rate:.1%} of the raw single-row INSERT ceiling "
          f"(p50 latency x{api.percentile(50) / raw.percentile(50):.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
